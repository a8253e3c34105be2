//! One finding as the API shows it, and the one write: appending an event to its
//! history.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use govcheck_domain::account::Account;
use govcheck_domain::event::{Event, EventKind, Status};
use govcheck_domain::finding::Finding;

/// `GET /api/v1/findings/{id}`: the finding with its account, derived status, version
/// and full event history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = Finding)]
pub struct FindingView {
    #[schema(value_type = crate::schema::FindingRecord)]
    pub finding: Finding,
    #[schema(value_type = Option<crate::schema::Account>, required = true)]
    pub account: Option<Account>,
    #[schema(value_type = crate::schema::Status)]
    pub status: Status,
    #[schema(required = true)]
    pub deadline: Option<NaiveDate>,
    /// the number of events: send it as based_on
    pub version: u32,
    pub overdue: bool,
    #[schema(value_type = Vec<crate::schema::Event>)]
    pub events: Vec<Event>,
}

/// The kinds of event a client may append (`reported` is the registry's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKindName {
    RectificationReported,
    Verified,
    Rejected,
    Reopened,
    DeadlineExtended,
    Waived,
}

/// An event kind that cannot be sent as it stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KindError {
    #[error("deadline_extended needs \"to\"")]
    MissingTo,
    #[error("{0} events are recorded by the registry itself, not sent")]
    NotSendable(&'static str),
}

impl EventKindName {
    /// The domain's event kind, with the new deadline `to` for deadline_extended.
    pub fn with_to(self, to: Option<NaiveDate>) -> Result<EventKind, KindError> {
        Ok(match self {
            EventKindName::RectificationReported => EventKind::RectificationReported,
            EventKindName::Verified => EventKind::Verified,
            EventKindName::Rejected => EventKind::Rejected,
            EventKindName::Reopened => EventKind::Reopened,
            EventKindName::Waived => EventKind::Waived,
            EventKindName::DeadlineExtended => EventKind::DeadlineExtended {
                to: to.ok_or(KindError::MissingTo)?,
            },
        })
    }

    /// The name and `to` of a domain event kind, to send it.
    pub fn of(kind: &EventKind) -> Result<(EventKindName, Option<NaiveDate>), KindError> {
        Ok(match kind {
            EventKind::Reported => return Err(KindError::NotSendable("reported")),
            EventKind::RectificationReported => (EventKindName::RectificationReported, None),
            EventKind::Verified => (EventKindName::Verified, None),
            EventKind::Rejected => (EventKindName::Rejected, None),
            EventKind::Reopened => (EventKindName::Reopened, None),
            EventKind::Waived => (EventKindName::Waived, None),
            EventKind::DeadlineExtended { to } => (EventKindName::DeadlineExtended, Some(*to)),
        })
    }
}

/// Body of `POST /api/v1/findings/{id}/events`. Its schema (one variant per group of
/// kinds, with the fields each needs) is written out in [`crate::schema`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRequest {
    pub kind: EventKindName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// New deadline, for deadline_extended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// The finding version the client saw; a different current version is a conflict.
    pub based_on: u32,
    /// The client's OS user and SSH client address: recorded in the history as what the
    /// client claimed, beside the token's name and the address the server saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_client: Option<String>,
}

/// `201` answer to an appended event: the batch it was written in and the finding now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventCreated {
    #[schema(minimum = 1)]
    pub seq: u64,
    pub finding: FindingView,
}
