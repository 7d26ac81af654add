//! Enterprise License Manager assignments: which users hold a licence of each product and SKU.
//!
//! Stored in [`State::licenses`](super::State) as product id -> SKU id -> lower-cased primary
//! emails, so a `--state` file (or a test) seeds assignments the same way it seeds users.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::ApiError;

use super::State;

/// Licence assignments: product id -> SKU id -> lower-cased primary emails holding it.
pub type Licenses = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// Product ids the emulator knows (Google's published list, Workspace and Education ones);
/// any other product id is a 400, as at Google.
pub const KNOWN_PRODUCTS: &[&str] = &[
    "Google-Apps",
    "101001",
    "101005",
    "101031",
    "101033",
    "101034",
    "101035",
    "101036",
    "101037",
    "101038",
    "101039",
    "101040",
    "101043",
    "101047",
    "Google-Vault",
    "Google-Drive-storage",
];

/// 400 for a product id Google does not have.
fn check_product(product: &str) -> Result<(), ApiError> {
    if KNOWN_PRODUCTS.contains(&product) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!("Invalid productId: {product}")))
    }
}

/// 404 `notFound` for a user without the licence, in Google's words.
fn not_assigned() -> ApiError {
    ApiError::new(
        404,
        "notFound",
        "User does not have a license for specified sku and product",
    )
}

impl State {
    /// The primary email (lower-cased) of the user `key` names (email, alias or id).
    fn license_user(&self, key: &str) -> Result<String, ApiError> {
        self.user(key)
            .and_then(|u| u.data.get("primaryEmail").and_then(|v| v.as_str()))
            .map(str::to_lowercase)
            .ok_or_else(|| ApiError::not_found("user"))
    }

    /// Users holding `product`/`sku`, in email order (400 for an unknown product).
    pub fn license_holders(&self, product: &str, sku: &str) -> Result<Vec<String>, ApiError> {
        check_product(product)?;
        Ok(self
            .licenses
            .get(product)
            .and_then(|s| s.get(sku))
            .map(|u| u.iter().cloned().collect())
            .unwrap_or_default())
    }

    /// The holder's primary email when `user` holds `product`/`sku`; 404 when not.
    pub fn license_get(&self, product: &str, sku: &str, user: &str) -> Result<String, ApiError> {
        check_product(product)?;
        let email = self.license_user(user).map_err(|_| not_assigned())?;
        let held = self
            .licenses
            .get(product)
            .and_then(|s| s.get(sku))
            .is_some_and(|u| u.contains(&email));
        if held { Ok(email) } else { Err(not_assigned()) }
    }

    /// Assigns `product`/`sku` to an existing user; 409 when it is already assigned.
    pub fn license_assign(
        &mut self,
        product: &str,
        sku: &str,
        user: &str,
    ) -> Result<String, ApiError> {
        check_product(product)?;
        let email = self.license_user(user)?;
        let holders = self
            .licenses
            .entry(product.to_string())
            .or_default()
            .entry(sku.to_string())
            .or_default();
        if !holders.insert(email.clone()) {
            return Err(ApiError::duplicate());
        }
        Ok(email)
    }

    /// Removes `product`/`sku` from a user; 404 when the user does not hold it.
    pub fn license_remove(&mut self, product: &str, sku: &str, user: &str) -> Result<(), ApiError> {
        let email = self.license_get(product, sku, user)?;
        if let Some(holders) = self.licenses.get_mut(product).and_then(|s| s.get_mut(sku)) {
            holders.remove(&email);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::state::fixture;

    #[test]
    fn assign_get_remove_and_google_errors() {
        let mut s = fixture::state();
        s.insert_user(
            &json!({"primaryEmail": "A@x.edu", "name": {"givenName": "A", "familyName": "B"},
            "password": "password1", "orgUnitPath": "/Students"}),
            false,
        )
        .unwrap();
        assert_eq!(
            s.license_assign("101031", "1010310008", "a@x.edu").unwrap(),
            "a@x.edu"
        );
        assert_eq!(
            s.license_assign("101031", "1010310008", "A@x.edu")
                .unwrap_err()
                .code,
            409
        );
        assert_eq!(
            s.license_get("101031", "1010310008", "a@x.edu").unwrap(),
            "a@x.edu"
        );
        assert_eq!(
            s.license_holders("101031", "1010310008").unwrap(),
            ["a@x.edu"]
        );
        assert_eq!(
            s.license_get("101031", "1010310009", "a@x.edu")
                .unwrap_err()
                .code,
            404
        );
        assert_eq!(s.license_holders("999", "1").unwrap_err().code, 400);
        assert_eq!(
            s.license_assign("101031", "1010310008", "nobody@x.edu")
                .unwrap_err()
                .code,
            404
        );
        s.license_remove("101031", "1010310008", "a@x.edu").unwrap();
        assert_eq!(
            s.license_remove("101031", "1010310008", "a@x.edu")
                .unwrap_err()
                .code,
            404
        );
        assert!(
            s.license_holders("101031", "1010310008")
                .unwrap()
                .is_empty()
        );
    }
}
