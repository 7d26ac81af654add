//! The TCP leg of every SSH connection: name resolution and a connect with a timeout. Both
//! the host-key probe and the authenticated session start here.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::error::SftpError;

/// Resolves and connects with a timeout, trying each address. Returns the stream and the
/// `host:port` label used in messages.
pub(crate) fn tcp_connect(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<(TcpStream, String), SftpError> {
    let addr = format!("{host}:{port}");
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|source| SftpError::Resolve {
            host: host.to_string(),
            port,
            source,
        })?
        .collect();
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address found");
    for sa in addrs {
        match TcpStream::connect_timeout(&sa, timeout) {
            Ok(tcp) => {
                let _ = tcp.set_nodelay(true);
                return Ok((tcp, addr));
            }
            Err(e) => last = e,
        }
    }
    Err(SftpError::Connect { addr, source: last })
}
