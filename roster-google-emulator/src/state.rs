//! The emulator's directory state (org units, custom schemas, users, groups, credentials) and
//! the Google semantics applied to it: validation of user bodies, merge on update/patch,
//! rendering of users as the API returns them, the query subset, and keyset paging.

use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::discovery;
use super::error::ApiError;

/// Everything the emulator persists (`save_state` / `load_state` write and read this as JSON).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// The customer id (`my_customer` is an alias of it).
    pub customer_id: String,
    /// The customer's domains: primary emails must be in one of them.
    pub domains: Vec<String>,
    /// Next numeric id to hand out.
    pub next_id: u64,
    /// Org units by lower-cased path (the root `/` is implicit).
    pub org_units: BTreeMap<String, OrgUnit>,
    /// Custom schemas by schema name.
    pub schemas: BTreeMap<String, SchemaDef>,
    /// Users by lower-cased primary email.
    pub users: BTreeMap<String, StoredUser>,
    /// Groups by lower-cased email.
    pub groups: BTreeMap<String, Group>,
    /// Service accounts by client email.
    pub service_accounts: BTreeMap<String, ServiceAccount>,
    /// Installed-app OAuth clients by client id.
    pub installed_clients: BTreeMap<String, InstalledClient>,
    /// id -> lower-cased primary email (rebuilt on load).
    #[serde(skip)]
    ids: HashMap<String, String>,
}

/// An organisational unit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OrgUnit {
    /// `id:...`.
    pub org_unit_id: String,
    /// Last path component.
    pub name: String,
    /// Full path, e.g. `/Students/HS`.
    pub path: String,
    /// Parent path (`/` for top-level units).
    pub parent_path: String,
    /// Description.
    #[serde(default)]
    pub description: String,
}

/// A custom schema (`schemas` resource).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SchemaDef {
    /// Opaque id.
    pub schema_id: String,
    /// Name used in `customSchemas` and queries.
    pub schema_name: String,
    /// Display name.
    pub display_name: String,
    /// Fields.
    pub fields: Vec<FieldDef>,
}

/// One field of a custom schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldDef {
    /// Opaque id.
    pub field_id: String,
    /// Name.
    pub field_name: String,
    /// STRING, INT64, BOOL, DOUBLE, EMAIL, PHONE or DATE.
    pub field_type: String,
    /// Multi-valued fields take `[{"value":..,"type":..}]`.
    pub multi_valued: bool,
    /// Display name.
    pub display_name: String,
    /// Whether queries may use it (default true).
    pub indexed: bool,
    /// ALL_DOMAIN_USERS or ADMINS_AND_SELF.
    pub read_access_type: String,
}

/// A stored user: system fields plus the writable fields as given (password never stored).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredUser {
    /// Stable numeric id.
    pub id: String,
    /// RFC 3339 creation time.
    pub creation_time: String,
    /// Super admin?
    #[serde(default)]
    pub is_admin: bool,
    /// Bumped on every change; the etag derives from id and version.
    #[serde(default)]
    pub version: u64,
    /// Writable fields (primaryEmail, name, orgUnitPath, suspended, customSchemas, ...).
    pub data: Map<String, Value>,
}

/// A group with its members.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Group {
    /// Opaque id.
    pub id: String,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Members in insertion order.
    pub members: Vec<GroupMember>,
}

/// A member of a group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupMember {
    /// Id (the user's id when the member is a known user).
    pub id: String,
    /// Email.
    pub email: String,
    /// OWNER, MANAGER or MEMBER.
    pub role: String,
}

/// A registered service account (the public half of its key).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceAccount {
    /// `...@....iam.gserviceaccount.com`.
    pub client_email: String,
    /// SPKI (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`) PEM.
    pub public_key_pem: String,
    /// Admins it may impersonate (`sub`), compared case-insensitively.
    pub admin_subjects: Vec<String>,
    /// Scopes granted by domain-wide delegation; empty = any directory scope.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A registered installed-app OAuth client with one refresh token (as in a pre-written
/// `token.json`). `Debug` redacts the secret and the refresh token.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct InstalledClient {
    /// `...apps.googleusercontent.com`.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// The refresh token the client holds.
    pub refresh_token: String,
    /// The (admin) user who authorised it.
    pub subject: String,
    /// Scopes it was granted.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for InstalledClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstalledClient")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("subject", &self.subject)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// What users.list/get should include.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    /// No custom schemas.
    Basic,
    /// All custom schemas.
    Full,
    /// Only the named schemas.
    Custom(Vec<String>),
}

const ROOT_OU_ID: &str = "id:03ph8a2z0emroot";

impl State {
    /// A fresh state for a customer.
    pub fn new(customer_id: &str, domains: &[String]) -> Self {
        let mut s = State {
            customer_id: customer_id.to_string(),
            domains: Vec::new(),
            next_id: 1,
            ..Default::default()
        };
        s.add_domains(domains);
        s
    }

    /// Add domains (lower-cased, deduplicated).
    pub fn add_domains(&mut self, domains: &[String]) {
        for d in domains {
            let d = d.to_ascii_lowercase();
            if !self.domains.contains(&d) {
                self.domains.push(d);
            }
        }
    }

    /// Rebuild derived indexes (call after deserialising).
    pub fn reindex(&mut self) {
        self.ids = self
            .users
            .iter()
            .map(|(k, u)| (u.id.clone(), k.clone()))
            .collect();
        if self.next_id == 0 {
            self.next_id = 1;
        }
    }

    fn next_numeric_id(&mut self) -> String {
        let n = self.next_id;
        self.next_id += 1;
        // 21 digits like Google's user ids, stable for a given state.
        format!("1{:020}", 7_310_000_000_000_000_000u64 + n)
    }

    /// Whether `customer` names this customer (`my_customer` or the id).
    pub fn is_customer(&self, customer: &str) -> bool {
        customer == "my_customer" || customer == self.customer_id
    }

    // ---------- org units ----------

    /// Normalise an org unit path: leading `/`, no trailing `/`, `/` for the root.
    pub fn normalize_path(path: &str) -> String {
        let trimmed = path.trim().trim_matches('/');
        format!("/{trimmed}")
    }

    /// Whether the org unit exists (the root always does).
    pub fn ou_exists(&self, path: &str) -> bool {
        let p = Self::normalize_path(path);
        p == "/" || self.org_units.contains_key(&p.to_lowercase())
    }

    /// Find an org unit by path or `id:...`.
    pub fn find_ou(&self, key: &str) -> Option<OrgUnit> {
        if key.starts_with("id:") {
            if key == ROOT_OU_ID {
                return Some(self.root_ou());
            }
            return self
                .org_units
                .values()
                .find(|o| o.org_unit_id == key)
                .cloned();
        }
        let p = Self::normalize_path(key);
        if p == "/" {
            return Some(self.root_ou());
        }
        self.org_units.get(&p.to_lowercase()).cloned()
    }

    fn root_ou(&self) -> OrgUnit {
        OrgUnit {
            org_unit_id: ROOT_OU_ID.into(),
            name: "root".into(),
            path: "/".into(),
            parent_path: String::new(),
            description: String::new(),
        }
    }

    /// Create an org unit under an existing parent (orgunits.insert semantics).
    pub fn insert_ou(
        &mut self,
        name: &str,
        parent: &str,
        description: &str,
    ) -> Result<OrgUnit, ApiError> {
        let name = name.trim();
        if name.is_empty() || name.contains('/') {
            return Err(ApiError::invalid("Invalid Ou Name"));
        }
        let parent = self
            .find_ou(parent)
            .ok_or_else(|| ApiError::invalid("Invalid Parent Orgunit Id"))?;
        let path = if parent.path == "/" {
            format!("/{name}")
        } else {
            format!("{}/{name}", parent.path)
        };
        let key = path.to_lowercase();
        if self.org_units.contains_key(&key) {
            return Err(ApiError::duplicate());
        }
        let n = self.next_id;
        self.next_id += 1;
        let ou = OrgUnit {
            org_unit_id: format!("id:03ph8a2z{n:06x}"),
            name: name.to_string(),
            path,
            parent_path: parent.path,
            description: description.to_string(),
        };
        self.org_units.insert(key, ou.clone());
        Ok(ou)
    }

    /// Create an org unit and any missing ancestors (seeding convenience).
    pub fn ensure_ou_path(&mut self, path: &str) -> Result<OrgUnit, ApiError> {
        let norm = Self::normalize_path(path);
        let mut current = String::from("/");
        let mut last = self.root_ou();
        for part in norm.split('/').filter(|p| !p.is_empty()) {
            let next = if current == "/" {
                format!("/{part}")
            } else {
                format!("{current}/{part}")
            };
            last = match self.find_ou(&next) {
                Some(o) => o,
                None => self.insert_ou(part, &current, "")?,
            };
            current = last.path.clone();
        }
        Ok(last)
    }

    /// Render an org unit as Google does.
    pub fn ou_json(&self, ou: &OrgUnit) -> Value {
        let mut v = json!({
            "kind": "admin#directory#orgUnit",
            "name": ou.name,
            "orgUnitPath": ou.path,
            "orgUnitId": ou.org_unit_id,
        });
        if !ou.description.is_empty() {
            v["description"] = json!(ou.description);
        }
        if !ou.parent_path.is_empty() {
            let parent_id = self
                .find_ou(&ou.parent_path)
                .map(|p| p.org_unit_id)
                .unwrap_or_default();
            v["parentOrgUnitPath"] = json!(ou.parent_path);
            v["parentOrgUnitId"] = json!(parent_id);
        }
        v["etag"] = json!(etag(&v));
        v
    }

    // ---------- schemas ----------

    /// Add a custom schema from Google's JSON form
    /// (`{"schemaName":..,"displayName":..,"fields":[{"fieldName":..,"fieldType":..,"multiValued":..}]}`).
    pub fn add_schema(&mut self, body: &Value) -> Result<SchemaDef, ApiError> {
        discovery::validate_body("Schema", body)?;
        let name = body
            .get("schemaName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::invalid("Invalid Input: schemaName"))?;
        if self.schemas.contains_key(name) {
            return Err(ApiError::duplicate());
        }
        let mut fields = Vec::new();
        for f in body
            .get("fields")
            .and_then(Value::as_array)
            .ok_or_else(|| ApiError::invalid("Invalid Input: fields"))?
        {
            let field_name = f
                .get("fieldName")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::invalid("Invalid Input: fieldName"))?;
            let field_type = f
                .get("fieldType")
                .and_then(Value::as_str)
                .unwrap_or("STRING");
            if !matches!(
                field_type,
                "STRING" | "INT64" | "BOOL" | "DOUBLE" | "EMAIL" | "PHONE" | "DATE"
            ) {
                return Err(ApiError::invalid(format!(
                    "Invalid Input: fieldType {field_type}"
                )));
            }
            let n = self.next_id;
            self.next_id += 1;
            fields.push(FieldDef {
                field_id: format!("fld{n:08x}"),
                field_name: field_name.to_string(),
                field_type: field_type.to_string(),
                multi_valued: f
                    .get("multiValued")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                display_name: f
                    .get("displayName")
                    .and_then(Value::as_str)
                    .unwrap_or(field_name)
                    .to_string(),
                indexed: f.get("indexed").and_then(Value::as_bool).unwrap_or(true),
                read_access_type: f
                    .get("readAccessType")
                    .and_then(Value::as_str)
                    .unwrap_or("ALL_DOMAIN_USERS")
                    .to_string(),
            });
        }
        let n = self.next_id;
        self.next_id += 1;
        let def = SchemaDef {
            schema_id: format!("sch{n:010x}"),
            schema_name: name.to_string(),
            display_name: body
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or(name)
                .to_string(),
            fields,
        };
        self.schemas.insert(name.to_string(), def.clone());
        Ok(def)
    }

    /// Find a schema by name or id.
    pub fn find_schema(&self, key: &str) -> Option<&SchemaDef> {
        self.schemas
            .get(key)
            .or_else(|| self.schemas.values().find(|s| s.schema_id == key))
    }

    /// Render a schema as Google does.
    pub fn schema_json(def: &SchemaDef) -> Value {
        let fields: Vec<Value> = def
            .fields
            .iter()
            .map(|f| {
                let mut v = json!({
                    "kind": "admin#directory#schema#fieldspec",
                    "fieldId": f.field_id,
                    "fieldType": f.field_type,
                    "fieldName": f.field_name,
                    "displayName": f.display_name,
                    "multiValued": f.multi_valued,
                    "readAccessType": f.read_access_type,
                });
                if !f.indexed {
                    v["indexed"] = json!(false);
                }
                v["etag"] = json!(etag(&v));
                v
            })
            .collect();
        let mut v = json!({
            "kind": "admin#directory#schema",
            "schemaId": def.schema_id,
            "schemaName": def.schema_name,
            "displayName": def.display_name,
            "fields": fields,
        });
        v["etag"] = json!(etag(&v));
        v
    }

    // ---------- users ----------

    /// Look a user up by primary email (case-insensitive) or id; returns its map key.
    pub fn user_key(&self, key: &str) -> Option<String> {
        let lower = key.to_lowercase();
        if self.users.contains_key(&lower) {
            return Some(lower);
        }
        self.ids.get(key).cloned()
    }

    /// A user by key.
    pub fn user(&self, key: &str) -> Option<&StoredUser> {
        self.user_key(key).and_then(|k| self.users.get(&k))
    }

    /// users.insert. `require_password` is false for seeding.
    pub fn insert_user(
        &mut self,
        body: &Value,
        require_password: bool,
    ) -> Result<StoredUser, ApiError> {
        let mut data = self.clean_user_body(body)?;
        let email = data
            .get("primaryEmail")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| ApiError::invalid("Invalid Input: primary_user_email"))?;
        for (field, label) in [("givenName", "GivenName"), ("familyName", "FamilyName")] {
            if data
                .get("name")
                .and_then(|n| n.get(field))
                .and_then(Value::as_str)
                .is_none()
            {
                return Err(ApiError::invalid(format!(
                    "Invalid Given/Family Name: {label}"
                )));
            }
        }
        let has_password = body
            .get("password")
            .and_then(Value::as_str)
            .is_some_and(|p| !p.is_empty());
        if require_password && !has_password {
            return Err(ApiError::invalid("Invalid Password"));
        }
        let key = email.to_lowercase();
        if self.users.contains_key(&key) || self.groups.contains_key(&key) {
            return Err(ApiError::duplicate());
        }
        data.entry("orgUnitPath").or_insert_with(|| json!("/"));
        data.entry("suspended").or_insert(json!(false));
        let user = StoredUser {
            id: self.next_numeric_id(),
            creation_time: now_rfc3339(),
            is_admin: false,
            version: 1,
            data,
        };
        self.ids.insert(user.id.clone(), key.clone());
        self.users.insert(key, user.clone());
        Ok(user)
    }

    /// users.update / users.patch (both with patch semantics: absent fields are kept, nested
    /// objects are merged, arrays replaced, `null` clears).
    pub fn update_user(&mut self, user_key: &str, body: &Value) -> Result<StoredUser, ApiError> {
        let key = self
            .user_key(user_key)
            .ok_or_else(|| ApiError::not_found("userKey"))?;
        let patch = self.clean_user_body(body)?;
        let mut user = self.users.get(&key).cloned().expect("key from index");
        merge(&mut user.data, patch);
        user.version += 1;
        // Required fields cannot be cleared.
        for (field, label) in [("givenName", "GivenName"), ("familyName", "FamilyName")] {
            if user
                .data
                .get("name")
                .and_then(|n| n.get(field))
                .and_then(Value::as_str)
                .is_none()
            {
                return Err(ApiError::invalid(format!(
                    "Invalid Given/Family Name: {label}"
                )));
            }
        }
        let new_email = user
            .data
            .get("primaryEmail")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::invalid("Invalid Input: primary_user_email"))?
            .to_string();
        if user.data.get("orgUnitPath").is_none_or(Value::is_null) {
            user.data.insert("orgUnitPath".into(), json!("/"));
        }
        if user.data.get("suspended").is_none_or(Value::is_null) {
            user.data.insert("suspended".into(), json!(false));
        }
        let new_key = new_email.to_lowercase();
        if new_key != key {
            if self.users.contains_key(&new_key) || self.groups.contains_key(&new_key) {
                return Err(ApiError::duplicate());
            }
            self.users.remove(&key);
            // Group memberships follow the renamed user.
            let old_email = key.clone();
            for g in self.groups.values_mut() {
                for m in &mut g.members {
                    if m.email.to_lowercase() == old_email {
                        m.email = new_email.clone();
                    }
                }
            }
        }
        self.ids.insert(user.id.clone(), new_key.clone());
        self.users.insert(new_key, user.clone());
        Ok(user)
    }

    /// Validate a users.insert/update/patch body and return the writable fields to store.
    fn clean_user_body(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
        discovery::validate_body("User", body)?;
        let obj = body.as_object().expect("validated object");
        let user_props = discovery::schema("User")
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object);
        let mut data = Map::new();
        for (k, v) in obj {
            let read_only = user_props
                .and_then(|p| p.get(k))
                .and_then(|p| p.get("readOnly"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            // Output-only fields (and id/etag/kind, which clients echo back) are ignored, as
            // Google ignores them; the password and its hash function are never stored.
            if read_only || matches!(k.as_str(), "id" | "password" | "hashFunction") {
                continue;
            }
            data.insert(k.clone(), v.clone());
        }
        if let Some(p) = obj.get("password").and_then(Value::as_str) {
            let hashed = obj.get("hashFunction").is_some_and(|h| !h.is_null());
            if !hashed && (p.chars().count() < 8 || p.chars().count() > 100) {
                return Err(ApiError::invalid("Invalid Password"));
            }
        }
        if let Some(email) = data.get("primaryEmail") {
            let email = email
                .as_str()
                .ok_or_else(|| ApiError::invalid("Invalid Input: primary_user_email"))?;
            let (local, domain) = email
                .split_once('@')
                .filter(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
                .ok_or_else(|| ApiError::invalid("Invalid Input: primary_user_email"))?;
            if local.contains(char::is_whitespace)
                || !self.domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
            {
                return Err(ApiError::invalid("Invalid Input: primary_user_email"));
            }
        }
        if let Some(name) = data.get_mut("name").and_then(Value::as_object_mut) {
            // fullName is derived from given and family names.
            name.remove("fullName");
            for (field, label) in [("givenName", "GivenName"), ("familyName", "FamilyName")] {
                if let Some(v) = name.get(field)
                    && !v.is_null()
                {
                    let s = v.as_str().unwrap_or_default();
                    let n = s.chars().count();
                    if n == 0 || n > 60 || s.trim().is_empty() {
                        return Err(ApiError::invalid(format!(
                            "Invalid Given/Family Name: {label}"
                        )));
                    }
                }
            }
        }
        if let Some(ou) = data.get("orgUnitPath")
            && !ou.is_null()
        {
            let path = ou.as_str().unwrap_or_default();
            let found = self.find_ou(path).ok_or_else(ApiError::invalid_ou)?;
            data.insert("orgUnitPath".into(), json!(found.path));
        }
        if let Some(ext) = data.get("externalIds")
            && !ext.is_null()
        {
            let items = ext
                .as_array()
                .ok_or_else(|| ApiError::invalid("Invalid Input: externalIds"))?;
            for item in items {
                discovery::validate_body("UserExternalId", item).map_err(|e| {
                    ApiError::invalid(e.message.replace("'userExternalId", "'user.externalIds"))
                })?;
            }
        }
        if let Some(cs) = data.get_mut("customSchemas")
            && !cs.is_null()
        {
            self.normalize_custom_schemas(cs)?;
        }
        Ok(data)
    }

    /// Check `customSchemas` against the registered schemas and normalise values:
    /// INT64 and DOUBLE become JSON numbers (numeric strings are converted), BOOL becomes a JSON
    /// boolean ("true"/"false" accepted), STRING/EMAIL/PHONE/DATE stay strings.
    fn normalize_custom_schemas(&self, cs: &mut Value) -> Result<(), ApiError> {
        let obj = cs
            .as_object_mut()
            .ok_or_else(|| ApiError::invalid("Invalid Input: customSchemas"))?;
        for (schema_name, fields) in obj.iter_mut() {
            let def = self.schemas.get(schema_name).ok_or_else(|| {
                ApiError::invalid(format!(
                    "Invalid Input: custom schema '{schema_name}' not found"
                ))
            })?;
            if fields.is_null() {
                continue;
            }
            let fields = fields.as_object_mut().ok_or_else(|| {
                ApiError::invalid(format!("Invalid Input: custom schema '{schema_name}'"))
            })?;
            for (field_name, value) in fields.iter_mut() {
                let fd = def
                    .fields
                    .iter()
                    .find(|f| &f.field_name == field_name)
                    .ok_or_else(|| {
                        ApiError::invalid(format!(
                            "Invalid Input: custom schema field '{schema_name}.{field_name}' not found"
                        ))
                    })?;
                if value.is_null() {
                    continue;
                }
                let bad = || {
                    ApiError::invalid(format!(
                        "Invalid Input: custom schema field '{schema_name}.{field_name}' expects {}{}",
                        fd.field_type,
                        if fd.multi_valued {
                            " values as [{\"value\": ...}]"
                        } else {
                            ""
                        }
                    ))
                };
                if fd.multi_valued {
                    let items = value.as_array_mut().ok_or_else(bad)?;
                    for item in items {
                        let o = item.as_object_mut().ok_or_else(bad)?;
                        if o.keys()
                            .any(|k| !matches!(k.as_str(), "value" | "type" | "customType"))
                        {
                            return Err(bad());
                        }
                        let v = o.get_mut("value").ok_or_else(bad)?;
                        *v = coerce(&fd.field_type, v).ok_or_else(bad)?;
                    }
                } else {
                    *value = coerce(&fd.field_type, value).ok_or_else(bad)?;
                }
            }
        }
        Ok(())
    }

    /// Render a user as the API returns it.
    pub fn user_json(&self, user: &StoredUser, projection: &Projection) -> Value {
        render_user(&self.customer_id, user, projection)
    }
}

/// Render a user as the API returns it, for a customer id.
pub fn render_user(customer_id: &str, user: &StoredUser, projection: &Projection) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!("admin#directory#user"));
    out.insert("id".into(), json!(user.id));
    let email = user
        .data
        .get("primaryEmail")
        .cloned()
        .unwrap_or(Value::Null);
    out.insert("primaryEmail".into(), email.clone());
    let mut name = user
        .data
        .get("name")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let given = name.get("givenName").and_then(Value::as_str).unwrap_or("");
    let family = name.get("familyName").and_then(Value::as_str).unwrap_or("");
    let full = format!("{given} {family}").trim().to_string();
    name.insert("fullName".into(), json!(full));
    out.insert("name".into(), Value::Object(name));
    out.insert("isAdmin".into(), json!(user.is_admin));
    out.insert("isDelegatedAdmin".into(), json!(false));
    out.insert("lastLoginTime".into(), json!("1970-01-01T00:00:00.000Z"));
    out.insert("creationTime".into(), json!(user.creation_time));
    out.insert("agreedToTerms".into(), json!(false));
    let suspended = user
        .data
        .get("suspended")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    out.insert("suspended".into(), json!(suspended));
    if suspended {
        out.insert("suspensionReason".into(), json!("ADMIN"));
    }
    out.insert("archived".into(), json!(false));
    out.insert("changePasswordAtNextLogin".into(), json!(false));
    out.insert("ipWhitelisted".into(), json!(false));
    out.insert(
        "emails".into(),
        json!([{"address": email, "primary": true}]),
    );
    out.insert("customerId".into(), json!(customer_id));
    out.insert("isMailboxSetup".into(), json!(true));
    out.insert("isEnrolledIn2Sv".into(), json!(false));
    out.insert("isEnforcedIn2Sv".into(), json!(false));
    out.insert("includeInGlobalAddressList".into(), json!(true));
    for (k, v) in &user.data {
        if matches!(k.as_str(), "name" | "customSchemas") || v.is_null() {
            continue;
        }
        out.insert(k.clone(), v.clone());
    }
    if let Some(cs) = user.data.get("customSchemas").and_then(Value::as_object) {
        let selected: Map<String, Value> = cs
            .iter()
            .filter(|(name, v)| {
                !v.is_null()
                    && match projection {
                        Projection::Basic => false,
                        Projection::Full => true,
                        Projection::Custom(names) => names.iter().any(|n| n == *name),
                    }
            })
            .map(|(k, v)| (k.clone(), strip_nulls(v)))
            .filter(|(_, v)| v.as_object().is_some_and(|o| !o.is_empty()))
            .collect();
        if !selected.is_empty() {
            out.insert("customSchemas".into(), Value::Object(selected));
        }
    }
    // The etag changes whenever the user does (hashing the rendered JSON of every user of a
    // 500-user page was the most expensive part of users.list).
    out.insert("etag".into(), json!(etag(&json!([user.id, user.version]))));
    Value::Object(out)
}

impl State {
    // ---------- groups ----------

    /// Add (or replace) a group with members (seeding).
    pub fn add_group(&mut self, email: &str, name: &str, members: &[&str]) -> Group {
        let n = self.next_id;
        self.next_id += 1;
        let members = members
            .iter()
            .map(|m| {
                let id = self
                    .user(m)
                    .map(|u| u.id.clone())
                    .unwrap_or_else(|| format!("mem{:016x}", fnv(m)));
                GroupMember {
                    id,
                    email: m.to_string(),
                    role: "MEMBER".into(),
                }
            })
            .collect();
        let g = Group {
            id: format!("grp{n:012x}"),
            email: email.to_string(),
            name: name.to_string(),
            members,
        };
        self.groups.insert(email.to_lowercase(), g.clone());
        g
    }

    /// A group by email (case-insensitive) or id; returns its map key.
    pub fn group_key(&self, key: &str) -> Option<String> {
        let lower = key.to_lowercase();
        if self.groups.contains_key(&lower) {
            return Some(lower);
        }
        self.groups
            .iter()
            .find(|(_, g)| g.id == key)
            .map(|(k, _)| k.clone())
    }

    /// Render a group as Google does.
    pub fn group_json(g: &Group) -> Value {
        let mut v = json!({
            "kind": "admin#directory#group",
            "id": g.id,
            "email": g.email,
            "name": g.name,
            "directMembersCount": g.members.len().to_string(),
            "description": "",
            "adminCreated": true,
        });
        v["etag"] = json!(etag(&v));
        v
    }

    /// Render a member as Google does.
    pub fn member_json(&self, m: &GroupMember) -> Value {
        let mut v = json!({
            "kind": "admin#directory#member",
            "id": m.id,
            "email": m.email,
            "role": m.role,
            "type": if self.user(&m.email).is_some() || !self.groups.contains_key(&m.email.to_lowercase()) { "USER" } else { "GROUP" },
            "status": "ACTIVE",
        });
        v["etag"] = json!(etag(&v));
        v
    }
}

/// Coerce a custom schema value to its field type; `None` when it does not fit.
fn coerce(field_type: &str, v: &Value) -> Option<Value> {
    match field_type {
        "INT64" => match v {
            Value::Number(n) => n.as_i64().map(Value::from).or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0)
                    .map(|f| json!(f as i64))
            }),
            Value::String(s) => s.trim().parse::<i64>().ok().map(Value::from),
            _ => None,
        },
        "DOUBLE" => match v {
            Value::Number(_) => Some(v.clone()),
            Value::String(s) => s.trim().parse::<f64>().ok().map(|f| json!(f)),
            _ => None,
        },
        "BOOL" => match v {
            Value::Bool(_) => Some(v.clone()),
            Value::String(s) if s == "true" => Some(json!(true)),
            Value::String(s) if s == "false" => Some(json!(false)),
            _ => None,
        },
        "DATE" => v
            .as_str()
            .filter(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
            .map(|s| json!(s)),
        _ => match v {
            Value::String(_) => Some(v.clone()),
            Value::Number(n) => Some(json!(n.to_string())),
            Value::Bool(b) => Some(json!(b.to_string())),
            _ => None,
        },
    }
}

/// Merge `patch` into `target`: objects recursively, everything else replaced, `null` removes
/// the key (at any depth).
pub fn merge(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        match v {
            Value::Null => {
                target.remove(&k);
            }
            Value::Object(p) => match target.get_mut(&k) {
                Some(Value::Object(t)) => merge(t, p),
                _ => {
                    let mut fresh = Map::new();
                    merge(&mut fresh, p);
                    target.insert(k, Value::Object(fresh));
                }
            },
            other => {
                target.insert(k, other);
            }
        }
    }
}

fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// An etag like Google's: a quoted opaque string derived from the content.
pub fn etag(v: &Value) -> String {
    let digest = Sha256::digest(v.to_string().as_bytes());
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..18]))
}

fn fnv(s: &str) -> u64 {
    s.to_lowercase()
        .bytes()
        .fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
        })
}

/// Current time as Google formats it (`2026-01-02T03:04:05.000Z`).
pub fn now_rfc3339() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

// ---------- query ----------

/// One clause of the supported `query` subset.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// `orgUnitPath='/A B'`: that OU and everything under it (lower-cased path).
    OrgUnit(String),
    /// `email:prefix` (a trailing `*` is allowed).
    EmailPrefix(String),
    /// `email=exact`.
    EmailExact(String),
    /// `isSuspended=true|false`.
    Suspended(bool),
    /// `isAdmin=true|false`.
    Admin(bool),
    /// `givenName=`/`familyName=` exact (`:` = prefix).
    Name {
        /// `givenName` or `familyName`.
        field: &'static str,
        /// Lower-cased value.
        value: String,
        /// Prefix match.
        prefix: bool,
    },
    /// `externalId=value`.
    ExternalId(String),
    /// `Schema.Field=value`: exact match (case-insensitive for text, numeric for numbers).
    Custom {
        /// Schema name.
        schema: String,
        /// Field name.
        field: String,
        /// Raw value.
        value: String,
    },
}

fn split_query(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '\'' | '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    for q in ['\'', '"'] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].to_string();
        }
    }
    v.to_string()
}

fn parse_bool(v: &str) -> Result<bool, ApiError> {
    match v.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::invalid("Invalid Input")),
    }
}

/// Parse the supported subset of Google's user query language (clauses separated by spaces are
/// ANDed).
pub fn parse_query(state: &State, q: &str) -> Result<Vec<Clause>, ApiError> {
    let mut clauses = Vec::new();
    for token in split_query(q) {
        let pos = token
            .find(['=', ':'])
            .ok_or_else(|| ApiError::invalid("Invalid Input"))?;
        let (field, rest) = token.split_at(pos);
        let op = &rest[..1];
        let value = unquote(&rest[1..]);
        let clause = match (field, op) {
            ("orgUnitPath", _) => Clause::OrgUnit(State::normalize_path(&value).to_lowercase()),
            ("email", ":") => Clause::EmailPrefix(value.trim_end_matches('*').to_lowercase()),
            ("email", "=") => Clause::EmailExact(value.to_lowercase()),
            ("isSuspended", "=") => Clause::Suspended(parse_bool(&value)?),
            ("isAdmin", "=") => Clause::Admin(parse_bool(&value)?),
            ("givenName" | "familyName", _) => Clause::Name {
                field: if field == "givenName" {
                    "givenName"
                } else {
                    "familyName"
                },
                value: value.trim_end_matches('*').to_lowercase(),
                prefix: op == ":",
            },
            ("externalId", _) => Clause::ExternalId(value),
            (f, "=") if f.contains('.') => {
                let (schema, field) = f.split_once('.').expect("contains a dot");
                let known = state
                    .schemas
                    .get(schema)
                    .is_some_and(|s| s.fields.iter().any(|x| x.field_name == field && x.indexed));
                if !known {
                    return Err(ApiError::invalid("Invalid Input"));
                }
                Clause::Custom {
                    schema: schema.to_string(),
                    field: field.to_string(),
                    value,
                }
            }
            _ => return Err(ApiError::invalid("Invalid Input")),
        };
        clauses.push(clause);
    }
    Ok(clauses)
}

fn value_matches(stored: &Value, wanted: &str) -> bool {
    match stored {
        Value::String(s) => s.eq_ignore_ascii_case(wanted),
        Value::Number(n) => wanted
            .parse::<f64>()
            .ok()
            .zip(n.as_f64())
            .is_some_and(|(a, b)| a == b),
        Value::Bool(b) => parse_bool(wanted).ok() == Some(*b),
        Value::Array(items) => items
            .iter()
            .any(|i| value_matches(i.get("value").unwrap_or(i), wanted)),
        _ => false,
    }
}

/// Whether a user satisfies every clause.
pub fn matches(user: &StoredUser, clauses: &[Clause]) -> bool {
    let email = || {
        user.data
            .get("primaryEmail")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_lowercase()
    };
    clauses.iter().all(|c| match c {
        Clause::OrgUnit(p) => {
            let ou = user
                .data
                .get("orgUnitPath")
                .and_then(Value::as_str)
                .unwrap_or("/")
                .to_lowercase();
            p == "/" || &ou == p || ou.starts_with(&format!("{p}/"))
        }
        Clause::EmailPrefix(p) => email().starts_with(p.as_str()),
        Clause::EmailExact(e) => &email() == e,
        Clause::Suspended(b) => {
            user.data
                .get("suspended")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                == *b
        }
        Clause::Admin(b) => user.is_admin == *b,
        Clause::Name {
            field,
            value,
            prefix,
        } => {
            let v = user
                .data
                .get("name")
                .and_then(|n| n.get(*field))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase();
            if *prefix {
                v.starts_with(value.as_str())
            } else {
                &v == value
            }
        }
        Clause::ExternalId(x) => user
            .data
            .get("externalIds")
            .and_then(Value::as_array)
            .is_some_and(|ids| {
                ids.iter()
                    .any(|i| i.get("value").and_then(Value::as_str) == Some(x.as_str()))
            }),
        Clause::Custom {
            schema,
            field,
            value,
        } => user
            .data
            .get("customSchemas")
            .and_then(|c| c.get(schema))
            .and_then(|s| s.get(field))
            .is_some_and(|v| value_matches(v, value)),
    })
}

// ---------- page tokens ----------

/// An opaque page token: the sort key of the last item returned plus a fingerprint of the
/// request it belongs to.
pub fn encode_page_token(last_key: &[String], fingerprint: &str) -> String {
    let raw = json!({"k": last_key, "f": fingerprint}).to_string();
    URL_SAFE_NO_PAD.encode(raw)
}

/// Decode a page token made for a request with `fingerprint`.
pub fn decode_page_token(token: &str, fingerprint: &str) -> Result<Vec<String>, ApiError> {
    let bad = || ApiError::invalid("Invalid Input: pageToken");
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    if v.get("f").and_then(Value::as_str) != Some(fingerprint) {
        return Err(bad());
    }
    v.get("k")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .ok_or_else(bad)
}

/// A short fingerprint of request parameters.
pub fn fingerprint(parts: &[&str]) -> String {
    let digest = Sha256::digest(parts.join("\u{1f}").as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..9])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        let mut s = State::new("C0test", &["x.edu".to_string()]);
        s.ensure_ou_path("/Students/HS").unwrap();
        s.add_schema(&json!({"schemaName": "Sync", "fields": [
            {"fieldName": "DCID", "fieldType": "INT64"},
            {"fieldName": "Tags", "fieldType": "STRING", "multiValued": true}]}))
            .unwrap();
        s
    }

    #[test]
    fn installed_client_debug_hides_secrets() {
        let c = InstalledClient {
            client_id: "id".into(),
            client_secret: "hunter22".into(),
            refresh_token: "1//tok".into(),
            subject: "a@x.edu".into(),
            scopes: vec![],
        };
        let d = format!("{c:?}");
        assert!(!d.contains("hunter22") && !d.contains("1//tok"), "{d}");
    }

    #[test]
    fn merge_keeps_absent_and_clears_null() {
        let mut t = json!({"a": 1, "name": {"givenName": "A", "familyName": "B"}})
            .as_object()
            .cloned()
            .unwrap();
        merge(
            &mut t,
            json!({"name": {"givenName": "C"}, "a": null})
                .as_object()
                .cloned()
                .unwrap(),
        );
        assert_eq!(
            Value::Object(t),
            json!({"name": {"givenName": "C", "familyName": "B"}})
        );
    }

    #[test]
    fn int64_fields_are_stored_as_numbers() {
        let mut s = state();
        let u = s
            .insert_user(
                &json!({"primaryEmail": "a@x.edu", "name": {"givenName": "A", "familyName": "B"},
                    "password": "12345678", "customSchemas": {"Sync": {"DCID": "42",
                    "Tags": [{"value": 7}]}}}),
                true,
            )
            .unwrap();
        assert_eq!(u.data["customSchemas"]["Sync"]["DCID"], json!(42));
        assert_eq!(
            u.data["customSchemas"]["Sync"]["Tags"][0]["value"],
            json!("7")
        );
        let bad = s.insert_user(
            &json!({"primaryEmail": "b@x.edu", "name": {"givenName": "A", "familyName": "B"},
                "password": "12345678", "customSchemas": {"Sync": {"DCID": "4x2"}}}),
            true,
        );
        assert!(bad.unwrap_err().message.contains("expects INT64"));
    }

    #[test]
    fn query_parsing_and_matching() {
        let s = state();
        let q = parse_query(&s, "orgUnitPath='/Students' isSuspended=false Sync.DCID=42").unwrap();
        assert_eq!(q.len(), 3);
        assert_eq!(q[0], Clause::OrgUnit("/students".into()));
        assert!(parse_query(&s, "Nope.DCID=1").is_err());
        assert!(parse_query(&s, "garbage").is_err());
        let q = parse_query(&s, "orgUnitPath='/A B C'").unwrap();
        assert_eq!(q, vec![Clause::OrgUnit("/a b c".into())]);
    }

    #[test]
    fn page_tokens_round_trip_and_are_bound_to_the_request() {
        let t = encode_page_token(&["k@x.edu".into()], "fp1");
        assert_eq!(
            decode_page_token(&t, "fp1").unwrap(),
            vec!["k@x.edu".to_string()]
        );
        assert!(decode_page_token(&t, "fp2").is_err());
        assert!(decode_page_token("garbage!", "fp1").is_err());
    }
}
