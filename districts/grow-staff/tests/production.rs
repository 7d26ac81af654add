//! The real binary in production (no `--demo`) with Grow's school names and host key unset:
//! refused, exit 2, nothing read, written or sent (issue 13's "placeholder fingerprint" case).

use std::process::Command;

#[test]
fn unset_fingerprint_in_production_is_refused_with_exit_2_and_nothing_sent() {
    let out = std::env::temp_dir().join(format!("grow-prod-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    for mode in ["apply", "plan"] {
        let run = Command::new(env!("CARGO_BIN_EXE_grow-staff"))
            .arg(mode)
            .arg("--out")
            .arg(&out)
            .env("GROW_SFTP_USER", "grow")
            .env("GROW_SFTP_PASSWORD", "not-a-real-password")
            // A PowerSchool that would be reached if the refusal came too late.
            .env("POWERSCHOOL_READ_USER", "ps")
            .env("POWERSCHOOL_DB_PASSWORD", "pw")
            .env("POWERSCHOOL_PROD_DB", "127.0.0.1:9/none")
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{mode}: {stderr}");
        assert!(
            stderr.contains("grow_staff::GROW_SCHOOLS"),
            "{mode}: {stderr}"
        );
        assert!(
            stderr.contains("nothing was read or sent"),
            "{mode}: {stderr}"
        );
        // Nothing written: no roster files, no archive of sent files.
        assert!(!out.join("grow-staff").exists(), "{mode}");
    }
    let _ = std::fs::remove_dir_all(&out);
}
