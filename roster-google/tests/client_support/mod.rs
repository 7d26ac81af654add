//! Shared set-up for the client and target tests: an emulator for `d118.org` and a client
//! with fast retries.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use roster_core::Retry;
use roster_google::auth::StaticToken;
use roster_google::client::{ClientConfig, DirectoryClient};
use roster_google_emulator::{Emulator, EmulatorConfig, RunningEmulator};
use serde_json::{Value, json};

pub const DOMAIN: &str = "d118.org";
pub const ADMIN: &str = "admin@d118.org";

pub fn emulator() -> RunningEmulator {
    Emulator::start(EmulatorConfig {
        domains: vec![DOMAIN.into()],
        ..Default::default()
    })
    .expect("emulator starts")
}

/// Backoff short enough for tests.
pub fn fast_retry() -> Retry {
    Retry {
        max_attempts: 10,
        base: Duration::from_millis(2),
        max: Duration::from_millis(40),
    }
}

pub fn config(emu: &RunningEmulator) -> ClientConfig {
    ClientConfig {
        rate_per_second: 2000.0,
        burst: 100,
        retry: fast_retry(),
        ..ClientConfig::with_base_url(emu.base_url())
    }
}

/// A client with a token the emulator minted for the admin.
pub fn client(emu: &RunningEmulator) -> Arc<DirectoryClient> {
    client_with(emu, config(emu))
}

pub fn client_with(emu: &RunningEmulator, cfg: ClientConfig) -> Arc<DirectoryClient> {
    let token = StaticToken::new(emu.issue_access_token(ADMIN));
    Arc::new(DirectoryClient::new(cfg, Arc::new(token)).expect("client builds"))
}

/// The schema D118's scripts use (single-valued fields).
pub fn add_sync_schema(emu: &RunningEmulator) {
    emu.add_schema(&json!({
        "schemaName": "Synchronization_Data",
        "fields": [
            {"fieldName": "DCID", "fieldType": "INT64", "indexed": true},
            {"fieldName": "Homeroom", "fieldType": "STRING"},
            {"fieldName": "Grad_Year", "fieldType": "INT64"}
        ]
    }))
    .expect("schema added");
}

pub fn add_user(emu: &RunningEmulator, email: &str, given: &str, family: &str, ou: &str) -> Value {
    emu.add_user(&json!({
        "primaryEmail": email,
        "name": {"givenName": given, "familyName": family},
        "orgUnitPath": ou,
        "password": "initial-pass-1"
    }))
    .expect("user added")
}

pub fn counter(emu: &RunningEmulator, method: &str) -> u64 {
    emu.counters().get(method).copied().unwrap_or(0)
}
