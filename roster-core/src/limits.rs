//! The safety valve's limits: plain data that a district's rules carry and [`crate::safety`]
//! reads. It imports nothing of the plan or the rules, so both can depend on it.

use serde::{Deserialize, Serialize};

/// Limits on a run's suspensions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SafetyLimits {
    /// Refuse when suspensions exceed this share of the managed accounts (default 0.05).
    pub max_suspend_share: Option<f64>,
    /// Refuse when suspensions exceed this many accounts.
    pub max_suspend_count: Option<usize>,
}

impl Default for SafetyLimits {
    fn default() -> Self {
        SafetyLimits {
            max_suspend_share: Some(0.05),
            max_suspend_count: None,
        }
    }
}
