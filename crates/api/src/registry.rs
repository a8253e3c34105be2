//! Answers about the server and the registry as a whole: health, who the caller is, a
//! page of a list.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: HealthStatus,
    /// latest journal sequence number
    pub seq: u64,
    /// the store's format version
    pub format: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    Ok,
}

/// A token's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Supervisor,
    Admin,
}

impl Role {
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

/// `GET /api/v1/me`: who the token is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub name: String,
    pub role: Role,
    /// the scope's region as named when the token was created; null: the whole registry
    #[schema(required = true)]
    pub scope: Option<String>,
    /// the scope's region code: what decides
    pub scope_code: Option<String>,
    /// where that code is in the tree now; null when unscoped or the region is gone
    pub scope_path: Option<String>,
}

/// A page of a list (`/accounts`, `/findings`): the items of page `page` of `per_page`
/// each, of `total` in all. Documented per item type (`AccountPage`, `FindingPage`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: usize,
    pub per_page: usize,
    pub total: usize,
}
