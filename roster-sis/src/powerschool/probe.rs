//! `doctor`'s look at PowerSchool ([`SisSource::probe`]): the tables a run reads exist and
//! answer, then every read the job makes. Nothing is written.

use roster_core::SisSource;
use roster_core::probe::{Check, ProbeNeeds, probe_reads};

use super::{PowerSchoolSource, SqlBackend};

/// A table and the statement that asks it for nothing (it fails only when the table is
/// missing or not readable by the account).
type TableProbe = (&'static str, &'static str);

/// The tables every read needs: schools (always), students, staff.
const SCHOOL_TABLES: &[TableProbe] = &[("SCHOOLS", "SELECT * FROM SCHOOLS WHERE 1 = 0")];
const STUDENT_TABLES: &[TableProbe] = &[("STUDENTS", "SELECT * FROM STUDENTS WHERE 1 = 0")];
const STAFF_TABLES: &[TableProbe] = &[
    ("USERS", "SELECT * FROM USERS WHERE 1 = 0"),
    ("SCHOOLSTAFF", "SELECT * FROM SCHOOLSTAFF WHERE 1 = 0"),
];
/// The class tables of the vendor rosters.
const CLASS_TABLES: &[TableProbe] = &[
    ("TERMS", "SELECT * FROM TERMS WHERE 1 = 0"),
    ("COURSES", "SELECT * FROM COURSES WHERE 1 = 0"),
    ("SECTIONS", "SELECT * FROM SECTIONS WHERE 1 = 0"),
    ("CC", "SELECT * FROM CC WHERE 1 = 0"),
];

/// The tables a job with these needs reads.
pub fn tables_for(needs: &ProbeNeeds) -> Vec<&'static str> {
    table_probes(needs).iter().map(|(t, _)| *t).collect()
}

fn table_probes(needs: &ProbeNeeds) -> Vec<TableProbe> {
    let mut v = SCHOOL_TABLES.to_vec();
    if needs.students || needs.classes_as_of.is_some() {
        v.extend_from_slice(STUDENT_TABLES);
    }
    if needs.staff || needs.classes_as_of.is_some() {
        v.extend_from_slice(STAFF_TABLES);
    }
    if needs.classes_as_of.is_some() {
        v.extend_from_slice(CLASS_TABLES);
    }
    v
}

/// The tables check, then (when they all answer) every read.
pub(super) async fn probe<B: SqlBackend>(
    sis: &PowerSchoolSource<B>,
    needs: &ProbeNeeds,
) -> Vec<Check> {
    let probes = table_probes(needs);
    let mut missing = Vec::new();
    for (table, sql) in &probes {
        if let Err(e) = sis.run("probe_table", sql, Vec::new()).await {
            missing.push(format!("{table} ({e})"));
        }
    }
    let name = "SIS tables";
    if !missing.is_empty() {
        return vec![
            Check::fail(
                name,
                format!("not readable: {}", missing.join("; ")),
                "grant the SIS read account SELECT on these tables, or point it at the production database (docs/DOCTOR.md#sis-tables)",
            ),
            Check::skipped("SIS queries", "the tables above must answer first"),
        ];
    }
    let tables: Vec<&str> = probes.iter().map(|(t, _)| *t).collect();
    let mut out = vec![Check::ok(
        name,
        format!("{} answer ({})", tables.len(), tables.join(", ")),
    )];
    out.extend(probe_reads(sis as &dyn SisSource, needs).await);
    out
}
