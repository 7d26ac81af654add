//! The OneRoster 1.1 extension columns (`metadata.*`) on `users.csv` that carry PowerSchool's
//! `USERS` fields, which OneRoster itself has no column for. Written by the OneRoster
//! exporter when asked (the demo export; never the vendor `OneRoster.zip`), read by the
//! OneRoster source when present. Each holds a whole number; blank means unknown. They are
//! read on staff rows only (`USERS` is PowerSchool's staff table).

/// `USERS.DCID`: the staff member's PowerSchool key, `0 <= n < 2^52` (the ids the reader
/// derives from a non-numeric `sourcedId` start at 2^52).
pub const DCID: &str = "metadata.powerschool.dcid";
/// `USERS.GROUPVALUE`: the staff group (a building administrator, say), `0..=999`.
pub const GROUP_VALUE: &str = "metadata.powerschool.groupvalue";
/// `USERS.PTACCESS`: 1 when the user may sign in to PowerTeacher, 0 when not.
pub const PT_ACCESS: &str = "metadata.powerschool.ptaccess";
/// `USERS.HOMESCHOOLID`: the home school's number, `0..=2^31-1`.
pub const HOME_SCHOOL_ID: &str = "metadata.powerschool.homeschoolid";
/// `SCHOOLSTAFF.STAFF_TYPE` at the home school (0 not assigned, 1 teacher, 2 staff, 3 lunch
/// staff, 4 substitute), `0..=99`.
pub const STAFF_TYPE: &str = "metadata.powerschool.stafftype";

/// Every extension column, in the order the exporter writes them (after OneRoster's own).
pub const ALL: [&str; 5] = [DCID, GROUP_VALUE, PT_ACCESS, HOME_SCHOOL_ID, STAFF_TYPE];

/// The largest value each column accepts (the smallest is 0).
pub fn max_value(column: &str) -> Option<i64> {
    match column {
        DCID => Some((1 << 52) - 1),
        GROUP_VALUE => Some(999),
        PT_ACCESS => Some(1),
        HOME_SCHOOL_ID => Some(i64::from(i32::MAX)),
        STAFF_TYPE => Some(99),
        _ => None,
    }
}
