//! Log setup: `tracing` to stderr; `RUST_LOG` wins over `-v`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs a stderr subscriber. Safe to call more than once (later calls do nothing).
pub fn init(verbose: u8) {
    init_with_default(verbose, "info");
}

/// [`init`] with another filter than `info` at `-v` 0 (e.g. `info,roster::vendor=error`);
/// `-v`, `-vv` and `RUST_LOG` still win.
pub fn init_with_default(verbose: u8, quiet: &str) {
    let default = match verbose {
        0 => quiet,
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
