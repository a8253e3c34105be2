//! Remediation as an append-only history. A finding's status, deadline and version are
//! always derived by folding its events; nothing is ever edited in place, so the history
//! is the audit trail a supervisor can show.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// Who did something: the configured display name plus what the host tells us, so that
/// two supervisors sharing one login are still told apart by where they came from.
///
/// Through the registry server, what the server saw (the token's name, the peer
/// address) is kept apart from what the client says about itself (`claimed`): an audit
/// trail must never record a client's word as a fact. `os_user` and `ssh_client` are
/// what the writing process itself saw (the local CLI and console); the server leaves
/// them empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_user: Option<String>,
    /// Client address from `SSH_CLIENT`, when the session came in over SSH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_client: Option<String>,
    /// The address the registry server saw the request come from: the TCP peer, or
    /// the address a trusted proxy forwarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// What the client said about itself, unverified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed: Option<Claimed>,
}

/// A client's own account of who and where it is (its OS user, its `SSH_CLIENT`):
/// recorded, labelled as claimed, never taken as seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Claimed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_client: Option<String>,
}

impl Claimed {
    /// `None` when the client claimed nothing.
    pub fn of(os_user: Option<String>, ssh_client: Option<String>) -> Option<Claimed> {
        (os_user.is_some() || ssh_client.is_some()).then_some(Claimed {
            os_user,
            ssh_client,
        })
    }
}

/// `user@address`, `user`, `@address`, or nothing.
fn user_at(
    f: &mut std::fmt::Formatter<'_>,
    user: Option<&str>,
    addr: Option<&str>,
) -> std::fmt::Result {
    match (user, addr) {
        (Some(u), Some(a)) => write!(f, "{u}@{a}"),
        (Some(u), None) => write!(f, "{u}"),
        (None, Some(a)) => write!(f, "@{a}"),
        (None, None) => Ok(()),
    }
}

impl std::fmt::Display for Actor {
    /// `张三 (tester@10.0.0.5)` locally; `张三 from 10.1.2.3 (claimed tester@10.9.9.9)`
    /// through the server.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)?;
        if self.os_user.is_some() || self.ssh_client.is_some() {
            f.write_str(" (")?;
            user_at(f, self.os_user.as_deref(), self.ssh_client.as_deref())?;
            f.write_str(")")?;
        }
        if let Some(p) = &self.peer {
            write!(f, " from {p}")?;
        }
        if let Some(c) = &self.claimed
            && (c.os_user.is_some() || c.ssh_client.is_some())
        {
            f.write_str(" (claimed ")?;
            user_at(f, c.os_user.as_deref(), c.ssh_client.as_deref())?;
            f.write_str(")")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The finding was reported (first event of every finding).
    Reported,
    /// The host unit says it has rectified (已整改).
    RectificationReported,
    /// A supervisor re-checked and confirmed the rectification (已复核).
    Verified,
    /// The rectification was not accepted; the note holds the reason. Back to open.
    Rejected,
    /// A closed finding is opened again.
    Reopened,
    /// The deadline moves to `to`.
    DeadlineExtended { to: NaiveDate },
    /// No rectification is required (e.g. the account was closed); the note says why.
    Waived,
    /// The host unit was chased (催办) by `channel`; the note says what was agreed.
    /// It changes neither the status nor the version: two supervisors chasing the same
    /// host unit, or a reminder recorded while a colleague verifies, never conflict.
    Reminded {
        channel: Channel,
        /// The key the client gave this reminder when it was made. Since a reminder
        /// has no version to conflict on, a resend whose answer was lost (the outbox
        /// retrying) is recognised by it and recorded once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<String>,
    },
}

/// How a host unit was chased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// 电话: a call to the contact.
    Phone,
    /// 发文: a written reminder (督办函, 提醒函).
    Document,
    /// 消息: a message (SMS, WeChat, the office's messaging system).
    Message,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Phone, Channel::Document, Channel::Message];

    /// The English word or the usual Chinese one.
    pub fn parse(text: &str) -> Option<Channel> {
        match text.trim().to_lowercase().as_str() {
            "phone" | "电话" => Some(Channel::Phone),
            "document" | "发文" | "文件" => Some(Channel::Document),
            "message" | "消息" | "短信" => Some(Channel::Message),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Document => "document",
            Channel::Message => "message",
        }
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            Channel::Phone => "电话",
            Channel::Document => "发文",
            Channel::Message => "消息",
        }
    }
}

impl EventKind {
    /// A reminder by `channel`, without a request key (a local store writes at once
    /// and never resends).
    pub fn reminded(channel: Channel) -> EventKind {
        EventKind::Reminded {
            channel,
            request: None,
        }
    }

    /// The request key a reminder was sent with, if any.
    pub fn request(&self) -> Option<&str> {
        match self {
            EventKind::Reminded { request, .. } => request.as_deref(),
            _ => None,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            EventKind::Reported => "reported",
            EventKind::RectificationReported => "rectification_reported",
            EventKind::Verified => "verified",
            EventKind::Rejected => "rejected",
            EventKind::Reopened => "reopened",
            EventKind::DeadlineExtended { .. } => "deadline_extended",
            EventKind::Waived => "waived",
            EventKind::Reminded { .. } => "reminded",
        }
    }

    /// Chinese label for tables and the console.
    pub fn label_zh(&self) -> &'static str {
        match self {
            EventKind::Reported => "通报",
            EventKind::RectificationReported => "报送整改",
            EventKind::Verified => "复核通过",
            EventKind::Rejected => "退回",
            EventKind::Reopened => "重新打开",
            EventKind::DeadlineExtended { .. } => "延期",
            EventKind::Waived => "免于整改",
            EventKind::Reminded { .. } => "催办",
        }
    }

    /// Does this kind change the finding (its status or deadline), and so its version?
    /// A reminder does not: it is a record of chasing, not a change a concurrent writer
    /// could overwrite.
    pub fn changes_finding(&self) -> bool {
        !matches!(self, EventKind::Reminded { .. })
    }
}

/// One entry of a finding's history. (serde cannot deny unknown fields next to a
/// flattened enum; the store's format version guards against misreading instead.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub finding: String,
    #[serde(flatten)]
    pub kind: EventKind,
    /// When, with the writer's UTC offset.
    pub at: DateTime<FixedOffset>,
    pub by: Actor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The latest reminder (催办) in a finding's history, if it was ever chased.
pub fn last_reminded(history: &[Event]) -> Option<&Event> {
    history
        .iter()
        .rev()
        .find(|e| matches!(e.kind, EventKind::Reminded { .. }))
}

/// When a finding was last chased: the time of [`last_reminded`].
pub fn last_reminded_at(history: &[Event]) -> Option<DateTime<FixedOffset>> {
    last_reminded(history).map(|e| e.at)
}

/// Derived remediation status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// 待整改
    Open,
    /// 已整改待复核
    Rectified,
    /// 已复核
    Verified,
    /// 免于整改
    Waived,
}

impl Status {
    pub fn parse(text: &str) -> Option<Status> {
        match text.trim().to_lowercase().as_str() {
            "open" | "待整改" => Some(Status::Open),
            "rectified" | "已整改" | "已整改待复核" => Some(Status::Rectified),
            "verified" | "已复核" => Some(Status::Verified),
            "waived" | "免于整改" => Some(Status::Waived),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Rectified => "rectified",
            Status::Verified => "verified",
            Status::Waived => "waived",
        }
    }
    pub fn label_zh(&self) -> &'static str {
        match self {
            Status::Open => "待整改",
            Status::Rectified => "已整改待复核",
            Status::Verified => "已复核",
            Status::Waived => "免于整改",
        }
    }
    /// Nothing more is expected of the host unit.
    pub fn is_closed(&self) -> bool {
        matches!(self, Status::Verified | Status::Waived)
    }
}

/// An event that does not fit the finding's current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("finding {finding} is {status}: cannot record {event}")]
    NotAllowed {
        finding: String,
        status: &'static str,
        event: &'static str,
    },
    #[error("{event} needs a reason (--reason / note)")]
    ReasonRequired { event: &'static str },
    #[error("new deadline {to} is not after the current deadline {current}")]
    NotLater { to: NaiveDate, current: NaiveDate },
    #[error("finding {0} was already reported")]
    AlreadyReported(String),
}

/// The state of a finding after folding its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingState {
    pub status: Status,
    pub deadline: Option<NaiveDate>,
    /// Number of events applied that change the finding (every kind but a reminder):
    /// the version a concurrent writer must have seen.
    pub version: u32,
}

/// The change that made a finding's version what it is: what a conflict shows ("王芳
/// verified it at 10:42"), so the supervisor knows what they would overwrite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastChange {
    /// The finding's version now.
    pub version: u32,
    /// Its status now.
    pub status: Status,
    /// The last event's kind, who recorded it (as the registry saw them) and when.
    #[serde(flatten)]
    pub kind: EventKind,
    pub by: String,
    pub at: DateTime<FixedOffset>,
}

impl FindingState {
    /// A finding before any event, with its deadline from the finding or the round.
    pub fn new(deadline: Option<NaiveDate>) -> FindingState {
        FindingState {
            status: Status::Open,
            deadline,
            version: 0,
        }
    }

    /// Check that `event` may follow, without changing anything.
    pub fn check(&self, event: &Event) -> Result<(), TransitionError> {
        use EventKind as K;
        use Status as S;
        let not_allowed = || TransitionError::NotAllowed {
            finding: event.finding.clone(),
            status: self.status.as_str(),
            event: event.kind.label(),
        };
        let has_reason = event.note.as_deref().is_some_and(|n| !n.trim().is_empty());
        match (&event.kind, self.status) {
            (K::Reported, _) if self.version > 0 => {
                Err(TransitionError::AlreadyReported(event.finding.clone()))
            }
            (K::Reported, _) => Ok(()),
            (K::RectificationReported, S::Open) => Ok(()),
            (K::Verified, S::Open | S::Rectified) => Ok(()),
            (K::Rejected | K::Waived, _) if !has_reason => Err(TransitionError::ReasonRequired {
                event: event.kind.label(),
            }),
            (K::Rejected, S::Rectified) => Ok(()),
            (K::Reopened, S::Verified | S::Waived) => Ok(()),
            (K::DeadlineExtended { to }, S::Open | S::Rectified) => match self.deadline {
                Some(cur) if *to <= cur => Err(TransitionError::NotLater {
                    to: *to,
                    current: cur,
                }),
                _ => Ok(()),
            },
            (K::Waived, S::Open | S::Rectified) => Ok(()),
            // Chasing is for findings still waiting on someone, once reported.
            (K::Reminded { .. }, S::Open | S::Rectified) if self.version > 0 => Ok(()),
            _ => Err(not_allowed()),
        }
    }

    /// Apply `event` if it may follow.
    pub fn apply(&mut self, event: &Event) -> Result<(), TransitionError> {
        self.check(event)?;
        match &event.kind {
            EventKind::Reported => {}
            EventKind::RectificationReported => self.status = Status::Rectified,
            EventKind::Verified => self.status = Status::Verified,
            EventKind::Rejected | EventKind::Reopened => self.status = Status::Open,
            EventKind::DeadlineExtended { to } => self.deadline = Some(*to),
            EventKind::Waived => self.status = Status::Waived,
            EventKind::Reminded { .. } => return Ok(()),
        }
        self.version += 1;
        Ok(())
    }

    /// Fold a whole history.
    pub fn derive<'a>(
        deadline: Option<NaiveDate>,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<FindingState, TransitionError> {
        let mut s = FindingState::new(deadline);
        for e in events {
            s.apply(e)?;
        }
        Ok(s)
    }

    /// Days from `as_of` to the deadline: negative when past. `None` without a deadline.
    pub fn days_left(&self, as_of: NaiveDate) -> Option<i64> {
        self.deadline.map(|d| (d - as_of).num_days())
    }

    /// Overdue: still open (the host unit has not reported a rectification) after the
    /// deadline day. A reported rectification waiting for review is the supervisor's
    /// backlog, not the host unit's delay.
    pub fn is_overdue(&self, as_of: NaiveDate) -> bool {
        self.status == Status::Open && self.days_left(as_of).is_some_and(|d| d < 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventKind, note: Option<&str>) -> Event {
        Event {
            finding: "2022Q1-0001".into(),
            kind,
            at: DateTime::parse_from_rfc3339("2022-04-01T10:00:00+08:00").expect("time"),
            by: Actor {
                name: "张三".into(),
                ..Actor::default()
            },
            note: note.map(Into::into),
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    /// A reminder leaves status and version alone, so a verify based on the version
    /// seen before it still applies; it is refused before the report and once closed.
    #[test]
    fn a_reminder_changes_neither_status_nor_version() {
        let phone = EventKind::reminded(Channel::Phone);
        let mut s = FindingState::new(Some(d("2022-04-27")));
        assert!(
            s.apply(&ev(phone.clone(), None)).is_err(),
            "not reported yet"
        );
        s.apply(&ev(EventKind::Reported, None)).expect("report");
        s.apply(&ev(phone.clone(), Some("已电话催办")))
            .expect("remind");
        s.apply(&ev(phone.clone(), None)).expect("remind again");
        assert_eq!((s.status, s.version), (Status::Open, 1));
        s.apply(&ev(EventKind::RectificationReported, None))
            .expect("rect");
        s.apply(&ev(phone.clone(), None)).expect("remind to review");
        assert_eq!((s.status, s.version), (Status::Rectified, 2));
        s.apply(&ev(EventKind::Verified, None)).expect("verify");
        assert!(matches!(
            s.apply(&ev(phone, None)),
            Err(TransitionError::NotAllowed { .. })
        ));
        assert_eq!(s.version, 3);
    }

    #[test]
    fn a_reminder_keeps_its_channel_in_json() {
        let e = ev(EventKind::reminded(Channel::Document), Some("督办函"));
        let json = serde_json::to_string(&e).expect("json");
        assert!(
            json.contains(r#""kind":"reminded","channel":"document""#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Event>(&json).expect("back"), e);
        assert_eq!(Channel::parse("电话"), Some(Channel::Phone));
        assert_eq!(Channel::parse("fax"), None);
    }

    #[test]
    fn happy_path() {
        let evs = [
            ev(EventKind::Reported, None),
            ev(EventKind::RectificationReported, Some("已恢复更新")),
            ev(EventKind::Verified, Some("复核通过")),
        ];
        let s = FindingState::derive(Some(d("2022-04-27")), &evs).expect("valid");
        assert_eq!(s.status, Status::Verified);
        assert_eq!(s.version, 3);
    }

    #[test]
    fn rejection_goes_back_to_open_and_needs_reason() {
        let mut s = FindingState::new(None);
        s.apply(&ev(EventKind::Reported, None)).expect("report");
        s.apply(&ev(EventKind::RectificationReported, None))
            .expect("rect");
        assert_eq!(
            s.apply(&ev(EventKind::Rejected, Some("  "))),
            Err(TransitionError::ReasonRequired { event: "rejected" })
        );
        assert_eq!(s.status, Status::Rectified, "failed apply changes nothing");
        assert_eq!(s.version, 2);
        s.apply(&ev(EventKind::Rejected, Some("仍未更新")))
            .expect("reject");
        assert_eq!(s.status, Status::Open);
    }

    #[test]
    fn invalid_transitions_are_refused() {
        let mut s = FindingState::new(None);
        s.apply(&ev(EventKind::Reported, None)).expect("report");
        assert!(s.apply(&ev(EventKind::Reported, None)).is_err());
        assert!(s.apply(&ev(EventKind::Rejected, Some("x"))).is_err());
        assert!(s.apply(&ev(EventKind::Reopened, None)).is_err());
        s.apply(&ev(EventKind::Verified, None))
            .expect("verify from open");
        assert!(s.apply(&ev(EventKind::Verified, None)).is_err());
        assert!(s.apply(&ev(EventKind::Waived, Some("x"))).is_err());
        s.apply(&ev(EventKind::Reopened, None)).expect("reopen");
        assert_eq!(s.status, Status::Open);
        s.apply(&ev(EventKind::Waived, Some("账号已注销")))
            .expect("waive");
        assert!(s.status.is_closed());
    }

    #[test]
    fn deadline_extension_and_overdue() {
        let mut s = FindingState::new(Some(d("2022-04-27")));
        s.apply(&ev(EventKind::Reported, None)).expect("report");
        assert_eq!(s.days_left(d("2022-04-27")), Some(0));
        assert!(!s.is_overdue(d("2022-04-27")));
        assert!(s.is_overdue(d("2022-04-28")));
        assert!(
            s.apply(&ev(
                EventKind::DeadlineExtended {
                    to: d("2022-04-20")
                },
                None
            ))
            .is_err()
        );
        s.apply(&ev(
            EventKind::DeadlineExtended {
                to: d("2022-05-10"),
            },
            None,
        ))
        .expect("extend");
        assert_eq!(s.days_left(d("2022-04-28")), Some(12));
        assert!(!s.is_overdue(d("2022-04-28")));
        s.apply(&ev(EventKind::RectificationReported, None))
            .expect("rect");
        assert!(
            !s.is_overdue(d("2022-06-01")),
            "awaiting review is not overdue"
        );
    }

    #[test]
    fn event_json_shape_is_stable() {
        let e = ev(
            EventKind::DeadlineExtended {
                to: d("2022-05-10"),
            },
            Some("延期"),
        );
        let json = serde_json::to_string(&e).expect("json");
        assert!(json.contains("\"kind\":\"deadline_extended\""), "{json}");
        assert!(json.contains("\"to\":\"2022-05-10\""), "{json}");
        let back: Event = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, e);
    }

    /// Journal lines written before `peer` and `claimed` existed still load, and the
    /// server's kind of actor says what was seen apart from what was claimed.
    #[test]
    fn actor_keeps_seen_and_claimed_apart() {
        let old: Actor =
            serde_json::from_str(r#"{"name":"张三","os_user":"zs","ssh_client":"10.0.0.5"}"#)
                .expect("old line");
        assert_eq!(old.peer, None);
        assert_eq!(old.to_string(), "张三 (zs@10.0.0.5)");
        let served = Actor {
            name: "张三".into(),
            peer: Some("127.0.0.1".into()),
            claimed: Claimed::of(Some("root".into()), Some("10.9.9.9".into())),
            ..Actor::default()
        };
        assert_eq!(
            served.to_string(),
            "张三 from 127.0.0.1 (claimed root@10.9.9.9)"
        );
        let json = serde_json::to_string(&served).expect("json");
        assert_eq!(
            json,
            r#"{"name":"张三","peer":"127.0.0.1","claimed":{"os_user":"root","ssh_client":"10.9.9.9"}}"#
        );
        assert_eq!(serde_json::from_str::<Actor>(&json).expect("back"), served);
        assert_eq!(Claimed::of(None, None), None);
    }
}
