//! Reads a PowerSchool plugin folder with an XML parser (shared through `#[path]` by
//! `roster-sis/tests/powerschool_plugin.rs`, for the core plugin, and the district crates'
//! `plugin` tests, for the plugin each district binary writes).

// Each test uses what it needs of these helpers.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One `<query>` of a `queries_root/*.named_queries.xml` file.
pub struct Checked {
    pub name: String,
    pub args: Vec<String>,
    /// Upper-cased.
    pub columns: Vec<String>,
    pub sources: Vec<String>,
    pub sql: String,
}

/// Every `<query>` of the plugin in `dir`, each file parsed as XML.
pub fn queries_in(dir: &Path) -> Vec<Checked> {
    let dir = dir.join("queries_root");
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

/// Checks `dir/plugin.xml` (a `plugin` with a name, a version and `<oauth>`) and that its
/// `access_request` names, view-only, exactly the `table.field`s the queries read (each
/// query's SQL through `fields_read`, and its columns' sources). Returns what they read.
pub fn assert_requests_what_it_reads(
    dir: &Path,
    fields_read: fn(&str) -> BTreeSet<String>,
) -> BTreeSet<String> {
    let text = std::fs::read_to_string(dir.join("plugin.xml")).unwrap();
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
    } in queries_in(dir)
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
    // Nothing requested that no query reads: a plugin asks for no more than it needs.
    assert_eq!(requested, read);
    read
}
