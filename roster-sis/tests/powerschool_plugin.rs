//! The PowerSchool plugin in `powerschool-plugin/`: generated from the SQL (a drift fails
//! here), valid XML, every field the queries read requested, every query's columns the ones
//! the SQL source hands the mapping.
//!
//! After changing `sql.rs`: `cargo run -p roster-sis -- plugin --out powerschool-plugin`.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use roster_core::Scope;
use roster_sis::powerschool::plugin::{self, fields_read};
use roster_sis::powerschool::{Bind, SqlBackend, SqliteBackend, Value, sql};

use common::{district, today};

fn plugin_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../powerschool-plugin")
}

/// One `<query>` of a checked-in file.
struct Checked {
    name: String,
    args: Vec<String>,
    /// Upper-cased.
    columns: Vec<String>,
    sources: Vec<String>,
    sql: String,
}

/// Every `<query>` of the checked-in files, read with an XML parser.
fn checked_in_queries() -> Vec<Checked> {
    let dir = plugin_dir().join("queries_root");
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let name = f.file_name().unwrap().to_str().unwrap().to_string();
        assert!(name.ends_with(".named_queries.xml"), "stray file {name}");
        let text = std::fs::read_to_string(&f).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "queries", "{name}");
        for q in doc
            .root_element()
            .children()
            .filter(|n| n.has_tag_name("query"))
        {
            assert_eq!(q.attribute("flattened"), Some("true"), "{name}");
            assert!(q.attribute("coreTable").is_some_and(|t| !t.is_empty()));
            let kids = |parent: &str, tag: &str| -> Vec<roxmltree::Node> {
                q.children()
                    .filter(|n| n.has_tag_name(parent))
                    .flat_map(|p| {
                        p.children()
                            .filter(|n| n.has_tag_name(tag))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            };
            let args = kids("args", "arg")
                .iter()
                .map(|a| a.attribute("name").unwrap().to_string())
                .collect();
            let cols = kids("columns", "column");
            let columns = cols
                .iter()
                .map(|c| c.text().unwrap().to_ascii_uppercase())
                .collect();
            let sources = cols
                .iter()
                .map(|c| c.attribute("column").unwrap().to_string())
                .collect();
            let text = q
                .children()
                .find(|n| n.has_tag_name("sql"))
                .and_then(|s| s.text())
                .unwrap()
                .to_string();
            out.push(Checked {
                name: q.attribute("name").unwrap().to_string(),
                args,
                columns,
                sources,
                sql: text,
            });
        }
    }
    out
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
    let text = std::fs::read_to_string(plugin_dir().join("plugin.xml")).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "plugin");
    assert!(root.attribute("name").is_some() && root.attribute("version").is_some());
    assert!(root.children().any(|n| n.has_tag_name("oauth")));
    let requested: BTreeSet<String> = root
        .children()
        .filter(|n| n.has_tag_name("access_request"))
        .flat_map(|a| {
            a.children()
                .filter(|n| n.has_tag_name("field"))
                .collect::<Vec<_>>()
        })
        .map(|f| {
            assert_eq!(f.attribute("access"), Some("ViewOnly"));
            format!(
                "{}.{}",
                f.attribute("table").unwrap(),
                f.attribute("field").unwrap()
            )
        })
        .collect();
    let mut read = BTreeSet::new();
    for Checked {
        name,
        sources,
        sql: text,
        ..
    } in checked_in_queries()
    {
        let fields = fields_read(&text);
        for f in fields.iter().chain(&sources) {
            assert!(
                requested.contains(f),
                "{name} reads {f}, not in access_request"
            );
        }
        read.extend(fields);
    }
    assert!(read.contains("STUDENTS.STUDENT_NUMBER") && read.contains("CC.TEACHERID"));
    assert!(read.contains("U_HUMANRESOURCES.CELLPHONE"));
    // Nothing requested that no query reads: a plugin asks for no more than it needs.
    assert_eq!(requested, read);
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
