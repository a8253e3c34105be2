//! `POST /api/v1/import`: an admin loads registry files (the CSV files of `govcheck
//! import`) from their own host, so the province's registry can be kept up to date
//! without a shell on the server. Same rules as the local import: every file read and
//! checked first, then one batch, all or nothing, errors naming file, line and field.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use serde_json::{Value, json};

use super::AppState;
use super::api::Caller;
use super::auth::Role;
use super::error::ApiError;
use super::peer::ClientAddr;
use crate::domain::event::Actor;
use crate::store::import::{ImportContext, SourceFile};

/// Largest import upload: a national accounts file of 150,000 rows is about 20 MB; the
/// posts of a quarter can be several times that, so they may need several uploads.
pub const IMPORT_LIMIT: usize = 256 * 1024 * 1024;
/// An upload over an intranet link takes longer than an ordinary request.
pub const IMPORT_TIMEOUT: Duration = Duration::from_secs(600);
/// At most this many files in one import.
const MAX_FILES: usize = 16;

/// The uploaded file name, kept for messages only: no directories, no control
/// characters.
fn file_name(raw: Option<&str>, n: usize) -> PathBuf {
    let base = raw
        .and_then(|r| r.rsplit(['/', '\\']).next())
        .map(crate::domain::text::sanitize)
        .filter(|s| !s.trim().is_empty() && s != "." && s != "..");
    PathBuf::from(base.unwrap_or_else(|| format!("file{n}.csv")))
}

pub async fn import(
    State(state): State<Arc<AppState>>,
    Caller(c): Caller,
    peer: ClientAddr,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Json<Value>, ApiError> {
    if c.role < Role::Admin {
        return Err(ApiError::forbidden(format!(
            "{} is a {}: imports need an admin token",
            c.name,
            c.role.as_str()
        )));
    }
    if c.is_scoped() {
        let scope = c.scope.as_deref().or(c.scope_code.as_deref()).unwrap_or("");
        return Err(ApiError::forbidden(format!(
            "{}'s token is limited to {scope}; imports change the whole registry and need an admin token without a scope",
            c.name
        )));
    }
    let mut form = form.map_err(|e| {
        ApiError::bad_request(format!(
            "expected a multipart/form-data upload with one `file` part per CSV file: {e}"
        ))
    })?;
    let mut files = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::bad_request(format!("upload: {e}")))?
    {
        if field.name() != Some("file") {
            return Err(ApiError::bad_request(format!(
                "unexpected form field {:?}: send each CSV file as a `file` part",
                field
                    .name()
                    .map(crate::domain::text::sanitize)
                    .unwrap_or_default()
            )));
        }
        if files.len() == MAX_FILES {
            return Err(ApiError::bad_request(format!(
                "more than {MAX_FILES} files in one import"
            )));
        }
        let path = file_name(field.file_name(), files.len() + 1);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| ApiError::bad_request(format!("{}: {e}", path.display())))?;
        files.push(SourceFile {
            path,
            bytes: bytes.to_vec(),
        });
    }
    if files.is_empty() {
        return Err(ApiError::bad_request(
            "no file: send each CSV file as a `file` part",
        ));
    }
    let store = state.store.clone();
    let catalogue = state.catalogue.clone();
    let tz = state.tz;
    let actor = Actor {
        name: c.name.clone(),
        peer: Some(peer.to_string()),
        ..Actor::default()
    };
    let report = tokio::task::spawn_blocking(move || {
        let now = chrono::SubsecRound::trunc_subsecs(
            chrono::Utc::now().with_timezone(&tz).fixed_offset(),
            0,
        );
        let ctx = ImportContext {
            catalogue: &catalogue,
            tz,
            actor,
            now,
            reported_at: None,
        };
        store.import(&files, &ctx)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    // Readers see the import at once.
    state.current().await?;
    Ok(Json(json!(report)))
}
