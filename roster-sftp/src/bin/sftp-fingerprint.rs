//! Prints an SFTP server's SHA256 host-key fingerprint, to pin in a district's code.
//!
//! ```text
//! $ sftp-fingerprint sftp.stmath.com
//! sftp.stmath.com:22 ssh-ed25519 SHA256:...
//! ```
//! Confirm the value with the vendor (out of band) before pinning it.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use roster_sftp::delivery::fetch_host_key;

#[derive(Parser)]
#[command(about = "Print an SFTP server's SHA256 host-key fingerprint (for pinning)")]
struct Args {
    /// `HOST`, `HOST:PORT` or `[IPV6]:PORT`; the port defaults to 22.
    server: String,
    /// Connect and handshake timeout, in seconds.
    #[arg(long, default_value_t = 15)]
    timeout: u64,
}

fn split_host_port(s: &str) -> Result<(String, u16), String> {
    let bad_port = |p: &str| format!("invalid port {p:?} in {s:?}");
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("missing ']' in {s:?}"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad_port(p))?,
            None if after.is_empty() => 22,
            None => return Err(format!("unexpected {after:?} after ']' in {s:?}")),
        };
        return Ok((host.to_string(), port));
    }
    match s.rsplit_once(':') {
        // More than one ':' without brackets: a bare IPv6 address.
        Some((host, _)) if host.contains(':') => Ok((s.to_string(), 22)),
        Some((host, p)) => Ok((host.to_string(), p.parse().map_err(|_| bad_port(p))?)),
        None => Ok((s.to_string(), 22)),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let (host, port) = match split_host_port(&args.server) {
        Ok(hp) => hp,
        Err(e) => {
            eprintln!("sftp-fingerprint: {e}");
            return ExitCode::from(2);
        }
    };
    match fetch_host_key(&host, port, Duration::from_secs(args.timeout)) {
        Ok(info) => {
            println!("{host}:{port} {} {}", info.key_type, info.fingerprint);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sftp-fingerprint: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_host_port;

    #[test]
    fn parses_host_and_port() {
        let hp = |s| split_host_port(s).unwrap();
        assert_eq!(hp("sftp.example.org"), ("sftp.example.org".into(), 22));
        assert_eq!(hp("127.0.0.1:2222"), ("127.0.0.1".into(), 2222));
        assert_eq!(hp("[::1]:2200"), ("::1".into(), 2200));
        assert_eq!(hp("[::1]"), ("::1".into(), 22));
        assert_eq!(hp("::1"), ("::1".into(), 22));
        assert!(split_host_port("host:99999").is_err());
        assert!(split_host_port("[::1").is_err());
    }
}
