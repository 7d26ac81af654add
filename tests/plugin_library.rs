//! `plugin DIR` through the library (`accounts_cli`, `vendor_cli_requiring`), as a program
//! that embeds roster calls it: the plugin is written and listed, nothing else happens (no
//! SIS read, no demo, no audit log), and a folder that cannot be written is a fatal report.

use std::path::Path;

use clap::Parser;
use roster::core::report::{ExitCode, RunReport};
use roster::{Cli, accounts_cli, vendor_cli_requiring};

fn cli(out: &Path, dir: &Path) -> Cli {
    let audit = out.join("audit.jsonl");
    Cli::parse_from([
        "roster",
        "--out",
        out.to_str().unwrap(),
        "--audit-log",
        audit.to_str().unwrap(),
        "plugin",
        dir.to_str().unwrap(),
    ])
}

fn nothing_else_in(out: &Path) {
    let left: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "plugin")
        .collect();
    assert!(
        left.is_empty(),
        "plugin wrote more than the plugin: {left:?}"
    );
}

fn ok(report: &RunReport) {
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    assert_eq!(report.mode, "plugin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_and_vendor_jobs_write_their_plugin_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, dir) = (tmp.path(), tmp.path().join("plugin"));
    let mut listed = Vec::new();
    let cli = cli(out, &dir);
    let r = accounts_cli(
        &d118_students::job(),
        &d118_students::site(),
        &cli,
        &mut listed,
    )
    .await;
    ok(&r);
    let listed = String::from_utf8(listed).unwrap();
    assert!(
        listed.contains("plugin.xml") && listed.contains("the core plugin"),
        "{listed}"
    );
    assert!(dir.join("plugin.xml").is_file());
    nothing_else_in(out);

    let mut listed = Vec::new();
    let (job, site, unset) = (
        kipp_chicago_stmath::job(),
        kipp_chicago_stmath::site(),
        kipp_chicago_stmath::unset(),
    );
    let r = vendor_cli_requiring(&job, &site, &unset, &cli, &mut listed).await;
    ok(&r);
    let listed = String::from_utf8(listed).unwrap();
    assert!(
        listed.contains("org.roster.sync.web_logins.district"),
        "{listed}"
    );
    nothing_else_in(out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_that_cannot_be_written_is_a_fatal_report() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("plugin");
    std::fs::write(&blocker, "a file where the folder should go").unwrap();
    let cli = cli(tmp.path(), &blocker);
    let r = accounts_cli(
        &d118_students::job(),
        &d118_students::site(),
        &cli,
        &mut Vec::new(),
    )
    .await;
    assert_eq!(r.exit_code(), ExitCode::Aborted, "{}", r.summary());
    let why = r.aborted.unwrap();
    assert!(why.contains("cannot write the PowerSchool plugin"), "{why}");
}
