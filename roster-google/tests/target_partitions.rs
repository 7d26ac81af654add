//! Partitioned reads (`list_accounts` reading a root as concurrent email-prefix partitions)
//! against the emulator over HTTP: every account exactly once with accounts at non-leaf OUs,
//! aliases under other letters, empty partitions, faults retried, and writes during the
//! listing; student numbers split by digit at about a call per 500 accounts; `Auto` splits
//! only a large root whose first page is slow.

mod client_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use client_support::*;
use roster_core::{Account, DirectoryTarget, OrgUnitPath};
use roster_google::GoogleDirectory;
use roster_google::client::User;
use roster_google::target::{ReadPartitions, USERNAME_CHARACTERS};
use roster_google_emulator::{Faults, LatencyModel, RunningEmulator};

const ROOT: &str = "/Students";

/// 1,150 accounts under `/Students` (at the root itself, a school and a grade below it),
/// addresses starting with letters, digits, `-` and `_`, none with `q`; 3 outside the root.
fn district() -> (RunningEmulator, BTreeSet<String>) {
    let emu = emulator();
    for ou in ["/Students/HS/Grade 9", "/Staff"] {
        emu.add_org_unit(ou).unwrap();
    }
    let mut ids = BTreeSet::new();
    // Google usernames begin with a letter, a digit, `-` or `_`.
    let firsts: Vec<char> = "abcdefghijklmnoprstuvwxyz0123456789-_".chars().collect();
    for i in 0..1150 {
        let ou = match i % 3 {
            0 => "/Students",
            1 => "/Students/HS",
            _ => "/Students/HS/Grade 9",
        };
        let first = firsts[i % firsts.len()];
        let u = add_user(&emu, &format!("{first}s{i:05}@{DOMAIN}"), "S", "N", ou);
        ids.insert(u["id"].as_str().unwrap().to_string());
    }
    for i in 0..3 {
        add_user(&emu, &format!("staff{i}@{DOMAIN}"), "T", "N", "/Staff");
    }
    // Two accounts found by a second partition through an alias under another letter.
    emu.add_alias(&format!("as00000@{DOMAIN}"), &format!("zz-alias@{DOMAIN}"))
        .unwrap();
    emu.add_alias(&format!("bs00001@{DOMAIN}"), &format!("0-alias@{DOMAIN}"))
        .unwrap();
    (emu, ids)
}

fn target(emu: &RunningEmulator, mode: ReadPartitions) -> GoogleDirectory {
    GoogleDirectory::new(client(emu)).with_read_partitions(mode)
}

/// Ids of the listed accounts, failing on any listed twice.
fn ids_once(accounts: &[Account]) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for a in accounts {
        *seen
            .entry(a.id.clone().expect("listed accounts have ids"))
            .or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "listed more than once: {twice:?}");
    seen.into_keys().collect()
}

fn root() -> Vec<OrgUnitPath> {
    vec![OrgUnitPath::new(ROOT)]
}

#[tokio::test]
async fn partitions_list_every_account_once_at_every_level_with_aliases_and_empty_partitions() {
    let (emu, ids) = district();
    let chain = target(&emu, ReadPartitions::Never)
        .list_accounts(&root())
        .await
        .unwrap();
    assert_eq!(counter(&emu, "users.list"), 3, "one chain of 3 pages");
    emu.reset_counters();
    let split = target(&emu, ReadPartitions::Always)
        .list_accounts(&root())
        .await
        .unwrap();
    assert_eq!(ids_once(&chain), ids);
    assert_eq!(ids_once(&split), ids);
    assert_eq!(
        chain.iter().map(|a| &a.primary_email).collect::<Vec<_>>(),
        split.iter().map(|a| &a.primary_email).collect::<Vec<_>>()
    );
    // First page (`-`, `0`…`9`, `_`, `a`…`d` complete on it, `e` reached), the last address
    // (descending), then one call per first character from `e` to `z` (`q` empty).
    let from_e = USERNAME_CHARACTERS.len() - USERNAME_CHARACTERS.find('e').unwrap();
    assert_eq!(counter(&emu, "users.list"), 2 + from_e as u64);
}

/// `n` accounts named by student number from 1000000, a third each at the root, a school
/// and a grade, with two aliases under other digits; their ids.
fn numbered(n: u32) -> (RunningEmulator, BTreeSet<String>) {
    let emu = emulator();
    emu.add_org_unit("/Students/HS/Grade 9").unwrap();
    let ous = ["/Students", "/Students/HS", "/Students/HS/Grade 9"];
    let mut ids = BTreeSet::new();
    for i in 0..n {
        let email = format!("{}@{DOMAIN}", 1_000_000 + i);
        let u = add_user(&emu, &email, "S", "N", ous[i as usize % 3]);
        ids.insert(u["id"].as_str().unwrap().to_string());
    }
    emu.add_alias(&format!("1000000@{DOMAIN}"), &format!("1009999-a@{DOMAIN}"))
        .unwrap();
    emu.add_alias(&format!("1000001@{DOMAIN}"), &format!("1003-b@{DOMAIN}"))
        .unwrap();
    (emu, ids)
}

#[tokio::test]
async fn student_numbers_split_by_digit_for_about_a_call_per_500_accounts() {
    let (emu, ids) = numbered(12_000);
    let split = target(&emu, ReadPartitions::Always)
        .list_accounts(&root())
        .await
        .unwrap();
    assert_eq!(ids_once(&split), ids);
    // Root page and its last address; `100` (10,000) and `101` (2,000) probed (50 up, 10
    // down); then `1000`…`1009` and `1010`, `1011` read as chains of two pages (a third for
    // `1003` and `1009`, which also find an account by its alias): 32 calls where one chain
    // takes 24, and no call for a letter or punctuation none of the addresses has.
    assert_eq!(counter(&emu, "users.list"), 32);
}

#[tokio::test]
async fn a_partition_that_fails_is_retried_and_the_listing_is_still_exact() {
    // Mixed first characters (partitions of one page) and student numbers (probes, then
    // chains), a quarter to a third of the calls answered 503.
    for ((emu, ids), share) in [(district(), 0.25), (numbered(3_000), 0.3)] {
        emu.set_faults(Faults {
            backend_error: share,
            ..Faults::default()
        });
        let listed = target(&emu, ReadPartitions::Always)
            .list_accounts(&root())
            .await
            .unwrap();
        assert!(emu.events()["backendError"] > 0, "no fault was injected");
        assert_eq!(ids_once(&listed), ids);
    }
}

#[tokio::test]
async fn writes_during_the_listing_never_duplicate_and_the_next_listing_is_exact() {
    let (emu, ids) = district();
    emu.set_latency(Duration::from_millis(40));
    let t = target(&emu, ReadPartitions::Always);
    let writer = client(&emu);
    let move_to = |email: String, ou: &str| {
        let user = User {
            org_unit_path: Some(ou.into()),
            ..User::default()
        };
        let writer = writer.clone();
        async move { writer.patch_user(&email, &user).await.map(|_| ()) }
    };
    let created = async {
        tokio::time::sleep(Duration::from_millis(30)).await;
        let mut created = Vec::new();
        for i in 0..5 {
            let u = add_user(
                &emu,
                &format!("new{i}@{DOMAIN}"),
                "New",
                "N",
                "/Students/HS",
            );
            created.push(u["id"].as_str().unwrap().to_string());
        }
        move_to(format!("cs00002@{DOMAIN}"), "/Staff")
            .await
            .unwrap();
        move_to(format!("staff0@{DOMAIN}"), "/Students")
            .await
            .unwrap();
        move_to(format!("ds00003@{DOMAIN}"), "/Students/HS/Grade 9")
            .await
            .unwrap();
        created
    };
    let roots = root();
    let (listed, created) = tokio::join!(t.list_accounts(&roots), created);
    let listed = ids_once(&listed.unwrap());
    // Untouched accounts are all there, whatever the writes did meanwhile.
    let moved_out = emu.user(&format!("cs00002@{DOMAIN}")).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for id in ids.iter().filter(|id| **id != moved_out) {
        assert!(listed.contains(id), "{id} missed");
    }
    emu.set_latency(Duration::ZERO);
    let again = ids_once(&t.list_accounts(&root()).await.unwrap());
    let mut expected = ids.clone();
    expected.remove(&moved_out);
    expected.extend(created);
    expected.insert(
        emu.user(&format!("staff0@{DOMAIN}")).unwrap()["id"]
            .as_str()
            .unwrap()
            .into(),
    );
    assert_eq!(again, expected);
}

/// The emulator at 50 ms + 0.2 ms per user (a full page takes 150 ms, over 2 slots at the
/// client's rate) and a target at Google's 40 calls/s, partitioning `Auto`.
fn slow_target(emu: &RunningEmulator) -> GoogleDirectory {
    emu.set_latency_model(LatencyModel {
        base: Duration::from_millis(50),
        per_user: Duration::from_micros(200),
        ..LatencyModel::default()
    });
    GoogleDirectory::new(client_with(
        emu,
        roster_google::client::ClientConfig {
            rate_per_second: 40.0,
            burst: 40,
            ..config(emu)
        },
    ))
}

#[tokio::test]
async fn auto_splits_only_a_large_root_whose_first_page_is_slow() {
    let (emu, ids) = numbered(6_000);
    let t = target(&emu, ReadPartitions::Auto);
    assert_eq!(ids_once(&t.list_accounts(&root()).await.unwrap()), ids);
    assert_eq!(counter(&emu, "users.list"), 12, "fast directory: one chain");
    emu.reset_counters();
    let slow = slow_target(&emu);
    assert_eq!(ids_once(&slow.list_accounts(&root()).await.unwrap()), ids);
    // First page, the last address, then `1000`…`1005` as chains of two pages (a third for
    // `1003`, which also finds an account by its alias).
    assert_eq!(
        counter(&emu, "users.list"),
        15,
        "slow directory: first page, then partitions"
    );
    emu.reset_counters();
    // A slow root of a few pages is cheaper as one chain: it is not split.
    let (small, small_ids) = district();
    let slow = slow_target(&small);
    assert_eq!(
        ids_once(&slow.list_accounts(&root()).await.unwrap()),
        small_ids
    );
    assert_eq!(counter(&small, "users.list"), 3);
}
