//! The real binary in production (no `--demo`) with the host-key fingerprint still unset:
//! refused, exit 2, nothing read, written or sent (issue 13's "placeholder fingerprint" case).

use std::process::Command;

#[test]
fn unset_fingerprint_in_production_is_refused_with_exit_2_and_nothing_sent() {
    let out = std::env::temp_dir().join(format!("kipp-stmath-prod-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    for mode in ["apply", "plan"] {
        let run = Command::new(env!("CARGO_BIN_EXE_kipp-chicago-stmath"))
            .arg(mode)
            .arg("--out")
            .arg(&out)
            .env("STMATH_SFTP_USER", "kipp")
            .env("STMATH_SFTP_PASSWORD", "not-a-real-password")
            // A PowerSchool that would be reached if the refusal came too late.
            .env("POWERSCHOOL_READ_USER", "ps")
            .env("POWERSCHOOL_DB_PASSWORD", "pw")
            .env("POWERSCHOOL_PROD_DB", "127.0.0.1:9/none")
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{mode}: {stderr}");
        assert!(
            stderr.contains("kipp_chicago_stmath::STMATH_HOST_KEY_SHA256"),
            "{mode}: {stderr}"
        );
        assert!(
            stderr.contains("nothing was read or sent"),
            "{mode}: {stderr}"
        );
        // Nothing written: no roster files, no archive of sent files.
        assert!(!out.join("kipp-chicago-stmath").exists(), "{mode}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_placeholder_fingerprint_is_refused_too() {
    // The fingerprint of nothing, the usual placeholder, is refused even when no constant
    // is reported unset.
    let mut job = kipp_chicago_stmath::job();
    job.sftp.as_mut().unwrap().host_key_sha256 =
        "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU".into();
    let why = roster::production_refusal(&job, &[]).expect("refused");
    assert!(why.contains("placeholder"), "{why}");
    job.sftp.as_mut().unwrap().host_key_sha256 =
        "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s".into();
    assert_eq!(roster::production_refusal(&job, &[]), None);
}
