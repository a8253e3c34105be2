//! `POST /api/v1/import`: an admin loads registry files (the CSV files of `govcheck
//! import`) from their own host, so the province's registry can be kept up to date
//! without a shell on the server. Same rules as the local import: every file read and
//! checked first, then one batch, all or nothing, errors naming file, line and field.
//!
//! The upload is received into temporary files (unnamed, gone when closed), a chunk at
//! a time, never gathered in memory: a refused upload leaves the server as it was. The
//! moment the files pass [`IMPORT_LIMIT`] the answer is 413 and nothing more is read.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::http::{HeaderMap, StatusCode};
use tokio::io::AsyncWriteExt;

use crate::AppState;
use crate::api::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::peer::ClientAddr;
use govcheck_domain::event::Actor;
use govcheck_store::import::{ImportContext, SourceFile};

/// Largest import upload: a national accounts file of 150,000 rows is about 20 MB; the
/// posts of a quarter can be several times that, so they may need several uploads.
pub const IMPORT_LIMIT: usize = 256 * 1024 * 1024;
/// Longest an upload may take to arrive, by default (`serve --upload-timeout`): an
/// upload over an intranet link takes longer than an ordinary request. The import
/// itself, once the files are in, is not cut short.
pub const IMPORT_TIMEOUT: Duration = Duration::from_secs(600);
/// At most this many files in one import.
const MAX_FILES: usize = 16;

/// The uploaded file name, kept for messages only: no directories, no control
/// characters.
fn file_name(raw: Option<&str>, n: usize) -> PathBuf {
    let base = raw
        .and_then(|r| r.rsplit(['/', '\\']).next())
        .map(govcheck_domain::text::sanitize)
        .filter(|s| !s.trim().is_empty() && s != "." && s != "..");
    PathBuf::from(base.unwrap_or_else(|| format!("file{n}.csv")))
}

/// The 413 answer: the upload is over [`IMPORT_LIMIT`].
fn too_large() -> ApiError {
    ApiError::new(
        govcheck_api::ErrorCode::PayloadTooLarge,
        format!(
            "the upload is over the import limit of {} MiB: split the files into several imports",
            IMPORT_LIMIT / (1024 * 1024)
        ),
    )
}

/// An upload that cannot be read: 413 when it was cut at the body limit, else 400.
fn upload_error(what: &str, e: &MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::bad_request(format!("{what}: {e}"))
    }
}

/// A temporary file's I/O failed (the disk of the temporary directory is full).
fn temp_error(e: std::io::Error) -> ApiError {
    ApiError::internal(format!(
        "cannot keep the upload in a temporary file (TMPDIR): {e}"
    ))
}

/// Hand what this thread freed back to the system now. A large import makes millions
/// of small allocations; mimalloc (the binary's allocator) would otherwise keep the
/// pages of an ended thread for reuse, and a refused 200 MB upload would leave the
/// server hundreds of MB larger. Harmless when another allocator is in use: mimalloc
/// then has nothing of this thread's to give back.
fn give_back_memory() {
    // SAFETY: `mi_collect` takes no pointers and may be called from any thread at any
    // time; it only releases free memory of the calling thread's heap.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// The store reads whole files: each is read back once, at its exact size (the
/// temporary files are removed when closed, here).
fn read_back(received: Vec<(PathBuf, std::fs::File, usize)>) -> std::io::Result<Vec<SourceFile>> {
    use std::io::{Read, Seek};
    received
        .into_iter()
        .map(|(path, mut temp, len)| {
            let mut bytes = Vec::new();
            bytes
                .try_reserve_exact(len)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::OutOfMemory, e.to_string()))?;
            temp.seek(std::io::SeekFrom::Start(0))?;
            temp.take(len as u64).read_to_end(&mut bytes)?;
            Ok(SourceFile { path, bytes })
        })
        .collect()
}

pub async fn import(
    State(state): State<Arc<AppState>>,
    Caller(c): Caller,
    peer: ClientAddr,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Json<govcheck_store::import::ImportReport>, ApiError> {
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
    // Said to be too large: refused before a byte of it is read.
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > IMPORT_LIMIT as u64) {
        return Err(too_large());
    }
    // Only the upload has a deadline: once the files are in, the import runs to its
    // end and is answered. A deadline over the whole request would answer 408 for an
    // import that then commits anyway (a long lock wait, a national file).
    let upload = Duration::from_millis(state.upload_ms.load(Ordering::Relaxed));
    let received = tokio::time::timeout(upload, receive(form))
        .await
        .map_err(|_| {
            ApiError::new(
govcheck_api::ErrorCode::Timeout,
                format!(
                    "the upload took longer than {} s (serve --upload-timeout); nothing was imported",
                    upload.as_secs()
                ),
            )
        })??;
    let store = state.store.clone();
    let catalogue = state.catalogue.clone();
    let tz = state.tz;
    let actor = Actor {
        name: c.name.clone(),
        peer: Some(peer.to_string()),
        ..Actor::default()
    };
    // A thread of its own rather than the blocking pool: what the import allocated
    // (several times the files' size for a large one) goes back to the system when
    // the thread ends, instead of staying with a pooled thread until it idles out.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("govcheck-import".into())
        .spawn(move || {
            let result = read_back(received).map_err(temp_error).and_then(|files| {
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
                store.import(&files, &ctx).map_err(ApiError::from)
            });
            let _ = tx.send(result);
            give_back_memory();
        })
        .map_err(|e| ApiError::internal(format!("cannot start the import: {e}")))?;
    let report = rx
        .await
        .map_err(|_| ApiError::internal("the import stopped without an answer"))??;
    // Readers see the import at once.
    state.current().await?;
    Ok(Json(report))
}

/// Receive the upload's files into temporary files: (name, file, length) each.
async fn receive(
    form: Result<Multipart, MultipartRejection>,
) -> Result<Vec<(PathBuf, std::fs::File, usize)>, ApiError> {
    let mut form = form.map_err(|e| {
        ApiError::bad_request(format!(
            "expected a multipart/form-data upload with one `file` part per CSV file: {e}"
        ))
    })?;
    // (name, temporary file, length) per uploaded file.
    let mut received = Vec::new();
    let mut total = 0usize;
    while let Some(mut field) = form
        .next_field()
        .await
        .map_err(|e| upload_error("upload", &e))?
    {
        if field.name() != Some("file") {
            return Err(ApiError::bad_request(format!(
                "unexpected form field {:?}: send each CSV file as a `file` part",
                field
                    .name()
                    .map(govcheck_domain::text::sanitize)
                    .unwrap_or_default()
            )));
        }
        if received.len() == MAX_FILES {
            return Err(ApiError::bad_request(format!(
                "more than {MAX_FILES} files in one import"
            )));
        }
        let path = file_name(field.file_name(), received.len() + 1);
        let temp = tokio::task::spawn_blocking(tempfile::tempfile)
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?
            .map_err(temp_error)?;
        let mut temp = tokio::io::BufWriter::new(tokio::fs::File::from_std(temp));
        let mut len = 0usize;
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| upload_error(&path.display().to_string(), &e))?
        {
            len += chunk.len();
            total += chunk.len();
            if total > IMPORT_LIMIT {
                return Err(too_large());
            }
            temp.write_all(&chunk).await.map_err(temp_error)?;
        }
        temp.flush().await.map_err(temp_error)?;
        received.push((path, temp.into_inner().into_std().await, len));
    }
    if received.is_empty() {
        return Err(ApiError::bad_request(
            "no file: send each CSV file as a `file` part",
        ));
    }
    Ok(received)
}
