//! Log setup: `tracing` to stderr; `RUST_LOG` wins over `-v`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs a stderr subscriber. Safe to call more than once (later calls do nothing).
pub fn init(verbose: u8) {
    let default = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
