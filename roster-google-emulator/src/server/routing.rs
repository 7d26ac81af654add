//! Routing: which API method a path names (with its path parameters), and dispatch to the
//! handlers under the directory lock.

use bytes::Bytes;
use hyper::Method;
use serde_json::{Map, Value};

use super::response::Handled;
use super::{Shared, groups, licenses, lock, orgunits, schemas, users};
use crate::error::ApiError;

/// A recognised API method with its path parameters.
#[derive(Debug)]
pub(super) enum Route {
    UsersList,
    UsersInsert,
    UsersGet(String),
    UsersUpdate(String),
    UsersPatch(String),
    UsersMakeAdmin(String),
    AliasesList(String),
    AliasesInsert(String),
    AliasesDelete(String, String),
    OrgunitsList(String),
    OrgunitsInsert(String),
    OrgunitsGet(String, String),
    SchemasList(String),
    SchemasGet(String, String),
    SchemasInsert(String),
    GroupsList,
    GroupsInsert,
    MembersList(String),
    MembersInsert(String),
    MembersDelete(String, String),
    /// A call of the Enterprise License Manager API (`/apps/licensing/v1/`).
    Licensing(licenses::Call),
}

impl Route {
    pub(super) fn id(&self) -> (&'static str, &'static str) {
        match self {
            Route::UsersList => ("users", "list"),
            Route::UsersInsert => ("users", "insert"),
            Route::UsersGet(_) => ("users", "get"),
            Route::UsersUpdate(_) => ("users", "update"),
            Route::UsersPatch(_) => ("users", "patch"),
            Route::UsersMakeAdmin(_) => ("users", "makeAdmin"),
            Route::AliasesList(_) => ("users.aliases", "list"),
            Route::AliasesInsert(_) => ("users.aliases", "insert"),
            Route::AliasesDelete(..) => ("users.aliases", "delete"),
            Route::OrgunitsList(_) => ("orgunits", "list"),
            Route::OrgunitsInsert(_) => ("orgunits", "insert"),
            Route::OrgunitsGet(..) => ("orgunits", "get"),
            Route::SchemasList(_) => ("schemas", "list"),
            Route::SchemasGet(..) => ("schemas", "get"),
            Route::SchemasInsert(_) => ("schemas", "insert"),
            Route::GroupsList => ("groups", "list"),
            Route::GroupsInsert => ("groups", "insert"),
            Route::MembersList(_) => ("members", "list"),
            Route::MembersInsert(_) => ("members", "insert"),
            Route::MembersDelete(..) => ("members", "delete"),
            Route::Licensing(c) => ("licenseAssignments", c.name()),
        }
    }

    pub(super) fn is_write(&self) -> bool {
        matches!(
            self,
            Route::UsersInsert
                | Route::UsersUpdate(_)
                | Route::UsersPatch(_)
                | Route::UsersMakeAdmin(_)
                | Route::AliasesInsert(_)
                | Route::AliasesDelete(..)
                | Route::OrgunitsInsert(_)
                | Route::SchemasInsert(_)
                | Route::GroupsInsert
                | Route::MembersInsert(_)
                | Route::MembersDelete(..)
        ) || matches!(self, Route::Licensing(c) if c.is_write())
    }

    /// The OAuth scopes that authorise the call (any one suffices).
    pub(super) fn scopes(&self) -> Vec<&'static str> {
        match self {
            Route::Licensing(c) => c.scopes(),
            _ => {
                let (resource, name) = self.id();
                crate::discovery::method_scopes(resource, name)
            }
        }
    }

    /// The query parameters, checked against the method.
    pub(super) fn params(
        &self,
        query: &[(String, String)],
    ) -> Result<Map<String, Value>, ApiError> {
        match self {
            Route::Licensing(c) => c.params(query),
            _ => {
                let (resource, name) = self.id();
                crate::discovery::validate_params(resource, name, query)
            }
        }
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

pub(super) fn route(method: &Method, rest: &str) -> Option<Route> {
    let raw: Vec<&str> = rest.split('/').collect();
    let seg: Vec<String> = raw.iter().map(|s| decode(s)).collect();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    Some(match (method.as_str(), s.as_slice()) {
        ("GET", ["users"]) => Route::UsersList,
        ("POST", ["users"]) => Route::UsersInsert,
        ("GET", ["users", k]) => Route::UsersGet(k.to_string()),
        ("PUT", ["users", k]) => Route::UsersUpdate(k.to_string()),
        ("PATCH", ["users", k]) => Route::UsersPatch(k.to_string()),
        ("POST", ["users", k, "makeAdmin"]) => Route::UsersMakeAdmin(k.to_string()),
        ("GET", ["users", k, "aliases"]) => Route::AliasesList(k.to_string()),
        ("POST", ["users", k, "aliases"]) => Route::AliasesInsert(k.to_string()),
        ("DELETE", ["users", k, "aliases", a]) => {
            Route::AliasesDelete(k.to_string(), a.to_string())
        }
        ("GET", ["customer", c, "orgunits"]) => Route::OrgunitsList(c.to_string()),
        ("POST", ["customer", c, "orgunits"]) => Route::OrgunitsInsert(c.to_string()),
        ("GET", ["customer", c, "orgunits", _, ..]) => {
            // {+orgUnitPath}: the rest of the path, slashes included (raw or %2F-encoded).
            Route::OrgunitsGet(c.to_string(), decode(&raw[3..].join("/")))
        }
        ("GET", ["customer", c, "schemas"]) => Route::SchemasList(c.to_string()),
        ("POST", ["customer", c, "schemas"]) => Route::SchemasInsert(c.to_string()),
        ("GET", ["customer", c, "schemas", k]) => Route::SchemasGet(c.to_string(), k.to_string()),
        ("GET", ["groups"]) => Route::GroupsList,
        ("POST", ["groups"]) => Route::GroupsInsert,
        ("GET", ["groups", g, "members"]) => Route::MembersList(g.to_string()),
        ("POST", ["groups", g, "members"]) => Route::MembersInsert(g.to_string()),
        ("DELETE", ["groups", g, "members", m]) => {
            Route::MembersDelete(g.to_string(), m.to_string())
        }
        _ => return None,
    })
}

/// Run a recognised call against the directory.
pub(super) fn dispatch(
    shared: &Shared,
    route: &Route,
    p: &Map<String, Value>,
    body: &Bytes,
) -> Handled {
    let timing = lock(&shared.knobs).consistency;
    let mut st = lock(&shared.state);
    match route {
        Route::UsersList => users::list(st, p, timing),
        Route::UsersGet(key) => users::get(&st, key, p),
        Route::UsersInsert => users::insert(&mut st, body, timing),
        Route::UsersUpdate(key) | Route::UsersPatch(key) => {
            users::update(&mut st, key, body, timing)
        }
        Route::UsersMakeAdmin(key) => users::make_admin(&mut st, key, body, timing),
        Route::AliasesList(key) => Ok((200, Some(st.aliases_json(key)?))),
        Route::AliasesInsert(key) => users::alias_insert(&mut st, key, body),
        Route::AliasesDelete(key, alias) => st.delete_alias(key, alias).map(|()| (204, None)),
        Route::OrgunitsList(c) => orgunits::list(&st, c, p),
        Route::OrgunitsGet(c, path) => orgunits::get(&st, c, path),
        Route::OrgunitsInsert(c) => orgunits::insert(&mut st, c, body),
        Route::SchemasList(c) => schemas::list(&st, c),
        Route::SchemasGet(c, key) => schemas::get(&st, c, key),
        Route::SchemasInsert(c) => schemas::insert(&mut st, c, body),
        Route::GroupsList => groups::list(&st, p),
        Route::GroupsInsert => groups::insert(&mut st, body),
        Route::MembersList(g) => groups::members_list(&st, g, p),
        Route::MembersInsert(g) => groups::members_insert(&mut st, g, body),
        Route::MembersDelete(g, m) => groups::members_delete(&mut st, g, m),
        Route::Licensing(c) => licenses::dispatch(&mut st, c, p, body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let r = route(&Method::GET, "customer/my_customer/orgunits/Students%2FHS").unwrap();
        assert!(matches!(r, Route::OrgunitsGet(c, p) if c == "my_customer" && p == "Students/HS"));
        let r = route(&Method::GET, "customer/my_customer/orgunits/Students/HS").unwrap();
        assert!(matches!(r, Route::OrgunitsGet(_, p) if p == "Students/HS"));
        assert!(route(&Method::DELETE, "users/x").is_none());
        assert!(matches!(
            route(&Method::DELETE, "groups/g%40x.edu/members/m@x.edu"),
            Some(Route::MembersDelete(g, _)) if g == "g@x.edu"
        ));
    }
}
