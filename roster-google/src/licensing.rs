//! The Enterprise License Manager API (`licensing/v1`): who holds a licence, and taking one
//! away. It rides on a [`DirectoryClient`], so it shares its token, rate limiter, concurrency
//! bound and retries; the credentials need [`SCOPE_LICENSING`], which a job asks for only when
//! it removes licences ([`scopes_for`]).

use std::sync::Arc;

use reqwest::Method;
use serde::Deserialize;

use crate::client::{DirectoryClient, DirectoryError, Kind, all_pages, seg};

/// The OAuth scope of the licensing API.
pub const SCOPE_LICENSING: &str = "https://www.googleapis.com/auth/apps.licensing";

/// Google's licensing API root.
pub const LICENSING_BASE: &str = "https://licensing.googleapis.com/apps/licensing/v1";

/// The scopes a job's credentials need: the Directory ones, plus [`SCOPE_LICENSING`] when the
/// job removes licences.
pub fn scopes_for(licensing: bool) -> Vec<&'static str> {
    let mut s = crate::auth::DEFAULT_SCOPES.to_vec();
    if licensing {
        s.push(SCOPE_LICENSING);
    }
    s
}

/// The licensing root that goes with a Directory root: an emulator or proxy serving
/// `.../admin/directory/v1` serves licensing at `.../apps/licensing/v1`; Google's own
/// Directory root maps to [`LICENSING_BASE`].
pub fn licensing_base_for(directory_base: &str) -> String {
    let base = directory_base.trim_end_matches('/');
    match base.strip_suffix("/admin/directory/v1") {
        Some(root) if !root.contains("admin.googleapis.com") => format!("{root}/apps/licensing/v1"),
        _ => LICENSING_BASE.to_string(),
    }
}

/// One licence assignment as the API returns it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseAssignment {
    /// The holder's primary email.
    #[serde(default)]
    pub user_id: String,
    /// The product id.
    #[serde(default)]
    pub product_id: String,
    /// The SKU id.
    #[serde(default)]
    pub sku_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssignmentPage {
    #[serde(default)]
    items: Vec<LicenseAssignment>,
    next_page_token: Option<String>,
}

/// The licensing client.
#[derive(Debug, Clone)]
pub struct LicensingClient {
    client: Arc<DirectoryClient>,
    base: String,
}

impl LicensingClient {
    /// A licensing client on `client`'s transport, at [`licensing_base_for`] its root.
    pub fn new(client: Arc<DirectoryClient>) -> Self {
        let base = licensing_base_for(client.base_url());
        LicensingClient { client, base }
    }

    /// The licensing root in use.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn url(&self, product: &str, sku: &str, rest: &str) -> String {
        format!(
            "{}/product/{}/sku/{}/{rest}",
            self.base,
            seg(product),
            seg(sku)
        )
    }

    /// `licenseAssignments.listForProductAndSku`, every page: the emails holding the licence.
    pub async fn holders(&self, product: &str, sku: &str) -> Result<Vec<String>, DirectoryError> {
        let url = self.url(product, sku, "users");
        let customer = self.client.customer().to_string();
        all_pages(
            "licenseAssignments.listForProductAndSku",
            |token| {
                let url = url.clone();
                let customer = customer.clone();
                async move {
                    let mut q = vec![("customerId", customer), ("maxResults", "1000".to_string())];
                    if let Some(t) = token {
                        q.push(("pageToken", t));
                    }
                    let page: AssignmentPage = self
                        .client
                        .json(Method::GET, url, &q, None, Kind::Read)
                        .await?;
                    Ok((page.items, page.next_page_token))
                }
            },
            |a: LicenseAssignment| Some(a.user_id),
        )
        .await
    }

    /// `licenseAssignments.delete`. A 404 (the user does not hold it) is an error here; the
    /// target treats it as done.
    pub async fn remove(&self, product: &str, sku: &str, user: &str) -> Result<(), DirectoryError> {
        let url = self.url(product, sku, &format!("user/{}", seg(user)));
        self.client
            .send(Method::DELETE, url, &[], None, Kind::Write)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licensing_root_follows_the_directory_root() {
        assert_eq!(
            licensing_base_for("http://127.0.0.1:9/admin/directory/v1/"),
            "http://127.0.0.1:9/apps/licensing/v1"
        );
        assert_eq!(
            licensing_base_for("https://admin.googleapis.com/admin/directory/v1"),
            LICENSING_BASE
        );
        assert!(scopes_for(true).contains(&SCOPE_LICENSING));
        assert!(!scopes_for(false).contains(&SCOPE_LICENSING));
    }
}
