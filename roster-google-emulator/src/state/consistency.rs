//! Opt-in eventual consistency: which users a lagging `users.list` still hides, and which
//! users are too new to change (see [`crate::Consistency`]).

use std::collections::HashMap;
use std::time::Instant;

use super::State;
use crate::Consistency;
use crate::error::ApiError;

/// When users (by id) were last written and created through the API. Only kept while a lag
/// is switched on, and only for as long as the longer lag lasts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recent {
    written: HashMap<String, Instant>,
    created: HashMap<String, Instant>,
}

impl State {
    /// Record an API write of user `id` (`created`: by users.insert).
    pub(crate) fn note_write(&mut self, id: &str, created: bool, c: Consistency) {
        if !c.is_on() {
            return;
        }
        let now = Instant::now();
        let keep = c.list_lag.max(c.settle);
        let r = &mut self.recent;
        r.written.retain(|_, t| now.duration_since(*t) < keep);
        r.created.retain(|_, t| now.duration_since(*t) < keep);
        r.written.insert(id.to_string(), now);
        if created {
            r.created.insert(id.to_string(), now);
        }
    }

    /// Whether a lagging users.list does not show user `id` yet.
    pub(crate) fn hidden_from_list(&self, id: &str, c: Consistency) -> bool {
        !c.list_lag.is_zero()
            && self
                .recent
                .written
                .get(id)
                .is_some_and(|t| t.elapsed() < c.list_lag)
    }

    /// 412 `conditionNotMet` for a change to a user created less than `settle` ago.
    pub(crate) fn check_settled(&self, id: &str, c: Consistency) -> Result<(), ApiError> {
        let fresh = !c.settle.is_zero()
            && self
                .recent
                .created
                .get(id)
                .is_some_and(|t| t.elapsed() < c.settle);
        if fresh {
            Err(ApiError::creation_not_complete())
        } else {
            Ok(())
        }
    }
}
