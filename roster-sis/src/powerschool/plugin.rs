//! The PowerSchool plugin (`powerschool-plugin/` in the repository), derived from [`sql`]:
//! one PowerQuery per statement and scope variant, whose SQL is the very text the SQL source
//! runs, with its arguments (the binds), its columns (the `AS` aliases) and the `table.field`s
//! it reads (the plugin's `access_request`). [`plugin_files`] renders the files; a test
//! compares them with the checked-in ones, so the plugin cannot drift from the SQL.
//!
//! Query names: `org.roster.sync.<statement>.<variant>`, the variant one of `all`, `state`
//! (state-reporting schools) and `school` (argument `school`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::PowerSchoolOptions;
use super::backend::placeholders;
use super::sql::{self, ScopedSql};

/// The namespace of every query name.
pub const NAMESPACE: &str = "org.roster.sync";

/// One PowerQuery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerQuery {
    /// `org.roster.sync.students.all`.
    pub name: String,
    /// The statement's name in [`sql`] (`students`); the file is `<statement>.named_queries.xml`.
    pub statement: &'static str,
    /// The SQL, character for character the statement the SQL source runs.
    pub sql: &'static str,
    /// The arguments: the statement's binds without the colon, in order of appearance.
    pub args: Vec<String>,
    /// The columns, in `SELECT` order.
    pub columns: Vec<QueryColumn>,
    /// The core table (the first `FROM` table), lower-case.
    pub core_table: String,
}

/// One output column of a PowerQuery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryColumn {
    /// The upper-case alias (`STUDENT_NUMBER`): the column the mapping reads.
    pub name: String,
    /// The `TABLE.FIELD` the value comes from (the first field of its expression).
    pub source: String,
}

impl QueryColumn {
    /// The key of the column in a flattened record: the alias in lower case.
    pub fn key(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

/// Every statement the SQL source can run through the plugin: the scoped ones in their three
/// variants, and D118's cell phones.
pub fn queries() -> Vec<PowerQuery> {
    let mut out = Vec::new();
    for s in sql::ALL_SCOPED {
        for (variant, text) in variants(&s) {
            out.push(query(
                format!("{NAMESPACE}.{}.{variant}", s.name),
                s.name,
                text,
            ));
        }
    }
    out.push(query(
        format!("{NAMESPACE}.cell_phones.d118"),
        "cell_phones",
        sql::D118_CELL_PHONES,
    ));
    out
}

fn variants(s: &ScopedSql) -> [(&'static str, &'static str); 3] {
    [
        ("all", s.all),
        ("state", s.state_reporting),
        ("school", s.school),
    ]
}

fn query(name: String, statement: &'static str, text: &'static str) -> PowerQuery {
    let aliases = table_aliases(text);
    PowerQuery {
        name,
        statement,
        sql: text,
        args: placeholders(text),
        columns: select_columns(text, &aliases),
        core_table: first_table(text).to_ascii_lowercase(),
    }
}

/// The variant of a district's own statement: `org.roster.sync.web_logins.district`.
pub const DISTRICT_VARIANT: &str = "district";

/// The statements a district adds in its [`PowerSchoolOptions`] that [`queries`] does not
/// hold (KIPP's web logins; a cell-phone statement other than D118's), one PowerQuery each,
/// named `org.roster.sync.<statement>.district`. District rules live in the district's
/// crate, so its plugin is the core queries and these ([`queries_for`]), written by the
/// district binary's `plugin` subcommand.
pub fn district_queries(options: &PowerSchoolOptions) -> Vec<PowerQuery> {
    let core = queries();
    [
        ("cell_phones", options.cell_phone_sql),
        ("web_logins", options.web_login_sql),
    ]
    .into_iter()
    .filter_map(|(statement, text)| Some((statement, text?)))
    .filter(|(_, text)| !core.iter().any(|q| q.sql == *text))
    .map(|(statement, text)| {
        query(
            format!("{NAMESPACE}.{statement}.{DISTRICT_VARIANT}"),
            statement,
            text,
        )
    })
    .collect()
}

/// The PowerQueries of the plugin a district with `options` installs: [`queries`] and
/// [`district_queries`].
pub fn queries_for(options: &PowerSchoolOptions) -> Vec<PowerQuery> {
    let mut all = queries();
    all.extend(district_queries(options));
    all
}

/// The PowerQuery whose SQL is exactly `text`, if the core plugin has one.
pub fn query_for_sql(text: &str) -> Option<PowerQuery> {
    queries().into_iter().find(|q| q.sql == text)
}

/// Identifier-ish tokens (letters, digits, `_`, `.`), upper-cased, in order.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter(|t| !t.is_empty())
        .map(|t| t.to_ascii_uppercase())
        .collect()
}

/// `alias -> TABLE` from every `FROM TABLE alias` and `JOIN TABLE alias`.
pub fn table_aliases(text: &str) -> BTreeMap<String, String> {
    let t = tokens(text);
    let mut out = BTreeMap::new();
    for w in t.windows(3) {
        if (w[0] == "FROM" || w[0] == "JOIN") && !w[2].contains('.') {
            out.insert(w[2].clone(), w[1].clone());
        }
    }
    out
}

fn first_table(text: &str) -> String {
    let t = tokens(text);
    t.windows(2)
        .find(|w| w[0] == "FROM")
        .map(|w| w[1].clone())
        .unwrap_or_default()
}

/// Every `TABLE.FIELD` the statement reads (`alias.FIELD` with the alias resolved); an alias
/// no `FROM`/`JOIN` names is kept as written, so a test sees it.
pub fn fields_read(text: &str) -> BTreeSet<String> {
    let aliases = table_aliases(text);
    tokens(text)
        .into_iter()
        .filter_map(|t| resolve(&t, &aliases))
        .collect()
}

fn resolve(token: &str, aliases: &BTreeMap<String, String>) -> Option<String> {
    let (alias, field) = token.split_once('.')?;
    let table = aliases.get(alias).map(String::as_str).unwrap_or(alias);
    Some(format!("{table}.{field}"))
}

/// The columns of the outer `SELECT`: each item's `AS` alias and its first field.
fn select_columns(text: &str, aliases: &BTreeMap<String, String>) -> Vec<QueryColumn> {
    let upper = text.to_ascii_uppercase();
    let start = upper
        .find("SELECT")
        .map(|i| i + "SELECT".len())
        .unwrap_or(0);
    let end = upper.find("\nFROM ").unwrap_or(upper.len());
    let list = text.get(start..end).unwrap_or("");
    let mut items = Vec::new();
    let (mut depth, mut from) = (0i32, 0usize);
    for (i, c) in list.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&list[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    items.push(&list[from..]);
    items
        .into_iter()
        .map(|item| {
            let t = tokens(item);
            let name = t.last().cloned().unwrap_or_default();
            let source = t
                .iter()
                .find_map(|tok| resolve(tok, aliases))
                .unwrap_or_default();
            QueryColumn { name, source }
        })
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The comment that opens every generated file: where it comes from.
fn generated_from<'q>(queries: impl IntoIterator<Item = &'q PowerQuery>) -> &'static str {
    let district = queries
        .into_iter()
        .any(|q| q.name.ends_with(&format!(".{DISTRICT_VARIANT}")));
    if district {
        "<!-- Generated from roster-sis/src/powerschool/sql.rs and the district's statements by the district binary's `plugin` subcommand; do not edit. -->\n"
    } else {
        "<!-- Generated from roster-sis/src/powerschool/sql.rs by `roster-sis plugin`; do not edit. -->\n"
    }
}

/// One `queries_root/<statement>.named_queries.xml` file.
pub fn named_queries_xml(queries: &[&PowerQuery]) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(generated_from(queries.iter().copied()));
    x.push_str("<queries>\n");
    for q in queries {
        x.push_str(&format!(
            "  <query name=\"{}\" coreTable=\"{}\" flattened=\"true\">\n",
            escape(&q.name),
            escape(&q.core_table)
        ));
        x.push_str(&format!(
            "    <description>roster: the {} statement, scope {}.</description>\n",
            q.statement,
            q.name.rsplit('.').next().unwrap_or("")
        ));
        if !q.args.is_empty() {
            x.push_str("    <args>\n");
            for a in &q.args {
                x.push_str(&format!(
                    "      <arg name=\"{}\" type=\"primitive\" required=\"true\" />\n",
                    escape(a)
                ));
            }
            x.push_str("    </args>\n");
        }
        x.push_str("    <columns>\n");
        for c in &q.columns {
            x.push_str(&format!(
                "      <column column=\"{}\">{}</column>\n",
                escape(&c.source),
                escape(&c.key())
            ));
        }
        x.push_str("    </columns>\n    <sql><![CDATA[");
        x.push_str(q.sql);
        x.push_str("]]></sql>\n  </query>\n");
    }
    x.push_str("</queries>\n");
    x
}

/// `plugin.xml`: OAuth on, and view-only access to every field the queries read.
pub fn plugin_xml(queries: &[PowerQuery]) -> String {
    let fields: BTreeSet<String> = queries.iter().flat_map(|q| fields_read(q.sql)).collect();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(generated_from(queries));
    x.push_str(concat!(
        "<plugin xmlns=\"http://plugin.powerschool.pearson.com\"\n",
        "        xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n",
        "        xsi:schemaLocation=\"http://plugin.powerschool.pearson.com plugin.xsd\"\n",
        "        name=\"roster\" version=\"",
        env!("CARGO_PKG_VERSION"),
        "\"\n",
        "        description=\"Read-only PowerQueries for roster: schools, students, staff, terms, sections, enrollments and homerooms.\">\n",
        "  <publisher name=\"roster\">\n",
        "    <contact email=\"roster@example.org\" />\n",
        "  </publisher>\n",
        "  <oauth></oauth>\n",
        "  <access_request>\n",
    ));
    for f in &fields {
        let (table, field) = f.split_once('.').unwrap_or((f, ""));
        x.push_str(&format!(
            "    <field table=\"{}\" field=\"{}\" access=\"ViewOnly\" />\n",
            escape(table),
            escape(field)
        ));
    }
    x.push_str("  </access_request>\n</plugin>\n");
    x
}

/// Every file of the core plugin: `(path relative to powerschool-plugin/, contents)`.
pub fn plugin_files() -> Vec<(String, String)> {
    files_of(queries())
}

/// Every file of the plugin a district with `options` installs ([`queries_for`]); the core
/// plugin's when the district adds no statement.
pub fn plugin_files_for(options: &PowerSchoolOptions) -> Vec<(String, String)> {
    files_of(queries_for(options))
}

/// Writes `files` (from [`plugin_files`] or [`plugin_files_for`]) under `dir`, making the
/// folders: the paths written, or the one that could not be written and why.
pub fn write_plugin(
    dir: &Path,
    files: Vec<(String, String)>,
) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let mut written = Vec::new();
    for (path, text) in files {
        let file = dir.join(path);
        file.parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&file, text))
            .map_err(|e| (file.clone(), e))?;
        written.push(file);
    }
    Ok(written)
}

fn files_of(all: Vec<PowerQuery>) -> Vec<(String, String)> {
    let mut out = vec![("plugin.xml".to_string(), plugin_xml(&all))];
    let mut statements: Vec<&'static str> = Vec::new();
    for q in &all {
        if !statements.contains(&q.statement) {
            statements.push(q.statement);
        }
    }
    for s in statements {
        let qs: Vec<&PowerQuery> = all.iter().filter(|q| q.statement == s).collect();
        out.push((
            format!("queries_root/{s}.named_queries.xml"),
            named_queries_xml(&qs),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_fields_of_the_staff_query() {
        let q = query_for_sql(sql::STAFF.school).expect("staff has a query");
        assert_eq!(q.name, "org.roster.sync.staff.school");
        assert_eq!(q.args, vec!["school"]);
        assert_eq!(q.columns[0].name, "DCID");
        assert_eq!(q.columns[0].source, "USERS.DCID");
        assert_eq!(q.columns[8].name, "SCHOOLSTAFF_ID");
        assert_eq!(q.columns[8].source, "SCHOOLSTAFF.ID");
        let fields = fields_read(q.sql);
        assert!(fields.contains("SCHOOLSTAFF.USERS_DCID"), "{fields:?}");
        assert!(fields.iter().all(|f| !f.starts_with("SS2.")), "{fields:?}");
    }

    #[test]
    fn a_coalesced_column_names_its_field() {
        let q = query_for_sql(sql::SCHOOLS.all).expect("schools has a query");
        let last = q.columns.last().expect("columns");
        assert_eq!(last.name, "STATE_EXCLUDEFROMREPORTING");
        assert_eq!(last.source, "SCHOOLS.STATE_EXCLUDEFROMREPORTING");
    }

    #[test]
    fn unknown_sql_has_no_query() {
        assert!(query_for_sql("SELECT 1 FROM DUAL").is_none());
    }

    const LOGINS: &str =
        "SELECT uf.STUDENTSDCID AS STUDENTSDCID, uf.STUDENT_WEB_USERNAME AS WEB_USERNAME
FROM U_STUDENTSUSERFIELDS uf";

    #[test]
    fn a_district_statement_joins_the_plugin_and_a_core_one_does_not_repeat() {
        let options = PowerSchoolOptions {
            web_login_sql: Some(LOGINS),
            cell_phone_sql: Some(sql::D118_CELL_PHONES),
            ..PowerSchoolOptions::default()
        };
        let district = district_queries(&options);
        assert_eq!(district.len(), 1, "D118's cell phones are a core query");
        assert_eq!(district[0].name, "org.roster.sync.web_logins.district");
        assert_eq!(
            district[0].columns[1].source,
            "U_STUDENTSUSERFIELDS.STUDENT_WEB_USERNAME"
        );
        assert_eq!(queries_for(&options).len(), queries().len() + 1);
        let files = plugin_files_for(&options);
        let (_, logins) = files
            .iter()
            .find(|(p, _)| p == "queries_root/web_logins.named_queries.xml")
            .expect("the district's file");
        assert!(logins.contains("district's statements"), "{logins}");
        let (_, xml) = &files[0];
        assert!(xml.contains("table=\"U_STUDENTSUSERFIELDS\" field=\"STUDENT_WEB_USERNAME\""));
        assert_eq!(
            plugin_files_for(&PowerSchoolOptions::default()),
            plugin_files()
        );
    }
}
