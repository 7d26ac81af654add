//! Google's official Python client (google-api-python-client + google-auth) against the
//! emulator, unchanged except for the API endpoint and the key file's `token_uri`:
//! `scripts/python_interop.py` checks the token, users insert/get/patch/list with paging, an
//! error, org units, schemas and a batch; this test seeds nothing the script needs, then checks
//! what the script left in the emulator.
//!
//! The Python comes from the venv `scripts/test.sh --install` makes (`target/py-venv`, or
//! `ROSTER_PY_VENV`). Without it the test fails under CI (`CI=true`, set by `.ci/run`) and skips
//! with a message elsewhere.

use std::path::PathBuf;
use std::process::Command;

use roster_google_emulator::{Emulator, EmulatorConfig, test_keys};

const SA: &str = "interop@roster-test.iam.gserviceaccount.com";
const ADMIN: &str = "admin@d118.org";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate sits in the workspace")
        .to_path_buf()
}

/// The venv's python, if the venv exists.
fn venv_python() -> Option<PathBuf> {
    let venv = std::env::var_os("ROSTER_PY_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/py-venv"));
    let python = venv.join("bin/python");
    python.exists().then_some(python)
}

#[test]
fn googles_python_client_works_with_only_endpoint_and_token_uri_changed() {
    let Some(python) = venv_python() else {
        let msg = "the Python venv with google-api-python-client is missing: run \
                   `scripts/test.sh --install` (it makes target/py-venv)";
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!("{msg}");
        }
        eprintln!("SKIPPED python_interop: {msg}");
        return;
    };
    let emu = Emulator::start(EmulatorConfig {
        domains: vec!["d118.org".into()],
        ..Default::default()
    })
    .expect("emulator starts");
    let (key_file, public_pem) = test_keys::service_account_key(SA, &emu.token_url());
    emu.register_service_account(SA, &public_pem, &[ADMIN])
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("key.json");
    std::fs::write(&key_path, key_file).unwrap();

    let out = Command::new(&python)
        .arg(workspace().join("scripts/python_interop.py"))
        .arg(emu.root_url())
        .arg(&key_path)
        .arg(ADMIN)
        .arg("d118.org")
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "python_interop.py failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    let passed: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("ok "))
        .collect();
    for check in [
        "token",
        "orgunits.insert",
        "orgunits.get",
        "orgunits.list",
        "orgunits.insert duplicate",
        "schemas.insert",
        "schemas.list",
        "schemas.get",
        "users.insert",
        "users.get",
        "users.patch",
        "users.list paging",
        "users.list query",
        "error",
        "batch",
    ] {
        assert!(passed.contains(&check), "{check} missing from\n{stdout}");
    }

    // What the client did is in the emulator, through the real token endpoint.
    assert_eq!(
        emu.counters()["oauth2.token"],
        1,
        "one token for the whole run"
    );
    assert_eq!(emu.events().get("tokenRejected"), None);
    assert_eq!(emu.users().len(), 5);
    let s1 = emu.user("s1@d118.org").unwrap();
    assert_eq!(s1["suspended"], true);
    assert_eq!(s1["customSchemas"]["Sync"]["DCID"], 101);
    assert_eq!(
        emu.user("s2@d118.org").unwrap()["suspended"],
        true,
        "patched in the batch"
    );
    assert!(emu.state().ou_exists("/Students/HS"));
}
