//! The plugin KIPP installs for `--sis powerschool-api`, as the real binary's `plugin DIR`
//! writes it: the core PowerQueries and KIPP's web-login statement, valid XML, every field
//! its queries read requested, and the district query's columns those its SQL returns on the
//! demo's PowerSchool-shaped database.

#[path = "../../../tests/support/plugin_check.rs"]
mod plugin_check;

use std::process::Command;

use roster::sis::demo::{self, DemoConfig, DemoDistrict};
use roster::sis::powerschool::backend::placeholders;
use roster::sis::powerschool::plugin::{self, fields_read};
use roster::sis::powerschool::{SqlBackend, SqliteBackend};

#[test]
fn the_binary_writes_the_core_plugin_and_the_web_login_query() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("plugin");
    let run = Command::new(env!("CARGO_BIN_EXE_kipp-chicago-stmath"))
        .arg("plugin")
        .arg(&dir)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("org.roster.sync.web_logins.district"),
        "{stderr}"
    );

    let queries = plugin_check::queries_in(&dir);
    // Every core query, unchanged, and one more: the district's.
    for core in plugin::queries() {
        let q = queries.iter().find(|q| q.name == core.name);
        assert_eq!(q.map(|q| q.sql.as_str()), Some(core.sql), "{}", core.name);
    }
    assert_eq!(queries.len(), plugin::queries().len() + 1);
    let logins = queries
        .iter()
        .find(|q| q.name == "org.roster.sync.web_logins.district")
        .expect("the web-login query");
    assert_eq!(logins.sql, kipp_chicago_stmath::WEB_LOGIN_SQL);
    assert_eq!(
        logins.args,
        placeholders(kipp_chicago_stmath::WEB_LOGIN_SQL)
    );

    let read = plugin_check::assert_requests_what_it_reads(&dir, fields_read);
    for f in [
        "U_STUDENTSUSERFIELDS.STUDENTSDCID",
        "U_STUDENTSUSERFIELDS.STUDENT_WEB_USERNAME",
        "U_STUDENTSUSERFIELDS.STUDENT_WEB_PWD",
    ] {
        assert!(read.contains(f), "{f} not requested: {read:?}");
    }

    // The columns the PowerQuery declares are those the SQL source's statement returns, and
    // those the web-login mapping reads.
    let db = tmp.path().join("kipp.sqlite");
    let mut config = DemoConfig::new(
        100,
        118,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
    );
    config.domain = kipp_chicago_stmath::DOMAIN.into();
    config.district = DemoDistrict::for_domain(kipp_chicago_stmath::DOMAIN);
    demo::generate(&db, &config).unwrap();
    let rows = SqliteBackend::open(&db)
        .unwrap()
        .query(&logins.sql, &[])
        .unwrap();
    assert_eq!(rows.columns, logins.columns);
    assert_eq!(
        logins.columns,
        ["STUDENTSDCID", "WEB_USERNAME", "WEB_PASSWORD"]
    );
    assert!(!rows.rows.is_empty(), "the demo has web logins");
}
