//! The PowerSchool API source against the PowerSchool API emulator over real HTTP: the same
//! domain values as the SQL source in every scope, and the faults (expiring and revoked
//! tokens, 429, 503, dropped connections, malformed records, wrong secret).

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use roster_core::{Scope, Secret, SisSource};
use roster_powerschool_emulator::{EmulatorConfig, PowerSchoolEmulator, RunningPowerSchool};
use roster_sis::powerschool::{
    ApiConfig, PowerSchoolApi, PowerSchoolOptions, PowerSchoolSource, SqliteBackend, plugin, sql,
};
use serde_json::{Value as Json, json};

use common::{district, today};

const SECRET: &str = "s3cret-plugin-value-7f1e";

fn queries_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../powerschool-plugin/queries_root")
}

fn options() -> PowerSchoolOptions {
    PowerSchoolOptions {
        cell_phone_sql: Some(sql::D118_CELL_PHONES),
        ..PowerSchoolOptions::default()
    }
}

fn emulator(tune: impl FnOnce(&mut EmulatorConfig)) -> RunningPowerSchool {
    logs();
    let mut config = EmulatorConfig::new(&district("api").0, queries_root());
    config.client_secret = SECRET.into();
    tune(&mut config);
    PowerSchoolEmulator::start(config).expect("emulator starts")
}

fn api_config(emu: &RunningPowerSchool) -> ApiConfig {
    let mut c = ApiConfig::new(emu.base_url(), "roster-client", Secret::new(SECRET));
    c.page_size = 40;
    c.concurrency = 3;
    c.backoff = Duration::from_millis(5);
    c
}

fn api(config: ApiConfig) -> PowerSchoolApi {
    PowerSchoolSource::api(config, options()).expect("api source")
}

fn sqlite() -> PowerSchoolSource<SqliteBackend> {
    PowerSchoolSource::sqlite(&district("api").0, options()).unwrap()
}

/// Every log line of this test binary, at every level.
fn logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || Capture(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        buf
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_reads_what_the_sql_source_reads_in_every_scope() {
    let emu = emulator(|_| {});
    let api = api(api_config(&emu));
    let db = sqlite();
    for scope in [
        Scope::All,
        Scope::StateReporting,
        Scope::School(roster_sis::demo::SCHOOLS[1].number),
        Scope::School(4242),
    ] {
        let (a, s) = (
            api.schools(&scope).await.unwrap(),
            db.schools(&scope).await.unwrap(),
        );
        assert_eq!(a, s, "schools {scope}");
        let (a, s) = (
            api.students(&scope).await.unwrap(),
            db.students(&scope).await.unwrap(),
        );
        assert_eq!(a, s, "students {scope}");
        if scope == Scope::All {
            assert!(a.rows.len() > 250, "{}", a.rows.len());
            assert!(
                !a.errors.is_empty(),
                "the demo's bad rows are row errors here too"
            );
        }
        let (a, s) = (
            api.staff(&scope).await.unwrap(),
            db.staff(&scope).await.unwrap(),
        );
        assert_eq!(a, s, "staff {scope}");
        assert!(scope != Scope::All || a.rows.iter().any(|p| p.cell_phone.is_some()));
        let (a, s) = (
            api.classes(&scope, today()).await.unwrap(),
            db.classes(&scope, today()).await.unwrap(),
        );
        assert_eq!(a, s, "classes {scope}");
    }
    let stats = api.backend().stats();
    assert_eq!(stats.token_requests, 1, "{stats:?}");
    assert!(stats.pages > 20, "{stats:?}");
    assert_eq!(stats.retries, 0);
}

/// A district statement (here a web-login statement like KIPP's) runs as the PowerQuery its
/// district plugin adds; a server with only the core plugin installed answers 404, an error
/// naming the query and saying which plugin to install, and nothing loads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_district_statement_needs_the_district_plugin() {
    const LOGINS: &str = "SELECT uf.STUDENTSDCID AS STUDENTSDCID,
       uf.STUDENT_WEB_USERNAME AS WEB_USERNAME, uf.STUDENT_WEB_PWD AS WEB_PASSWORD
FROM U_STUDENTSUSERFIELDS uf
ORDER BY uf.STUDENTSDCID";
    let options = PowerSchoolOptions {
        web_login_sql: Some(LOGINS),
        ..options()
    };
    let core_only = emulator(|_| {});
    let source = PowerSchoolSource::api(api_config(&core_only), options.clone()).unwrap();
    let err = source.students(&Scope::All).await.unwrap_err().to_string();
    assert!(err.contains("org.roster.sync.web_logins.district"), "{err}");
    assert!(err.contains("404") && err.contains("plugin DIR"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    plugin::write_plugin(dir.path(), plugin::plugin_files_for(&options)).unwrap();
    let emu = emulator(|c| c.queries_root = dir.path().join("queries_root"));
    let source = PowerSchoolSource::api(api_config(&emu), options.clone()).unwrap();
    let through_api = source.students(&Scope::All).await.unwrap();
    let through_sql = PowerSchoolSource::sqlite(&district("api").0, options)
        .unwrap()
        .students(&Scope::All)
        .await
        .unwrap();
    let logins = |rows: &[roster_core::Student]| -> Vec<(String, Option<String>, Option<String>)> {
        rows.iter()
            .map(|s| {
                let pw = s.web_password.as_ref().map(|p| p.expose().to_string());
                (s.student_number.clone(), s.web_username.clone(), pw)
            })
            .collect()
    };
    let got = logins(&through_api.rows);
    assert!(
        got.iter().filter(|l| l.1.is_some()).count() > 100,
        "web logins read"
    );
    assert_eq!(got, logins(&through_sql.rows));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_expiring_mid_read_is_renewed() {
    let emu = emulator(|c| {
        c.token_ttl = Duration::from_secs(1);
        c.latency = Duration::from_millis(120);
    });
    let mut config = api_config(&emu);
    config.page_size = 25;
    config.concurrency = 1;
    let api = api(config);
    let started = std::time::Instant::now();
    let read = api.students(&Scope::All).await.unwrap();
    assert!(
        started.elapsed() > Duration::from_millis(1500),
        "the read outlives a token"
    );
    assert_eq!(read, sqlite().students(&Scope::All).await.unwrap());
    let c = emu.counters();
    assert!(c.tokens_issued >= 2, "{c:?}");
    assert_eq!(c.unauthorized, 0, "renewed before it expired: {c:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_refreshes_the_token_once() {
    let emu = emulator(|_| {});
    let api = api(api_config(&emu));
    let first = api.schools(&Scope::All).await.unwrap();
    emu.expire_tokens();
    let second = api.schools(&Scope::All).await.unwrap();
    assert_eq!(first, second);
    let stats = api.backend().stats();
    assert_eq!(
        (stats.token_requests, stats.unauthorized),
        (2, 1),
        "{stats:?}"
    );
    assert_eq!(emu.counters().unauthorized, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_unavailability_and_dropped_connections_are_retried() {
    let emu = emulator(|_| {});
    let mut config = api_config(&emu);
    config.max_attempts = 6;
    let api = api(config);
    emu.fail_next(429, 2);
    emu.fail_next(503, 2);
    emu.drop_next(1);
    let read = api.students(&Scope::All).await.unwrap();
    assert_eq!(read, sqlite().students(&Scope::All).await.unwrap());
    assert_eq!(emu.counters().faults, 5);
    assert_eq!(api.backend().stats().retries, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_keeps_failing_is_an_error_naming_the_call() {
    let emu = emulator(|_| {});
    let mut config = api_config(&emu);
    config.max_attempts = 3;
    let api = api(config);
    emu.fail_next(503, 3);
    let err = api.schools(&Scope::All).await.unwrap_err().to_string();
    assert!(
        err.contains("503") && err.contains("org.roster.sync.schools.all"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_record_is_a_located_row_error_and_the_rest_loads() {
    let emu = emulator(|_| {});
    let api = api(api_config(&emu));
    let good = sqlite().students(&Scope::All).await.unwrap();
    // The 46th record of the query (page 2 of 40, record 6): a student that loads from SQL.
    let victim: String = common::raw_string(
        &district("api").0,
        "SELECT CAST(STUDENT_NUMBER AS TEXT) FROM STUDENTS ORDER BY DCID LIMIT 1 OFFSET 45",
    );
    assert!(good.rows.iter().any(|s| s.student_number == victim));
    emu.corrupt_record("org.roster.sync.students.all", 45);
    let read = api.students(&Scope::All).await.unwrap();
    let located: Vec<_> = read
        .errors
        .iter()
        .filter(|e| e.source_row.starts_with("PowerQuery"))
        .collect();
    assert_eq!(located.len(), 1, "{located:?}");
    assert_eq!(
        located[0].source_row,
        "PowerQuery org.roster.sync.students.all page 2 record 6"
    );
    assert_eq!(located[0].field, "STUDENT_NUMBER");
    let want: Vec<_> = good
        .rows
        .iter()
        .filter(|s| s.student_number != victim)
        .cloned()
        .collect();
    assert_eq!(read.rows, want);
    assert_eq!(read.errors.len(), good.errors.len() + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_count_far_above_the_rows_ends_at_the_first_empty_page() {
    let emu = emulator(|_| {});
    let api = api(api_config(&emu));
    let good = sqlite().students(&Scope::All).await.unwrap();
    api.students(&Scope::All).await.unwrap();
    // One `/count` per PowerQuery the read runs.
    let (honest_pages, queries) = (emu.counters().pages, emu.counters().counts);
    // A broken server (or rows deleted since the count) says a trillion more rows: the read
    // takes what the pages hold and stops at the first empty page, not 25 billion pages.
    emu.overcount(1_000_000_000_000);
    let before = emu.counters().pages;
    let read = api.students(&Scope::All).await.unwrap();
    assert_eq!(read, good);
    let extra = emu.counters().pages - before - honest_pages;
    // Page concurrency is 3: per query, the empty page and at most the two sent with it.
    assert!(
        (queries..=3 * queries).contains(&extra),
        "{extra} pages past the end of {queries} queries"
    );
    emu.overcount(u64::MAX);
    assert_eq!(api.students(&Scope::All).await.unwrap(), good);
    let lines = String::from_utf8_lossy(&logs().lock().unwrap()).to_string();
    assert!(lines.contains("count and its pages disagree"), "{lines}");
}

#[test]
fn the_url_must_be_https_except_to_this_machine() {
    let source = |url: &str| {
        let config = ApiConfig::new(url, "id", Secret::new("pw-9d1c"));
        PowerSchoolSource::api(config, options()).map(|_| ())
    };
    for ok in [
        "https://district.powerschool.com",
        "https://district.powerschool.com/",
        "http://127.0.0.1:8080",
        "http://localhost:9",
        "http://[::1]:9",
    ] {
        assert!(source(ok).is_ok(), "{ok}: {:?}", source(ok));
    }
    for (bad, says) in [
        ("http://district.powerschool.com", "unencrypted"),
        ("http://10.0.0.5", "unencrypted"),
        ("ftp://district.powerschool.com", "scheme"),
        ("district.powerschool.com", "not a URL"),
        ("", "not a URL"),
        ("https://dist\u{7}rict.com\n", "not a URL"),
        (
            "https://admin:hunter2@district.powerschool.com",
            "credentials",
        ),
        ("https://district.powerschool.com/?x=1", "'?'"),
    ] {
        let err = source(bad).unwrap_err().to_string();
        assert!(
            err.contains("POWERSCHOOL_API_URL") && err.contains(says),
            "{bad:?}: {err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_a_clear_error_without_the_secret() {
    let emu = emulator(|_| {});
    let mut config = api_config(&emu);
    let wrong = "wrong-secret-4c2d9a";
    config.client_secret = Secret::new(wrong);
    assert!(!format!("{config:?}").contains(wrong));
    let api = api(config);
    let err = api.students(&Scope::All).await.unwrap_err();
    let text = format!("{err} / {err:?}");
    assert!(
        text.contains("POWERSCHOOL_CLIENT_SECRET") && text.contains("401"),
        "{text}"
    );
    assert!(!text.contains(wrong), "{text}");
    assert_eq!(emu.counters().tokens_refused, 1, "not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_size_over_the_plugin_limit_is_refused() {
    let emu = emulator(|c| c.max_page_size = 50);
    let mut config = api_config(&emu);
    config.page_size = 51;
    let err = api(config)
        .schools(&Scope::All)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("400") && err.contains("maximum page size 50"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_and_tokens_never_reach_the_logs() {
    let emu = emulator(|_| {});
    let api = api(api_config(&emu));
    api.staff(&Scope::All).await.unwrap();
    emu.expire_tokens();
    api.schools(&Scope::All).await.unwrap();
    let logs = String::from_utf8(logs().lock().unwrap().clone()).unwrap();
    assert!(logs.contains("PowerQuery read"), "the reads were logged");
    assert!(!logs.contains(SECRET));
    assert!(!logs.contains("access_token") && !logs.contains("Bearer"));
}

/// The emulator's wire format, checked with a plain HTTP client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_speaks_powerschools_shapes() {
    let emu = emulator(|c| c.max_page_size = 10);
    let http = reqwest::Client::new();
    let base = emu.base_url();
    let token: Json = http
        .post(format!("{base}/oauth/access_token"))
        .basic_auth("roster-client", Some(SECRET))
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded;charset=UTF-8",
        )
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["token_type"], "Bearer");
    assert!(token["expires_in"].is_string(), "{token}");
    let bearer = token["access_token"].as_str().unwrap().to_string();
    let post = |path: String, body: Json, auth: bool| {
        let mut r = http.post(format!("{base}{path}")).json(&body);
        if auth {
            r = r.bearer_auth(&bearer);
        }
        async move {
            let resp = r.send().await.unwrap();
            (resp.status().as_u16(), resp.json::<Json>().await.unwrap())
        }
    };
    let school = &roster_sis::demo::SCHOOLS[1];
    let n = school.number;
    let q = "/ws/schema/query/org.roster.sync.schools.school";
    let (s, count) = post(format!("{q}/count"), json!({"school": n}), true).await;
    assert_eq!((s, count), (200, json!({"count": 1})));
    let (s, page) = post(
        format!("{q}?page=1&pagesize=10"),
        json!({"school": n}),
        true,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(page["name"], "org.roster.sync.schools.school");
    let rec = &page["record"][0];
    assert_eq!(
        rec["school_number"],
        n.to_string(),
        "numbers come back as strings"
    );
    assert_eq!(rec["abbreviation"], school.abbreviation);
    let (s, _) = post(format!("{q}/count"), json!({"school": n}), false).await;
    assert_eq!(s, 401);
    let (s, body) = post(
        "/ws/schema/query/org.roster.sync.nope".into(),
        json!({}),
        true,
    )
    .await;
    assert_eq!(s, 404);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("org.roster.sync.nope")
    );
    let (s, _) = post(format!("{q}?pagesize=11"), json!({"school": n}), true).await;
    assert_eq!(s, 400);
    let (s, _) = post(format!("{q}/count"), json!({}), true).await;
    assert_eq!(s, 400, "a missing argument");
    let (s, page) = post(
        format!("{q}?page=2&pagesize=10"),
        json!({"school": n}),
        true,
    )
    .await;
    assert_eq!((s, page["record"].as_array().map(Vec::len)), (200, Some(0)));
}

#[test]
fn the_cli_names_a_missing_setting() {
    let bin = env!("CARGO_BIN_EXE_roster-sis");
    let out = std::process::Command::new(bin)
        .args(["load", "--api"])
        .env("POWERSCHOOL_API_URL", "http://127.0.0.1:9")
        .env("POWERSCHOOL_CLIENT_ID", "x")
        .env_remove("POWERSCHOOL_CLIENT_SECRET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("POWERSCHOOL_CLIENT_SECRET is not set"),
        "{err}"
    );
}

#[test]
fn the_cli_loads_through_the_emulator() {
    let emu = emulator(|_| {});
    let bin = env!("CARGO_BIN_EXE_roster-sis");
    let out = std::process::Command::new(bin)
        .args(["load", "--api", "--today", "2026-11-24"])
        .env("POWERSCHOOL_API_URL", emu.base_url())
        .env("POWERSCHOOL_CLIENT_ID", "roster-client")
        .env("POWERSCHOOL_CLIENT_SECRET", SECRET)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("students"), "{stdout}");
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
}
