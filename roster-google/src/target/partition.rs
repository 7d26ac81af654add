//! Partitioned reads: one managed root listed as concurrent email-prefix partitions when
//! Google answers slowly, so the listing's wall time approaches calls ÷ quota instead of
//! pages × page time.
//!
//! The root's first page is read on its own (`orderBy=email`). A root that fits in it costs one
//! call. When it does not, and that page took longer than [`ReadPartitions::Auto`]'s threshold
//! (two request slots of the client's rate, and at least [`MIN_SLOW_PAGE`]), the root may be
//! split; else the page chain simply continues.
//!
//! # How a partition is split
//!
//! A partition is the accounts whose address starts with a prefix
//! (`query=orgUnitPath='/Root' email:10*`). Its first page, in email order, is a sample:
//! [`estimate`] counts the addresses under the characters the page ran past and scales the one
//! it reached into by the characters of its kind after it. A partition estimated at a few
//! pages is read as one chain (the cheapest way to read it: every call brings a full page). A
//! larger one is split: a short page in descending order gives its last address, and the
//! partition becomes one child per character from the one the sample reached to the last
//! address's, at the first position where its first and last addresses differ (`10` from
//! `1000000` to `1099999` becomes `100` … `109`); the characters before are complete in the
//! sample. Bounding the children by the last address keeps splitting cheap for addresses that
//! are all digits (student numbers): no partition is asked for the letters none of them has.
//! Children estimated large are probed with small pages (50 users ascending, 10 descending)
//! rather than a full one, so each level of splitting costs a fraction of a page's latency;
//! the rest are chains. Where an apostrophe would have to go into a query, the partition is
//! read as a chain instead.
//!
//! # Every account once
//!
//! The children of a partition cover every address it can hold: Google usernames are made of
//! [`USERNAME_CHARACTERS`] and end at `@` (a child ending in `@` holds the username equal to
//! the prefix, in any domain), and every character between the first and the last address is
//! a child. The listings are deduplicated by user id (Google's `email` search includes
//! aliases, so an account with an alias under another prefix is returned by two partitions, and
//! probes overlap the chains that follow them). A partition that fails is retried by the client
//! like any read; one that still fails fails the whole listing (never a partial list). An account
//! renamed or moved between roots while the listing runs may be seen twice (kept once, by id) or
//! not at all, exactly as with a single page chain; the next run sees it. A server whose answers
//! would split without end is stopped after [`MAX_PARTITIONS`] partitions with an error.
//!
//! # What it assumes of Google
//!
//! That `orderBy=email` orders addresses by their characters in ASCII order, lower-cased (as
//! the emulator does): skipping the characters a first page ran past, and bounding the
//! children by the last address, rely on it. Google does not document its collation and it
//! cannot be checked from here. Were it otherwise, an account could be missed; the damage is
//! bounded by the plan: a missed account that should exist is a create Google answers with
//! 409, which the engine treats as an account outside the listing (`roster_core::apply`'s
//! adoption rules; nothing suspended), and a missed leaver is suspended a night later. [`ReadPartitions::Never`] reads one page chain per root, which assumes
//! nothing.

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use roster_core::Account;

use crate::client::{DirectoryClient, DirectoryError, ListUsers, User, UserPage};

/// The characters of a Google username (letters, digits, `'`, `-`, `.` and `_`), in the order
/// Google sorts addresses.
pub const USERNAME_CHARACTERS: &str = "'-.0123456789_abcdefghijklmnopqrstuvwxyz";

/// The characters that may follow a prefix, in address order: a username character, or the
/// `@` that ends the username.
const NEXT_CHARACTERS: &[u8] = b"'-.0123456789@_abcdefghijklmnopqrstuvwxyz";

/// A first page faster than this never splits a root, whatever the client's rate: the chain
/// is then within a small factor of the quota floor and partitions would only add calls.
pub const MIN_SLOW_PAGE: Duration = Duration::from_millis(100);

/// More partitions than this in one root means the server's answers do not narrow (Google's
/// always do: a child's prefix is longer than its parent's).
pub const MAX_PARTITIONS: usize = 5_000;

/// One page of `users.list`, Google's maximum.
const PAGE: u32 = 500;
/// A partition estimated at more accounts than this is split rather than read as one chain.
const SPLIT_ABOVE: f64 = 4.0 * PAGE as f64;
/// A chain whose first page suggests more accounts than this is split after all.
const ESCALATE_ABOVE: f64 = 8.0 * PAGE as f64;
/// Probe sizes: enough addresses ascending to estimate the children, a few descending to find
/// the last address (the first may be an account found through an alias).
const ASCENDING_PROBE: u32 = 50;
const DESCENDING_PROBE: u32 = 10;

/// When `list_accounts` splits a root into email-prefix partitions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReadPartitions {
    /// Split when the root has more than one page, its first page took longer than two
    /// request slots of the client's rate and [`MIN_SLOW_PAGE`], and it looks larger than a
    /// few pages (the default).
    #[default]
    Auto,
    /// Never split: one page chain per root (the behaviour before partitioning).
    Never,
    /// Always split a root with more than one page.
    Always,
}

impl ReadPartitions {
    /// Whether a first page that took `took`, for a client at `rate` requests per second,
    /// may be followed by partitions.
    pub fn split(self, took: Duration, rate: f64) -> bool {
        match self {
            Self::Never => false,
            Self::Always => true,
            Self::Auto => {
                let slot = if rate > 0.0 { 2.0 / rate } else { 0.0 };
                took > MIN_SLOW_PAGE.max(Duration::from_secs_f64(slot.min(60.0)))
            }
        }
    }
}

/// List one root: first page, then either the rest of the chain or the partitions. `keep`
/// turns a user into an account (None = outside the root or not an account).
pub(super) async fn list_root_users(
    client: &DirectoryClient,
    params: &ListUsers,
    mode: ReadPartitions,
    keep: &mut (dyn FnMut(User) -> Option<Account> + Send),
) -> Result<Vec<Account>, DirectoryError> {
    let lister = Lister::new(client, params);
    let started = Instant::now();
    let page = lister.first_page("").await?;
    let took = started.elapsed();
    let mut found = Found {
        seen: HashSet::new(),
        accounts: Vec::new(),
        keep,
    };
    if page.next_page_token.is_none() {
        found.add(page.users);
    } else if mode.split(took, client.rate_per_second()) {
        tracing::debug!(?took, "first page slow: listing the root by email prefix");
        lister
            .partitioned(page, took, mode == ReadPartitions::Always, &mut found)
            .await?;
    } else {
        // Each page becomes accounts as it arrives: a listing of 100,000 users never holds
        // them all as `User`s.
        lister
            .rest_of_chain("", page, &mut |users| found.add(users))
            .await?;
    }
    Ok(found.accounts)
}

/// The accounts found so far, each user once (by id).
struct Found<'k> {
    seen: HashSet<String>,
    accounts: Vec<Account>,
    keep: &'k mut (dyn FnMut(User) -> Option<Account> + Send),
}

impl Found<'_> {
    fn add(&mut self, users: Vec<User>) {
        for u in users {
            if u.id.as_ref().is_none_or(|id| self.seen.insert(id.clone()))
                && let Some(a) = (self.keep)(u)
            {
                self.accounts.push(a);
            }
        }
    }
}

/// How a partition is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// Page by page to the end (split after all if its first page shows it is large).
    Chain,
    /// Probed with small pages, then split.
    Probe,
}

/// One partition's users and the partitions it was split into.
type Part = (Vec<User>, Vec<(String, Read)>);

/// Lists one root's partitions.
struct Lister<'a> {
    client: &'a DirectoryClient,
    params: ListUsers,
    /// The root's own query (`orgUnitPath='/Root'`), each partition's prefix added to it.
    base: String,
}

impl<'a> Lister<'a> {
    fn new(client: &'a DirectoryClient, params: &ListUsers) -> Self {
        let mut params = params.clone();
        params.order_by = Some("email".into());
        let base = params.query.clone().unwrap_or_default();
        Lister {
            client,
            params,
            base,
        }
    }

    /// The query for the partition `prefix` ("" = the whole root).
    fn query(&self, prefix: &str, max_results: u32, descending: bool) -> ListUsers {
        let mut p = self.params.clone();
        if !prefix.is_empty() {
            p.query = Some(
                format!("{} email:{prefix}*", self.base)
                    .trim_start()
                    .to_string(),
            );
        }
        p.max_results = max_results;
        p.descending = descending;
        p
    }

    /// The first full page of the partition `prefix`, in email order.
    async fn first_page(&self, prefix: &str) -> Result<UserPage, DirectoryError> {
        self.client
            .list_users_page(&self.query(prefix, PAGE, false), None)
            .await
    }

    /// The partition's last address (from a short page in descending order; its first users
    /// may be found through an alias and sort elsewhere).
    async fn last_address(&self, prefix: &str) -> Result<Option<String>, DirectoryError> {
        let down = self
            .client
            .list_users_page(&self.query(prefix, DESCENDING_PROBE, true), None)
            .await?;
        Ok(addresses(&down.users, prefix).into_iter().next())
    }

    /// The root read as partitions, starting from its first page (which took `took`);
    /// `force` splits the root whatever its estimate.
    ///
    /// At most about as many partitions are open at once as the client's rate can keep
    /// busy at that page time: more would only queue at the rate limiter, where a chain's
    /// next page would wait behind every partition's first. Probes go first (they make more
    /// work), chains after.
    async fn partitioned(
        &self,
        first: UserPage,
        took: Duration,
        force: bool,
        found: &mut Found<'_>,
    ) -> Result<(), DirectoryError> {
        let open = (self.client.rate_per_second() * took.as_secs_f64()).ceil();
        let open = if open.is_finite() {
            (open as usize).clamp(4, 1_000)
        } else {
            1_000
        };
        let (users, parts) = self.chain_or_split("", first, force).await?;
        found.add(users);
        let mut queue: VecDeque<(String, Read)> = VecDeque::new();
        let mut started = 1;
        let mut pending = FuturesUnordered::new();
        let mut enqueue = |queue: &mut VecDeque<(String, Read)>, parts: Vec<(String, Read)>| {
            started += parts.len();
            for part in parts {
                match part.1 {
                    Read::Probe => queue.push_front(part),
                    Read::Chain => queue.push_back(part),
                }
            }
            started <= MAX_PARTITIONS
        };
        enqueue(&mut queue, parts);
        loop {
            while pending.len() < open
                && let Some((prefix, how)) = queue.pop_front()
            {
                pending.push(self.read(prefix, how));
            }
            let Some(part) = pending.next().await else {
                return Ok(());
            };
            let (users, parts) = part?;
            found.add(users);
            if !enqueue(&mut queue, parts) {
                return Err(DirectoryError::invalid_response(
                    200,
                    format!(
                        "users.list partitions did not narrow (more than {MAX_PARTITIONS} in one root)"
                    ),
                ));
            }
        }
    }

    async fn read(&self, prefix: String, how: Read) -> Result<Part, DirectoryError> {
        match how {
            Read::Chain => {
                let page = self.first_page(&prefix).await?;
                self.chain_or_split(&prefix, page, false).await
            }
            Read::Probe => {
                let up = self.query(&prefix, ASCENDING_PROBE, false);
                let (up, last) = futures::try_join!(
                    self.client.list_users_page(&up, None),
                    self.last_address(&prefix),
                )?;
                if up.next_page_token.is_none() {
                    return Ok((up.users, Vec::new()));
                }
                let sample = addresses(&up.users, &prefix);
                let sample: Vec<&str> = sample.iter().map(String::as_str).collect();
                match children(&prefix, &sample, last.as_deref()) {
                    Some(parts) => Ok((up.users, parts)),
                    // Nothing to split on: read it as a chain after all.
                    None => {
                        let page = self.first_page(&prefix).await?;
                        Ok((self.whole_chain(&prefix, page).await?, Vec::new()))
                    }
                }
            }
        }
    }

    /// Given a partition's first full page: the rest of its chain, or its children when the
    /// page suggests it is large (or `force`).
    async fn chain_or_split(
        &self,
        prefix: &str,
        page: UserPage,
        force: bool,
    ) -> Result<Part, DirectoryError> {
        if page.next_page_token.is_none() {
            return Ok((page.users, Vec::new()));
        }
        let sample = addresses(&page.users, prefix);
        let sample: Vec<&str> = sample.iter().map(String::as_str).collect();
        if force || estimate(&sample, prefix.len()) > ESCALATE_ABOVE {
            let last = self.last_address(prefix).await?;
            if let Some(parts) = children(prefix, &sample, last.as_deref()) {
                return Ok((page.users, parts));
            }
        }
        Ok((self.whole_chain(prefix, page).await?, Vec::new()))
    }

    /// The first page's users and every page after it.
    async fn whole_chain(
        &self,
        prefix: &str,
        first: UserPage,
    ) -> Result<Vec<User>, DirectoryError> {
        let mut all = Vec::new();
        self.rest_of_chain(prefix, first, &mut |users| all.extend(users))
            .await?;
        Ok(all)
    }

    /// The first page's users and every page after it, handed to `sink` page by page.
    async fn rest_of_chain(
        &self,
        prefix: &str,
        first: UserPage,
        sink: &mut (dyn FnMut(Vec<User>) + Send),
    ) -> Result<(), DirectoryError> {
        let params = self.query(prefix, PAGE, false);
        let mut token = first.next_page_token.filter(|t| !t.is_empty());
        sink(first.users);
        while let Some(t) = token {
            let page = self.client.list_users_page(&params, Some(&t)).await?;
            sink(page.users);
            token = page.next_page_token.filter(|next| !next.is_empty());
            if token.as_ref() == Some(&t) {
                // A server handing back the token it was given would loop forever.
                return Err(DirectoryError::invalid_response(
                    200,
                    "users.list returned the same page token twice",
                ));
            }
        }
        Ok(())
    }
}

/// The lower-cased primary addresses on a page that start with `prefix`, in page order
/// (accounts found through an alias under the prefix are left out: they sort elsewhere).
fn addresses(users: &[User], prefix: &str) -> Vec<String> {
    users
        .iter()
        .filter_map(|u| u.primary_email.as_deref())
        .map(str::to_lowercase)
        .filter(|a| a.starts_with(prefix))
        .collect()
}

/// The children of the partition `prefix` whose addresses run from `sample`'s first to
/// `last`: one per character between them at the first position where they differ, less the
/// characters before the one `sample` reached (their addresses are all in the sample). The
/// child the sample reached into is read by [`Read::Probe`] when its part of the sample
/// suggests it is large, and so are the children after it. `None` when there is nothing to
/// split on (one address, the same username in several domains, a character Google does not
/// put in usernames, or an apostrophe, which a query cannot carry unquoted).
fn children(prefix: &str, sample: &[&str], last: Option<&str>) -> Option<Vec<(String, Read)>> {
    let (first, last) = (sample.first()?.as_bytes(), last?.as_bytes());
    let at = first.iter().zip(last).take_while(|(a, b)| a == b).count();
    let (&lo, &hi) = (first.get(at)?, last.get(at)?);
    let stem = &first[..at];
    if at < prefix.len() || stem.contains(&b'@') || stem.contains(&b'\'') || lo == b'\'' {
        return None;
    }
    if ![lo, hi]
        .iter()
        .chain(stem)
        .all(|c| NEXT_CHARACTERS.contains(c))
    {
        return None;
    }
    // Addresses between two that share the stem share it: the sample's last does, unless the
    // server's answers disagree, when no character is taken as complete.
    let reached = sample
        .last()
        .filter(|l| l.as_bytes().starts_with(stem))
        .and_then(|l| l.as_bytes().get(at).copied())
        .map_or(lo, |r| r.max(lo));
    let stem = std::str::from_utf8(stem).ok()?;
    let straddling: Vec<&str> = sample
        .iter()
        .copied()
        .filter(|a| a.as_bytes().get(at) == Some(&reached) && a.starts_with(stem))
        .collect();
    let how = if estimate(&straddling, at + 1) > SPLIT_ABOVE {
        Read::Probe
    } else {
        Read::Chain
    };
    if how == Read::Probe && reached == hi && reached != b'@' {
        // The sample reached into the last child: its first addresses and its last are
        // known, so it is split here rather than probed.
        let child = format!("{stem}{}", reached as char);
        return children(&child, &straddling, std::str::from_utf8(last).ok());
    }
    Some(
        NEXT_CHARACTERS
            .iter()
            .filter(|c| (reached..=hi).contains(c) && !(at == 0 && **c == b'@'))
            .map(|&c| (format!("{stem}{}", c as char), how))
            .collect(),
    )
}

/// How many addresses start with the first `len` bytes of `sample`'s addresses (which all
/// share them), guessed from the sample: the first addresses of that stem in email order (a
/// first page). Those under a next character the sample ran past are counted; the one it
/// reached into is estimated the same way from its own part of the sample (and as at least
/// the average of the ones before it), and the characters of its kind after it are taken to
/// be as full. A sample of one proves nothing and counts one.
fn estimate(sample: &[&str], len: usize) -> f64 {
    let (Some(first), Some(last)) = (sample.first(), sample.last()) else {
        return 0.0;
    };
    let Some(&reached) = last.as_bytes().get(len) else {
        return sample.len() as f64;
    };
    if sample.len() == 1 || reached == b'@' || first.as_bytes().get(len).is_none() {
        return sample.len() as f64;
    }
    let into = sample
        .iter()
        .position(|a| a.as_bytes().get(len) == Some(&reached))
        .unwrap_or(0);
    let (before, straddling) = sample.split_at(into);
    let groups_before = before
        .windows(2)
        .filter(|w| w[0].as_bytes().get(len) != w[1].as_bytes().get(len))
        .count()
        + usize::from(!before.is_empty());
    let average = if groups_before > 0 {
        before.len() as f64 / groups_before as f64
    } else {
        0.0
    };
    let reached_estimate = if straddling.len() == sample.len() {
        // One character so far: no sibling to compare with.
        estimate(straddling, len + 1)
    } else {
        estimate(straddling, len + 1).max(average)
    };
    before.len() as f64 + reached_estimate * characters_like(reached)
}

/// How many characters of `c`'s kind (digit or letter) sort at or after it: the characters a
/// position holding `c` probably holds further on.
fn characters_like(c: u8) -> f64 {
    match c {
        b'0'..=b'9' => f64::from(b'9' - c + 1),
        b'a'..=b'z' => f64::from(b'z' - c + 1),
        _ => 1.0,
    }
}

/// The roots' accounts, each once (by id, else by address), sorted by address.
pub(super) fn merge(lists: Vec<Vec<Account>>) -> Vec<Account> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for a in lists.into_iter().flatten() {
        let key =
            a.id.clone()
                .unwrap_or_else(|| roster_core::policy::normalize_email(&a.primary_email));
        if seen.insert(key) {
            out.push(a);
        }
    }
    out.sort_by(|a, b| a.primary_email.cmp(&b.primary_email));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(range: std::ops::Range<u32>) -> Vec<String> {
        range.map(|n| format!("{n}@d118.org")).collect()
    }

    fn refs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }

    #[test]
    fn the_estimate_counts_what_the_sample_ran_past_and_scales_what_it_reached() {
        let sample = numbers(1_000_000..1_000_500);
        let sample = refs(&sample);
        // `1000` holds 1,000: 400 counted, `10004` estimated at 100, like `10005`…`10009`.
        assert_eq!(estimate(&sample, 4), 1_000.0);
        assert_eq!(estimate(&sample, 3), 10_000.0);
        assert!(estimate(&sample, 0) > 1_000_000.0);
        // A few outliers before the dense part do not hide it (the demo's numbers).
        let mut outliers = numbers(100_001..100_021);
        outliers.extend(numbers(200_001..200_481));
        let sample = refs(&outliers);
        assert!(estimate(&sample, 0) > 100_000.0, "{}", estimate(&sample, 0));
        // Names: what the sample ran past is counted, the rest scaled.
        let names = ["ann@x", "anna@x", "bob@x"];
        assert!(estimate(&names, 0) >= 3.0);
        assert!(estimate(&names[..2], 1) >= 2.0);
        assert_eq!(estimate(&["ann@x"], 0), 1.0);
        assert_eq!(estimate(&[], 1), 0.0);
    }

    #[test]
    fn children_run_from_what_the_sample_reached_to_the_last_address() {
        let sample = numbers(1_000_000..1_000_500);
        let sample = refs(&sample);
        let parts = children("", &sample, Some("1099999@d118.org")).unwrap();
        let prefixes: Vec<&str> = parts.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            prefixes,
            [
                "100", "101", "102", "103", "104", "105", "106", "107", "108", "109"
            ]
        );
        assert!(parts.iter().all(|(_, how)| *how == Read::Probe));
        // `1000` reached, `1001`… beyond: chains of about two pages.
        let parts = children("100", &sample, Some("1009999@d118.org")).unwrap();
        assert_eq!(parts.len(), 10);
        assert!(parts.iter().all(|(_, how)| *how == Read::Chain));
        // The outliers' `1` is complete in the sample: not read again; `2`, the last child,
        // is split at once from its part of the sample.
        let mut outliers = numbers(100_001..100_021);
        outliers.extend(numbers(200_001..200_481));
        let parts = children("", &refs(&outliers), Some("299999@d118.org")).unwrap();
        let prefixes: Vec<&str> = parts.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            prefixes,
            ["20", "21", "22", "23", "24", "25", "26", "27", "28", "29"]
        );
        // A username equal to the stem is the `@` child; punctuation between is covered.
        let parts = children("a", &["ab-c@x", "ab-d@x"], Some("abz@x")).unwrap();
        let prefixes: String = parts.iter().map(|(p, _)| &p[2..]).collect();
        assert_eq!(prefixes, "-.0123456789@_abcdefghijklmnopqrstuvwxyz");
        assert!(parts.iter().all(|(_, how)| *how == Read::Chain));
        // Never an empty username, never past `@`, never an apostrophe or a foreign character.
        assert!(
            children("", &["0a@x"], Some("zz@x"))
                .unwrap()
                .iter()
                .all(|(p, _)| p != "@")
        );
        assert!(children("", &["ann@a"], Some("ann@b")).is_none());
        assert!(children("", &["o'a@x"], Some("o'b@x")).is_none());
        assert!(children("", &["a+b@x"], Some("a+c@x")).is_none());
        assert!(children("", &["a@x"], None).is_none());
    }
}
