//! The OpenAPI description of `/api/v1`, generated from the wire types: docs/openapi.json
//! is this, written out (tests/openapi.rs fails when the committed file differs; run it
//! with `UPDATE_OPENAPI=1` to rewrite the file).
//!
//! The functions below are never called: each carries one route's description (its
//! parameters, bodies and every status it may answer). The server's routes are checked
//! against them (`govcheck_server::api::ROUTES`).

#![allow(dead_code)]

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::query::{AccountsQuery, ChangesQuery, FindingsQuery, SummaryQuery};
use crate::schema;

/// Error answers shared by the routes: each a component response whose body is the
/// error envelope, described by the codes it carries.
macro_rules! error_response {
    ($($name:ident => $description:literal;)*) => {$(
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (
                    stringify!($name),
                    ResponseBuilder::new()
                        .description($description)
                        .content(
                            "application/json",
                            Content::new(Some(Ref::from_schema_name("Error"))),
                        )
                        .build()
                        .into(),
                )
            }
        }
    )*};
}

error_response! {
    BadRequest => "Malformed or out-of-range request, or input the store refuses (`bad_request`, `bad_input`)";
    Unauthorized => "No valid bearer token (`unauthorized`)";
    Forbidden => "Outside the token's role or scope (`forbidden`)";
    NotFound => "No such finding, round or endpoint (`not_found`)";
    Conflict => "The finding changed since based_on (`conflict`: detail holds it as it stands now, with last_change), or the feed's crc is not this journal's (`diverged`)";
    TooLarge => "Body over the limit (64 KiB; imports 256 MiB) (`payload_too_large`)";
    NotAllowed => "The event does not fit the finding's state (`not_allowed`)";
    Busy => "Another writer held the store longer than --lock-wait (nothing was written), or the server cannot use its tokens file just now (`busy`, `tokens_unavailable`)";
    Internal => "The server failed (`internal`)";
    Timeout => "The request was not answered in 30 s (`timeout`); a write may or may not have been made: read the finding before sending it again";
    UploadTimeout => "The import's upload did not arrive within --upload-timeout (600 s by default); nothing was imported (`timeout`)";
    TooMany => "A client behind a trusted proxy has --max-per-peer requests in progress already (`too_many_requests`)";
}

#[utoipa::path(
    get,
    path = "/api/v1/health",
    summary = "Liveness and the latest journal sequence number",
    security(()),
    responses(
        (status = 200, description = "OK", body = crate::Health),
        (status = 408, response = Timeout),
        (status = 429, response = TooMany),
        (status = 500, response = Internal),
    )
)]
fn health() {}

#[utoipa::path(
    get,
    path = "/api/v1/me",
    summary = "The caller's name, role and scope (scope: the region's name at creation; scope_code: what decides; scope_path: where that code is now, null when gone)",
    responses(
        (status = 200, description = "OK", body = crate::Me),
        (status = 401, response = Unauthorized),
        (status = 408, response = Timeout),
        (status = 429, response = TooMany),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
fn me() {}

#[utoipa::path(
    get,
    path = "/api/v1/regions",
    summary = "The region tree (code, name, parent)",
    responses(
        (status = 200, description = "OK", body = Vec<schema::Region>),
        (status = 401, response = Unauthorized),
        (status = 408, response = Timeout),
        (status = 429, response = TooMany),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
fn regions() {}

#[utoipa::path(
    get,
    path = "/api/v1/accounts",
    summary = "Accounts, paged",
    params(AccountsQuery),
    responses(
        (status = 200, description = "OK", body = schema::AccountPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 408, response = Timeout),
        (status = 429, response = TooMany),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
fn accounts() {}

#[utoipa::path(
    get,
    path = "/api/v1/rounds",
    summary = "Inspection rounds, oldest first",
    responses(
        (status = 200, description = "OK", body = Vec<schema::Round>),
        (status = 401, response = Unauthorized),
        (status = 408, response = Timeout),
        (status = 429, response = TooMany),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
fn rounds() {}

#[utoipa::path(
    get,
    path = "/api/v1/rounds/{id}/summary",
    summary = "The per-region table of a round for a scope",
    params(
        ("id" = String, Path, min_length = 1, description = "round id"),
        SummaryQuery,
    ),
    responses(
        (status = 200, description = "OK", body = schema::Summary),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 408, response = Timeout),
        (status = 429, response = TooMany),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
fn summary() {}

#[utoipa::path(
    get,
    path = "/api/v1/findings",
    summary = "Findings of a round, paged",
    params(FindingsQuery),
    responses(
        (status = 200, description = "OK", body = schema::FindingPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 408, response = Timeout),
        (status = 429, response = TooMany),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
fn findings() {}

#[utoipa::path(
    get,
    path = "/api/v1/findings/{id}",
    summary = "One finding with its account, derived status, version and full event history",
    params(("id" = String, Path, min_length = 1, description = "finding id")),
    responses(
        (status = 200, description = "OK", body = crate::FindingView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 408, response = Timeout),
        (status = 429, response = TooMany),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
fn finding() {}

#[utoipa::path(
    post,
    path = "/api/v1/findings/{id}/events",
    summary = "Append an event to a finding's history (supervisor or admin, within the token's scope). Body up to 64 KiB.",
    params(("id" = String, Path, min_length = 1, description = "finding id")),
    request_body(content = schema::EventRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded (durable before the response)", body = crate::EventCreated),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 408, response = Timeout),
        (status = 409, response = Conflict),
        (status = 413, response = TooLarge),
        (status = 422, response = NotAllowed),
        (status = 429, response = TooMany),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
fn append_event() {}

#[utoipa::path(
    get,
    path = "/api/v1/changes",
    summary = "Committed batches after a sequence number; waits up to `wait` seconds (max 25) when there is none yet",
    params(ChangesQuery),
    responses(
        (status = 200, description = "`{seq, crc, batches}`: the last sequence number, the checksum field of its journal line, and the batches after `since`", body = schema::Changes),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 408, response = Timeout),
        (status = 409, response = Conflict),
        (status = 429, response = TooMany),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
fn changes() {}

#[utoipa::path(
    get,
    path = "/api/v1/posts",
    summary = "Post timestamps in the posts.tsv format (docs/data-format.md)",
    responses(
        (status = 200, description = "OK", body = String, content_type = "text/tab-separated-values"),
        (status = 401, response = Unauthorized),
        (status = 408, response = Timeout),
        (status = 429, response = TooMany),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
fn posts() {}

#[utoipa::path(
    get,
    path = "/api/v1/checkpoint",
    summary = "The whole registry as of now, as a typed, versioned snapshot (application/vnd.govcheck.snapshot: govcheck_api::snapshot::RegistrySnapshot in postcard, its first field the format number; see docs/api.md); the sequence number is in the body and the X-Govcheck-Seq header. Consoles start from it, then follow /changes?since=.",
    responses(
        (status = 200, description = "the registry snapshot", body = inline(Binary), content_type = "application/vnd.govcheck.snapshot",
            headers(
                ("X-Govcheck-Seq" = u64, description = "the journal sequence number it holds"),
                ("X-Govcheck-Snapshot-Format" = u32, description = "the snapshot's format number (also its first field); a client that reads only older formats must say to update govcheck"),
            )),
        (status = 401, response = Unauthorized),
        (status = 408, response = Timeout),
        (status = 429, response = TooMany),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
fn checkpoint() {}

#[utoipa::path(
    post,
    path = "/api/v1/import",
    summary = "Import registry files (the CSV files of `govcheck import`): all or nothing, one batch. Admin tokens without a scope only. The upload is at most 256 MiB (413 as soon as it is over) and must arrive within --upload-timeout (600 s by default); once in, the import is answered as made or refused, never 408.",
    request_body(content = schema::ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "the import report: files (name, kind, rows), counts of regions, accounts, rounds, inspected, findings and posts new or changed, the batch's seq (null when nothing changed), warnings", body = schema::ImportReport),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 408, response = UploadTimeout),
        (status = 413, response = TooLarge),
        (status = 429, response = TooMany),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
fn import() {}

/// A body of bytes (the registry snapshot).
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Binary,
            )))
            .into()
    }
}

impl utoipa::ToSchema for Binary {}

/// Bearer tokens, required by every route but health.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // Health needs no token at all: no requirement, rather than an empty one.
        if let Some(op) = openapi
            .paths
            .paths
            .get_mut("/api/v1/health")
            .and_then(|item| item.get.as_mut())
        {
            op.security = Some(Vec::new());
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "govcheck registry API",
        version = "1",
        description = "The registry of government websites and new-media accounts, their inspection rounds, findings and remediation histories. See docs/api.md.",
        license(name = "MIT OR Apache-2.0"),
    ),
    servers((url = "/")),
    security(("bearer" = [])),
    paths(
        health, me, regions, accounts, rounds, summary, findings, finding, append_event,
        changes, posts, checkpoint, import
    ),
    components(
        schemas(
            crate::ErrorBody, crate::ErrorObject, crate::ErrorCode, crate::ErrorDetail,
            crate::Health, crate::HealthStatus, crate::Me, crate::Role,
            crate::FindingView, crate::EventCreated,
            schema::Status, schema::Region, schema::Account, schema::AccountPage,
            schema::Round, schema::Summary, schema::RegionFigures, schema::FindingRow, schema::FindingPage,
            schema::FindingRecord, schema::Actor, schema::Event, schema::LastChange,
            schema::EventRequest, schema::Changes, schema::ImportReport, schema::ImportForm,
        ),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, Conflict, TooLarge, NotAllowed,
            Busy, Internal, Timeout, UploadTimeout, TooMany
        ),
    ),
    modifiers(&Bearer),
)]
struct ApiDoc;

/// The OpenAPI description of the API.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The description as docs/openapi.json holds it: pretty JSON with a final newline.
pub fn to_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
