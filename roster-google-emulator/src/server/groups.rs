//! groups.list (by member, customer or domain), groups.insert, members.list, members.insert
//! and members.delete.

use bytes::Bytes;
use serde_json::{Map, Value};

use super::request::{check_customer, param, parse_body};
use super::response::{Handled, list_body};
use crate::error::ApiError;
use crate::state::{self, State};

pub(super) fn list(st: &State, p: &Map<String, Value>) -> Handled {
    let customer = param(p, "customer");
    let domain = param(p, "domain").map(str::to_lowercase);
    let user_key = param(p, "userKey");
    if customer.is_none() && domain.is_none() && user_key.is_none() {
        return Err(ApiError::bad_request());
    }
    if let Some(c) = customer {
        check_customer(st, c)?;
    }
    let member_email = user_key.map(|k| {
        st.user(k)
            .and_then(|u| u.data.get("primaryEmail").and_then(Value::as_str))
            .unwrap_or(k)
            .to_lowercase()
    });
    let max = p
        .get("maxResults")
        .and_then(Value::as_i64)
        .unwrap_or(200)
        .min(200) as usize;
    let fp = state::fingerprint(&[
        customer.unwrap_or(""),
        domain.as_deref().unwrap_or(""),
        user_key.unwrap_or(""),
    ]);
    let after = param(p, "pageToken")
        .filter(|t| !t.is_empty())
        .map(|t| state::decode_page_token(t, &fp))
        .transpose()?
        .and_then(|k| k.first().cloned());
    let mut page: Vec<(&String, &state::Group)> = st
        .groups
        .iter()
        .filter(|(k, _)| after.as_ref().is_none_or(|a| *k > a))
        .filter(|(k, g)| {
            domain
                .as_ref()
                .is_none_or(|d| k.rsplit_once('@').is_some_and(|(_, gd)| gd == d))
                && member_email
                    .as_ref()
                    .is_none_or(|e| g.members.iter().any(|m| m.email.eq_ignore_ascii_case(e)))
        })
        .take(max + 1)
        .collect();
    let next = if page.len() > max {
        page.truncate(max);
        page.last()
            .map(|(k, _)| state::encode_page_token(&[k.to_string()], &fp))
    } else {
        None
    };
    let groups = page.iter().map(|(_, g)| State::group_json(g)).collect();
    Ok((
        200,
        Some(list_body("admin#directory#groups", "groups", groups, next)),
    ))
}

/// members.list (paginated, `roles=`).
pub(super) fn members_list(st: &State, g: &str, p: &Map<String, Value>) -> Handled {
    let gk = st
        .group_key(g)
        .ok_or_else(|| ApiError::not_found("groupKey"))?;
    let group = &st.groups[&gk];
    let max = p
        .get("maxResults")
        .and_then(Value::as_i64)
        .unwrap_or(200)
        .min(200) as usize;
    let roles: Option<Vec<String>> =
        param(p, "roles").map(|r| r.split(',').map(|s| s.trim().to_uppercase()).collect());
    let fp = state::fingerprint(&[&gk, param(p, "roles").unwrap_or("")]);
    let start = match param(p, "pageToken").filter(|t| !t.is_empty()) {
        Some(t) => state::decode_page_token(t, &fp)?
            .first()
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(0),
        None => 0,
    };
    let selected: Vec<&state::GroupMember> = group
        .members
        .iter()
        .filter(|m| roles.as_ref().is_none_or(|r| r.contains(&m.role)))
        .collect();
    let page: Vec<Value> = selected
        .iter()
        .skip(start)
        .take(max)
        .map(|m| st.member_json(m))
        .collect();
    let next = (start + max < selected.len())
        .then(|| state::encode_page_token(&[(start + max).to_string()], &fp));
    Ok((
        200,
        Some(list_body("admin#directory#members", "members", page, next)),
    ))
}

/// members.delete (by member id or email, or the email of the user named by id).
pub(super) fn members_delete(st: &mut State, g: &str, m: &str) -> Handled {
    let gk = st
        .group_key(g)
        .ok_or_else(|| ApiError::not_found("groupKey"))?;
    let user_email = st
        .user(m)
        .and_then(|u| u.data.get("primaryEmail").and_then(Value::as_str))
        .map(str::to_lowercase);
    let group = st.groups.get_mut(&gk).expect("key from lookup");
    let before = group.members.len();
    group.members.retain(|x| {
        !(x.id == *m
            || x.email.eq_ignore_ascii_case(m)
            || user_email.as_deref() == Some(x.email.to_lowercase().as_str()))
    });
    if group.members.len() == before {
        return Err(ApiError::not_found("memberKey"));
    }
    Ok((204, None))
}

/// groups.insert.
pub(super) fn insert(st: &mut State, body: &Bytes) -> Handled {
    let g = st.insert_group(&parse_body(body)?)?;
    Ok((200, Some(State::group_json(&g))))
}

/// members.insert.
pub(super) fn members_insert(st: &mut State, g: &str, body: &Bytes) -> Handled {
    let m = st.insert_member(g, &parse_body(body)?)?;
    Ok((200, Some(m)))
}
