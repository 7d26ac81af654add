//! The list index: which users a `users.list` query can match, in email order, without
//! walking every user. Google answers `orgUnitPath=`, `email:prefix` and page tokens from
//! indexes; so does the emulator, so a call costs about the page it returns.
//!
//! The users map is keyed by the lower-cased primary email, so an email prefix or a page
//! token is a range of it. `by_ou` holds, per lower-cased OU path, the keys of the users
//! directly in that OU; an `orgUnitPath=` query (the OU and its whole subtree) merges the
//! ranges of the subtree's OUs in email order. The index only narrows the candidates: every
//! candidate is still tested against all clauses (`matches`), so the results are those of a
//! full walk.

use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};
use std::ops::Bound;

use serde_json::{Map, Value};

use super::{Clause, State};

/// A sorted stream of user keys.
type Keys<'a> = Box<dyn Iterator<Item = &'a String> + 'a>;

/// The lower-cased OU path a user's data places it in (`/` when absent).
pub(super) fn ou_key(data: &Map<String, Value>) -> String {
    data.get("orgUnitPath")
        .and_then(Value::as_str)
        .unwrap_or("/")
        .to_lowercase()
}

impl State {
    /// Rebuild `by_ou` from the users.
    pub(super) fn rebuild_ou_index(&mut self) {
        self.by_ou.clear();
        for (k, u) in &self.users {
            self.by_ou
                .entry(ou_key(&u.data))
                .or_default()
                .insert(k.clone());
        }
    }

    /// Record that the user stored under `key` is in `ou` (a lower-cased path).
    pub(super) fn index_user(&mut self, key: &str, ou: String) {
        self.by_ou.entry(ou).or_default().insert(key.to_string());
    }

    /// Forget that the user stored under `key` is in `ou`.
    pub(super) fn unindex_user(&mut self, key: &str, ou: &str) {
        if let Some(set) = self.by_ou.get_mut(ou) {
            set.remove(key);
            if set.is_empty() {
                self.by_ou.remove(ou);
            }
        }
    }

    /// The keys of the users that may match `clauses`, strictly after `after` in email order
    /// (before it when `descending`), in that order, each once: every user that matches is
    /// among them. Cost: the candidates taken from the stream (plus a seek per OU of the
    /// subtree), not the number of users.
    pub fn list_candidates<'a>(
        &'a self,
        clauses: &'a [Clause],
        after: Option<&'a str>,
        descending: bool,
    ) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        // The narrowest key range the clauses allow.
        let (mut lo, mut hi): (Bound<&str>, Bound<&str>) = (Bound::Unbounded, Bound::Unbounded);
        let mut prefix_hi = String::new();
        let mut alias_owners = None;
        if let Some(e) = clauses.iter().find_map(|c| match c {
            Clause::EmailExact(e) => Some(e.as_str()),
            _ => None,
        }) {
            (lo, hi) = (Bound::Included(e), Bound::Included(e));
        } else if let Some((p, owners)) = clauses.iter().find_map(|c| match c {
            Clause::EmailPrefix(p, owners) => Some((p, owners)),
            _ => None,
        }) {
            // Every key starting with `p` sorts before `p` + the greatest char (an address
            // containing U+10FFFF right after the prefix is not a valid address).
            prefix_hi = format!("{p}{}", char::MAX);
            lo = Bound::Included(p.as_str());
            alias_owners = Some(owners);
        }
        if !prefix_hi.is_empty() {
            hi = Bound::Included(prefix_hi.as_str());
        }
        if let Some(a) = after {
            if descending {
                hi = tighter_hi(hi, a);
            } else {
                lo = tighter_lo(lo, a);
            }
        }
        let mut sources: Vec<Keys<'a>> = Vec::new();
        let ou = clauses.iter().find_map(|c| match c {
            Clause::OrgUnit(p) if p != "/" => Some(p.as_str()),
            _ => None,
        });
        if nonempty(lo, hi) {
            let (lo, hi) = (owned(lo), owned(hi));
            match ou {
                Some(p) => {
                    for (path, set) in self
                        .by_ou
                        .range::<str, _>((Bound::Included(p), Bound::Unbounded))
                    {
                        if !path.starts_with(p) {
                            break;
                        }
                        if path.len() == p.len() || path[p.len()..].starts_with('/') {
                            sources.push(directed(set_range(set, &lo, &hi), descending));
                        }
                    }
                }
                None => {
                    let keys = self
                        .users
                        .range::<str, _>((as_ref(&lo), as_ref(&hi)))
                        .map(|(k, _)| k);
                    sources.push(directed(keys, descending));
                }
            }
        }
        // Users found by an alias under the prefix (few): in email order, after `after`.
        if let Some(owners) = alias_owners {
            let mut keys: Vec<&'a String> = owners
                .iter()
                .filter_map(|id| self.ids.get(id))
                .filter(|k| match after {
                    None => true,
                    Some(a) if descending => k.as_str() < a,
                    Some(a) => k.as_str() > a,
                })
                .collect();
            keys.sort();
            if descending {
                keys.reverse();
            }
            sources.push(Box::new(keys.into_iter()));
        }
        merge(sources, descending)
    }
}

fn tighter_lo<'a>(lo: Bound<&'a str>, after: &'a str) -> Bound<&'a str> {
    match lo {
        Bound::Included(l) | Bound::Excluded(l) if l > after => lo,
        _ => Bound::Excluded(after),
    }
}

fn tighter_hi<'a>(hi: Bound<&'a str>, before: &'a str) -> Bound<&'a str> {
    match hi {
        Bound::Included(h) | Bound::Excluded(h) if h < before => hi,
        _ => Bound::Excluded(before),
    }
}

/// Whether the range holds any string (`BTreeMap::range` panics on an inverted one).
fn nonempty(lo: Bound<&str>, hi: Bound<&str>) -> bool {
    match (lo, hi) {
        (Bound::Included(l), Bound::Included(h)) => l <= h,
        (Bound::Included(l) | Bound::Excluded(l), Bound::Included(h) | Bound::Excluded(h)) => l < h,
        _ => true,
    }
}

fn owned(b: Bound<&str>) -> Bound<String> {
    b.map(str::to_string)
}

fn as_ref(b: &Bound<String>) -> Bound<&str> {
    b.as_ref().map(String::as_str)
}

fn set_range<'a>(
    set: &'a BTreeSet<String>,
    lo: &Bound<String>,
    hi: &Bound<String>,
) -> std::collections::btree_set::Range<'a, String> {
    set.range::<str, _>((as_ref(lo), as_ref(hi)))
}

fn directed<'a>(
    keys: impl DoubleEndedIterator<Item = &'a String> + 'a,
    descending: bool,
) -> Keys<'a> {
    if descending {
        Box::new(keys.rev())
    } else {
        Box::new(keys)
    }
}

/// The head of one source in the merge: the smallest key first (the greatest when
/// descending).
struct Head<'a> {
    key: &'a String,
    source: usize,
    descending: bool,
}

impl Ord for Head<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap pops the greatest.
        let by_key = if self.descending {
            self.key.cmp(other.key)
        } else {
            other.key.cmp(self.key)
        };
        by_key.then(other.source.cmp(&self.source))
    }
}

impl PartialOrd for Head<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head<'_> {}

/// Merge sorted key streams into one sorted stream without repeats.
fn merge<'a>(mut sources: Vec<Keys<'a>>, descending: bool) -> Keys<'a> {
    if sources.len() == 1 {
        return sources.pop().expect("one source");
    }
    let mut heap = BinaryHeap::with_capacity(sources.len());
    for (source, s) in sources.iter_mut().enumerate() {
        if let Some(key) = s.next() {
            heap.push(Head {
                key,
                source,
                descending,
            });
        }
    }
    let mut last: Option<&'a String> = None;
    Box::new(std::iter::from_fn(move || {
        loop {
            let Head { key, source, .. } = heap.pop()?;
            if let Some(next) = sources[source].next() {
                heap.push(Head {
                    key: next,
                    source,
                    descending,
                });
            }
            if last != Some(key) {
                last = Some(key);
                return Some(key);
            }
        }
    }))
}
