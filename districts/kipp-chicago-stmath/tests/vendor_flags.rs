//! The real binary refuses what it would otherwise do silently wrong (issue 19, items 2 and
//! 6): a partial `--scope`, `--json`, `--demo apply`, and a bad SFTP override variable are
//! each exit 2 with one line naming the problem, before anything is read, built or sent.

use std::process::Command;

fn run(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, std::path::PathBuf) {
    let out = tempfile::tempdir().unwrap().keep();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kipp-chicago-stmath"));
    cmd.args(args).arg("--out").arg(&out);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let run = cmd.output().expect("the binary runs");
    (
        run.status.code(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
        out,
    )
}

/// (arguments, environment, words of the refusal)
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[test]
fn refusals_are_exit_2_and_nothing_is_built() {
    let cases: &[Case] = &[
        (
            &["--demo", "--scope", "school", "--school", "7810"],
            &[],
            "full refresh",
        ),
        (&["--demo", "--school", "7810"], &[], "full refresh"),
        (
            &["--demo", "--scope", "state-reporting"],
            &[],
            "full refresh",
        ),
        (&["--demo", "--json"], &[], "--json"),
        (&["--demo", "apply"], &[], "--demo apply"),
        (&["plan"], &[("STMATH_SFTP_PORT", "0")], "STMATH_SFTP_PORT"),
        (
            &["plan"],
            &[("STMATH_SFTP_PORT", "99999")],
            "STMATH_SFTP_PORT",
        ),
        (
            &["plan"],
            &[("STMATH_SFTP_FINGERPRINT", "MD5:aa")],
            "STMATH_SFTP_FINGERPRINT",
        ),
        (
            &["plan"],
            &[("STMATH_SFTP_TIMEOUT", "-1")],
            "STMATH_SFTP_TIMEOUT",
        ),
        (
            &["plan"],
            &[("STMATH_SFTP_HOST", "a b")],
            "STMATH_SFTP_HOST",
        ),
    ];
    for (args, env, words) in cases {
        let (code, stderr, out) = run(args, env);
        assert_eq!(code, Some(2), "{args:?} {env:?}: {stderr}");
        assert!(stderr.contains(words), "{args:?} {env:?}: {stderr}");
        assert!(
            !out.join("kipp-chicago-stmath").exists(),
            "{args:?} {env:?}: files built"
        );
        let _ = std::fs::remove_dir_all(&out);
    }
}

#[test]
fn a_pinned_fingerprint_from_the_environment_settles_the_unset_constant() {
    // Production, fingerprint pinned by the environment: the refusal no longer names the
    // constant; the run goes on to the SIS (which is absent: a different exit-2 reason).
    let (code, stderr, out) = run(
        &["plan"],
        &[(
            "STMATH_SFTP_FINGERPRINT",
            "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        )],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!stderr.contains("STMATH_HOST_KEY_SHA256"), "{stderr}");
    let _ = std::fs::remove_dir_all(&out);
}
