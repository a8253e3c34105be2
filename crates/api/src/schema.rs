//! The schemas of the shapes the API sends that are not its own types: the domain's
//! records (accounts, rounds, events…) serialised as the domain defines them, the
//! store's journal batch and import report, and the request shapes serde alone cannot
//! state (the event request's variants, the import upload).
//!
//! The domain crate stays free of the OpenAPI machinery, so these are written here as
//! JSON Schema, each beside its name; tests/openapi.rs checks that real values of the
//! domain's types carry every required field and no field the schema does not list.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

/// A unit type standing for a schema written as JSON (OpenAPI 3.1 JSON Schema).
macro_rules! json_schema {
    ($(#[$doc:meta])* $name:ident, $json:tt) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                // A constant written below: a mistake in it fails every test that
                // builds the description, never a request.
                serde_json::from_value(serde_json::json!($json)).unwrap_or_else(|e| {
                    panic!("the schema of {} in crates/api/src/schema.rs: {e}", stringify!($name))
                })
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

json_schema!(
    /// A finding's derived status.
    Status,
    {"type": "string", "enum": ["open", "rectified", "verified", "waived"]}
);

json_schema!(
    /// A region of the tree (`GET /regions`).
    Region,
    {
        "type": "object",
        "required": ["code", "name"],
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "parent": {"type": "string", "description": "absent for the root"}
        }
    }
);

json_schema!(
    /// An account of the registry.
    Account,
    {
        "type": "object",
        "required": ["id", "name", "platform", "region"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "platform": {"type": "string"},
            "region": {"type": "string", "description": "region code"},
            "host_unit": {"type": "string"},
            "status": {"type": "string"},
            "synthetic": {"type": "boolean"},
            "contact": {"type": "string", "description": "who answers for the account when it is chased (联系人); absent when not filed"},
            "phone": {"type": "string", "description": "the contact's phone (联系电话), as filed; absent when not filed"}
        }
    }
);

json_schema!(
    /// A page of accounts (`GET /accounts`).
    AccountPage,
    {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "description": "a page of accounts",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Account"}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 1000},
            "total": {"type": "integer", "minimum": 0}
        }
    }
);

json_schema!(
    /// An inspection round.
    Round,
    {
        "type": "object",
        "required": ["id", "title"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "period_start": {"type": "string", "format": "date"},
            "period_end": {"type": "string", "format": "date"},
            "monitoring_point": {"type": "string", "format": "date"},
            "mode": {"type": "string"},
            "deadline": {"type": "string", "format": "date"},
            "note": {"type": ["string", "null"]}
        }
    }
);

json_schema!(
    /// A round's per-region table (`GET /rounds/{id}/summary`).
    Summary,
    {
        "type": "object",
        "required": ["round", "scope", "as_of", "rows"],
        "description": "the same JSON as `govcheck summary --format json`",
        "properties": {
            "round": {"type": "string"},
            "scope": {"type": "string", "description": "region code"},
            "as_of": {"type": "string", "format": "date"},
            "rows": {"type": "array", "items": {"$ref": "#/components/schemas/RegionFigures"}},
            "total": {"$ref": "#/components/schemas/RegionFigures", "description": "总计: the scope as a whole"}
        }
    }
);

json_schema!(
    /// One row of a round's table.
    RegionFigures,
    {
        "type": "object",
        "required": ["code", "region"],
        "description": "one region's row: its code and name, then the round's figures (the columns of `govcheck summary`)",
        "additionalProperties": true,
        "properties": {"code": {"type": "string"}, "region": {"type": "string"}}
    }
);

json_schema!(
    /// One row of a round's findings (`GET /findings`).
    FindingRow,
    {
        "type": "object",
        "required": ["id", "round", "account_id", "status", "version"],
        "properties": {
            "id": {"type": "string"},
            "round": {"type": "string"},
            "account": {"type": "string"},
            "account_id": {"type": "string"},
            "region": {"type": "string"},
            "region_code": {"type": "string"},
            "platform": {"type": "string"},
            "host_unit": {"type": "string"},
            "indicator": {"type": "string"},
            "problem": {"type": "string"},
            "note": {"type": ["string", "null"]},
            "deadline": {"type": ["string", "null"], "format": "date"},
            "days_left": {"type": ["integer", "null"]},
            "overdue": {"type": "boolean"},
            "status": {"$ref": "#/components/schemas/Status"},
            "version": {"type": "integer", "minimum": 0},
            "last_reminded": {"type": "string", "format": "date-time", "description": "when the host unit was last chased (催办); absent when never"}
        }
    }
);

json_schema!(
    /// A page of a round's findings (`GET /findings`).
    FindingPage,
    {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "description": "a page of a round's findings",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/FindingRow"}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 1000},
            "total": {"type": "integer", "minimum": 0}
        }
    }
);

json_schema!(
    /// The finding's own record, as reported.
    FindingRecord,
    {
        "type": "object",
        "required": ["id", "round", "account"],
        "properties": {
            "id": {"type": "string"},
            "round": {"type": "string"},
            "account": {"type": "string"},
            "indicator": {"type": "string"},
            "source": {"type": "string"}
        }
    }
);

json_schema!(
    /// Who recorded an event.
    Actor,
    {
        "type": "object",
        "required": ["name"],
        "description": "who recorded an event. Fields may be added; clients ignore those they do not know.",
        "properties": {
            "name": {"type": "string", "description": "the token's name (server) or the configured name (local)"},
            "os_user": {"type": "string", "description": "the OS user the writing process itself saw (local writes)"},
            "ssh_client": {"type": "string", "description": "the SSH client address the writing process saw (local writes); older server writes kept the peer address here"},
            "peer": {"type": "string", "description": "the address the registry server saw the request come from"},
            "claimed": {
                "type": "object",
                "description": "what the client said about itself, unverified",
                "properties": {"os_user": {"type": "string"}, "ssh_client": {"type": "string"}}
            }
        }
    }
);

json_schema!(
    /// One entry of a finding's history.
    Event,
    {
        "type": "object",
        "required": ["finding", "kind", "at", "by"],
        "properties": {
            "finding": {"type": "string"},
            "kind": {"type": "string", "description": "reported, rectification_reported, verified, rejected, reopened, deadline_extended, waived, reminded"},
            "at": {"type": "string", "format": "date-time"},
            "by": {"$ref": "#/components/schemas/Actor"},
            "note": {"type": "string"},
            "to": {"type": "string", "format": "date"},
            "channel": {"type": "string", "enum": ["phone", "document", "message"], "description": "how the host unit was chased, for reminded"},
            "request": {"type": "string", "description": "the key a reminder was sent with (see the event request's `request`)"}
        }
    }
);

json_schema!(
    /// The change that made a finding's version what it is (a conflict's detail).
    LastChange,
    {
        "type": "object",
        "required": ["version", "status", "kind", "by", "at"],
        "description": "the change that made the finding's version what it is",
        "properties": {
            "version": {"type": "integer", "minimum": 0, "description": "the finding's version now"},
            "status": {"$ref": "#/components/schemas/Status"},
            "kind": {"type": "string", "description": "the last event's kind"},
            "to": {"type": "string", "format": "date", "description": "the new deadline, for deadline_extended"},
            "by": {"type": "string", "description": "who recorded it, as the registry saw them"},
            "at": {"type": "string", "format": "date-time"}
        }
    }
);

/// The fields every variant of the event request has.
macro_rules! event_request_variant {
    ($kinds:tt, $required:tt, $note:tt) => {
        serde_json::json!({
            "type": "object",
            "additionalProperties": false,
            "required": $required,
            "properties": {
                "kind": {"type": "string", "enum": $kinds},
                "note": $note,
                "to": {"type": "string", "format": "date", "description": "new deadline, for deadline_extended (required there)"},
                "channel": {"type": "string", "enum": ["phone", "document", "message"], "description": "how the host unit was chased, for reminded (required there)"},
                "based_on": {"type": "integer", "minimum": 0, "maximum": 4294967295u64, "description": "the finding version the client saw (u32); another current version is 409 `conflict`"},
                "os_user": {"type": "string", "maxLength": 256, "description": "recorded in the history as claimed by the client (by.claimed.os_user), never as seen"},
                "ssh_client": {"type": "string", "maxLength": 256, "description": "recorded in the history as claimed by the client (by.claimed.ssh_client); the address the server saw is by.peer"},
                "request": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "description": "for reminded: a key the client made with the reminder; a resend with the same key is recorded once (201 with the finding as it is). Ignored for other kinds, whose version already makes a resend a 409 `conflict`"}
            }
        })
    };
}

/// The body of `POST /findings/{id}/events` ([`crate::EventRequest`]): which fields a
/// kind needs is more than its serde attributes can say.
pub struct EventRequest;

impl utoipa::PartialSchema for EventRequest {
    fn schema() -> RefOr<Schema> {
        let note = serde_json::json!({"type": "string", "maxLength": 4000, "description": "at most 4000 characters; over that 400"});
        let reason = serde_json::json!({"type": "string", "maxLength": 4000, "pattern": "\\S", "description": "the reason, required: not empty nor only white space (else 422 `not_allowed`); at most 4000 characters"});
        let schema = serde_json::json!({
            "description": "one event; unknown fields are 400 `bad_request`. rejected and waived need a note (the reason), deadline_extended a `to` date, reminded a `channel` (without them 400 `bad_request`). A reminder (催办) changes neither the status nor the version: the answer's finding has the version sent.",
            "oneOf": [
                event_request_variant!(["rectification_reported", "verified", "reopened"], ["kind", "based_on"], note),
                event_request_variant!(["rejected", "waived"], ["kind", "based_on", "note"], reason),
                event_request_variant!(["deadline_extended"], ["kind", "based_on", "to"], note),
                event_request_variant!(["reminded"], ["kind", "based_on", "channel"], note)
            ]
        });
        serde_json::from_value(schema).unwrap_or_else(|e| {
            panic!("the schema of EventRequest in crates/api/src/schema.rs: {e}")
        })
    }
}

impl utoipa::ToSchema for EventRequest {}

json_schema!(
    /// The change feed (`GET /changes`, [`crate::Changes`]).
    Changes,
    {
        "type": "object",
        "required": ["seq", "crc", "batches"],
        "properties": {
            "seq": {"type": "integer", "minimum": 0},
            "crc": {"type": ["string", "null"], "pattern": "^[0-9a-f]{8}$", "description": "the checksum field of batch seq's journal line: send it back as ?crc="},
            "batches": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["seq"],
                    "description": "a journal batch (docs/data-format.md)",
                    "additionalProperties": true,
                    "properties": {"seq": {"type": "integer", "minimum": 1}}
                }
            }
        }
    }
);

json_schema!(
    /// What an import did (`POST /import`): the store's import report.
    ImportReport,
    {
        "type": "object",
        "required": ["files", "seq", "warnings"],
        "properties": {
            "files": {"type": "array", "items": {"type": "array", "description": "[name, kind, rows]"}},
            "regions": {"type": "integer"},
            "accounts": {"type": "integer"},
            "rounds": {"type": "integer"},
            "inspected": {"type": "integer"},
            "findings": {"type": "integer"},
            "posts_added": {"type": "integer"},
            "seq": {"type": ["integer", "null"], "description": "the batch written; null when nothing changed"},
            "warnings": {"type": "array", "items": {"type": "string"}}
        }
    }
);

json_schema!(
    /// The import upload (`POST /import`, multipart/form-data).
    ImportForm,
    {
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": {
                "type": "array",
                "minItems": 1,
                "maxItems": 16,
                "items": {"type": "string", "format": "binary"},
                "description": "one `file` part per CSV file (UTF-8, UTF-8 with BOM or GB18030), recognised by its header: at least one (none is 400 `bad_request`), at most 16; any other part is 400 `bad_request`; a file govcheck cannot import is 400 `bad_input` naming file, line and field"
            }
        }
    }
);
