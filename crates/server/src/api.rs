//! The `/api/v1` handlers. Reads come from the shared snapshot; the one write (append an
//! event) goes through the store, which checks the version the client saw.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use govcheck_api::snapshot::{self, RegistrySnapshot};
use govcheck_api::{
    AccountsQuery, Changes, ChangesQuery, ErrorCode, ErrorDetail, EventCreated, EventRequest,
    FindingView, FindingsQuery, Health, HealthStatus, Me, Page, SummaryQuery,
};

use crate::auth::{Refusal, Role, TokenEntry};
use crate::error::ApiError;
use crate::peer::ClientAddr;
use crate::{AppState, MAX_PAGE, MAX_WAIT};
use govcheck_domain::event::{Actor, Claimed, Event, Status};
use govcheck_domain::figures::summarize;
use govcheck_domain::listing;
use govcheck_domain::registry::Registry;

type St = State<Arc<AppState>>;

/// Every route of the API: the OpenAPI description (`govcheck_api::openapi`, written out
/// as docs/openapi.json) is tested against this list.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/health"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/regions"),
    ("get", "/api/v1/accounts"),
    ("get", "/api/v1/rounds"),
    ("get", "/api/v1/rounds/{id}/summary"),
    ("get", "/api/v1/findings"),
    ("get", "/api/v1/findings/{id}"),
    ("post", "/api/v1/findings/{id}/events"),
    ("get", "/api/v1/changes"),
    ("get", "/api/v1/posts"),
    ("get", "/api/v1/checkpoint"),
    ("post", "/api/v1/import"),
];

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/me", get(me))
        .route("/api/v1/regions", get(regions))
        .route("/api/v1/accounts", get(accounts))
        .route("/api/v1/rounds", get(rounds))
        .route("/api/v1/rounds/{id}/summary", get(summary))
        .route("/api/v1/findings", get(findings))
        .route("/api/v1/findings/{id}", get(finding))
        .route("/api/v1/findings/{id}/events", post(append_event))
        .route("/api/v1/changes", get(changes))
        .route("/api/v1/posts", get(posts))
        .route("/api/v1/checkpoint", get(checkpoint))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(|| async { ApiError::not_found("no such endpoint (see docs/api.md)") })
}

/// A route asked with a method it does not have: 405 with its `Allow` header (axum
/// adds it) and the JSON error body every 4xx has, not axum's empty one.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this endpoint does not take that method (see the Allow header and docs/api.md)",
    )
}

/// The caller, from `Authorization: Bearer <token>`.
pub struct Caller(pub TokenEntry);

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        match state.tokens.check(token) {
            Ok(entry) => Ok(Caller(entry)),
            Err(Refusal::Unknown) => Err(ApiError::unauthorized()),
            // The reason (a path, a parse error) is in the server's log, not for clients.
            Err(Refusal::Unavailable(_)) => Err(ApiError::new(
                ErrorCode::TokensUnavailable,
                "the server cannot read its tokens file just now; every request is refused until it is fixed",
            )),
        }
    }
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::bad_request(format!("query: {}", e.body_text())))
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t).map_err(|e| {
        let status = e.status();
        // Unknown fields and wrong types (axum: 422) are bad requests like malformed
        // JSON; 422 is kept for events that do not fit the finding's state.
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("body: {}", e.body_text()),
            )
        } else {
            ApiError::bad_request(format!("body: {}", e.body_text()))
        }
    })
}

/// The `{id}` of a route. axum's own rejection (a segment that is not UTF-8 once
/// percent-decoded) is plain text; every error of this API is the JSON error object
/// of docs/openapi.json, which clients parse.
pub struct Id(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Id(id))
            .map_err(|e| ApiError::bad_request(format!("path: {}", e.body_text())))
    }
}

fn resolve_region(reg: &Registry, region: Option<&str>) -> Result<Option<usize>, ApiError> {
    region
        .map(|r| {
            reg.tree()
                .resolve(r)
                .map_err(|e| ApiError::bad_request(format!("region: {e}")))
        })
        .transpose()
}

fn page_bounds(
    page: Option<usize>,
    per_page: Option<usize>,
    len: usize,
) -> Result<(usize, usize, std::ops::Range<usize>), ApiError> {
    let per = per_page.unwrap_or(100);
    if per == 0 || per > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "per_page must be 1..={MAX_PAGE}"
        )));
    }
    let page = page.unwrap_or(1).max(1);
    let start = (page - 1).saturating_mul(per).min(len);
    let end = start.saturating_add(per).min(len);
    Ok((page, per, start..end))
}

async fn health(State(state): St) -> Result<Json<Health>, ApiError> {
    let snap = state.current().await?;
    Ok(Json(Health {
        status: HealthStatus::Ok,
        seq: snap.seq,
        format: govcheck_store::local::FORMAT_VERSION,
    }))
}

/// Who the token is. `scope` is the region as named when the token was created;
/// `scope_code` is what decides, and `scope_path` where that code is now (`null` when
/// it is no longer in the registry: the token may then not act at all).
async fn me(State(state): St, Caller(c): Caller) -> Result<Json<Me>, ApiError> {
    let snap = state.current().await?;
    let tree = snap.registry.tree();
    let (code, path) = match c.scope_region(tree) {
        Ok(Some(i)) => (Some(tree.get(i).code.clone()), Some(tree.path(i))),
        Ok(None) => (None, None),
        Err(_) => (c.scope_code.clone(), None),
    };
    Ok(Json(Me {
        name: c.name,
        role: match c.role {
            Role::Viewer => govcheck_api::Role::Viewer,
            Role::Supervisor => govcheck_api::Role::Supervisor,
            Role::Admin => govcheck_api::Role::Admin,
        },
        scope: c.scope,
        scope_code: code,
        scope_path: path,
    }))
}

async fn regions(State(state): St, _c: Caller) -> Result<Response, ApiError> {
    let snap = state.current().await?;
    Ok(Json(snap.registry.regions()).into_response())
}

async fn accounts(
    State(state): St,
    _c: Caller,
    q: Result<Query<AccountsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let snap = state.current().await?;
    let reg = &snap.registry;
    let scope = resolve_region(reg, q.region.as_deref())?;
    let found = crate::search::accounts(&state.search, &snap, scope, q.search.as_deref()).await?;
    let hits: Vec<usize> = found
        .into_iter()
        .filter(|&i| {
            q.platform
                .as_ref()
                .is_none_or(|p| &reg.accounts()[i].platform == p)
        })
        .collect();
    let (page, per, range) = page_bounds(q.page, q.per_page, hits.len())?;
    let items: Vec<_> = hits[range].iter().map(|&i| &reg.accounts()[i]).collect();
    Ok(Json(Page {
        items,
        page,
        per_page: per,
        total: hits.len(),
    })
    .into_response())
}

async fn rounds(State(state): St, _c: Caller) -> Result<Response, ApiError> {
    let snap = state.current().await?;
    Ok(Json(snap.registry.rounds()).into_response())
}

fn today(state: &AppState) -> NaiveDate {
    chrono::Utc::now().with_timezone(&state.tz).date_naive()
}

async fn summary(
    State(state): St,
    _c: Caller,
    Id(id): Id,
    q: Result<Query<SummaryQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let snap = state.current().await?;
    let reg = &snap.registry;
    if reg.round(&id).is_none() {
        return Err(ApiError::not_found(format!("no round {id:?}")));
    }
    let scope = resolve_region(reg, q.region.as_deref())?.unwrap_or(reg.tree().root());
    let as_of = q.as_of.unwrap_or_else(|| today(&state));
    let key = (id.clone(), scope, as_of);
    let cached = || {
        state
            .summaries
            .lock()
            .ok()
            .and_then(|c| c.get(snap.seq, &key))
    };
    if let Some(body) = cached() {
        return Ok(json_body(body));
    }
    // One computation per table: concurrent misses wait for the first instead of all
    // computing the same figures at once.
    let _one = state.summary_compute.lock().await;
    if let Some(body) = cached() {
        return Ok(json_body(body));
    }
    let s = summarize(reg, &state.catalogue, &id, scope, as_of)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let body = axum::body::Bytes::from(
        serde_json::to_vec(&s).map_err(|e| ApiError::internal(e.to_string()))?,
    );
    if let Ok(mut cache) = state.summaries.lock() {
        cache.put(snap.seq, key.clone(), body.clone());
    }
    Ok(json_body(body))
}

/// A response whose body is JSON already serialised.
fn json_body(body: axum::body::Bytes) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

async fn findings(
    State(state): St,
    _c: Caller,
    q: Result<Query<FindingsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let snap = state.current().await?;
    let reg = &snap.registry;
    if reg.round(&q.round).is_none() {
        return Err(ApiError::not_found(format!("no round {:?}", q.round)));
    }
    let scope = resolve_region(reg, q.region.as_deref())?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            Status::parse(s).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "status {s:?} is not open, rectified, verified or waived"
                ))
            })
        })
        .transpose()?;
    let rows: Vec<_> = listing::findings(
        reg,
        &state.catalogue,
        &q.round,
        scope,
        status,
        q.as_of.unwrap_or_else(|| today(&state)),
    )
    .into_iter()
    .filter(|r| q.indicator.as_ref().is_none_or(|i| &r.indicator == i))
    .collect();
    let (page, per, range) = page_bounds(q.page, q.per_page, rows.len())?;
    Ok(Json(Page {
        items: rows[range].iter().collect(),
        page,
        per_page: per,
        total: rows.len(),
    })
    .into_response())
}

fn finding_view(state: &AppState, reg: &Registry, idx: usize) -> FindingView {
    let f = &reg.findings()[idx];
    let st = reg.state(idx);
    FindingView {
        finding: f.clone(),
        account: reg.account(&f.account).cloned(),
        status: st.status,
        deadline: st.deadline,
        version: st.version,
        overdue: st.is_overdue(today(state)),
        events: reg.history(idx).to_vec(),
    }
}

async fn finding(State(state): St, _c: Caller, Id(id): Id) -> Result<Json<FindingView>, ApiError> {
    let snap = state.current().await?;
    let reg = &snap.registry;
    let idx = reg
        .finding_index(&id)
        .ok_or_else(|| ApiError::not_found(format!("no finding {id:?}")))?;
    Ok(Json(finding_view(&state, reg, idx)))
}

async fn append_event(
    State(state): St,
    Caller(c): Caller,
    peer: ClientAddr,
    Id(id): Id,
    b: Result<Json<EventRequest>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let req = body(b)?;
    if c.role < Role::Supervisor {
        return Err(ApiError::forbidden(format!(
            "{} is a viewer: read only",
            c.name
        )));
    }
    let kind = req
        .event_kind()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let snap = state.current().await?;
    let reg = &snap.registry;
    let idx = reg
        .finding_index(&id)
        .ok_or_else(|| ApiError::not_found(format!("no finding {id:?}")))?;
    // By the code bound at creation, never by name: an import that renamed the
    // region or added another of the same name changes nothing here.
    let scope = c.scope_region(reg.tree()).map_err(|e| {
        tracing::warn!(
            "govcheck serve: token {} ({}) refused: {}",
            c.id,
            govcheck_domain::text::sanitize(&c.name),
            govcheck_domain::text::sanitize(&e.to_string())
        );
        ApiError::forbidden(format!("{}'s token may not act: {e}", c.name))
    })?;
    if let Some(s) = scope {
        let a = reg
            .account_index(&reg.findings()[idx].account)
            .ok_or_else(|| ApiError::internal("finding without account"))?;
        if !reg.tree().is_within(reg.account_region(a), s) {
            return Err(ApiError::forbidden(format!(
                "{} may act only on findings in {} and below",
                c.name,
                reg.tree().path(s)
            )));
        }
    }
    let clean = |s: Option<String>| {
        s.map(|v| govcheck_domain::text::sanitize(&v))
            .filter(|v| !v.is_empty())
    };
    let event = Event {
        finding: id.clone(),
        kind,
        at: chrono::SubsecRound::trunc_subsecs(
            chrono::Utc::now().with_timezone(&state.tz).fixed_offset(),
            0,
        ),
        // What the server saw is recorded as seen; what the client says, as claimed.
        by: Actor {
            name: c.name.clone(),
            peer: Some(peer.to_string()),
            claimed: Claimed::of(clean(req.os_user), clean(req.ssh_client)),
            ..Actor::default()
        },
        note: req.note.filter(|n| !n.trim().is_empty()),
    };
    let store = state.store.clone();
    let based_on = req.based_on;
    let result =
        tokio::task::spawn_blocking(move || store.append_events(vec![(event, Some(based_on))]))
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
    let fresh = state.current().await?;
    let idx_now = fresh.registry.finding_index(&id).unwrap_or(idx);
    match result {
        Ok(seq) => Ok((
            StatusCode::CREATED,
            Json(EventCreated {
                seq,
                finding: finding_view(&state, &fresh.registry, idx_now),
            }),
        )),
        Err(e) => {
            // A conflict says who changed the finding, when and to what, so the
            // client can show it and offer to reload without reading the message.
            let last_change = match &e {
                govcheck_store::StoreError::Conflict { last, .. } => last.as_deref().cloned(),
                _ => None,
            };
            let mut err = ApiError::from(e);
            err.detail = Some(Box::new(ErrorDetail {
                finding: finding_view(&state, &fresh.registry, idx_now),
                last_change,
            }));
            Err(err)
        }
    }
}

async fn changes(
    State(state): St,
    _c: Caller,
    q: Result<Query<ChangesQuery>, QueryRejection>,
) -> Result<Json<Changes<govcheck_store::journal::Batch>>, ApiError> {
    let q = query(q)?;
    let snap = state.current().await?;
    if let Some(crc) = &q.crc
        && (crc.len() != 8 || !crc.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(ApiError::bad_request(format!(
            "crc {crc:?}: expected the 8 hex digits sent with an earlier feed"
        )));
    }
    if snap.seq <= q.since && q.wait > 0 && q.crc.is_none() {
        let mut rx = state.subscribe();
        let limit = Duration::from_millis(state.long_poll_ms.load(Ordering::Relaxed));
        let wait = Duration::from_secs(q.wait).min(MAX_WAIT).min(limit);
        let since = q.since;
        let _ = tokio::time::timeout(wait, rx.wait_for(|&s| s > since)).await;
    }
    let store = state.store.clone();
    let since = q.since;
    let feed = tokio::task::spawn_blocking(move || store.feed(since))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    if let Some(crc) = &q.crc
        && (since > feed.seq || feed.since_crc.as_deref() != Some(crc.as_str()))
    {
        return Err(ApiError::new(
            ErrorCode::Diverged,
            format!(
                "batch {since} with checksum {crc} is not in this registry's journal (restored from a backup?); fetch /api/v1/checkpoint afresh"
            ),
        ));
    }
    Ok(Json(Changes {
        seq: feed.seq,
        crc: feed.crc,
        batches: feed.batches,
    }))
}

async fn posts(State(state): St, _c: Caller) -> Result<impl IntoResponse, ApiError> {
    let store = state.store.clone();
    let bytes = tokio::task::spawn_blocking(move || store.posts_bytes())
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/tab-separated-values; charset=utf-8",
        )],
        bytes,
    ))
}

/// The whole registry as of now, as the typed, versioned snapshot of
/// `govcheck_api::snapshot` (docs/api.md): a console starts from it far faster than
/// from the change feed since 0. It is encoded from the registry the server holds, not
/// from any file of the store, so it is the same whatever engine serves the registry.
/// The sequence number is in the body and in `X-Govcheck-Seq`; follow with
/// `/changes?since=`.
async fn checkpoint(State(state): St, _c: Caller) -> Result<impl IntoResponse, ApiError> {
    let snap = state.current().await?;
    let cached = state.checkpoint.lock().ok().and_then(|c| {
        c.as_ref()
            .filter(|(seq, _)| *seq == snap.seq)
            .map(|(_, b)| b.clone())
    });
    let bytes = match cached {
        Some(b) => b,
        None => {
            let s2 = snap.clone();
            let b = tokio::task::spawn_blocking(move || {
                axum::body::Bytes::from(RegistrySnapshot::of(&s2.registry, s2.seq).encode())
            })
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
            if let Ok(mut c) = state.checkpoint.lock() {
                *c = Some((snap.seq, b.clone()));
            }
            b
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, snapshot::MEDIA_TYPE.to_string()),
            (
                header::HeaderName::from_static(snapshot::FORMAT_HEADER),
                snapshot::FORMAT.to_string(),
            ),
            (
                header::HeaderName::from_static("x-govcheck-seq"),
                snap.seq.to_string(),
            ),
        ],
        bytes,
    ))
}
