//! The PowerSchool plugin in `powerschool-plugin/`: generated from the SQL (a drift fails
//! here), valid XML, every field the queries read requested, every query's columns the ones
//! the SQL source hands the mapping.
//!
//! After changing `sql.rs`: `cargo run -p roster-sis -- plugin --out powerschool-plugin`.

mod common;
#[path = "../../tests/support/plugin_check.rs"]
mod plugin_check;

use std::collections::BTreeSet;
use std::path::PathBuf;

use roster_core::Scope;
use roster_sis::powerschool::plugin::{self, fields_read};
use roster_sis::powerschool::{Bind, SqlBackend, SqliteBackend, Value, sql};

use common::{district, today};
use plugin_check::Checked;

fn plugin_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../powerschool-plugin")
}

/// Every `<query>` of the checked-in files, read with an XML parser.
fn checked_in_queries() -> Vec<Checked> {
    plugin_check::queries_in(&plugin_dir())
}

#[test]
fn the_checked_in_plugin_is_the_generated_one() {
    for (path, text) in plugin::plugin_files() {
        let on_disk = std::fs::read_to_string(plugin_dir().join(&path))
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            on_disk == text,
            "powerschool-plugin/{path} differs from the SQL in sql.rs: run \
             `cargo run -p roster-sis -- plugin --out powerschool-plugin`"
        );
    }
}

#[test]
fn one_query_per_statement_and_scope_with_the_same_sql() {
    let queries = checked_in_queries();
    let names: BTreeSet<&str> = queries.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names.len(), queries.len(), "a name repeats");
    let texts: Vec<&str> = queries.iter().map(|q| q.sql.as_str()).collect();
    for s in sql::ALL_SCOPED {
        for (variant, text) in [
            ("all", s.all),
            ("state", s.state_reporting),
            ("school", s.school),
        ] {
            let name = format!("org.roster.sync.{}.{variant}", s.name);
            let q = queries
                .iter()
                .find(|q| q.name == name)
                .unwrap_or_else(|| panic!("{name}"));
            assert_eq!(q.sql, text, "{name}");
            let mut want = roster_sis::powerschool::backend::placeholders(text);
            let mut got = q.args.clone();
            want.sort();
            got.sort();
            assert_eq!(got, want, "{name} args");
        }
    }
    assert!(texts.contains(&sql::D118_CELL_PHONES));
    assert_eq!(queries.len(), sql::ALL_SCOPED.len() * 3 + 1);
}

#[test]
fn plugin_xml_has_oauth_and_requests_every_field_the_queries_read() {
    let read = plugin_check::assert_requests_what_it_reads(&plugin_dir(), fields_read);
    assert!(read.contains("STUDENTS.STUDENT_NUMBER") && read.contains("CC.TEACHERID"));
    assert!(read.contains("U_HUMANRESOURCES.CELLPHONE"));
}

#[test]
fn every_query_returns_the_columns_the_sql_source_maps() {
    let backend = SqliteBackend::open(&district("plugin").0).unwrap();
    for Checked {
        name,
        columns,
        sql: text,
        ..
    } in checked_in_queries()
    {
        let binds: Vec<Bind> = roster_sis::powerschool::backend::placeholders(&text)
            .into_iter()
            .map(|p| match p.as_str() {
                "school" => ("school", Value::Int(310)),
                "today" => ("today", Value::Date(today())),
                "expression" => ("expression", Value::Text("1(A)".into())),
                other => panic!("{name}: unexpected bind {other}"),
            })
            .collect();
        let rows = backend
            .query(&text, &binds)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(rows.columns, columns, "{name}");
    }
    // The scope variants run by the source are the ones in the plugin.
    let q = plugin::query_for_sql(sql::STUDENTS.sql(&Scope::StateReporting)).unwrap();
    assert_eq!(q.name, "org.roster.sync.students.state");
}
