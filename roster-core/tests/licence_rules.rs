//! The summer-graduate licence rule (d118-studentsync.py:136-154) and the plan changes it
//! makes: who loses the licence, and that only holders under the managed roots get a write.
mod common;

use common::*;
use roster_core::ChangeKind;
use roster_core::licence::{Licence, add_removals};
use roster_core::plan::plan;

fn policy() -> roster_core::policy::StudentPolicy {
    let mut p = student_policy();
    p.summer_graduate_licence = Some(Licence::new("101031", "1010310008"));
    p
}

fn graduate(number: &str, school: i64, status: i32, class_of: i32) -> roster_core::Student {
    let mut s = student(number, "Di", "Oz", 12, school, status);
    s.class_of = Some(class_of);
    s
}

#[test]
fn who_loses_the_licence() {
    let p = policy();
    let july = date(2026, 7, 15);
    // Script line 139: graduated building *and* status 3, this year's class, June to August.
    let cases = [
        (graduate("1", 999999, 3, 2026), july, true),
        (graduate("2", 999999, 3, 2026), date(2026, 6, 1), true),
        (graduate("3", 999999, 3, 2026), date(2026, 8, 31), true),
        (graduate("4", 999999, 3, 2026), date(2026, 9, 1), false),
        (graduate("5", 999999, 3, 2026), date(2026, 5, 31), false),
        (graduate("6", 999999, 3, 2025), july, false), // last year's class
        (graduate("7", 999999, 0, 2026), july, false), // graduated building, status 0
        (graduate("8", 101, 3, 2026), july, false),    // status 3 at a regular building
        (graduate("9", 101, 0, 2026), july, false),    // a pupil
    ];
    for (s, today, loses) in &cases {
        assert_eq!(
            p.loses_licence(s, *today),
            *loses,
            "{} on {today}",
            s.student_number
        );
    }
    // Without a configured licence, or with the summer rule off, no one loses one.
    assert!(!student_policy().loses_licence(&cases[0].0, july));
    let mut off = policy();
    off.graduated_active_summer = false;
    assert!(!off.loses_licence(&cases[0].0, july));
    // A bad name or a number that makes no email: skipped before the rule, as in the script.
    let students = [
        graduate("0042", 999999, 3, 2026),
        {
            let mut s = graduate("43", 999999, 3, 2026);
            s.first_name = "Test".into();
            s
        },
        graduate("4x", 999999, 3, 2026),
    ];
    let losses = p.licence_losses(&students, july);
    let emails: Vec<&str> = losses.iter().map(|l| l.email.as_str()).collect();
    assert_eq!(emails, ["42@d118.org"]);
}

#[test]
fn removals_only_for_holders_under_the_managed_roots_and_idempotent() {
    let p = policy();
    let rules = student_rules();
    let july = date(2026, 7, 15);
    let students = [
        graduate("1", 999999, 3, 2026),
        graduate("2", 999999, 3, 2026),
        graduate("3", 999999, 3, 2026),
    ];
    let desired = p.desired(&students, &schools(), july);
    let grad_ou = "/Suspended Accounts/Graduated Students";
    let observed = vec![
        account("1@d118.org", "Di", "Oz", grad_ou, false, Default::default()),
        account("2@d118.org", "Di", "Oz", grad_ou, false, Default::default()),
        // Outside the managed roots: never touched.
        account(
            "3@d118.org",
            "Di",
            "Oz",
            "/Staff",
            false,
            Default::default(),
        ),
    ];
    let licence = p.summer_graduate_licence.clone().unwrap();
    let losses = p.licence_losses(&students, july);
    assert_eq!(losses.len(), 3);
    let mut planned = plan(&desired, &observed, &rules, july);
    let before = planned.writes().count();
    // 1 holds it (any case), 2 does not (no write), 3 holds it but is unmanaged.
    let holders = vec!["1@D118.org".to_string(), "3@d118.org".to_string()];
    let added = add_removals(&mut planned, &licence, &losses, &holders, &observed, &rules);
    assert_eq!(added, 1);
    assert_eq!(planned.writes().count(), before + 1);
    assert_eq!(planned.count("remove_licence"), 1);
    let c = planned
        .changes
        .iter()
        .find(|c| matches!(c.kind, ChangeKind::RemoveLicence { .. }))
        .unwrap();
    assert_eq!(c.email, "1@d118.org");
    assert_eq!(
        c.kind,
        ChangeKind::RemoveLicence {
            product_id: "101031".into(),
            sku_id: "1010310008".into()
        }
    );
    // Shown as its own kind in the table and the JSON.
    assert!(
        planned.table().contains("remove_licence"),
        "{}",
        planned.table()
    );
    assert!(
        planned.to_json().contains("\"action\": \"remove_licence\"")
            || planned.to_json().contains("\"action\":\"remove_licence\"")
    );
    // After the removal no one managed holds it: nothing more to do.
    let mut second = plan(&desired, &observed, &rules, july);
    let holders = vec!["3@d118.org".to_string()];
    assert_eq!(
        add_removals(&mut second, &licence, &losses, &holders, &observed, &rules),
        0
    );
}
