//! users.list (selection and keyset paging over the email index or a name sort), users.get,
//! users.insert and users.update/patch.

use std::sync::MutexGuard;

use bytes::Bytes;
use serde_json::{Map, Value};

use super::request::{check_customer, param, parse_body, projection};
use super::response::{Handled, list_body};
use crate::Consistency;
use crate::error::ApiError;
use crate::state::{self, Projection, State};

/// users.list: select under the lock, render (the expensive part) after releasing it.
pub(super) fn list(st: MutexGuard<'_, State>, p: &Map<String, Value>, c: Consistency) -> Handled {
    let (users, proj, next) = users_list(&st, p, c)?;
    let customer_id = st.customer_id.clone();
    drop(st);
    let users = users
        .iter()
        .map(|u| state::render_user(&customer_id, u, &proj))
        .collect();
    Ok((
        200,
        Some(list_body("admin#directory#users", "users", users, next)),
    ))
}

/// users.get.
pub(super) fn get(st: &State, key: &str, p: &Map<String, Value>) -> Handled {
    let proj = projection(p)?;
    let u = st.user(key).ok_or_else(|| ApiError::not_found("userKey"))?;
    Ok((200, Some(st.user_json(u, &proj))))
}

/// users.insert.
pub(super) fn insert(st: &mut State, body: &Bytes, c: Consistency) -> Handled {
    let body = parse_body(body)?;
    let u = st.insert_user(&body, true)?;
    st.note_write(&u.id, true, c);
    Ok((200, Some(st.user_json(&u, &Projection::Full))))
}

/// users.update and users.patch (the same patch semantics).
pub(super) fn update(st: &mut State, key: &str, body: &Bytes, c: Consistency) -> Handled {
    let body = parse_body(body)?;
    if let Some(u) = st.user(key) {
        st.check_settled(&u.id, c)?;
    }
    let u = st.update_user(key, &body)?;
    st.note_write(&u.id, false, c);
    Ok((200, Some(st.user_json(&u, &Projection::Full))))
}

/// users.makeAdmin: `{"status": true|false}` makes the user a super admin or takes it away.
pub(super) fn make_admin(st: &mut State, key: &str, body: &Bytes, c: Consistency) -> Handled {
    let body = parse_body(body)?;
    let status = body
        .get("status")
        .and_then(Value::as_bool)
        .ok_or_else(|| ApiError::invalid("Invalid Input: status"))?;
    let k = st
        .user_key(key)
        .ok_or_else(|| ApiError::not_found("userKey"))?;
    let id = st.users[&k].id.clone();
    st.check_settled(&id, c)?;
    let user = st.users.get_mut(&k).expect("key from index");
    user.is_admin = status;
    user.version += 1;
    st.note_write(&id, false, c);
    Ok((204, None))
}

/// users.aliases.insert (`{"alias": "..."}`).
pub(super) fn alias_insert(st: &mut State, key: &str, body: &Bytes) -> Handled {
    let body = parse_body(body)?;
    let alias = body
        .get("alias")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::new(400, "required", "Missing required field: alias"))?;
    Ok((200, Some(st.insert_alias(key, alias)?)))
}

type UserPage = (Vec<state::StoredUser>, Projection, Option<String>);

fn users_list(st: &State, p: &Map<String, Value>, c: Consistency) -> Result<UserPage, ApiError> {
    let customer = param(p, "customer");
    let domain = param(p, "domain").map(str::to_lowercase);
    match (customer, &domain) {
        (None, None) => return Err(ApiError::bad_request()),
        (Some(c), _) => check_customer(st, c)?,
        _ => {}
    }
    if let Some(d) = &domain
        && !st.domains.contains(d)
    {
        return Err(ApiError::forbidden());
    }
    let proj = projection(p)?;
    let query = param(p, "query").unwrap_or("");
    let clauses = state::parse_query(st, query)?;
    let max = p.get("maxResults").and_then(Value::as_i64).unwrap_or(100) as usize;
    let order = param(p, "orderBy").unwrap_or("email");
    let descending = param(p, "sortOrder") == Some("DESCENDING");
    let fp = state::fingerprint(&[
        customer.unwrap_or(""),
        domain.as_deref().unwrap_or(""),
        query,
        order,
        if descending { "d" } else { "a" },
    ]);
    let after = param(p, "pageToken")
        .filter(|t| !t.is_empty())
        .map(|t| state::decode_page_token(t, &fp))
        .transpose()?;
    if p.get("showDeleted").and_then(Value::as_str) == Some("true") {
        return Ok((Vec::new(), proj, None));
    }
    let wanted = |u: &state::StoredUser, email_key: &str| {
        domain
            .as_ref()
            .is_none_or(|d| email_key.rsplit_once('@').is_some_and(|(_, ud)| ud == d))
            && state::matches(u, &clauses)
            && !st.hidden_from_list(&u.id, c)
    };
    // (sort key, user) for max+1 matches after the token position.
    let mut page: Vec<(Vec<String>, &state::StoredUser)> = Vec::with_capacity(max + 1);
    if order == "email" {
        // From the list index: an email prefix, an `email=` address or a page token is a
        // range of the email-ordered map, an `orgUnitPath=` the subtree's OUs merged in email
        // order, so the walk costs about the page, not the directory.
        let start = after.as_ref().and_then(|k| k.first()).map(String::as_str);
        for k in st.list_candidates(&clauses, start, descending) {
            let u = &st.users[k];
            if wanted(u, k) {
                page.push((vec![k.clone()], u));
                if page.len() > max {
                    break;
                }
            }
        }
    } else {
        let field = if order == "givenName" {
            "givenName"
        } else {
            "familyName"
        };
        let mut all: Vec<(Vec<String>, &state::StoredUser)> = st
            .list_candidates(&clauses, None, false)
            .map(|k| (k, &st.users[k]))
            .filter(|(k, u)| wanted(u, k))
            .map(|(k, u)| {
                let n = u
                    .data
                    .get("name")
                    .and_then(|n| n.get(field))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_lowercase();
                (vec![n, k.clone()], u)
            })
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        if descending {
            all.reverse();
        }
        page = all
            .into_iter()
            .filter(|(k, _)| match &after {
                None => true,
                Some(a) if descending => k < a,
                Some(a) => k > a,
            })
            .take(max + 1)
            .collect();
    }
    let next = if page.len() > max {
        page.truncate(max);
        page.last().map(|(k, _)| state::encode_page_token(k, &fp))
    } else {
        None
    };
    let users = page.into_iter().map(|(_, u)| u.clone()).collect();
    Ok((users, proj, next))
}
