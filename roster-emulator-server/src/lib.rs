//! The HTTP/1.1 server roster's local API emulators run on.
//!
//! [`Server::serve`] serves a bound listener on a dedicated thread with its own tokio
//! runtime, so an emulator works the same from a `#[test]`, a `#[tokio::test]` or a binary.
//! Each request goes to the emulator's handler, which ends in an [`Outcome`]: an answer, or
//! [`Outcome::Drop`], which closes the connection without writing anything (a dropped
//! connection, as a fault to inject). The server stops when dropped.
//!
//! ```
//! use std::sync::Arc;
//! use roster_emulator_server::{Outcome, Server, text};
//!
//! let server = Server::serve(
//!     std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
//!     "hello emulator",
//!     Arc::new("hello"),
//!     |greeting: Arc<&'static str>, _req| async move { Outcome::Respond(text(200, *greeting)) },
//! )
//! .unwrap();
//! assert!(server.addr().port() > 0);
//! ```

#![warn(missing_docs)]

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::{Notify, oneshot};

/// A response body: the whole answer in memory.
pub type Body = Full<Bytes>;

/// What a request ends in.
#[derive(Debug)]
pub enum Outcome {
    /// Answer with this response.
    Respond(Response<Body>),
    /// Close the connection without an answer.
    Drop,
}

/// A response with this status (500 for a status that is not one) and body, no headers.
pub fn text(status: u16, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

/// A running server; it stops (and its thread ends) when dropped or [`Server::stop`]ped.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serves every request on `listener` (bound by the caller, which may need the port
    /// before it builds `state`) with `handle(state, request)`, on a thread named `name` with
    /// a two-worker runtime.
    pub fn serve<S, F, Fut>(
        listener: std::net::TcpListener,
        name: &str,
        state: Arc<S>,
        handle: F,
    ) -> std::io::Result<Server>
    where
        S: Send + Sync + 'static,
        F: Fn(Arc<S>, Request<Incoming>) -> Fut + Copy + Send + Sync + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(format!("{name}-worker"))
            .enable_all()
            .build()?;
        let (tx, rx) = oneshot::channel();
        let label = name.to_string();
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => serve(l, state, handle, rx).await,
                        Err(e) => tracing::error!(error = %e, "{label}: cannot listen"),
                    }
                });
            })?;
        tracing::info!(%addr, "{name} listening");
        Ok(Server {
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, ends the runtime and joins its thread (idempotent).
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Accepts connections until `shutdown` fires. Each connection is served by hyper; a handler
/// that decides to drop the connection signals the connection's task, which then drops the
/// connection (and its socket) without writing a response.
async fn serve<S, F, Fut>(
    listener: tokio::net::TcpListener,
    state: Arc<S>,
    handle: F,
    mut shutdown: oneshot::Receiver<()>,
) where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, Request<Incoming>) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                tokio::spawn(async move {
                    let dropped = Arc::new(Notify::new());
                    let signal = dropped.clone();
                    let svc = service_fn(move |req| {
                        let state = state.clone();
                        let signal = signal.clone();
                        async move {
                            match handle(state, req).await {
                                Outcome::Respond(r) => Ok::<_, Infallible>(r),
                                Outcome::Drop => {
                                    signal.notify_one();
                                    std::future::pending().await
                                }
                            }
                        }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc);
                    tokio::select! {
                        _ = conn => {}
                        _ = dropped.notified() => {
                            tracing::debug!("dropping a connection (injected fault)");
                        }
                    }
                });
            }
        }
    }
}
