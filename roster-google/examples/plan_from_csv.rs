//! A program outside the districts, on `roster-core` and `roster-google` alone: list the
//! accounts under some OUs of a Google Workspace directory and plan them against a CSV of the
//! accounts that should exist. It prints the plan and writes nothing to the directory.
//!
//! ```sh
//! GOOGLE_ACCESS_TOKEN=ya29... cargo run -p roster-google --example plan_from_csv -- \
//!     desired.csv /Students /Suspended
//! ```
//!
//! - `desired.csv` has the header `id,email,given_name,family_name,org_unit,suspended`
//!   (`suspended` is `true` or `false`); accounts are matched by primary email.
//! - The OU arguments are the managed roots: only accounts under them are listed. An account
//!   the CSV does not name is left alone; a row with `suspended` `true` suspends its account
//!   (and removes it from its groups).
//! - `GOOGLE_ACCESS_TOKEN`: a bearer token for an admin (`gcloud auth print-access-token`, or
//!   the emulator's); `ROSTER_DIRECTORY_URL` points the client at another API root, such as
//!   `roster-google-emulator`'s.
//!
//! Output: one line per change (`label<TAB>email<TAB>person`), then `plan:` and the counts.
//! A bad CSV row is an error naming its line and column, and nothing is planned.
//! Exit status: 0 planned, 2 error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use roster_core::{
    DesiredAccount, DirectoryTarget, Intent, MatchKey, OrgUnitPath, Person, PersonKind, Plan,
    Policy,
};
use roster_google::{ClientConfig, GoogleDirectory, StaticToken};

/// What the program was asked to do.
struct Args {
    csv: PathBuf,
    roots: Vec<OrgUnitPath>,
    /// API root; `None`: Google's.
    base_url: Option<String>,
    token: String,
}

fn main() -> std::process::ExitCode {
    let mut argv = std::env::args().skip(1);
    let Some(csv) = argv.next() else {
        eprintln!("usage: plan_from_csv DESIRED.csv OU_ROOT...");
        return std::process::ExitCode::from(2);
    };
    let Ok(token) = std::env::var("GOOGLE_ACCESS_TOKEN") else {
        eprintln!("GOOGLE_ACCESS_TOKEN is not set");
        return std::process::ExitCode::from(2);
    };
    let args = Args {
        csv: csv.into(),
        roots: argv.map(OrgUnitPath::new).collect(),
        base_url: std::env::var("ROSTER_DIRECTORY_URL").ok(),
        token,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    match runtime.block_on(run(&args, &mut out)) {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::from(2)
        }
    }
}

/// Reads the CSV, lists the directory, plans, and prints the plan to `out`.
async fn run(args: &Args, out: &mut impl Write) -> Result<Plan, String> {
    if args.roots.is_empty() {
        return Err("name at least one OU root to plan under".into());
    }
    let desired = read_desired(&args.csv)?;
    let config = match &args.base_url {
        Some(url) => ClientConfig::with_base_url(url.as_str()),
        None => ClientConfig::default(),
    };
    let directory = GoogleDirectory::connect(config, Arc::new(StaticToken::new(&args.token)))
        .map_err(|e| format!("cannot build the Directory client: {e}"))?;
    let observed = directory
        .list_accounts(&args.roots)
        .await
        .map_err(|e| format!("cannot list the directory: {e}"))?;
    let policy = Policy::new(MatchKey::PrimaryEmail, args.roots.clone());
    let today = chrono::Local::now().date_naive();
    let plan = roster_core::plan(&desired, &observed, &policy, today);
    print_plan(&plan, out).map_err(|e| format!("cannot write the plan: {e}"))?;
    Ok(plan)
}

fn print_plan(plan: &Plan, out: &mut impl Write) -> std::io::Result<()> {
    for change in &plan.changes {
        let label = change.kind.label();
        writeln!(out, "{label}\t{}\t{}", change.email, change.person)?;
    }
    let counts: Vec<String> = plan
        .counts()
        .iter()
        .map(|(label, n)| format!("{label}={n}"))
        .collect();
    writeln!(out, "plan: {}", counts.join(" "))
}

/// The CSV's rows as intents; every bad value is reported with its line, and any bad row
/// stops the program (a missing row would plan a suspension).
fn read_desired(path: &Path) -> Result<Vec<Intent>, String> {
    let shown = path.display();
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let mut intents = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("{shown}: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        match desired_account(&record) {
            Ok(account) => intents.push(Intent::Account {
                account,
                school: None,
            }),
            Err(e) => errors.push(format!("{shown}:{line}: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(intents)
    } else {
        Err(errors.join("\n"))
    }
}

fn desired_account(record: &csv::StringRecord) -> Result<DesiredAccount, String> {
    const COLUMNS: [&str; 6] = [
        "id",
        "email",
        "given_name",
        "family_name",
        "org_unit",
        "suspended",
    ];
    let field = |i: usize| -> Result<&str, String> {
        match record.get(i).map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(format!("column {} ({}) is empty", i + 1, COLUMNS[i])),
        }
    };
    let email = field(1)?;
    if email.split('@').count() != 2 || email.starts_with('@') || email.ends_with('@') {
        return Err(format!(
            "column 2 (email): {email:?} is not an email address"
        ));
    }
    let org_unit = field(4)?;
    if !org_unit.starts_with('/') {
        return Err(format!(
            "column 5 (org_unit): {org_unit:?} does not start with /"
        ));
    }
    let suspended = match field(5)? {
        "true" => true,
        "false" => false,
        other => {
            return Err(format!(
                "column 6 (suspended): {other:?} is not true or false"
            ));
        }
    };
    let (given_name, family_name) = (field(2)?, field(3)?);
    Ok(DesiredAccount {
        person: Person {
            kind: PersonKind::Student,
            id: field(0)?.to_string(),
            name: format!("{family_name}, {given_name}"),
        },
        key: None,
        primary_email: email.to_string(),
        given_name: given_name.to_string(),
        family_name: family_name.to_string(),
        org_unit_path: OrgUnitPath::new(org_unit),
        suspended,
        custom_schemas: Default::default(),
        external_ids: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    //! The example against the Directory emulator over HTTP (`cargo test -p roster-google
    //! --example plan_from_csv`; `cargo test --workspace` runs it too, `test = true`).

    use super::*;
    use roster_google_emulator::{Emulator, EmulatorConfig, RunningEmulator};
    use serde_json::json;

    fn emulator() -> RunningEmulator {
        let emu = Emulator::start(EmulatorConfig {
            domains: vec!["example.org".into()],
            ..Default::default()
        })
        .expect("emulator starts");
        for ou in ["/Students", "/Students/HS", "/Staff"] {
            emu.add_org_unit(ou).expect("OU");
        }
        for (email, ou, given) in [
            ("ann@example.org", "/Students/HS", "Ann"),
            ("bob@example.org", "/Students/HS", "Bob"),
            ("cat@example.org", "/Students", "Cat"),
            ("eve@example.org", "/Students", "Eve"),
            ("teacher@example.org", "/Staff", "Tess"),
        ] {
            emu.add_user(&json!({"primaryEmail": email, "orgUnitPath": ou,
                "name": {"givenName": given, "familyName": "Lee"}}))
                .expect("user");
        }
        emu
    }

    /// `desired.csv` with the header and these rows, in a directory removed on drop.
    fn desired_csv(rows: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let csv = dir.path().join("desired.csv");
        let header = "id,email,given_name,family_name,org_unit,suspended\n";
        std::fs::write(&csv, format!("{header}{rows}")).expect("csv");
        (dir, csv)
    }

    fn args(emu: &RunningEmulator, csv: &Path) -> Args {
        Args {
            csv: csv.to_path_buf(),
            roots: vec![OrgUnitPath::new("/Students")],
            base_url: Some(emu.base_url()),
            token: emu.issue_access_token("admin@example.org"),
        }
    }

    #[tokio::test]
    async fn plans_a_csv_against_the_emulator_and_writes_nothing() {
        let emu = emulator();
        let (_dir, csv) = desired_csv(
            "1,ann@example.org,Ann,Lee,/Students/HS,false\n\
             2,bob@example.org,Robert,Lee,/Students/HS,false\n\
             3,cat@example.org,Cat,Lee,/Students,true\n\
             4,dan@example.org,Dan,Lee,/Students/HS,false\n",
        );
        let mut out = Vec::new();
        let plan = run(&args(&emu, &csv), &mut out).await.expect("plan");
        let out = String::from_utf8(out).expect("utf-8");
        // Ann is in step; Bob's given name changed; Cat left; Dan is new; Eve is under the root
        // but not in the CSV (left alone); the teacher is outside the root and never seen.
        assert_eq!(
            out.lines().last(),
            Some("plan: create=1 remove_from_groups=1 suspend=1 update=1"),
            "{out}"
        );
        assert!(
            out.contains("create\tdan@example.org\tstudent 4 (Lee, Dan)"),
            "{out}"
        );
        assert!(out.contains("update\tbob@example.org\t"), "{out}");
        assert!(out.contains("suspend\tcat@example.org\t"), "{out}");
        assert!(!out.contains("teacher@"), "{out}");
        assert!(
            out.contains("remove_from_groups\tcat@example.org\t"),
            "{out}"
        );
        assert!(!out.contains("ann@") && !out.contains("eve@"), "{out}");
        assert_eq!(plan.managed_accounts, 4);
        let users = emu.users();
        assert_eq!(users.len(), 5, "planning wrote nothing");
        assert!(
            users.iter().all(|u| u["suspended"] != true),
            "nothing suspended"
        );
        assert!(!users.iter().any(|u| u["primaryEmail"] == "dan@example.org"));
    }

    #[tokio::test]
    async fn a_bad_row_is_located_and_nothing_is_planned() {
        let emu = emulator();
        let (_dir, csv) = desired_csv(
            "1,ann@example.org,Ann,Lee,/Students/HS,false\n\
             2,bob.example.org,Bob,Lee,/Students/HS,maybe\n\
             3,cat@example.org,,Lee,Students,false\n",
        );
        let mut out = Vec::new();
        let err = run(&args(&emu, &csv), &mut out)
            .await
            .expect_err("bad rows refuse the plan");
        let shown = csv.display();
        assert_eq!(
            err,
            format!(
                "{shown}:3: column 2 (email): \"bob.example.org\" is not an email address\n\
                 {shown}:4: column 5 (org_unit): \"Students\" does not start with /"
            )
        );
        assert!(out.is_empty(), "no plan printed");
    }
}
