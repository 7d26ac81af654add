use super::*;

fn reason<T: fmt::Debug>(r: Result<T, Invalid>) -> String {
    r.expect_err("should be refused").to_string()
}

#[test]
fn identifiers_are_positive_digits_of_a_configured_length() {
    let rules = FieldRules::default();
    assert_eq!(identifier(" 100001 ", &rules).unwrap(), "100001");
    assert_eq!(identifier("0042", &rules).unwrap(), "0042");
    assert!(reason(identifier("-5", &rules)).contains("digits 0-9 only"));
    assert!(reason(identifier("0", &rules)).contains("positive"));
    assert!(reason(identifier("000", &rules)).contains("positive"));
    assert!(reason(identifier("12345678901234567890", &rules)).contains("20 digits"));
    assert!(reason(identifier(&i64::MAX.to_string(), &rules)).contains("19 digits"));
    assert!(reason(identifier("1e5", &rules)).contains("digits 0-9 only"));
    assert!(reason(identifier("１２３", &rules)).contains("digits 0-9 only"));
    assert!(reason(identifier("", &rules)).contains("is empty"));
    let long = FieldRules::with_max_id_len(99);
    assert_eq!(long.max_id_len, 18);
    assert!(identifier(&i64::MAX.to_string(), &long).is_err());
    assert!(id_number(-5, &rules).is_err());
    assert_eq!(id_number(7, &rules).unwrap(), 7);
    // School 0 is the district office; a DCID of 0 is not an identifier.
    assert_eq!(school_number(0, &rules).unwrap(), 0);
    assert!(id_number(0, &rules).is_err());
    assert!(school_number(-1, &rules).is_err());
    assert!(reason(school_number(i64::MAX, &rules)).contains("19 digits"));
}

#[test]
fn names_are_nfc_visible_and_have_a_letter() {
    // "Zoë" decomposed (e + combining diaeresis) comes back composed.
    assert_eq!(person_name(" Zoe\u{308} ").unwrap(), "Zoë");
    assert_eq!(person_name("O'Brien").unwrap(), "O'Brien");
    assert_eq!(person_name("Do").unwrap(), "Do");
    assert_eq!(person_name("李").unwrap(), "李");
    assert!(reason(person_name("Ana\0")).contains("U+0000"));
    assert!(reason(person_name("\u{1b}[31mRed")).contains("U+001B"));
    assert!(reason(person_name("Liam\nCREATE x")).contains("U+000A"));
    assert!(reason(person_name("abc\u{202E}fed")).contains("U+202E"));
    assert!(reason(person_name("\u{200B}\u{200B}")).contains("U+200B"));
    assert!(reason(person_name("   ")).contains("is empty"));
    assert!(reason(person_name("😀😀")).contains("has no letter"));
    assert!(reason(person_name("--")).contains("has no letter"));
}

#[test]
fn shown_values_are_escaped_and_cut() {
    assert_eq!(show("a\u{1b}[0m\n\u{202E}"), "\"a\\u{1b}[0m\\n\\u{202e}\"");
    assert_eq!(show("say \"hi\""), "\"say \\\"hi\\\"\"");
    let long = "x".repeat(100);
    assert_eq!(show(&long).chars().count(), 60 + 3);
    let e = person_name("A\nB")
        .unwrap_err()
        .at("STUDENTS STUDENT_NUMBER=1", "FIRST_NAME");
    assert!(!e.to_string().contains('\n'), "{e}");
}

#[test]
fn ou_components_cannot_split_or_climb_the_path() {
    assert_eq!(ou_component(" WHS ").unwrap(), "WHS");
    assert_eq!(
        ou_component("St. Mary's (K-8)").unwrap(),
        "St. Mary's (K-8)"
    );
    assert!(reason(ou_component("X/Y")).contains("'/'"));
    assert!(reason(ou_component("../../Restricted")).contains("'/'"));
    assert!(reason(ou_component("..")).contains("'..'"));
    assert!(reason(ou_component("")).contains("is empty"));
    assert!(reason(ou_component("  ")).contains("is empty"));
    assert!(reason(ou_component("A\\B")).contains("'\\'"));
    assert!(reason(ou_component("=HYPERLINK()")).contains("'='"));
    assert!(reason(ou_component("W\u{200D}HS")).contains("U+200D"));
    assert!(reason(ou_component(&"S".repeat(61))).contains("61 characters"));
}

#[test]
fn emails_have_rfc_5321_shape_and_an_ascii_local_part() {
    assert_eq!(
        email(" Grace.Hopper@D118.org ").unwrap(),
        "Grace.Hopper@D118.org"
    );
    assert_eq!(email("o'brien+x@d118.org").unwrap(), "o'brien+x@d118.org");
    for bad in [
        "diego williams@d118.org",
        "finn@shah@d118.org",
        "@d118.org",
        "finn@d118.org.",
        "finn@",
        "finn",
        "finn@localhost",
        "fínn@d118.org",
        ".finn@d118.org",
        "fi..nn@d118.org",
        "finn@-d118.org",
        "finn@d118..org",
    ] {
        assert!(email(bad).is_err(), "{bad} should be refused");
    }
    assert!(email(&format!("{}@d118.org", "a".repeat(65))).is_err());
}

#[test]
fn codes_outside_powerschool_definitions_are_refused() {
    assert_eq!(enroll_status(-1).unwrap(), EnrollStatus::PreRegistered);
    assert_eq!(enroll_status(4).unwrap(), EnrollStatus::HistoricalImport);
    assert!(reason(enroll_status(7)).contains("\"7\" is not an enroll status"));
    assert!(enroll_status(-2).is_err());
    assert_eq!(staff_type(4).unwrap(), StaffType::Substitute);
    assert!(staff_type(9).is_err());
    assert_eq!(grade(99).unwrap(), Grade(99));
    assert_eq!(grade(-2).unwrap(), Grade(-2));
    assert!(grade(15).is_err());
    assert!(grade(-3).is_err());
    assert!(class_of(2035).is_ok());
    assert!(class_of(0).is_err());
}

#[test]
fn an_email_belongs_to_the_first_claim() {
    let mut emails = Emails::new();
    emails.claim("pat@d118.org", "USERS DCID=1").unwrap();
    emails.claim("sam@d118.org", "USERS DCID=2").unwrap();
    let e = emails.claim("PAT@d118.org", "USERS DCID=3").unwrap_err();
    assert!(e.reason.contains("USERS DCID=1"), "{e}");
}
