//! The Enterprise License Manager API (`/apps/licensing/v1/`): licenseAssignments
//! listForProductAndSku, get, delete and insert, with its own OAuth scope.

use bytes::Bytes;
use hyper::Method;
use serde_json::{Map, Value, json};

use super::request::{check_customer, param, parse_body};
use super::response::Handled;
use crate::error::ApiError;
use crate::state::{self, State};

/// The scopes that authorise every licensing method (the read-only one only for reads).
const SCOPE: &str = "https://www.googleapis.com/auth/apps.licensing";

/// A licensing call: the method and its product, SKU and (but for list and insert) user.
#[derive(Debug)]
pub(super) struct Call {
    method: Name,
    product: String,
    sku: String,
    user: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    List,
    Get,
    Delete,
    Insert,
}

impl Call {
    /// The method's name as the counters and quota see it (`licenseAssignments.<name>`).
    pub(super) fn name(&self) -> &'static str {
        match self.method {
            Name::List => "listForProductAndSku",
            Name::Get => "get",
            Name::Delete => "delete",
            Name::Insert => "insert",
        }
    }

    /// Whether the call changes assignments.
    pub(super) fn is_write(&self) -> bool {
        matches!(self.method, Name::Delete | Name::Insert)
    }

    /// The scopes a token needs for this call.
    pub(super) fn scopes(&self) -> Vec<&'static str> {
        vec![SCOPE]
    }

    /// The query parameters, checked: `customerId` (required), `maxResults` (1 to 1000) and
    /// `pageToken` for list; the global ones (`fields`, `prettyPrint`, ...) for every method.
    pub(super) fn params(
        &self,
        query: &[(String, String)],
    ) -> Result<Map<String, Value>, ApiError> {
        let own = ["customerId", "maxResults", "pageToken"];
        let (mine, global): (Vec<_>, Vec<_>) = query
            .iter()
            .cloned()
            .partition(|(k, _)| self.method == Name::List && own.contains(&k.as_str()));
        let mut out =
            crate::discovery::validate_params("licenseAssignments", self.name(), &global)?;
        for (k, v) in mine {
            let value = if k == "maxResults" {
                match v.parse::<i64>() {
                    Ok(n) if (1..=1000).contains(&n) => json!(n),
                    _ => {
                        return Err(ApiError::invalid_parameter(format!(
                            "Invalid value '{v}' for maxResults. Expected an integer from 1 to 1000."
                        )));
                    }
                }
            } else {
                json!(v)
            };
            out.insert(k, value);
        }
        if self.method == Name::List && param(&out, "customerId").is_none() {
            return Err(ApiError::new(
                400,
                "required",
                "Required parameter: customerId",
            ));
        }
        Ok(out)
    }
}

/// The call a path under `/apps/licensing/v1/` names, if any.
pub(super) fn route(method: &Method, rest: &str) -> Option<Call> {
    let seg: Vec<String> = rest
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    let (name, p, k, u) = match (method.as_str(), s.as_slice()) {
        ("GET", ["product", p, "sku", k, "users"]) => (Name::List, p, k, ""),
        ("GET", ["product", p, "sku", k, "user", u]) => (Name::Get, p, k, *u),
        ("DELETE", ["product", p, "sku", k, "user", u]) => (Name::Delete, p, k, *u),
        ("POST", ["product", p, "sku", k, "user"]) => (Name::Insert, p, k, ""),
        _ => return None,
    };
    Some(Call {
        method: name,
        product: p.to_string(),
        sku: k.to_string(),
        user: u.to_string(),
    })
}

/// One assignment as the API renders it.
fn assignment(c: &Call, email: &str) -> Value {
    let mut v = json!({
        "kind": "licensing#licenseAssignment",
        "productId": c.product,
        "skuId": c.sku,
        "userId": email,
        "selfLink": format!(
            "https://licensing.googleapis.com/apps/licensing/v1/product/{}/sku/{}/user/{email}",
            c.product, c.sku
        ),
    });
    v["etags"] = json!(state::etag(&v));
    v
}

/// Runs a licensing call against the state.
pub(super) fn dispatch(st: &mut State, c: &Call, p: &Map<String, Value>, body: &Bytes) -> Handled {
    match c.method {
        Name::List => list(st, c, p),
        Name::Get => Ok((
            200,
            Some(assignment(c, &st.license_get(&c.product, &c.sku, &c.user)?)),
        )),
        Name::Delete => {
            st.license_remove(&c.product, &c.sku, &c.user)?;
            Ok((204, None))
        }
        Name::Insert => {
            let body = parse_body(body)?;
            let user = body
                .get("userId")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::new(400, "required", "Required field: userId"))?;
            let email = st.license_assign(&c.product, &c.sku, user)?;
            Ok((200, Some(assignment(c, &email))))
        }
    }
}

fn list(st: &State, c: &Call, p: &Map<String, Value>) -> Handled {
    check_customer(st, param(p, "customerId").unwrap_or_default())?;
    let max = p.get("maxResults").and_then(Value::as_i64).unwrap_or(100) as usize;
    let fp = state::fingerprint(&["licenses", &c.product, &c.sku]);
    let after = param(p, "pageToken")
        .filter(|t| !t.is_empty())
        .map(|t| state::decode_page_token(t, &fp))
        .transpose()?
        .and_then(|k| k.first().cloned());
    let holders = st.license_holders(&c.product, &c.sku)?;
    let mut page: Vec<&String> = holders
        .iter()
        .filter(|e| after.as_ref().is_none_or(|a| *e > a))
        .take(max + 1)
        .collect();
    let next = (page.len() > max).then(|| {
        page.truncate(max);
        state::encode_page_token(&[page[max - 1].clone()], &fp)
    });
    let mut v = json!({"kind": "licensing#licenseAssignmentList"});
    v["items"] = Value::Array(page.iter().map(|e| assignment(c, e)).collect());
    v["etag"] = json!(state::etag(&v));
    if let Some(n) = next {
        v["nextPageToken"] = json!(n);
    }
    Ok((200, Some(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let c = route(
            &Method::DELETE,
            "product/101031/sku/1010310008/user/a%40x.edu",
        )
        .unwrap();
        assert_eq!(
            (c.name(), c.user.as_str(), c.is_write()),
            ("delete", "a@x.edu", true)
        );
        let c = route(&Method::GET, "product/101031/sku/1010310008/users").unwrap();
        assert_eq!((c.name(), c.is_write()), ("listForProductAndSku", false));
        assert!(route(&Method::PUT, "product/101031/sku/1010310008/users").is_none());
        let bad = c.params(&[("maxResults".into(), "0".into())]).unwrap_err();
        assert_eq!(bad.code, 400);
        let missing = c.params(&[]).unwrap_err();
        assert_eq!(missing.reason, "required");
    }
}
