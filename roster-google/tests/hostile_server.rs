//! A server that is not Google, or a broken one: answers the client must refuse rather than
//! loop on or believe (a page token handed back, partitions that never narrow). Served over
//! real HTTP by the emulators' own server crate.

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
            json(page)
        },
    )
    .unwrap()
}

/// A 200 answer with a JSON body, as Google sends it.
fn json(body: impl Into<String>) -> Outcome {
    let mut r = text(200, body.into());
    r.headers_mut().insert(
        "content-type",
        "application/json; charset=UTF-8".parse().unwrap(),
    );
    Outcome::Respond(r)
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

/// Every `users.list` for the prefix `P` (from `email:P*`, none for the root) answers as if
/// `P` held millions of accounts from `P0000000` to `P9`: every partition splits into ten
/// children, without end.
fn never_narrowing_server() -> Server {
    Server::serve(
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        "never-narrowing",
        Arc::new(()),
        |_: Arc<()>, req| async move {
            let query = req.uri().query().unwrap_or("").to_string();
            let query = percent_encoding::percent_decode_str(&query.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned();
            let prefix = query
                .split_once("email:")
                .map(|(_, p)| p.split(['*', '&']).next().unwrap_or(""))
                .unwrap_or("")
                .to_string();
            let user = |n: &str| {
                format!(
                    r#"{{"id":"{prefix}{n}","primaryEmail":"{prefix}{n}@d.org","orgUnitPath":"/Students",
                        "name":{{"givenName":"A","familyName":"B","fullName":"A B"}}}}"#
                )
            };
            let users = if query.contains("sortOrder=DESCENDING") {
                user("9")
            } else {
                format!("{},{}", user("0000000"), user("0000001"))
            };
            let page = format!(
                r#"{{"kind":"admin#directory#users","nextPageToken":"more","users":[{users}]}}"#
            );
            json(page)
        },
    )
    .unwrap()
}

#[tokio::test]
async fn partitions_that_never_narrow_are_an_error_not_an_endless_listing() {
    let server = never_narrowing_server();
    let config = ClientConfig {
        rate_per_second: 1_000_000.0,
        burst: 1_000,
        ..ClientConfig::with_base_url(format!("http://{}/admin/directory/v1", server.addr()))
    };
    let client = DirectoryClient::new(config, Arc::new(StaticToken::new("t"))).unwrap();
    let target =
        GoogleDirectory::new(Arc::new(client)).with_read_partitions(ReadPartitions::Always);
    let err = target
        .list_accounts(&[OrgUnitPath::new("/Students")])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("did not narrow"), "{err}");
}
