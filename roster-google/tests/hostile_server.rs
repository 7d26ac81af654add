//! A server that is not Google, or a broken one: answers the client must refuse rather than
//! loop on or believe. Served over real HTTP by the emulators' own server crate.

use std::sync::Arc;

use roster_core::{DirectoryTarget, OrgUnitPath};
use roster_emulator_server::{Outcome, Server, text};
use roster_google::client::ListUsers;
use roster_google::target::ReadPartitions;
use roster_google::{ClientConfig, DirectoryClient, GoogleDirectory, StaticToken};

/// Every `users.list` answers one user in `/Students` and the page token `again`, whatever
/// token it was given.
fn same_token_server() -> Server {
    Server::serve(
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        "same-token",
        Arc::new(()),
        |_: Arc<()>, _req| async move {
            let page = r#"{"kind":"admin#directory#users","nextPageToken":"again","users":[
                {"id":"1","primaryEmail":"a@d.org","orgUnitPath":"/Students",
                 "name":{"givenName":"A","familyName":"B","fullName":"A B"}}]}"#;
            let mut r = text(200, page);
            r.headers_mut().insert(
                "content-type",
                "application/json; charset=UTF-8".parse().unwrap(),
            );
            Outcome::Respond(r)
        },
    )
    .unwrap()
}

fn client(server: &Server) -> DirectoryClient {
    let config =
        ClientConfig::with_base_url(format!("http://{}/admin/directory/v1", server.addr()));
    DirectoryClient::new(config, Arc::new(StaticToken::new("t"))).unwrap()
}

#[tokio::test]
async fn a_page_token_handed_back_is_an_error_not_an_endless_listing() {
    let server = same_token_server();
    let err = client(&server)
        .list_users(&ListUsers::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("same page token"), "{err}");
    for mode in [ReadPartitions::Never, ReadPartitions::Auto] {
        let target = GoogleDirectory::new(Arc::new(client(&server))).with_read_partitions(mode);
        let err = target
            .list_accounts(&[OrgUnitPath::new("/Students")])
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("same page token"), "{mode:?}: {err}");
    }
}
