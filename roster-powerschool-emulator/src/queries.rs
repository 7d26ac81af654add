//! The plugin's named queries, read from `queries_root/*.named_queries.xml`.

use std::collections::HashMap;
use std::path::Path;

use crate::EmulatorError;

/// One `<query>` of a `named_queries.xml` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedQuery {
    /// The `name` attribute (the URL segment).
    pub name: String,
    /// The `<arg name>`s.
    pub args: Vec<String>,
    /// The `<column>` texts: the keys of a flattened record, in `SELECT` order.
    pub columns: Vec<String>,
    /// The `<column column="TABLE.FIELD">` attributes.
    pub sources: Vec<String>,
    /// The `<sql>` text.
    pub sql: String,
}

/// Every query of every `*.named_queries.xml` file in `dir`, by name.
pub fn load_dir(dir: &Path) -> Result<HashMap<String, NamedQuery>, EmulatorError> {
    let io = |e: std::io::Error| EmulatorError::Plugin(format!("{}: {e}", dir.display()));
    let mut out = HashMap::new();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".named_queries.xml"))
        })
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(io)?;
        for q in
            parse(&text).map_err(|e| EmulatorError::Plugin(format!("{}: {e}", path.display())))?
        {
            if out.contains_key(&q.name) {
                return Err(EmulatorError::Plugin(format!(
                    "query {} defined twice",
                    q.name
                )));
            }
            out.insert(q.name.clone(), q);
        }
    }
    if out.is_empty() {
        return Err(EmulatorError::Plugin(format!(
            "{}: no *.named_queries.xml with a query",
            dir.display()
        )));
    }
    Ok(out)
}

/// The queries of one `named_queries.xml` document.
pub fn parse(xml: &str) -> Result<Vec<NamedQuery>, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    if root.tag_name().name() != "queries" {
        return Err(format!(
            "root element is <{}>, not <queries>",
            root.tag_name().name()
        ));
    }
    let mut out = Vec::new();
    for q in root.children().filter(|n| n.has_tag_name("query")) {
        let name = q
            .attribute("name")
            .ok_or("a <query> without a name")?
            .to_string();
        let child = |tag: &str| q.children().find(|n| n.has_tag_name(tag));
        let args = child("args")
            .map(|a| {
                a.children()
                    .filter(|n| n.has_tag_name("arg"))
                    .filter_map(|n| n.attribute("name").map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let cols: Vec<_> = child("columns")
            .map(|c| c.children().filter(|n| n.has_tag_name("column")).collect())
            .unwrap_or_default();
        let columns = cols
            .iter()
            .map(|c| c.text().unwrap_or("").trim().to_string())
            .collect();
        let sources = cols
            .iter()
            .map(|c| c.attribute("column").unwrap_or("").to_string())
            .collect();
        let sql = child("sql")
            .and_then(|s| s.text())
            .ok_or_else(|| format!("query {name} has no <sql>"))?
            .to_string();
        out.push(NamedQuery {
            name,
            args,
            columns,
            sources,
            sql,
        });
    }
    Ok(out)
}
