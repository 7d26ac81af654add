//! Every statement, every scope: snapshot-tested so a change to the SQL is a reviewed diff.

use roster_core::Scope;
use roster_sis::powerschool::backend::placeholders;
use roster_sis::powerschool::sql::{self, ScopedSql};

fn render(q: &ScopedSql) -> String {
    let mut out = String::new();
    for (label, scope) in [
        ("all", Scope::All),
        ("state_reporting", Scope::StateReporting),
        ("school", Scope::School(310)),
    ] {
        let text = q.sql(&scope);
        out.push_str(&format!(
            "-- {} / {label}; binds: {:?}\n{text}\n\n",
            q.name,
            placeholders(text)
        ));
    }
    out
}

#[test]
fn sql_snapshots() {
    for q in sql::ALL_SCOPED {
        insta::assert_snapshot!(q.name, render(&q));
    }
    insta::assert_snapshot!("d118_cell_phones", sql::D118_CELL_PHONES);
}

#[test]
fn binds_are_the_scope_plus_the_statement_inputs() {
    for q in sql::ALL_SCOPED {
        let base: Vec<String> = placeholders(q.all);
        assert_eq!(placeholders(q.state_reporting), base, "{}", q.name);
        let mut school = base.clone();
        school.push("school".into());
        let mut got = placeholders(q.school);
        got.sort();
        school.sort();
        assert_eq!(got, school, "{}", q.name);
        assert!(
            base.iter().all(|b| b == "today" || b == "expression"),
            "{}: {base:?}",
            q.name
        );
    }
    assert!(placeholders(sql::D118_CELL_PHONES).is_empty());
}

#[test]
fn only_the_shared_dialect() {
    // Things one engine has and the other lacks, or that would mean values in the text.
    for q in sql::ALL_SCOPED {
        for text in [q.all, q.state_reporting, q.school] {
            let upper = text.to_uppercase();
            for banned in [
                " LIMIT ", "ROWNUM", " NVL(", "SYSDATE", "DATE('", "TO_DATE", " ILIKE ", "||", "?",
                "$",
            ] {
                assert!(!upper.contains(banned), "{}: {banned}", q.name);
            }
            // Oracle rejects AS before a table alias.
            for table in [
                "SCHOOLS",
                "STUDENTS",
                "USERS",
                "SCHOOLSTAFF",
                "CC",
                "SECTIONS",
                "TERMS",
                "COURSES",
            ] {
                assert!(
                    !upper.contains(&format!("{table} AS ")),
                    "{}: {table} AS",
                    q.name
                );
            }
        }
    }
}
