//! OneRoster values -> model values: numeric ids (derived for GUIDs), grades, school
//! abbreviations.

use roster_core::Grade;

/// A stable numeric id for a non-numeric `sourcedId` (GUIDs are common):
/// FNV-1a 64-bit over the UTF-8 bytes, reduced to 52 bits and offset by 2^52, so the result is
/// in `[2^52, 2^53)`. That keeps it clear of real numeric ids (below 2^52 in every SIS we know)
/// and exact in JSON/JavaScript numbers (Google custom-schema values). Two different
/// `sourcedId`s colliding needs a 52-bit hash collision (about one in 2^26 for 10,000 staff
/// by the birthday bound); the source reports a duplicate DCID as a row error if it happens.
pub fn derived_id(source_id: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in source_id.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    const TWO_52: u64 = 1 << 52;
    (TWO_52 | (h & (TWO_52 - 1))) as i64
}

/// `sourcedId` as a number when it is one, else [`derived_id`].
pub fn numeric_or_derived(source_id: &str) -> i64 {
    match source_id.trim().parse::<i64>() {
        Ok(n) if n >= 0 => n,
        _ => derived_id(source_id.trim()),
    }
}

/// A OneRoster grade -> PowerSchool grade level: `IT`/`PR` -> -2, `PK`/`TK` -> -1, `KG` -> 0,
/// `01`..`13` (or `1`..`13`) -> the number. Anything else (`PS`, `UG`, `Other`) has no
/// PowerSchool grade level and is an error.
pub fn parse_grade(s: &str) -> Result<Grade, String> {
    let t = s.trim().to_ascii_uppercase();
    match t.as_str() {
        "IT" | "PR" => Ok(Grade(-2)),
        "PK" | "TK" => Ok(Grade(-1)),
        "KG" => Ok(Grade(0)),
        n => match n.parse::<i32>() {
            Ok(g) if (1..=13).contains(&g) => Ok(Grade(g)),
            _ => Err(format!(
                "unknown grade '{s}' (expected IT, PR, PK, TK, KG or 01-13)"
            )),
        },
    }
}

pub(super) fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_uppercase() || c.is_ascii_digit())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_map_to_powerschool_levels() {
        assert_eq!(parse_grade("KG"), Ok(Grade(0)));
        assert_eq!(parse_grade("PK"), Ok(Grade(-1)));
        assert_eq!(parse_grade("pr"), Ok(Grade(-2)));
        assert_eq!(parse_grade("01"), Ok(Grade(1)));
        assert_eq!(parse_grade("12"), Ok(Grade(12)));
        assert_eq!(parse_grade("7"), Ok(Grade(7)));
        assert!(parse_grade("UG").is_err());
        assert!(parse_grade("14").is_err());
    }

    #[test]
    fn derived_ids_are_stable_and_out_of_the_numeric_range() {
        let a = derived_id("a1b2c3d4-0000-4000-8000-000000000001");
        assert_eq!(a, derived_id("a1b2c3d4-0000-4000-8000-000000000001"));
        assert_ne!(a, derived_id("a1b2c3d4-0000-4000-8000-000000000002"));
        assert!((1i64 << 52..1i64 << 53).contains(&a));
        // FNV-1a 64 of "" is the offset basis; its low 52 bits plus 2^52.
        assert_eq!(
            derived_id(""),
            ((1u64 << 52) | (0xcbf2_9ce4_8422_2325 & ((1u64 << 52) - 1))) as i64
        );
        assert_eq!(numeric_or_derived("4711"), 4711);
        assert_eq!(numeric_or_derived("T-4711"), derived_id("T-4711"));
    }

    #[test]
    fn initials_of_school_names() {
        assert_eq!(initials("Riverside High School"), "RHS");
        assert_eq!(initials("Escuela de la Paz"), "EP");
    }
}
