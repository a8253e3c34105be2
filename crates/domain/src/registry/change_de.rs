//! Decoding a [`Change`] without serde's buffering of internally tagged enums.
//!
//! The derived decoder of a `#[serde(tag = "op")]` enum first copies every change into
//! a generic buffer (allocating each key and value), then decodes the variant from the
//! buffer. A national journal holds hundreds of thousands of changes, and that copy was
//! half of the store's load time. Changes are always written with `op` first (serde
//! writes the tag first), so the fast path reads `op` and then streams the rest of the
//! map straight into the variant's own decoder. A map whose `op` comes later (edited by
//! hand) is still accepted, through a buffer, exactly as before.

use serde::de::value::{MapAccessDeserializer, MapDeserializer};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::Change;
use crate::account::Account;
use crate::event::Event;
use crate::finding::Finding;
use crate::published::PublishedNotice;
use crate::region::Region;
use crate::round::Round;

/// The `op` tag. Kept exhaustive by [`op_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Op {
    Region,
    Account,
    Round,
    Inspected,
    Finding,
    Event,
    Notice,
}

/// Adding a variant to [`Change`] fails to compile here until the decoder knows it.
#[allow(dead_code)]
fn op_of(c: &Change) -> Op {
    match c {
        Change::Region(_) => Op::Region,
        Change::Account(_) => Op::Account,
        Change::Round(_) => Op::Round,
        Change::Inspected { .. } => Op::Inspected,
        Change::Finding(_) => Op::Finding,
        Change::Event(_) => Op::Event,
        Change::Notice(_) => Op::Notice,
    }
}

#[derive(serde::Deserialize)]
struct InspectedFields {
    round: String,
    accounts: Vec<String>,
}

/// Decode the fields of one variant (the map without its `op`).
fn decode<'de, D: Deserializer<'de>>(op: Op, d: D) -> Result<Change, D::Error> {
    Ok(match op {
        Op::Region => Change::Region(Region::deserialize(d)?),
        Op::Account => Change::Account(Account::deserialize(d)?),
        Op::Round => Change::Round(Round::deserialize(d)?),
        Op::Inspected => {
            let f = InspectedFields::deserialize(d)?;
            Change::Inspected {
                round: f.round,
                accounts: f.accounts,
            }
        }
        Op::Finding => Change::Finding(Finding::deserialize(d)?),
        Op::Event => Change::Event(Event::deserialize(d)?),
        Op::Notice => Change::Notice(PublishedNotice::deserialize(d)?),
    })
}

struct ChangeVisitor;

impl<'de> Visitor<'de> for ChangeVisitor {
    type Value = Change;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a change: a map with an `op` field")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Change, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Err(de::Error::missing_field("op"));
        };
        if first == "op" {
            let op: Op = map.next_value()?;
            return decode(op, MapAccessDeserializer::new(map));
        }
        // Slow path: buffer the entries, take out `op`, decode the rest.
        let mut entries: Vec<(String, serde_json::Value)> = vec![(first, map.next_value()?)];
        while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
            entries.push(entry);
        }
        let at = entries
            .iter()
            .position(|(k, _)| k == "op")
            .ok_or_else(|| de::Error::missing_field("op"))?;
        let (_, tag) = entries.remove(at);
        let op = Op::deserialize(tag).map_err(de::Error::custom)?;
        let rest = MapDeserializer::<_, serde_json::Error>::new(entries.into_iter());
        decode(op, rest).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Change, D::Error> {
        d.deserialize_map(ChangeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountStatus;

    fn account() -> Change {
        Change::Account(Account {
            id: "a1".into(),
            name: "杭州发布".into(),
            platform: "微信公众号".into(),
            region: "330100".into(),
            host_unit: "杭州市人民政府新闻办公室".into(),
            supervisor_unit: None,
            status: AccountStatus::Operating,
            opened_on: None,
            closed_on: None,
            synthetic: true,
            contact: None,
            phone: None,
        })
    }

    #[test]
    fn round_trips_with_op_first() {
        let changes = vec![
            account(),
            Change::Region(Region {
                code: "330100".into(),
                name: "杭州市".into(),
                parent: Some("330000".into()),
            }),
            Change::Inspected {
                round: "2024Q2".into(),
                accounts: vec!["a1".into(), "a2".into()],
            },
        ];
        for c in changes {
            let json = serde_json::to_string(&c).expect("encode");
            assert!(json.starts_with("{\"op\":"), "{json}");
            let back: Change = serde_json::from_str(&json).expect("decode");
            assert_eq!(back, c);
        }
    }

    #[test]
    fn op_anywhere_is_still_accepted() {
        let json = r#"{"id":"a1","name":"杭州发布","platform":"微信公众号","region":"330100","op":"account","host_unit":"杭州市人民政府新闻办公室","synthetic":true}"#;
        let back: Change = serde_json::from_str(json).expect("decode");
        assert_eq!(back, account());
        let json = r#"{"accounts":["a1"],"round":"2024Q2","op":"inspected"}"#;
        let back: Change = serde_json::from_str(json).expect("decode");
        assert!(matches!(back, Change::Inspected { ref round, .. } if round == "2024Q2"));
    }

    #[test]
    fn errors_are_still_errors() {
        for bad in [
            r#"{"op":"nonsense","code":"1"}"#,
            r#"{"code":"1","name":"x"}"#,
            r#"{"op":"region","code":"1","name":"x","extra":1}"#,
            r#"{"code":"1","op":"region","name":"x","extra":1}"#,
            r#"{"op":"account","id":"a"}"#,
            r#"[1,2]"#,
            r#"{}"#,
        ] {
            assert!(serde_json::from_str::<Change>(bad).is_err(), "{bad}");
        }
    }
}
