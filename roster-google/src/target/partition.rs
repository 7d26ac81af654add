//! Partitioned reads: one managed root listed as concurrent email-prefix partitions when
//! Google answers slowly, so the listing's wall time approaches calls ÷ quota instead of
//! pages × page time.
//!
//! The root's first page is read on its own (`orderBy=email`). A root that fits in it costs one
//! call. When it does not, and that page took longer than [`ReadPartitions::Auto`]'s threshold
//! (two request slots of the client's rate, and at least [`MIN_SLOW_PAGE`]), the rest of the root is read
//! as one partition per first character of the address
//! (`query=orgUnitPath='/Root' email:a*`), all at once under the client's rate limiter; else
//! the page chain simply continues. Partitioning costs about half a page per partition more
//! than one chain, which a fast directory is better off without.
//!
//! Every account appears once: the partitions are deduplicated by user id together with the
//! first page (Google's `email` search includes aliases, so an account with an alias under
//! another letter is returned by two partitions). The partitions cover every character a
//! Google username may begin with ([`FIRST_CHARACTERS`]). A partition that fails is retried by
//! the client like any read; one that still fails fails the whole listing (never a partial
//! list). An account renamed or moved between roots while the listing runs may be seen twice
//! (kept once, by id) or not at all, exactly as with a single page chain; the next run sees it.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use roster_core::Account;

use crate::client::{DirectoryClient, DirectoryError, ListUsers, User};

/// The characters a Google username may begin with (letters, digits, and the dash and
/// underscore it may contain; `.` cannot begin one). Apostrophes, also allowed inside a
/// username, are not in the set: see `docs/PERFORMANCE.md`.
pub const FIRST_CHARACTERS: &str = "abcdefghijklmnopqrstuvwxyz0123456789-_";

/// A first page faster than this never splits a root, whatever the client's rate: the chain
/// is then within a small factor of the quota floor and partitions would only add calls.
pub const MIN_SLOW_PAGE: Duration = Duration::from_millis(100);

/// When `list_accounts` splits a root into email-prefix partitions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReadPartitions {
    /// Split when the root has more than one page and its first page took longer than two
    /// request slots of the client's rate and [`MIN_SLOW_PAGE`] (the default).
    #[default]
    Auto,
    /// Never split: one page chain per root (the behaviour before partitioning).
    Never,
    /// Always split a root with more than one page.
    Always,
}

impl ReadPartitions {
    /// Whether a first page that took `took`, for a client at `rate` requests per second,
    /// should be followed by partitions.
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
    let mut first = params.clone();
    first.order_by = Some("email".into());
    let started = Instant::now();
    let page = client.list_users_page(&first, None).await?;
    let took = started.elapsed();
    let mut out: Vec<Account> = page.users.into_iter().filter_map(&mut *keep).collect();
    let Some(token) = page.next_page_token else {
        return Ok(out);
    };
    if !mode.split(took, client.rate_per_second()) {
        let mut token = Some(token);
        while let Some(t) = token {
            let page = client.list_users_page(&first, Some(&t)).await?;
            out.extend(page.users.into_iter().filter_map(&mut *keep));
            token = page.next_page_token.filter(|next| !next.is_empty());
            if token.as_ref() == Some(&t) {
                // A server handing back the token it was given would loop forever.
                return Err(DirectoryError::invalid_response(
                    200,
                    "users.list returned the same page token twice",
                ));
            }
        }
        return Ok(out);
    }
    tracing::debug!(?took, "first page slow: listing the rest by email prefix");
    let base = params.query.clone().unwrap_or_default();
    let parts = FIRST_CHARACTERS.chars().map(|c| {
        let mut p = params.clone();
        p.query = Some(format!("{base} email:{c}*").trim_start().to_string());
        async move { client.list_users(&p).await }
    });
    let lists = futures::future::join_all(parts).await;
    let mut seen: HashSet<String> = out.iter().filter_map(|a| a.id.clone()).collect();
    for list in lists {
        for u in list? {
            if let Some(a) = keep(u)
                && a.id.as_ref().is_none_or(|id| seen.insert(id.clone()))
            {
                out.push(a);
            }
        }
    }
    Ok(out)
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
