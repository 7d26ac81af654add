//! The Oracle backend without Oracle Instant Client: a real connect, a clear error.

use roster_core::{Secret, SourceError};
use roster_sis::powerschool::{OracleBackend, OracleConfig, OracleError};

const PASSWORD: &str = "s3cret-Pa55word-never-printed";

fn config() -> OracleConfig {
    OracleConfig {
        user: "psnavigator".into(),
        password: Secret::new(PASSWORD),
        connect_string: "127.0.0.1:9/PSPRODDB".into(),
    }
}

#[tokio::test]
async fn connect_without_instant_client_names_the_fix() {
    // A real connect: ODPI-C looks for libclntsh at run time. On a machine without Oracle
    // Instant Client (this one, CI) that fails with DPI-1047.
    let err = OracleBackend::connect_async(config()).await.unwrap_err();
    let message = err.to_string();
    assert!(!message.contains(PASSWORD), "{message}");
    assert!(!format!("{err:?}").contains(PASSWORD));
    match &err {
        OracleError::InstantClientMissing { detail } => {
            eprintln!("{message}");
            assert!(detail.contains("DPI-1047"), "{detail}");
            for needle in [
                "Oracle Instant Client",
                "Basic Light",
                "LD_LIBRARY_PATH",
                "PATH",
            ] {
                assert!(message.contains(needle), "{needle} missing from: {message}");
            }
        }
        // With Instant Client installed the connect reaches the network and fails there.
        OracleError::Connect { detail, .. } => {
            eprintln!("Oracle Instant Client is installed here; connect failed with: {detail}");
            assert!(!detail.contains("DPI-1047"));
        }
        other => panic!("unexpected error: {other:?}"),
    }
    // What the SisSource trait returns: a connect error with the same text.
    let source: SourceError = err.into();
    assert!(matches!(source, SourceError::Connect(_)));
    assert!(!source.to_string().contains(PASSWORD));
}

#[test]
fn blocking_connect_gives_the_same_error() {
    let err = OracleBackend::connect(&config()).unwrap_err();
    if let OracleError::InstantClientMissing { .. } = err {
        assert!(
            err.to_string()
                .starts_with("Oracle Instant Client was not found (DPI-1047)")
        );
    }
    assert!(!err.to_string().contains(PASSWORD));
}
