//! # Directory API emulator
//!
//! A local, faithful-where-it-matters stand-in for Google's Admin SDK Directory API
//! (`https://admin.googleapis.com/admin/directory/v1`) and its OAuth token endpoint, for tests,
//! the quickstart and benchmarks. It is an HTTP/1.1 server (hyper) on 127.0.0.1 running on its
//! own thread and tokio runtime, so it can be started from sync code and from any async test.
//!
//! ```
//! use roster_google_emulator::{Emulator, EmulatorConfig, test_keys};
//! let emu = Emulator::start(EmulatorConfig { domains: vec!["d118.org".into()], ..Default::default() })?;
//! emu.add_org_unit("/Students/HS")?;
//! emu.add_user(&serde_json::json!({"primaryEmail": "ann@d118.org", "orgUnitPath": "/Students/HS",
//!     "name": {"givenName": "Ann", "familyName": "Lee"}}))?;
//! let base = emu.base_url(); // http://127.0.0.1:PORT/admin/directory/v1
//! assert!(base.ends_with("/admin/directory/v1"));
//! // Credentials for a client: a service-account key file whose token_uri is the emulator's,
//! // or simply a minted bearer token.
//! let (key_file_json, public_pem) =
//!     test_keys::service_account_key("sync@p.iam.gserviceaccount.com", &emu.token_url());
//! emu.register_service_account("sync@p.iam.gserviceaccount.com", &public_pem, &["admin@d118.org"])?;
//! let bearer = emu.issue_access_token("admin@d118.org");
//! # let _ = (key_file_json, bearer);
//! assert_eq!(emu.users().len(), 1);
//! # Ok::<(), roster_google_emulator::EmulatorError>(())
//! ```
//!
//! ## Using Google's own client libraries
//!
//! A stock client (google-api-python-client + google-auth, Node's googleapis, GAM) works
//! against the emulator with exactly two settings changed, and nothing else:
//!
//! 1. **The API root / endpoint**: `http://127.0.0.1:PORT/` ([`RunningEmulator::root_url`]
//!    plus `/`; e.g. Python `client_options={"api_endpoint": root}`, Node `rootUrl`). Our own
//!    client takes the directory base, [`RunningEmulator::base_url`].
//! 2. **`token_uri` in the service-account key file**: [`RunningEmulator::token_url`]. The
//!    libraries still sign the JWT for Google's audience, [`GOOGLE_TOKEN_AUDIENCE`], and the
//!    token endpoint accepts it (and its own URL).
//!
//! The service account must be registered ([`RunningEmulator::register_service_account`])
//! with the admins it may impersonate. Python's `new_batch_http_request()` always posts to
//! Google's `rootUrl` from the discovery document, whatever the endpoint: construct
//! `BatchHttpRequest(batch_uri=root + "batch")` instead. The discovery document the library
//! ships (`build("admin", "directory_v1", ...)`) works as it is. `scripts/python_interop.py` is a
//! complete example (run by `tests/python_interop.rs`).
//!
//! ## What it emulates
//!
//! * **Endpoints** (paths as in the discovery document, under `/admin/directory/v1`):
//!   `users.list` (`GET /users`: `customer=my_customer` or `domain=`, `maxResults` 1..=500
//!   (default 100), opaque `pageToken`/`nextPageToken`, `query`, `projection=basic|full|custom`
//!   with `customFieldMask`, `orderBy=email|givenName|familyName`, `sortOrder`), `users.get`
//!   (`GET /users/{userKey}`, key = primary email case-insensitively or id), `users.insert`
//!   (`POST /users`), `users.update` (`PUT`, with patch semantics like Google: absent fields are
//!   kept), `users.patch` (`PATCH`), `orgunits.list` (`type=all|children|allIncludingParent`,
//!   `orgUnitPath=`), `orgunits.get` (`/customer/{c}/orgunits/{path}`, slashes raw or `%2F`, or
//!   `id:...`), `orgunits.insert`, `schemas.list`/`schemas.get`, `groups.list` (by `userKey`,
//!   `customer` or `domain`, paginated, max 200), `members.list` (paginated, `roles=`) and
//!   `members.delete` (204); `users.makeAdmin`, `users.aliases.list`/`insert`/`delete`,
//!   `schemas.insert`, `groups.insert` and `members.insert`.
//! * **Batch** (`POST /batch/admin/directory_v1`, and `POST /batch`, the discovery document's
//!   `batchPath`): a `multipart/mixed` body of `application/http` parts, answered with a
//!   `multipart/mixed` body whose parts carry `Content-ID: <response-ID>` and the inner HTTP
//!   response, in the parts' order. Every part is an API call of its own: counted, authorised
//!   by its own `Authorization` header or the batch's, charged to quota, delayed and faulted
//!   like any call; the parts run at once (Google runs them in any order). More than 1,000
//!   parts is a 400 `invalid`.
//! * **Validation from the discovery document** (`admin-directory-v1.json`, embedded): request
//!   bodies may only contain properties the schema defines (`User`, `UserName`,
//!   `UserExternalId` for `externalIds` items, `OrgUnit`), scalar types must match, and query
//!   parameters must be defined for the method (or global, like `fields`), with enum values and
//!   integer ranges enforced (`maxResults=501` is a 400 `invalidParameter`).
//! * **Google's semantics and errors**, always shaped
//!   `{"error":{"code":N,"message":M,"errors":[{"domain":"global","reason":R,"message":M}],
//!   "status":S}}` with Google's canonical `status` for the code (400 `INVALID_ARGUMENT`, 401
//!   `UNAUTHENTICATED`, 403 `PERMISSION_DENIED`, 404 `NOT_FOUND`, 409 `ALREADY_EXISTS`, 412
//!   `FAILED_PRECONDITION`, 429 `RESOURCE_EXHAUSTED`, 503 `UNAVAILABLE`) and `domain`
//!   `usageLimits` for rate-limit and quota reasons:
//!   404 `notFound` "Resource Not Found: userKey" (also `groupKey`, `memberKey`, `schemaKey`;
//!   "Org unit not found" for org units, `alias` for users.aliases.delete); 409 `duplicate`
//!   "Entity already exists." (an address taken by a user, group or alias; "Member already
//!   exists." for members.insert); 400 `invalid` "Invalid Ou Id" for an org unit that already
//!   exists (Google's answer, not 409); 412 `conditionNotMet` "User creation is not complete."
//!   for a change to a user created moments ago (with a settle time, below); 400
//!   `invalid` for an unknown OU ("Invalid Input: INVALID_OU_ID"), a missing/empty or over-60-char
//!   given/family name ("Invalid Given/Family Name: GivenName"), a password under 8 characters
//!   ("Invalid Password"), a primary email outside the customer's domains ("Invalid Input:
//!   primary_user_email"), an undefined custom schema or field or a value of the wrong type, or a
//!   body field the discovery document does not define ("Invalid JSON payload received. Unknown
//!   name \"x\" at 'user': Cannot find field."); 401 `authError` "Invalid Credentials"; 403
//!   `forbidden` for a token that is not an admin's (service account without `sub`); 403
//!   `insufficientPermissions` when the token lacks every scope the discovery document lists for
//!   the method; 403 `userRateLimitExceeded` or 429 `rateLimitExceeded` over quota; 503
//!   `backendError` for injected faults.
//! * **Query subset** (clauses separated by spaces are ANDed; values may be quoted with `'`):
//!   `orgUnitPath='/A B'` (that OU and every OU under it, as Google does), `email:prefix`
//!   (trailing `*` allowed), `email=exact`, `isSuspended=true|false`, `isAdmin=`,
//!   `givenName=`/`familyName=` (`:` = prefix), `externalId=value`, and `Schema.Field=value`
//!   (exact; case-insensitive for text, numeric for numbers; the field must be indexed).
//! * **Users as Google returns them**: `kind`, stable 21-digit numeric `id`, `etag`,
//!   `primaryEmail`, `name{givenName,familyName,fullName}`, `orgUnitPath`, `suspended`
//!   (+`suspensionReason`), `isAdmin`, `creationTime`, `customerId`, `emails`, `externalIds`
//!   and any other writable field given, `customSchemas` only for `projection=full|custom` and
//!   omitted when empty. The password is never stored or returned. Single-valued custom fields
//!   are plain `"Field": value`; multi-valued ones `[{"value":..,"type":..}]`.
//!   **Custom schema value choice**: INT64 and DOUBLE values are stored and returned as JSON
//!   numbers (numeric strings such as `"42"` are converted), BOOL as JSON booleans (`"true"` /
//!   `"false"` accepted), STRING/EMAIL/PHONE as strings (numbers are converted to strings),
//!   DATE as `YYYY-MM-DD` strings.
//! * **Partial responses**: the `fields` parameter is honoured on every method
//!   (`fields=nextPageToken,users(id,primaryEmail,name/fullName)`); `prettyPrint` is accepted
//!   and ignored (responses are compact).
//! * **Update merge rules** (users.update and users.patch alike): absent fields are kept,
//!   nested objects (`name`, `customSchemas`, each schema) are merged key by key, arrays
//!   (`externalIds`, multi-valued fields) are replaced, `null` clears a field. Output-only
//!   fields (`kind`, `etag`, `id`, `isAdmin`, `creationTime`, ...) sent back by a client are
//!   ignored. A primary email change renames the user (and its group memberships) and keeps
//!   the old address as an alias, as Google does: `users.get` by it finds the user, `email=`
//!   queries match it, and `users.insert` of it is a 409 until `users.aliases.delete` removes
//!   it.
//! * **Eventual consistency, opt-in** ([`Consistency`]; `--list-lag-ms`, `--settle-ms`): with
//!   a list lag, a user created or changed through the API is missing from `users.list` for
//!   that long (`users.get` finds it at once); with a settle time, `users.update`/`patch`/
//!   `makeAdmin` of a user created less than that long ago answers 412 `conditionNotMet`
//!   "User creation is not complete." (Google's documented answer while its backends finish
//!   creating an account; roster retries it). Off by default: then every read sees every
//!   write.
//! * **OAuth** (`POST /token`, form-encoded): the JWT-bearer grant (RS256 signature checked
//!   against the registered service account's public key looked up by `iss`; `aud` must be
//!   Google's token URL [`GOOGLE_TOKEN_AUDIENCE`], as stock libraries send it, or the
//!   emulator's (`127.0.0.1` or `localhost` form); `exp` in the future and at most an hour after
//!   `iat`; `scope` must contain a scope the emulator serves (a directory scope, the licensing
//!   scope, or cloud-platform; else 400 `invalid_scope`) and, if the account was registered
//!   with delegated scopes ([`RunningEmulator::register_service_account_with_scopes`]: a
//!   delegation that grants only some), only those (else 401 `unauthorized_client`, "Client
//!   is unauthorized to retrieve access tokens using this method, or client not authorized
//!   for any of the scopes requested."); `sub` must be one of the account's admin subjects) and the
//!   refresh-token grant of a registered installed-app client. Success:
//!   `{"access_token","token_type":"Bearer","expires_in":3600,"scope"}`; errors as Google's
//!   (`{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`, 400; 401 for
//!   `invalid_client`). API calls need `Authorization: Bearer` (or `access_token=`) unless the
//!   emulator runs with [`Auth::Open`].
//! * **Quota**: token bucket per user (the token's subject; `anonymous` when open) refilled at
//!   `per_minute/60` per second up to `burst`; over quota answers 403 `userRateLimitExceeded`
//!   (default) or 429 `rateLimitExceeded`. Unlimited unless configured.
//! * **Knobs**: added latency ([`LatencyModel`]: per call, per user a list call returns, per
//!   write, with jitter drawn from a generator seeded with [`EmulatorConfig::seed`];
//!   [`LatencyModel::realistic`] is Google's observed speed); fault rates for 503, 429 and dropped connections
//!   (the TCP connection is closed without any response bytes), drawn from a generator seeded
//!   with [`EmulatorConfig::seed`] (one draw per API call, so a sequential client sees the same
//!   faults on every run); all changeable at run time ([`RunningEmulator::set_faults`], ...,
//!   or `POST /emulator/config`).
//! * **Counters**: per method (`users.list`, `users.insert`, `members.delete`, ...,
//!   `oauth2.token`), total writes, and events (`backendError`, `tooManyRequests`, `dropped`,
//!   `overQuota`, `unauthorized`, `tokenRejected`, ...). Every API call that reaches a known
//!   method counts, including calls then rejected by auth, quota or an injected fault (Google
//!   counts those against quota too). Readable via [`RunningEmulator::counters`] and
//!   `GET /emulator/counters`; reset with `POST /emulator/counters/reset`.
//! * **State**: org units, schemas, users, groups, service accounts and installed clients are
//!   saved/loaded as JSON ([`RunningEmulator::save_state`], `GET`/`PUT /emulator/state`).
//!
//! * **Concurrency**: optionally at most N requests in flight per user; more answer 403
//!   `quotaExceeded` (Google's "limit of concurrent requests for a certain operation").
//!
//! Order of checks for an API call: count, authentication, quota, concurrency limit, added
//! latency (spent in flight), injected fault, parameter validation, handler. The token endpoint and the control endpoints below get no
//! latency, quota or faults.
//!
//! ## Control endpoints (no auth, not counted)
//!
//! * `GET /emulator/health` → `{"ok":true}`
//! * `GET /emulator/counters` → `{"methods":{"users.list":N,..},"writes":N,"total":N,"events":{..}}`;
//!   `POST /emulator/counters/reset` → 204
//! * `GET /emulator/config`; `POST /emulator/config` with any of `{"latency_ms":20,
//!   "faults":{"backend_error":0.01,"too_many_requests":0,"drop_connection":0},
//!   "quota":{"per_minute":2400,"burst":40,"over_quota":"forbidden"|"too_many_requests"}|null,
//!   "max_concurrent_per_user":N|null, "auth":"open"|"required", "list_lag_ms":N,
//!   "settle_ms":N, "latency_per_user_us":N, "write_latency_ms":N|null, "jitter_pct":0-100}`
//!   (a given `faults` object replaces all three rates; a bad latency value changes none)
//! * `GET /emulator/state` (the saved-state JSON); `PUT /emulator/state` replaces it (seeding
//!   over HTTP: users, org units, schemas, groups, service accounts, installed clients)
//!
//! ## Binary
//!
//! `directory-emulator --port P --state FILE --domain D (repeatable) --customer-id C
//! --latency-ms N [--latency-per-user-us N] [--write-latency-ms N] [--jitter-pct P]
//! [--profile realistic] --quota-per-minute N [--burst N] [--quota-429] [--max-concurrent N] --fault-503 RATE
//! --fault-429 RATE --fault-drop RATE --seed N --open --list-lag-ms N --settle-ms N` prints
//! `base_url ...` and
//! `token_url ...` on stdout, serves until Ctrl-C (SIGINT), then saves the state to `--state`
//! (which is also loaded at start when it exists).
//!
//! ## How it differs from Google (each a deliberate choice)
//!
//! * Only the endpoints above exist; anything else is a JSON 404. Not modelled, because no
//!   part of roster calls them: users.delete/undelete, photos, groups update/delete, members
//!   update, orgunits update/delete, schemas update/delete, watch/push channels, ETag
//!   preconditions (`If-Match`), `alt=proto`, and the Enterprise License Manager (another
//!   crate's concern).
//! * The query language is a subset (no `name:`, `orgName`, `manager`, range operators on
//!   numeric fields, `orgUnitPath` with `:`); unsupported clauses are 400 "Invalid Input", so
//!   a client relying on one fails loudly here instead of silently matching nothing.
//! * Error messages follow Google's wording where public reports show it; the rarer ones
//!   (custom schema errors, page tokens, `customFieldMask`, batch limits, group inserts) have
//!   Google's code, reason and status with approximated wording.
//! * Consistency is immediate unless [`Consistency`] switches lags on: most tests want exact
//!   counts. The lags are fixed durations per write, where Google's vary from seconds to
//!   minutes; a changed user is hidden from `users.list` rather than shown stale.
//! * `users.list` without `orderBy` is ordered by email (Google's order is unspecified);
//!   paging is keyset-based and stable under concurrent writes. Page tokens do not expire.
//! * `viewType=domain_public` returns the admin view; `showDeleted=true` returns no users
//!   (deleted users are not modelled).
//! * Quota is one token bucket per user plus an optional per-user concurrency cap; Google's
//!   per-project limits and per-operation concurrency accounting are not modelled. Latency is
//!   a model (per call, per returned user, per write, jitter), not a measurement of Google's
//!   servers; each batch part pays it too, concurrently. The per-user part is paid after the
//!   handler has read the state, so a list answer is a snapshot of when it started.
//! * Tokens live in memory (not in saved state); a restarted emulator invalidates them, as a
//!   rotated key would.
//! * The JWT check does not verify `kid`, certificates or key rotation: the registered public
//!   key is the only one.
//! * Group membership is flat (no nested groups or derived membership), and a group keeps no
//!   description or aliases.
//! * In a batch, an injected dropped connection fails only its part (a 503 `backendError`
//!   part), so one batch can show every fault kind; a batch's own request is never faulted.
//! * Aliases are users' only (no group aliases, no `nonEditableAliases`); an alias left by a
//!   rename lives until deleted, as at Google.

#![warn(missing_docs)]

mod auth;
mod config;
mod discovery;
mod error;
mod latency;
mod running;
mod server;
mod state;
pub mod test_keys;

pub use config::{Auth, Consistency, EmulatorConfig, Faults, OverQuota, Quota};

/// The audience Google's own client libraries (google-auth, Node's googleapis, GAM) put in a
/// service account's JWT whatever `token_uri` the key names; the emulator's token endpoint
/// accepts it as well as its own URL.
pub const GOOGLE_TOKEN_AUDIENCE: &str = "https://oauth2.googleapis.com/token";
pub use error::{ApiError, EmulatorError, OAuthError, grpc_status};
pub use latency::{LatencyModel, MAX_JITTER_PCT};
pub use running::{DIRECTORY_SCOPES, Emulator, RunningEmulator};
pub use state::{
    FieldDef, Group, GroupMember, InstalledClient, OrgUnit, Projection, SchemaDef, ServiceAccount,
    State, StoredUser, matches, parse_query,
};
