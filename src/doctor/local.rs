//! The checks of this machine: the numeric settings, `NEW_USER_PASSWORD` against Google's
//! rule, and that the audit log, the state directory (locks, delivery state) and the output
//! directory are writable. A directory is tried with a temporary file of its own, created and
//! removed; the real files are never written.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use roster_core::Policy;
use roster_core::probe::Check;

use super::Env;
use crate::cli::RunOptions;
use crate::lock::lock_path;

/// Google's password rule for `users.insert` (Admin SDK `User.password`; Admin help "Name and
/// password guidelines"): 8 to 100 characters, ASCII only. Printable ASCII (space to `~`),
/// and no leading or trailing space (Google Account help: a password cannot start or end
/// with a blank space).
pub const PASSWORD_MIN: usize = 8;
/// See [`PASSWORD_MIN`].
pub const PASSWORD_MAX: usize = 100;

/// Why `password` breaks Google's rule, without repeating any of it; `None` when it is fine.
pub fn password_problem(password: &str) -> Option<String> {
    let n = password.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
        return Some(format!(
            "is {n} characters; Google takes {PASSWORD_MIN} to {PASSWORD_MAX}"
        ));
    }
    if let Some(at) = password.chars().position(|c| !(' '..='~').contains(&c)) {
        return Some(format!(
            "character {} is not printable ASCII (Google takes letters, digits, punctuation and spaces only)",
            at + 1
        ));
    }
    if password.starts_with(' ') || password.ends_with(' ') {
        return Some("starts or ends with a space, which Google refuses".into());
    }
    None
}

/// The environment's numeric settings (`GOOGLE_QUOTA_PER_MINUTE`) in range.
pub fn settings(env: Env<'_>) -> Check {
    match crate::settings::check_env(env) {
        Ok(()) => Check::ok("settings", "every numeric variable in range"),
        Err(e) => Check::fail(
            "settings",
            e.to_string(),
            "fix or unset the variable (docs/DOCTOR.md#settings)",
        ),
    }
}

/// The initial password of created accounts (the policy holds `NEW_USER_PASSWORD`).
pub fn new_user_password(policy: &Policy, demo: bool) -> Check {
    let name = "NEW_USER_PASSWORD";
    let fix = "set NEW_USER_PASSWORD to 8 to 100 printable ASCII characters, no leading or trailing space (docs/DOCTOR.md#new_user_password)";
    match (
        &policy.new_account.password,
        &policy.new_account.random_passwords,
    ) {
        (Some(p), _) => match password_problem(p.expose()) {
            None => Check::ok(name, "set, and meets Google's rule (not shown)"),
            Some(why) => Check::fail(name, why, fix),
        },
        (None, Some(_)) => Check::ok(name, "not set: the policy gives random passwords"),
        (None, None) if demo => Check::ok(name, "not set: the demo uses its own password"),
        (None, None) => Check::fail(name, "not set: apply refuses to create accounts", fix),
    }
}

/// The audit log can be appended to, the state directory (locks, delivery state) takes a new
/// file, and so does `out_dir` when the job writes files there.
pub fn writable(opts: &RunOptions, job: &str, out_dir: Option<&Path>) -> Vec<Check> {
    let mut checks = vec![audit_log(&opts.audit_log)];
    let state = lock_path(&opts.audit_log, job);
    let state_dir = parent_dir(&state);
    checks.push(dir_check("state directory", &state_dir));
    if let Some(out) = out_dir {
        checks.push(dir_check("output directory", out));
    }
    checks
}

fn parent_dir(path: &Path) -> PathBuf {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// An existing log is opened for appending (nothing is written); a new one needs a writable
/// directory.
fn audit_log(path: &Path) -> Check {
    let name = "audit log";
    let fix = "give the account the scheduled task runs as write access there, or choose another --audit-log (docs/DOCTOR.md#audit-log)";
    if path.is_dir() {
        return Check::fail(name, format!("{} is a directory", path.display()), fix);
    }
    if path.exists() {
        return match OpenOptions::new().append(true).open(path) {
            Ok(_) => Check::ok(name, format!("{} can be appended to", path.display())),
            Err(e) => Check::fail(name, format!("{}: {e}", path.display()), fix),
        };
    }
    match try_dir(&parent_dir(path)) {
        Ok(at) => Check::ok(
            name,
            format!("{} can be created (in {})", path.display(), at.display()),
        ),
        Err(why) => Check::fail(name, format!("{}: {why}", path.display()), fix),
    }
}

fn dir_check(name: &str, dir: &Path) -> Check {
    match try_dir(dir) {
        Ok(at) if at == dir => Check::ok(name, format!("{} is writable", dir.display())),
        Ok(at) => Check::ok(
            name,
            format!("{} can be created (in {})", dir.display(), at.display()),
        ),
        Err(why) => Check::fail(
            name,
            format!("{}: {why}", dir.display()),
            "give the account the scheduled task runs as write access there, or choose another --audit-log/--out (docs/DOCTOR.md#state-directory)",
        ),
    }
}

/// Creates and removes a temporary file in `dir`, or in its nearest existing ancestor when
/// `dir` does not exist yet (a run creates it). Returns the directory tried.
fn try_dir(dir: &Path) -> Result<PathBuf, String> {
    let mut at = dir.to_path_buf();
    while !at.exists() {
        match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => at = p.to_path_buf(),
            _ => {
                at = PathBuf::from(".");
                break;
            }
        }
    }
    if !at.is_dir() {
        return Err(format!("{} is not a directory", at.display()));
    }
    let probe = at.join(format!(
        ".roster-doctor-{}-{}.tmp",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| format!("cannot create a file in {}: {e}", at.display()))?;
    std::fs::remove_file(&probe).map_err(|e| format!("cannot remove {}: {e}", probe.display()))?;
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_follow_googles_rule_and_no_message_repeats_them() {
        assert_eq!(password_problem("Welcome-to-roster-2026"), None);
        assert_eq!(password_problem(&"a".repeat(100)), None);
        for bad in [
            "short1!",
            &"a".repeat(101),
            "pässwörd-long",
            "tab\there-long",
            " leading-space",
            "trailing-space ",
            "",
        ] {
            let why = password_problem(bad).unwrap_or_else(|| panic!("{bad:?} passed"));
            assert!(bad.len() < 4 || !why.contains(bad), "{why}");
        }
    }
}
