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
//!   `members.delete` (204).
//! * **Validation from the discovery document** (`admin-directory-v1.json`, embedded): request
//!   bodies may only contain properties the schema defines (`User`, `UserName`,
//!   `UserExternalId` for `externalIds` items, `OrgUnit`), scalar types must match, and query
//!   parameters must be defined for the method (or global, like `fields`), with enum values and
//!   integer ranges enforced (`maxResults=501` is a 400 `invalidParameter`).
//! * **Google's semantics and errors**, always shaped
//!   `{"error":{"code":N,"message":M,"errors":[{"domain":"global","reason":R,"message":M}]}}`:
//!   404 `notFound` "Resource Not Found: userKey" (also `groupKey`, `memberKey`, `schemaKey`;
//!   "Org unit not found" for org units); 409 `duplicate` "Entity already exists."; 400
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
//!   ignored. A primary email change renames the user (and its group memberships).
//! * **OAuth** (`POST /token`, form-encoded): the JWT-bearer grant (RS256 signature checked
//!   against the registered service account's public key looked up by `iss`; `aud` must be the
//!   token URL (`127.0.0.1` or `localhost` form); `exp` in the future and at most an hour after
//!   `iat`; `scope` must contain a directory scope (and, if the account was registered with
//!   delegated scopes, only those); `sub` must be one of the account's admin subjects) and the
//!   refresh-token grant of a registered installed-app client. Success:
//!   `{"access_token","token_type":"Bearer","expires_in":3600,"scope"}`; errors as Google's
//!   (`{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`, 400; 401 for
//!   `invalid_client`). API calls need `Authorization: Bearer` (or `access_token=`) unless the
//!   emulator runs with [`Auth::Open`].
//! * **Quota**: token bucket per user (the token's subject; `anonymous` when open) refilled at
//!   `per_minute/60` per second up to `burst`; over quota answers 403 `userRateLimitExceeded`
//!   (default) or 429 `rateLimitExceeded`. Unlimited unless configured.
//! * **Knobs**: added latency per API call; fault rates for 503, 429 and dropped connections
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
//!   "max_concurrent_per_user":N|null, "auth":"open"|"required"}` (a given `faults` object replaces all three rates)
//! * `GET /emulator/state` (the saved-state JSON); `PUT /emulator/state` replaces it (seeding
//!   over HTTP: users, org units, schemas, groups, service accounts, installed clients)
//!
//! ## Binary
//!
//! `directory-emulator --port P --state FILE --domain D (repeatable) --customer-id C
//! --latency-ms N --quota-per-minute N [--burst N] [--quota-429] [--max-concurrent N] --fault-503 RATE
//! --fault-429 RATE --fault-drop RATE --seed N --open` prints `base_url ...` and
//! `token_url ...` on stdout, serves until Ctrl-C (SIGINT), then saves the state to `--state`
//! (which is also loaded at start when it exists).
//!
//! ## How it differs from Google (honestly)
//!
//! * Only the endpoints above exist; anything else is a JSON 404. No users.delete, groups
//!   insert, aliases, photos, makeAdmin, watch/push, batch requests, ETag preconditions
//!   (`If-Match`) or `alt=proto`.
//! * The query language is a subset (no `name:`, `orgName`, `manager`, range operators on
//!   numeric fields, `orgUnitPath` with `:`); unsupported clauses are 400 "Invalid Input".
//! * Error messages for the cases above follow Google's wording where known; the less common
//!   ones (custom schema errors, page tokens, `customFieldMask`) are approximations with the
//!   right code and reason. Google's newer responses also carry `"status"`; this one does not.
//! * Consistency is immediate: Google's list results lag writes by seconds, this does not.
//! * `users.list` without `orderBy` is ordered by email (Google's order is unspecified);
//!   paging is keyset-based and stable under concurrent writes. Page tokens do not expire.
//! * `viewType=domain_public` returns the admin view; `showDeleted=true` returns no users.
//! * Quota is one token bucket per user plus an optional per-user concurrency cap; Google's
//!   per-project limits and per-operation concurrency accounting are not modelled. Latency is
//!   a constant added delay.
//! * Tokens live in memory (not in saved state); a restarted emulator invalidates them.
//! * The JWT check does not verify `kid`, certificates or key rotation; `aud` is this
//!   emulator's token URL, not `https://oauth2.googleapis.com/token`.
//! * Group membership is flat (no nested groups or derived membership); groups are seeded
//!   through the Rust API or state file only.

#![warn(missing_docs)]

mod auth;
mod config;
mod discovery;
mod error;
mod running;
mod server;
mod state;
pub mod test_keys;

pub use config::{Auth, EmulatorConfig, Faults, OverQuota, Quota};
pub use error::{ApiError, EmulatorError, OAuthError};
pub use running::{DIRECTORY_SCOPES, Emulator, RunningEmulator};
pub use state::{
    FieldDef, Group, GroupMember, InstalledClient, OrgUnit, Projection, SchemaDef, ServiceAccount,
    State, StoredUser,
};
