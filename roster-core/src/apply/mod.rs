//! The apply engine: bounded concurrency, a rate limiter, retries with backoff (DESIGN §4.5).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;
use tokio::sync::Mutex;

use crate::directory::OrgUnitPath;
use crate::plan::{Change, ChangeKind, Plan};
use crate::policy::Policy;
use crate::report::{AuditEntry, AuditLog, ChangeFailure, CombinedCall, RunReport};
use crate::target::{DirectoryTarget, TargetError};

mod adoption;

/// A rate that is not a positive, finite number of requests per second.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("rate {0} per second is out of range (above 0, at most 1,000,000)")]
pub struct BadRate(pub f64);

/// A token bucket shared by every task of a run: at most `rate` acquisitions per second
/// on average, with bursts up to `burst`.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl RateLimiter {
    /// The most requests per second a limiter accepts (far above any Google quota; a larger
    /// value is a typo, and `1/rate` must stay a representable wait).
    pub const MAX_RATE: f64 = 1_000_000.0;

    /// A limiter of `rate_per_second` (finite, above 0, at most [`Self::MAX_RATE`]).
    pub fn new(rate_per_second: f64, burst: u32) -> Result<Self, BadRate> {
        if !(rate_per_second.is_finite() && rate_per_second > 0.0)
            || rate_per_second > Self::MAX_RATE
        {
            return Err(BadRate(rate_per_second));
        }
        let burst = f64::from(burst.max(1));
        Ok(RateLimiter {
            rate: rate_per_second,
            burst,
            state: Mutex::new((burst, Instant::now())),
        })
    }

    /// Google's default Directory API quota: 2,400 queries per minute per user (40/s).
    pub fn google_default() -> Self {
        RateLimiter {
            rate: 40.0,
            burst: 10.0,
            state: Mutex::new((10.0, Instant::now())),
        }
    }

    /// The sustained rate, in requests per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Waits until a token is available and takes it.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut st = self.state.lock().await;
                let now = Instant::now();
                let (tokens, last) = *st;
                let tokens =
                    (tokens + now.duration_since(last).as_secs_f64() * self.rate).min(self.burst);
                if tokens >= 1.0 {
                    *st = (tokens - 1.0, now);
                    return;
                }
                *st = (tokens, now);
                Duration::from_secs_f64((1.0 - tokens) / self.rate)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

/// Exponential backoff with full jitter for retryable errors.
#[derive(Debug, Clone)]
pub struct Retry {
    /// Attempts per change, the first included.
    pub max_attempts: u32,
    /// The first wait; each retry doubles it (before jitter).
    pub base: Duration,
    /// The longest wait between two attempts.
    pub max: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            max_attempts: 8,
            base: Duration::from_millis(250),
            max: Duration::from_secs(32),
        }
    }
}

impl Retry {
    /// The wait before retry number `attempt` (1-based): a random duration up to
    /// `base * 2^(attempt-1)`, capped at `max`, and never less than the server asked for.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let cap = exp.min(self.max);
        let jittered = cap.mul_f64(rand::random::<f64>());
        jittered.max(retry_after.unwrap_or_default())
    }
}

/// How to apply a plan.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Accounts worked on at once (changes to one account always run in order).
    pub concurrency: usize,
    /// Changes started per second across the run; `None` leaves limiting to the target
    /// (the Google client limits every HTTP call itself).
    pub rate_per_second: Option<f64>,
    /// Backoff for retryable failures.
    pub retry: Retry,
    /// Create missing OUs that creates and moves need, before the first write.
    pub create_org_units: bool,
    /// The job's name, written into every audit line.
    pub job: String,
    /// The rules a create that meets an existing account (`409 duplicate`) is planned with
    /// ([`crate::plan::adopt`]). Without them the existing account is still adopted, but
    /// only its names, schemas and suspension follow: it is never moved.
    pub rules: Option<Arc<Policy>>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            concurrency: 16,
            rate_per_second: None,
            retry: Retry::default(),
            create_org_units: true,
            job: "roster".into(),
            rules: None,
        }
    }
}

/// Observes progress (a progress bar on a TTY); called once per finished change.
pub trait Progress: Send + Sync {
    /// One change finished: `ok` is false when it failed after its retries.
    fn change_done(&self, change: &Change, ok: bool);
}

/// Applies every write of the plan and records the outcomes in `report`.
///
/// One write per account where the directory allows it: the consecutive changes of one
/// account that [`ChangeKind::is_combinable`] accepts (an update, an unsuspend, a move, a
/// suspend) go to [`DirectoryTarget::apply_combined`] as one call (Google: one
/// `users.patch`); a create, a rename and group or licence removals are calls of their own.
/// The report still counts each change; the audit log has one line per change, and the lines
/// of a combined call name it ([`crate::report::CombinedCall`]). A failed combined call fails
/// every change it carried with the directory's error.
///
/// One failed change never stops the rest; when a change of an account fails, the later
/// changes of that same account are not attempted (they depend on it) and are reported as
/// failed with reason `skippedAfterFailure`.
pub async fn apply(
    target: &dyn DirectoryTarget,
    plan: &Plan,
    opts: &ApplyOptions,
    audit: Option<&AuditLog>,
    progress: Option<&dyn Progress>,
    report: &mut RunReport,
) {
    let started = Instant::now();
    let calls_before = target.api_calls();
    let limiter = match opts.rate_per_second.map(|r| RateLimiter::new(r, 1)) {
        None => None,
        Some(Ok(l)) => Some(Arc::new(l)),
        Some(Err(e)) => {
            tracing::error!("{e}");
            report.aborted = Some(e.to_string());
            return;
        }
    };
    let retries = AtomicU64::new(0);
    let runner = Runner {
        target,
        retry: &opts.retry,
        limiter: limiter.as_deref(),
        retries: &retries,
        rules: opts.rules.as_deref(),
    };

    if opts.create_org_units {
        let ous: BTreeSet<&OrgUnitPath> = plan
            .changes
            .iter()
            .filter_map(|c| match &c.kind {
                ChangeKind::Create { account, .. } => Some(&account.org_unit_path),
                ChangeKind::Move { to, .. } => Some(to),
                _ => None,
            })
            .collect();
        for ou in ous {
            if let Err(e) = target.ensure_org_unit(ou).await {
                tracing::warn!(org_unit = %ou, error = %e, "could not create org unit");
            }
        }
    }

    // Group consecutive changes of one account (the plan is sorted by person).
    let mut groups: Vec<&[Change]> = Vec::new();
    let writes: Vec<Change> = plan.writes().cloned().collect();
    let mut start = 0;
    for i in 1..=writes.len() {
        if i == writes.len() || writes[i].person != writes[start].person {
            groups.push(&writes[start..i]);
            start = i;
        }
    }

    let calls = AtomicU64::new(0);
    let results: Vec<Vec<Outcome>> = futures::stream::iter(groups)
        .map(|group| {
            let runner = &runner;
            let calls = &calls;
            async move {
                let mut out = Vec::with_capacity(group.len());
                let mut failed = false;
                let mut rest = group;
                while !rest.is_empty() {
                    // The account's next call: its combinable changes together, or one change.
                    let n = rest
                        .iter()
                        .take_while(|c| c.kind.is_combinable())
                        .count()
                        .max(1);
                    let (batch, tail) = rest.split_at(n);
                    rest = tail;
                    if failed {
                        let e = TargetError::new(
                            0,
                            "skippedAfterFailure",
                            "an earlier change of this account failed",
                        );
                        out.extend(batch.iter().map(|c| (c.clone(), Err((e.clone(), 0)))));
                        continue;
                    }
                    let (r, call) = if let [change] = batch {
                        (runner.apply(change).await, None)
                    } else {
                        let call = CombinedCall {
                            id: calls.fetch_add(1, Ordering::Relaxed) + 1,
                            carried: batch.iter().map(|c| c.kind.label().to_string()).collect(),
                        };
                        (runner.attempt(batch).await, Some(call))
                    };
                    for (i, change) in batch.iter().enumerate() {
                        // A combined call's note is reported once, with its first change.
                        let r = match &r {
                            Ok((a, note)) => Ok((*a, note.clone().filter(|_| i == 0))),
                            Err(e) => Err(e.clone()),
                        };
                        if let Some(audit) = audit {
                            record(audit, &opts.job, change, &r, call.clone());
                        }
                        if let Some(p) = progress {
                            p.change_done(change, r.is_ok());
                        }
                        out.push((change.clone(), r));
                    }
                    failed = r.is_err();
                }
                out
            }
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;

    let mut outcomes: Vec<_> = results.into_iter().flatten().collect();
    outcomes.sort_by(|a, b| a.0.person.cmp(&b.0.person));
    for (change, r) in outcomes {
        match r {
            Ok((_, note)) => {
                *report
                    .applied
                    .entry(change.kind.label().to_string())
                    .or_insert(0) += 1;
                if let Some(note) = note {
                    report
                        .notes
                        .push(format!("{} {}: {note}", change.person, change.email));
                }
            }
            Err((error, attempts)) => report.failures.push(ChangeFailure {
                person: change.person.clone(),
                action: change.kind.label().to_string(),
                email: change.email.clone(),
                error,
                attempts,
            }),
        }
    }
    report.retries += retries.load(Ordering::Relaxed);
    report.api_calls += target.api_calls().saturating_sub(calls_before);
    report.timings.apply_ms = started.elapsed().as_millis() as u64;
}

/// How a call ended: the attempts it took and the target's note, or the last error and the
/// attempts.
type CallResult = Result<(u32, Option<String>), (TargetError, u32)>;

/// A change and how the call that carried it ended.
type Outcome = (Change, CallResult);

/// Writes the audit line of one change (a combined call's changes each get one, naming it).
fn record(
    audit: &AuditLog,
    job: &str,
    change: &Change,
    r: &CallResult,
    call: Option<CombinedCall>,
) {
    let (outcome, error, attempts, note) = match r {
        Ok((a, note)) => ("ok", None, *a, note.clone()),
        Err((e, a)) => ("failed", Some(e.clone()), *a, None),
    };
    let entry = AuditEntry {
        at: Utc::now(),
        job: job.to_string(),
        change: change.clone(),
        outcome: outcome.into(),
        error,
        attempts,
        note,
        call,
    };
    if let Err(e) = audit.record(&entry) {
        tracing::error!(error = %e, "cannot write the audit log");
    }
}

/// What applies one change: the target, the backoff, the run's limiter and retry counter,
/// and the rules a `409` adoption is planned with.
pub(crate) struct Runner<'a> {
    pub(crate) target: &'a dyn DirectoryTarget,
    retry: &'a Retry,
    limiter: Option<&'a RateLimiter>,
    retries: &'a AtomicU64,
    pub(crate) rules: Option<&'a Policy>,
}

impl Runner<'_> {
    /// Applies `change`; a create that meets an existing account adopts it
    /// ([`adoption`]), with the attempts of the create.
    async fn apply(&self, change: &Change) -> CallResult {
        match self.attempt(std::slice::from_ref(change)).await {
            Err((e, attempts)) if adoption::applies(change, &e) => {
                match adoption::adopt_existing(self, change, e).await {
                    Ok(note) => Ok((attempts, Some(note))),
                    Err(e) => {
                        tracing::warn!(person = %change.person, email = %change.email, error = %e, "create met an existing account");
                        Err((e, attempts))
                    }
                }
            }
            r => r,
        }
    }

    /// Applies `changes` (one, or the combinable changes of one account as one call),
    /// retrying retryable errors with backoff.
    pub(crate) async fn attempt(&self, changes: &[Change]) -> CallResult {
        let Some(first) = changes.first() else {
            return Ok((0, None));
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(l) = self.limiter {
                l.acquire().await;
            }
            let r = match changes {
                [change] => self.target.apply(change).await,
                _ => self.target.apply_combined(changes).await,
            };
            let action = || {
                let labels: Vec<&str> = changes.iter().map(|c| c.kind.label()).collect();
                labels.join("+")
            };
            match r {
                Ok(applied) => return Ok((attempt, applied.note)),
                Err(e) if e.retryable && attempt < self.retry.max_attempts => {
                    let wait = self.retry.delay(attempt, e.retry_after);
                    tracing::debug!(person = %first.person, action = %action(), error = %e, ?wait, "retrying");
                    self.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(wait).await;
                }
                Err(e) if adoption::applies(first, &e) => return Err((e, attempt)),
                Err(e) => {
                    // The run report and its summary list each failure once.
                    tracing::debug!(person = %first.person, action = %action(), email = %first.email, error = %e, "change failed");
                    return Err((e, attempt));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_out_of_range_is_an_error_not_a_panic() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e300] {
            assert_eq!(
                RateLimiter::new(bad, 1)
                    .map(|l| l.rate())
                    .map_err(|e| e.0.to_bits()),
                Err(bad.to_bits()),
                "{bad}"
            );
        }
        assert_eq!(RateLimiter::new(40.0, 10).map(|l| l.rate()), Ok(40.0));
    }
}
