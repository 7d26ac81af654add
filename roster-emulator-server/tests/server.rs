//! The server over real HTTP: answers, a dropped connection, and a stop that frees the port.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use roster_emulator_server::{Outcome, Server, text};

fn start(calls: Arc<AtomicUsize>) -> Server {
    Server::serve(
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        "test-emulator",
        calls,
        |calls: Arc<AtomicUsize>, req| async move {
            calls.fetch_add(1, Ordering::SeqCst);
            if req.uri().path() == "/drop" {
                Outcome::Drop
            } else {
                Outcome::Respond(text(418, "teapot"))
            }
        },
    )
    .unwrap()
}

#[tokio::test]
async fn answers_drops_and_stops() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut server = start(calls.clone());
    let base = format!("http://{}", server.addr());
    let http = reqwest::Client::new();
    let r = http.get(format!("{base}/x")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 418);
    assert_eq!(r.text().await.unwrap(), "teapot");
    let dropped = http.get(format!("{base}/drop")).send().await;
    assert!(
        dropped.is_err(),
        "a dropped connection has no answer: {dropped:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    server.stop();
    server.stop();
    let after = http.get(format!("{base}/x")).send().await;
    assert!(
        after.is_err(),
        "a stopped server answers nothing: {after:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}
