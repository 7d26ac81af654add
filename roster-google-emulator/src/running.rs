//! Starting the emulator and driving a running one from Rust: seeding, inspection, counters,
//! knobs and persistence.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use roster_emulator_server::Server;
use serde_json::Value;

use crate::auth;
use crate::server::{self, Shared, lock};
use crate::state::{Group, InstalledClient, Projection, ServiceAccount, State, StoredUser};
use crate::{Auth, Consistency, EmulatorConfig, EmulatorError, Faults, LatencyModel, Quota};

/// Entry point: [`Emulator::start`].
pub struct Emulator;

impl Emulator {
    /// Bind the configured address and serve on a dedicated thread with its own tokio runtime.
    pub fn start(config: EmulatorConfig) -> std::io::Result<RunningEmulator> {
        let bind = SocketAddr::new(config.bind, config.port);
        // The token URLs name the port, known only once bound: bind first, then build the state.
        let listener = std::net::TcpListener::bind(bind)?;
        let addr = listener.local_addr()?;
        let token_url = format!("http://{addr}/token");
        let alt = format!("http://localhost:{}/token", addr.port());
        let shared = Arc::new(Shared::new(&config, token_url, alt));
        let server = Server::serve(
            listener,
            "directory-emulator",
            shared.clone(),
            server::handle,
        )?;
        Ok(RunningEmulator { shared, server })
    }
}

/// A running emulator; stops when dropped (or with [`RunningEmulator::shutdown`]).
pub struct RunningEmulator {
    shared: Arc<Shared>,
    server: Server,
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

/// All directory scopes the emulated methods accept (for tokens minted by
/// [`RunningEmulator::issue_access_token`]).
pub const DIRECTORY_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/admin.directory.user",
    "https://www.googleapis.com/auth/admin.directory.orgunit",
    "https://www.googleapis.com/auth/admin.directory.userschema",
    "https://www.googleapis.com/auth/admin.directory.group",
    "https://www.googleapis.com/auth/admin.directory.group.member",
];

impl RunningEmulator {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr())
    }
    /// `http://127.0.0.1:PORT/admin/directory/v1` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}/admin/directory/v1", self.addr())
    }
    /// `http://127.0.0.1:PORT/token` (use as `token_uri` and JWT `aud`).
    pub fn token_url(&self) -> String {
        format!("http://{}/token", self.addr())
    }
    /// The customer id (`my_customer` also works).
    pub fn customer_id(&self) -> String {
        lock(&self.shared.state).customer_id.clone()
    }

    // ----- seeding -----

    /// Create an org unit and any missing ancestors; returns the unit as the API renders it.
    pub fn add_org_unit(&self, path: &str) -> Result<Value, EmulatorError> {
        let mut st = lock(&self.shared.state);
        let ou = st.ensure_ou_path(path)?;
        Ok(st.ou_json(&ou))
    }
    /// Add a custom schema in Google's JSON form
    /// (`{"schemaName":"S","fields":[{"fieldName":"F","fieldType":"INT64"}]}`).
    pub fn add_schema(&self, schema: &Value) -> Result<Value, EmulatorError> {
        let def = lock(&self.shared.state).add_schema(schema)?;
        Ok(State::schema_json(&def))
    }
    /// Add a user with users.insert validation (the password may be omitted); returns it with
    /// `projection=full`.
    pub fn add_user(&self, user: &Value) -> Result<Value, EmulatorError> {
        let mut st = lock(&self.shared.state);
        let u = st.insert_user(user, false)?;
        Ok(st.user_json(&u, &Projection::Full))
    }
    /// Mark an existing user as super admin (`isAdmin`).
    pub fn set_admin(&self, user_key: &str, admin: bool) -> Result<(), EmulatorError> {
        self.change_user(user_key, |u| u.is_admin = admin)
    }
    /// Give an existing user a delegated admin role (`isDelegatedAdmin`), or take it away.
    pub fn set_delegated_admin(&self, user_key: &str, admin: bool) -> Result<(), EmulatorError> {
        self.change_user(user_key, |u| u.is_delegated_admin = admin)
    }
    /// Delete a user (by email or id), as another admin would in the console.
    pub fn remove_user(&self, user_key: &str) -> Result<(), EmulatorError> {
        lock(&self.shared.state)
            .remove_user(user_key)
            .map(|_| ())
            .ok_or_else(|| EmulatorError::NotFound(user_key.to_string()))
    }
    fn change_user(
        &self,
        user_key: &str,
        change: impl FnOnce(&mut StoredUser),
    ) -> Result<(), EmulatorError> {
        let mut st = lock(&self.shared.state);
        let k = st
            .user_key(user_key)
            .ok_or_else(|| EmulatorError::NotFound(user_key.to_string()))?;
        if let Some(u) = st.users.get_mut(&k) {
            change(u);
            u.version += 1;
        }
        Ok(())
    }
    /// Add an alias address to an existing user: `userKey` then finds the user by it, and
    /// creating a user with it is a 409.
    pub fn add_alias(&self, user_key: &str, alias: &str) -> Result<(), EmulatorError> {
        let mut st = lock(&self.shared.state);
        let id = st
            .user(user_key)
            .map(|u| u.id.clone())
            .ok_or_else(|| EmulatorError::NotFound(user_key.to_string()))?;
        st.aliases.insert(alias.to_lowercase(), id);
        Ok(())
    }
    /// Add (or replace) a group with member emails.
    pub fn add_group(&self, email: &str, members: &[&str]) -> Group {
        let name = email.split('@').next().unwrap_or(email).to_string();
        lock(&self.shared.state).add_group(email, &name, members)
    }
    /// Register a service account: its client email, the public half of its key (PEM), and the
    /// admins it may impersonate via `sub`.
    pub fn register_service_account(
        &self,
        client_email: &str,
        public_key_pem: &str,
        admin_subjects: &[&str],
    ) -> Result<(), EmulatorError> {
        self.register_service_account_with_scopes(client_email, public_key_pem, admin_subjects, &[])
    }
    /// Like [`Self::register_service_account`], restricting domain-wide delegation to `scopes`.
    pub fn register_service_account_with_scopes(
        &self,
        client_email: &str,
        public_key_pem: &str,
        admin_subjects: &[&str],
        scopes: &[&str],
    ) -> Result<(), EmulatorError> {
        auth::parse_public_key(public_key_pem)?;
        lock(&self.shared.state).service_accounts.insert(
            client_email.to_string(),
            ServiceAccount {
                client_email: client_email.to_string(),
                public_key_pem: public_key_pem.to_string(),
                admin_subjects: admin_subjects.iter().map(|s| s.to_string()).collect(),
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
            },
        );
        Ok(())
    }
    /// Register an installed-app client and the refresh token it holds.
    pub fn register_installed_client(&self, client: InstalledClient) {
        lock(&self.shared.state)
            .installed_clients
            .insert(client.client_id.clone(), client);
    }
    /// Assign a licence (Enterprise License Manager `product`/`sku`) to an existing user.
    pub fn assign_license(
        &self,
        product: &str,
        sku: &str,
        user: &str,
    ) -> Result<(), EmulatorError> {
        lock(&self.shared.state).license_assign(product, sku, user)?;
        Ok(())
    }
    /// The users (lower-cased emails) holding `product`/`sku`.
    pub fn license_holders(&self, product: &str, sku: &str) -> Vec<String> {
        lock(&self.shared.state)
            .license_holders(product, sku)
            .unwrap_or_default()
    }
    /// Mint an access token directly (admin `subject`, all directory scopes).
    pub fn issue_access_token(&self, subject: &str) -> String {
        self.shared.issue(auth::TokenInfo {
            subject: subject.to_lowercase(),
            admin: true,
            scopes: DIRECTORY_SCOPES.iter().map(|s| s.to_string()).collect(),
            expires: Instant::now() + auth::TOKEN_LIFETIME,
        })
    }

    /// Invalidate every access token issued so far (as if they had expired): the next API call
    /// with one answers 401 and a client has to get a new token from `/token`.
    pub fn revoke_access_tokens(&self) {
        lock(&self.shared.tokens).clear();
    }

    // ----- inspection -----

    /// Every user as the API renders it with `projection=full`, ordered by email.
    pub fn users(&self) -> Vec<Value> {
        let st = lock(&self.shared.state);
        st.users
            .values()
            .map(|u| st.user_json(u, &Projection::Full))
            .collect()
    }
    /// One user (by email or id) with `projection=full`.
    pub fn user(&self, key: &str) -> Option<Value> {
        let st = lock(&self.shared.state);
        st.user(key).map(|u| st.user_json(u, &Projection::Full))
    }
    /// Member emails of a group.
    pub fn group_members(&self, group: &str) -> Option<Vec<String>> {
        let st = lock(&self.shared.state);
        let k = st.group_key(group)?;
        Some(
            st.groups[&k]
                .members
                .iter()
                .map(|m| m.email.clone())
                .collect(),
        )
    }
    /// A copy of the whole state.
    pub fn state(&self) -> State {
        lock(&self.shared.state).clone()
    }

    // ----- counters -----

    /// Calls per method (`users.list`, ..., `oauth2.token`).
    pub fn counters(&self) -> std::collections::BTreeMap<String, u64> {
        lock(&self.shared.counters).methods.clone()
    }
    /// Calls to write methods (users.insert/update/patch, orgunits.insert, members.delete).
    pub fn write_calls(&self) -> u64 {
        lock(&self.shared.counters).writes
    }
    /// API calls (all methods except `oauth2.token`).
    pub fn total_calls(&self) -> u64 {
        lock(&self.shared.counters)
            .methods
            .iter()
            .filter(|(k, _)| k.as_str() != "oauth2.token")
            .map(|(_, v)| v)
            .sum()
    }
    /// Event counts (`backendError`, `tooManyRequests`, `dropped`, `overQuota`,
    /// `unauthorized`, `forbidden`, `insufficientScopes`, `tokenRejected`).
    pub fn events(&self) -> std::collections::BTreeMap<String, u64> {
        lock(&self.shared.counters).events.clone()
    }
    /// Zero all counters.
    pub fn reset_counters(&self) {
        *lock(&self.shared.counters) = server::Counters::default();
    }

    // ----- knobs -----

    /// Change fault rates.
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.shared.knobs).faults = faults;
    }
    /// Change the added latency to one constant delay per call (no per-user cost, no jitter).
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared.knobs).latency = LatencyModel::constant(latency);
    }
    /// Change the whole latency model (per-call, per-user, write latency, jitter).
    pub fn set_latency_model(&self, model: LatencyModel) {
        lock(&self.shared.knobs).latency = model;
    }
    /// The latency model in effect.
    pub fn latency_model(&self) -> LatencyModel {
        lock(&self.shared.knobs).latency
    }
    /// Change the quota (buckets restart full).
    pub fn set_quota(&self, quota: Option<Quota>) {
        lock(&self.shared.knobs).quota = quota;
        self.shared.reset_quota();
    }
    /// Change the per-user concurrency limit.
    pub fn set_max_concurrent(&self, max: Option<u32>) {
        lock(&self.shared.knobs).max_concurrent = max;
    }
    /// Switch the opt-in eventual consistency on or off (writes made before keep the lag they
    /// were given only if it was on when they were made).
    pub fn set_consistency(&self, consistency: Consistency) {
        lock(&self.shared.knobs).consistency = consistency;
    }
    /// Change the authentication mode.
    pub fn set_auth(&self, auth: Auth) {
        lock(&self.shared.knobs).auth = auth;
    }

    // ----- persistence -----

    /// Write the state as pretty JSON.
    pub fn save_state(&self, path: impl AsRef<Path>) -> Result<(), EmulatorError> {
        let json = serde_json::to_vec_pretty(&*lock(&self.shared.state))?;
        std::fs::write(path, json)?;
        Ok(())
    }
    /// Replace the state with one saved by [`Self::save_state`]; the configured domains are
    /// kept in addition to the file's.
    pub fn load_state(&self, path: impl AsRef<Path>) -> Result<(), EmulatorError> {
        let bytes = std::fs::read(path)?;
        let mut loaded: State = serde_json::from_slice(&bytes)?;
        loaded.reindex();
        let mut st = lock(&self.shared.state);
        let domains = st.domains.clone();
        loaded.add_domains(&domains);
        if loaded.customer_id.is_empty() {
            loaded.customer_id = st.customer_id.clone();
        }
        *st = loaded;
        Ok(())
    }

    /// Stop serving and join the server thread (open connections are closed).
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.server.stop();
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.stop();
    }
}
