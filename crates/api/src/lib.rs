//! The registry API's wire types: one set of request and response types shared by the
//! server's handlers and the client, so neither builds or reads JSON by hand, and the
//! OpenAPI description (docs/openapi.json) generated from them.
//!
//! Field names and shapes are a contract offices script against: fields are added,
//! never renamed or removed. Response types do not deny unknown fields, so a client
//! keeps reading a newer server's answers; request types do, so a typo is a 400.

pub mod changes;
pub mod error;
pub mod finding;
pub mod openapi;
pub mod query;
pub mod registry;
pub mod schema;
pub mod snapshot;

pub use changes::Changes;
pub use error::{ErrorBody, ErrorCode, ErrorDetail, ErrorObject};
pub use finding::{EventCreated, EventKindName, EventRequest, FindingView};
pub use query::{AccountsQuery, ChangesQuery, FindingsQuery, SummaryQuery};
pub use registry::{Health, HealthStatus, Me, Page, Role};
pub use snapshot::{RegistrySnapshot, SnapshotError};
