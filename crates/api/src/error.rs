//! The error envelope every 4xx and 5xx carries: `{"error": {"code", "message",
//! "detail"?}}`. Programs switch on the `code` (stable) and read the typed `detail`;
//! the `message` is for people and may change, so no client parses it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::finding::FindingView;

/// What went wrong, for programs. Each code has one HTTP status ([`ErrorCode::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(
    description = "stable, for programs: bad_request (400: malformed JSON, unknown fields or parameters, wrong types, a value out of its range, an unknown region or status), bad_input (400: a file or value the store refuses, e.g. an import file, naming file, line and field; or a text over its length limit), unauthorized (401: no valid bearer token), forbidden (403: outside the token's role or scope), not_found (404: no such finding, round or endpoint), method_not_allowed (405: the endpoint does not take that method; see the Allow header), conflict (409: the finding changed since based_on; detail holds it as it stands now, with last_change: who changed it, when and to what), diverged (409: the change feed's crc is not in this registry's journal; fetch /checkpoint afresh), not_allowed (422: the event does not fit the finding's state; detail holds the finding), payload_too_large (413: bodies over 64 KiB, import uploads over 256 MiB), timeout (408: the request or an import upload took too long; an upload: nothing imported), too_many_requests (429: a client behind a trusted proxy with --max-per-peer requests in progress already), busy (503: another writer held the store longer than --lock-wait; nothing was written, send it again), tokens_unavailable (503: the server cannot use its tokens file just now; any request with a token), internal (500)"
)]
pub enum ErrorCode {
    BadRequest,
    BadInput,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    Diverged,
    NotAllowed,
    PayloadTooLarge,
    Timeout,
    TooManyRequests,
    Busy,
    TokensUnavailable,
    Internal,
}

impl ErrorCode {
    /// Every code, in the order of the description.
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::BadRequest,
        ErrorCode::BadInput,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::Diverged,
        ErrorCode::NotAllowed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::Timeout,
        ErrorCode::TooManyRequests,
        ErrorCode::Busy,
        ErrorCode::TokensUnavailable,
        ErrorCode::Internal,
    ];

    /// The HTTP status the code is answered with: one place, so a code never travels
    /// with two statuses.
    pub const fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::BadInput => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Timeout => 408,
            ErrorCode::Conflict | ErrorCode::Diverged => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::NotAllowed => 422,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Busy | ErrorCode::TokensUnavailable => 503,
        }
    }

    /// The code as sent (`"bad_request"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::BadInput => "bad_input",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Diverged => "diverged",
            ErrorCode::NotAllowed => "not_allowed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::Timeout => "timeout",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::Busy => "busy",
            ErrorCode::TokensUnavailable => "tokens_unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: ErrorObject,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorObject {
    pub code: ErrorCode,
    /// for people; may change between versions
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Box<ErrorDetail>>,
}

/// For conflict, not_allowed and any other refused event: the finding as it stands now
/// (the shape of GET /findings/{id}), and on a conflict the change that made its
/// version what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    #[serde(flatten)]
    pub finding: FindingView,
    /// conflict: who changed the finding, when and to what (its version and status now,
    /// the last event's kind, `to` for a deadline, `by` and `at`)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::schema::LastChange>)]
    pub last_change: Option<govcheck_domain::event::LastChange>,
}
