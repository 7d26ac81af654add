//! The engine's side of a create that met an existing account (`409 duplicate`): the account
//! exists outside the listed OUs. It is read again, planned by the same rules as every other
//! account ([`crate::plan::adopt`]) and given only the changes that plan allows.

use chrono::Utc;

use super::Runner;
use crate::plan::{Change, ChangeKind};
use crate::policy::{MatchKey, Policy, email_key};
use crate::target::TargetError;

/// Is `e` a create meeting an existing account?
pub(crate) fn applies(change: &Change, e: &TargetError) -> bool {
    matches!(change.kind, ChangeKind::Create { .. }) && e.status == 409 && e.reason == "duplicate"
}

/// Reads the account `create` met and applies what the plan allows; the note for the report.
/// Fails (with `duplicate`, leaving the account alone) when the address is not an account's
/// primary email (an alias, a group) or the account belongs to someone else.
pub(crate) async fn adopt_existing(
    runner: &Runner<'_>,
    create: &Change,
    duplicate: TargetError,
) -> Result<String, TargetError> {
    let ChangeKind::Create { account, .. } = &create.kind else {
        return Err(duplicate);
    };
    let email = &account.primary_email;
    let Some(existing) = runner.target.get_account(email).await? else {
        return Err(duplicate); // a group, or an alias being deleted
    };
    if email_key(&existing.primary_email) != email_key(email) {
        return Err(TargetError::new(
            409,
            "duplicate",
            format!(
                "{email} is an alias of {}; not taking that account over",
                existing.primary_email
            ),
        ));
    }
    // Without rules, the existing account's OU counts as unmanaged: it is not moved.
    let fallback;
    let rules = match runner.rules {
        Some(r) => r,
        None => {
            fallback = Policy::new(MatchKey::PrimaryEmail, vec![account.org_unit_path.clone()]);
            &fallback
        }
    };
    let plan = crate::plan::adopt(create, &existing, rules, Utc::now().date_naive());
    let mut applied = Vec::new();
    let mut held = Vec::new();
    for change in &plan.changes {
        match &change.kind {
            ChangeKind::Skip { reason } if change.account_id.is_none() => {
                return Err(TargetError::new(
                    409,
                    "duplicate",
                    format!("{email} exists and is not adopted: {reason}"),
                ));
            }
            ChangeKind::Skip { reason } => held.push(reason.as_str()),
            ChangeKind::Create { .. } => return Err(duplicate),
            kind => {
                runner
                    .attempt(std::slice::from_ref(change))
                    .await
                    .map_err(|(e, _)| e)?;
                applied.push(kind.label());
            }
        }
    }
    let ou = &existing.org_unit_path;
    let mut note = format!("409 on create: {email} already existed in {ou}; ");
    if applied.is_empty() {
        note.push_str("nothing to change");
    } else {
        note.push_str(&format!("applied {}", applied.join(", ")));
    }
    let why = if !rules.manages(ou) {
        Some("outside the managed OUs")
    } else if rules.is_reactivated(ou) {
        Some("a reactivation OU")
    } else if rules.is_frozen(ou) {
        Some("a frozen OU")
    } else {
        None
    };
    if let Some(why) = why.filter(|_| {
        !ou.as_str()
            .eq_ignore_ascii_case(account.org_unit_path.as_str())
    }) {
        note.push_str(&format!("; not moved to {}: {why}", account.org_unit_path));
    }
    for reason in held {
        note.push_str(&format!("; {reason}"));
    }
    Ok(note)
}
