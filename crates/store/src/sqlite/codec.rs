//! Domain values as column values and back: dates as `YYYY-MM-DD`, instants as RFC 3339
//! with their offset, enums by their stored names, an actor as its columns, an event's
//! kind as its name plus its fields as JSON (so a new kind needs no migration).

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};
use rusqlite::Row;

use govcheck_domain::event::{Actor, Claimed, EventKind};
use govcheck_domain::finding::FindingSource;

/// A value a row holds that does not decode: the caller names table and row.
pub type Bad = String;

pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn opt_date(d: Option<NaiveDate>) -> Option<String> {
    d.map(date)
}

pub fn parse_date(s: &str) -> Result<NaiveDate, Bad> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("date {s:?}: {e}"))
}

pub fn parse_opt_date(s: Option<String>) -> Result<Option<NaiveDate>, Bad> {
    s.as_deref().map(parse_date).transpose()
}

pub fn instant(t: &DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

pub fn parse_instant(s: &str) -> Result<DateTime<FixedOffset>, Bad> {
    DateTime::parse_from_rfc3339(s).map_err(|e| format!("time {s:?}: {e}"))
}

pub fn source(s: FindingSource) -> &'static str {
    match s {
        FindingSource::Auto => "auto",
        FindingSource::Manual => "manual",
        FindingSource::Notice => "notice",
    }
}

pub fn parse_source(s: &str) -> Result<FindingSource, Bad> {
    match s {
        "auto" => Ok(FindingSource::Auto),
        "manual" => Ok(FindingSource::Manual),
        "notice" => Ok(FindingSource::Notice),
        other => Err(format!("finding source {other:?}")),
    }
}

/// An actor's six columns: `by_name`, `by_os_user`, `by_ssh_client`, `by_peer`,
/// `claimed_os_user`, `claimed_ssh_client`.
pub fn actor_cols(a: &Actor) -> [Option<&str>; 6] {
    let claimed = a.claimed.as_ref();
    [
        Some(a.name.as_str()),
        a.os_user.as_deref(),
        a.ssh_client.as_deref(),
        a.peer.as_deref(),
        claimed.and_then(|c| c.os_user.as_deref()),
        claimed.and_then(|c| c.ssh_client.as_deref()),
    ]
}

/// The actor in the six columns starting at `first`.
pub fn actor_at(row: &Row<'_>, first: usize) -> rusqlite::Result<Actor> {
    let claimed_os_user: Option<String> = row.get(first + 4)?;
    let claimed_ssh_client: Option<String> = row.get(first + 5)?;
    Ok(Actor {
        name: row.get(first)?,
        os_user: row.get(first + 1)?,
        ssh_client: row.get(first + 2)?,
        peer: row.get(first + 3)?,
        claimed: Claimed::of(claimed_os_user, claimed_ssh_client),
    })
}

/// An event kind as its name and its fields (`{"to":"2022-05-10"}`), `None` when it
/// has none: the same names and fields the journal writes.
pub fn kind_parts(kind: &EventKind) -> Result<(String, Option<String>), Bad> {
    let value = serde_json::to_value(kind).map_err(|e| e.to_string())?;
    let serde_json::Value::Object(mut fields) = value else {
        return Err(format!("event kind {} is not an object", kind.label()));
    };
    let name = match fields.remove("kind") {
        Some(serde_json::Value::String(s)) => s,
        _ => kind.label().to_string(),
    };
    let payload = if fields.is_empty() {
        None
    } else {
        Some(serde_json::Value::Object(fields).to_string())
    };
    Ok((name, payload))
}

/// The event kind stored as `name` and `payload`.
pub fn parse_kind(name: &str, payload: Option<&str>) -> Result<EventKind, Bad> {
    let mut fields = match payload {
        None => serde_json::Map::new(),
        Some(p) => match serde_json::from_str(p) {
            Ok(serde_json::Value::Object(m)) => m,
            Ok(_) => return Err(format!("event payload {p:?} is not a JSON object")),
            Err(e) => return Err(format!("event payload {p:?}: {e}")),
        },
    };
    fields.insert("kind".into(), serde_json::Value::String(name.to_string()));
    serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|e| format!("event kind {name:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_goes_through_its_columns_unchanged() {
        let to = NaiveDate::from_ymd_opt(2022, 5, 10).expect("date");
        for kind in [
            EventKind::Reported,
            EventKind::RectificationReported,
            EventKind::Verified,
            EventKind::Rejected,
            EventKind::Reopened,
            EventKind::DeadlineExtended { to },
            EventKind::Waived,
        ] {
            let (name, payload) = kind_parts(&kind).expect("parts");
            assert_eq!(name, kind.label());
            assert_eq!(parse_kind(&name, payload.as_deref()), Ok(kind));
        }
        let (_, payload) = kind_parts(&EventKind::DeadlineExtended { to }).expect("parts");
        assert_eq!(payload.as_deref(), Some(r#"{"to":"2022-05-10"}"#));
        assert!(parse_kind("no_such_kind", None).is_err());
    }
}
