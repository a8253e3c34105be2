//! One finding as the API shows it, and the one write: appending an event to its
//! history.

use chrono::NaiveDate;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use govcheck_domain::account::Account;
use govcheck_domain::event::{Channel, Event, EventKind, Status};
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
    /// 催办, with its `channel`.
    Reminded,
}

/// An event kind that cannot be sent as it stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KindError {
    #[error("deadline_extended needs \"to\"")]
    MissingTo,
    #[error("reminded needs \"channel\" (phone, document or message)")]
    MissingChannel,
    #[error("{0} events are recorded by the registry itself, not sent")]
    NotSendable(&'static str),
    #[error("request must be 1 to 64 letters, digits, '-' or '_'")]
    BadRequestKey,
}

impl EventKindName {
    /// The domain's event kind, with the new deadline `to` for deadline_extended.
    pub fn with_to(self, to: Option<NaiveDate>) -> Result<EventKind, KindError> {
        self.with(to, None)
    }

    /// The domain's event kind, with the new deadline `to` for deadline_extended and
    /// the `channel` for reminded.
    pub fn with(
        self,
        to: Option<NaiveDate>,
        channel: Option<Channel>,
    ) -> Result<EventKind, KindError> {
        Ok(match self {
            EventKindName::Reminded => {
                EventKind::reminded(channel.ok_or(KindError::MissingChannel)?)
            }
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
            EventKind::Reminded { .. } => (EventKindName::Reminded, None),
        })
    }

    /// The channel of a domain event kind (a reminder's), to send it.
    pub fn channel_of(kind: &EventKind) -> Option<Channel> {
        match kind {
            EventKind::Reminded { channel, .. } => Some(*channel),
            _ => None,
        }
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
    /// How the host unit was chased, for reminded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// The finding version the client saw; a different current version is a conflict.
    #[serde(deserialize_with = "whole_u32")]
    pub based_on: u32,
    /// The client's OS user and SSH client address: recorded in the history as what the
    /// client claimed, beside the token's name and the address the server saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_client: Option<String>,
    /// For reminded: a key the client made when it made the reminder (letters, digits,
    /// `-` and `_`, at most 64). A reminder has no version to conflict on, so a resend
    /// after a lost answer carries the same key and is recorded once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
}

impl EventRequest {
    /// The domain's event kind this request asks for, the reminder's key included.
    pub fn event_kind(&self) -> Result<EventKind, KindError> {
        let mut kind = self.kind.with(self.to, self.channel)?;
        if let Some(key) = &self.request
            && !govcheck_domain::limits::is_request_key(key)
        {
            return Err(KindError::BadRequestKey);
        }
        if let EventKind::Reminded { request, .. } = &mut kind {
            request.clone_from(&self.request);
        }
        Ok(kind)
    }
}

/// A version as JSON sends it. 3 and 3.0 are the same JSON number, and the description
/// (OpenAPI 3.1, whose `integer` is JSON Schema's) calls both valid; 3.5, -1 and 2^32
/// are not a version and are refused.
fn whole_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    n.as_u64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(f))
                .map(|f| f as u64)
        })
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| {
            D::Error::custom(format!(
                "invalid value: {n}, expected a whole number from 0 to {}",
                u32::MAX
            ))
        })
}

/// `201` answer to an appended event: the batch it was written in and the finding now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventCreated {
    #[schema(minimum = 1)]
    pub seq: u64,
    pub finding: FindingView,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn based_on(json: &str) -> Result<u32, String> {
        serde_json::from_str::<EventRequest>(&format!(r#"{{"kind":"verified","based_on":{json}}}"#))
            .map(|r| r.based_on)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn based_on_is_a_whole_number_however_json_writes_it() {
        assert_eq!(based_on("864"), Ok(864));
        assert_eq!(based_on("864.0"), Ok(864));
        assert_eq!(based_on("8.64e2"), Ok(864));
        assert_eq!(based_on("4294967295"), Ok(u32::MAX));
        for refused in ["864.5", "-1", "4294967296", "4294967296.0", "\"1\"", "null"] {
            assert!(based_on(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn an_unknown_field_or_kind_is_refused() {
        assert!(
            serde_json::from_str::<EventRequest>(r#"{"kind":"verified","based_on":1,"x":1}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<EventRequest>(r#"{"kind":"reported","based_on":1}"#).is_err()
        );
    }
}
