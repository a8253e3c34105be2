//! The registry server as a [`RegistrySource`]: the console and the CLI pointed at a URL
//! see the same registry (the server's journal, replayed by the same domain code), so
//! figures are identical to a local store's.
//!
//! When the link is down, `load` falls back to the last copy cached under the cache dir
//! (marked stale with its age), and events go to a durable outbox that
//! [`RemoteStore::flush_outbox`] sends when the link returns, conflicts one by one.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::DateTime;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::atomic::write_atomic;
use crate::error::StoreError;
use crate::journal::{self, Batch};
use crate::{RegistrySource, Snapshot};
use govcheck_api::snapshot::{self, RegistrySnapshot, SnapshotError};
use govcheck_api::{
    Changes, ErrorBody, ErrorCode, ErrorObject, EventCreated, EventKindName, EventRequest,
    FindingView, Health, Me,
};
use govcheck_domain::event::{Event, EventKind};
use govcheck_domain::rules::Posts;

pub(crate) mod tls;
pub use tls::{SYSTEM_CA_BUNDLES, system_bundle_candidates, tls_config};

/// Who the server says we are (`GET /api/v1/me`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Identity {
    pub name: String,
    pub role: String,
    pub scope: Option<String>,
}

/// An event waiting in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub event: Event,
    pub based_on: Option<u32>,
}

/// An offline action the registry refused when it was finally sent, kept (in
/// `refused.jsonl` beside the outbox) until the supervisor has looked at it: it is
/// never simply dropped.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefusedAction {
    pub action: Pending,
    /// The registry's reason (a conflict names the version the finding is at now).
    pub reason: String,
    /// When it was refused.
    pub at: DateTime<chrono::FixedOffset>,
}

/// What a flush of the outbox did.
#[derive(Debug, Default)]
pub struct FlushReport {
    pub sent: usize,
    /// Events the server refused (conflict or not allowed), with its message; they are
    /// dropped from the outbox and must be looked at by the supervisor.
    pub refused: Vec<(Pending, String)>,
    /// Still waiting (the link dropped again).
    pub waiting: usize,
}

pub struct RemoteStore {
    base: String,
    token: String,
    client: reqwest::blocking::Client,
    cache: PathBuf,
    /// The registry as last fetched, with the checksum of its last batch's journal
    /// line: a refresh asks only for the batches since (see [`RemoteStore::fetch`]).
    last: std::sync::Mutex<Option<(Snapshot, String)>>,
}

/// What the cache remembers of its copy's position in the server's journal.
#[derive(Debug, Serialize, Deserialize)]
struct CachedFeed {
    seq: u64,
    crc: String,
}

/// The offline copy: the server's snapshot as it was sent (or re-encoded after
/// batches were applied to it).
const CACHE_FILE: &str = "registry.snapshot";
/// Where versions before the typed snapshot kept the copy, in the local store's
/// checkpoint codec; deleted on sight.
const LEGACY_CACHE_FILE: &str = "registry.ckpt";

fn slug(url: &str) -> String {
    url.trim_start_matches("https://")
        .trim_start_matches("http://")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// A user name or password in the registry URL (`http://user:pass@host`) is never
/// sent as such: the server knows only bearer tokens, so a request would get a bare 401
/// that hides why, and the password would end up in the cache directory's name. The
/// URL is refused up front, saying so; the password is not repeated.
pub fn refuse_userinfo(url: &str) -> Result<(), StoreError> {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return Ok(());
    };
    if parsed.username().is_empty() && parsed.password().is_none() {
        return Ok(());
    }
    let mut masked = parsed.clone();
    if parsed.password().is_some() {
        let _ = masked.set_password(Some("***"));
    }
    let mut bare = parsed.clone();
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    Err(StoreError::Other(govcheck_domain::text::sanitize(
        &format!(
            "registry URL {}: a user name or password in the URL is not used (the registry accepts only the bearer token from GOVCHECK_TOKEN or the token file, and would answer 401); use {} with the token",
            masked.as_str().trim_end_matches('/'),
            bare.as_str().trim_end_matches('/')
        ),
    )))
}

impl RemoteStore {
    /// A client for `url` (the server root, e.g. `https://gov.example:8443`), caching
    /// under `cache_root`. `ca_file` adds an intranet CA (PEM).
    pub fn new(
        url: &str,
        token: &str,
        ca_file: Option<&Path>,
        cache_root: &Path,
    ) -> Result<RemoteStore, StoreError> {
        let base = url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(StoreError::Other(format!(
                "registry URL {url:?} must start with http:// or https://"
            )));
        }
        refuse_userinfo(&base)?;
        let tls = tls_config(&base, ca_file, &system_bundle_candidates())?;
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(40))
            .connect_timeout(Duration::from_secs(5))
            .tls_backend_preconfigured(tls)
            .build()
            .map_err(|e| StoreError::Other(format!("cannot build the registry client: {e}")))?;
        let cache = cache_root.join("registry").join(slug(&base));
        Ok(RemoteStore {
            base,
            token: token.to_string(),
            client,
            cache,
            last: std::sync::Mutex::new(None),
        })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    fn unreachable(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Unreachable {
            url: self.base.clone(),
            message: e.to_string(),
        }
    }

    /// Send a request; a refusal comes back with the server's typed error, when it sent
    /// one (`Refusal::error` is `None` for a body that is not the error envelope).
    fn send(
        &self,
        req: reqwest::blocking::RequestBuilder,
    ) -> Result<reqwest::blocking::Response, SendError> {
        let resp = req
            .bearer_auth(&self.token)
            .send()
            .map_err(|e| SendError::Store(self.unreachable(e)))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let error = resp
            .bytes()
            .ok()
            .and_then(|b| serde_json::from_slice::<ErrorBody>(&b).ok())
            .map(|b| b.error);
        Err(SendError::Refused { status, error })
    }

    /// An answer's body as the API type `T`: a body that is not one is an error naming
    /// the endpoint, never a default.
    fn decode<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        resp: reqwest::blocking::Response,
    ) -> Result<T, StoreError> {
        let bytes = resp.bytes().map_err(|e| self.unreachable(e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            StoreError::Other(format!(
                "registry {} sent a malformed answer to {}: {e}",
                self.base,
                govcheck_domain::text::sanitize(endpoint)
            ))
        })
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, StoreError> {
        let resp = self.send(self.client.get(format!("{}{path}", self.base)))?;
        self.decode(path, resp)
    }

    /// Who the server says we are.
    pub fn whoami(&self) -> Result<Identity, StoreError> {
        let me: Me = self.get("/api/v1/me")?;
        Ok(Identity {
            name: me.name,
            role: me.role.as_str().to_string(),
            scope: me.scope,
        })
    }

    fn cache_file(&self) -> PathBuf {
        self.cache.join(CACHE_FILE)
    }

    fn outbox_file(&self) -> PathBuf {
        self.cache.join("outbox.jsonl")
    }

    /// Keep the registry as last fetched, as the server's snapshot type
    /// (`govcheck_api::snapshot`), for offline starts and for the next start to fetch
    /// only what changed. `bytes` is the snapshot as the server sent it, when nothing
    /// was applied on top of it (no re-encoding). Written atomically (fsynced).
    fn save_cache(
        &self,
        snap: &Snapshot,
        crc: Option<&str>,
        bytes: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        crate::perm::create_dir_all(&self.cache).map_err(|e| StoreError::io(&self.cache, e))?;
        // The position goes first, so a crash between the two writes leaves a position
        // that does not match the copy, which the server then refuses (409) and the next
        // start fetches everything afresh.
        let _ = std::fs::remove_file(self.feed_file());
        match bytes {
            Some(b) => write_atomic(&self.cache_file(), b)?,
            None => write_atomic(
                &self.cache_file(),
                &RegistrySnapshot::of(&snap.registry, snap.seq).encode(),
            )?,
        }
        self.touch_fetched()?;
        if let Some(crc) = crc {
            let feed = CachedFeed {
                seq: snap.seq,
                crc: crc.to_string(),
            };
            let text = serde_json::to_vec(&feed).map_err(|e| StoreError::Other(e.to_string()))?;
            write_atomic(&self.feed_file(), &text)?;
        }
        Ok(())
    }

    /// Record that the cached copy was current as of now (the age the offline
    /// banner shows).
    fn touch_fetched(&self) -> Result<(), StoreError> {
        write_atomic(
            &self.cache.join("fetched_at"),
            chrono::Utc::now().fixed_offset().to_rfc3339().as_bytes(),
        )
    }

    fn feed_file(&self) -> PathBuf {
        self.cache.join("feed.json")
    }

    /// The copy cached on disk. A cache this version cannot read is never trusted and
    /// never fatal: the old checkpoint-format file of earlier versions is deleted, a
    /// damaged one too, and one of a newer format left for the version that wrote it;
    /// each says so in the log, and the registry is fetched afresh when reachable.
    fn load_cache(&self) -> Result<Snapshot, StoreError> {
        self.discard_legacy_cache();
        let p = self.cache_file();
        let bytes = std::fs::read(&p).map_err(|e| StoreError::io(&p, e))?;
        let (registry, seq) = snapshot::registry_of(&bytes).map_err(|e| {
            match e {
                SnapshotError::Newer { .. } => {
                    tracing::warn!(cache = %p.display(), "offline copy not used: {e}");
                }
                _ => {
                    tracing::warn!(cache = %p.display(), "offline copy discarded: {e}");
                    let _ = std::fs::remove_file(self.feed_file());
                    let _ = std::fs::remove_file(&p);
                }
            }
            StoreError::Corrupt {
                path: p.clone(),
                line: 0,
                message: format!("{e}; it is refetched when the registry is reachable"),
            }
        })?;
        let fetched = std::fs::read_to_string(self.cache.join("fetched_at"))
            .ok()
            .and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok());
        Ok(Snapshot {
            registry,
            seq,
            stale_since: fetched.or_else(|| Some(chrono::Utc::now().fixed_offset())),
        })
    }

    /// Delete the offline copy earlier versions kept in the local store's checkpoint
    /// codec, which nothing reads any more.
    fn discard_legacy_cache(&self) {
        let old = self.cache.join(LEGACY_CACHE_FILE);
        if std::fs::remove_file(&old).is_ok() {
            tracing::info!(
                cache = %old.display(),
                "offline copy of an earlier govcheck (checkpoint format) discarded; the registry is fetched afresh"
            );
        }
    }

    /// The cached copy with its journal position, when both are there and agree.
    fn cached_base(&self) -> Option<(Snapshot, String)> {
        let feed: CachedFeed =
            serde_json::from_slice(&std::fs::read(self.feed_file()).ok()?).ok()?;
        let snap = self.load_cache().ok()?;
        (snap.seq == feed.seq).then_some((snap, feed.crc))
    }

    /// The batches after `since`, proving with `crc` that our copy is the server's.
    fn changes(
        &self,
        since: u64,
        crc: Option<&str>,
    ) -> Result<(u64, String, Vec<Batch>), StoreError> {
        let mut url = format!("/api/v1/changes?since={since}");
        if let Some(c) = crc {
            url.push_str(&format!("&crc={c}"));
        }
        let feed: Changes<Batch> = self.get(&url)?;
        // No crc: the server's journal is empty (nothing to prove our copy against).
        Ok((feed.seq, feed.crc.unwrap_or_default(), feed.batches))
    }

    /// The registry as the server has it now. From the copy held in memory, or else the
    /// one cached on disk, only the batches since are fetched (a refresh after another
    /// supervisor's verify is one small request, and a start over a slow link does not
    /// download the whole registry again). When there is no copy, or the server says
    /// ours is not its journal's (restored from a backup), the whole checkpoint.
    fn fetch(&self) -> Result<Snapshot, StoreError> {
        let held = self.last.lock().ok().and_then(|l| l.clone());
        let from_disk = held.is_none();
        if let Some((mut snap, crc)) = held.or_else(|| self.cached_base()) {
            match self.changes(snap.seq, Some(&crc)) {
                Ok((seq, last_crc, batches)) => {
                    let changed = !batches.is_empty();
                    let applied =
                        journal::replay_into(&mut snap.registry, batches, Path::new(&self.base), 0);
                    if applied.is_ok() && !last_crc.is_empty() {
                        snap.seq = seq;
                        snap.stale_since = None;
                        // The cache is rewritten only when something changed; a copy
                        // that was already current only gets its new age.
                        if changed {
                            let _ = self.save_cache(&snap, Some(&last_crc), None);
                        } else if from_disk {
                            let _ = self.touch_fetched();
                        }
                        self.remember(&snap, &last_crc);
                        return Ok(snap);
                    }
                }
                Err(e @ StoreError::Unreachable { .. }) => return Err(e),
                // Diverged (409) or a feed that does not apply: start afresh.
                Err(_) => {}
            }
        }
        self.fetch_all()
    }

    /// The registry from the server's snapshot, then the batches committed since.
    fn fetch_all(&self) -> Result<Snapshot, StoreError> {
        let resp = self.send(
            self.client
                .get(format!("{}/api/v1/checkpoint", self.base))
                .header(reqwest::header::ACCEPT, snapshot::MEDIA_TYPE),
        )?;
        let media = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if media.split(';').next().map(str::trim) != Some(snapshot::MEDIA_TYPE) {
            return Err(StoreError::Other(govcheck_domain::text::sanitize(
                &format!(
                    "registry {} sent /api/v1/checkpoint as {:?}, not a govcheck snapshot ({}): the server runs an older govcheck; update it",
                    self.base,
                    media,
                    snapshot::MEDIA_TYPE
                ),
            )));
        }
        let bytes = resp.bytes().map_err(|e| self.unreachable(e))?;
        let (mut registry, since) = snapshot::registry_of(&bytes)
            .map_err(|e| StoreError::Other(format!("registry {}: {e}", self.base)))?;
        let (seq, crc, batches) = self.changes(since, None)?;
        let untouched = batches.is_empty();
        journal::replay_into(&mut registry, batches, Path::new(&self.base), 0)?;
        let snap = Snapshot {
            registry,
            seq,
            stale_since: None,
        };
        let crc = (!crc.is_empty()).then_some(crc);
        let raw = untouched.then_some(&bytes[..]);
        let _ = self.save_cache(&snap, crc.as_deref(), raw);
        if let Some(c) = &crc {
            self.remember(&snap, c);
        }
        Ok(snap)
    }

    /// The registry as last fetched: held in memory, else the copy cached on disk.
    fn last_known(&self) -> Option<Snapshot> {
        let held = self
            .last
            .lock()
            .ok()
            .and_then(|l| l.as_ref().map(|(s, _)| s.clone()));
        held.or_else(|| self.load_cache().ok())
    }

    fn remember(&self, snap: &Snapshot, crc: &str) {
        if let Ok(mut l) = self.last.lock() {
            *l = Some((snap.clone(), crc.to_string()));
        }
    }

    /// Send registry files to the server's import (an admin token is needed). The
    /// server applies them as the local import does: all or nothing.
    pub fn import(
        &self,
        files: &[crate::import::SourceFile],
    ) -> Result<crate::import::ImportReport, StoreError> {
        // Asked first: the server refuses before reading the upload, which a client
        // still sending megabytes sees only as a broken connection.
        let me = self.whoami()?;
        if me.role != "admin" || me.scope.is_some() {
            return Err(StoreError::Refused {
                status: 403,
                code: "forbidden".into(),
                message: format!(
                    "{} is a {}{}: imports need an admin token without a scope",
                    me.name,
                    me.role,
                    me.scope
                        .map(|s| format!(" limited to {s}"))
                        .unwrap_or_default()
                ),
            });
        }
        let mut form = reqwest::blocking::multipart::Form::new();
        for f in files {
            let name = f.path.file_name().map_or_else(
                || "file.csv".to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let part = reqwest::blocking::multipart::Part::bytes(f.bytes.clone())
                .file_name(name)
                .mime_str("text/csv")
                .map_err(|e| StoreError::Other(e.to_string()))?;
            form = form.part("file", part);
        }
        let req = self
            .client
            .post(format!("{}/api/v1/import", self.base))
            .timeout(Duration::from_secs(600))
            .multipart(form);
        let resp = self.send(req)?;
        self.decode("/api/v1/import", resp)
    }

    /// Events waiting to be sent.
    pub fn pending(&self) -> Result<Vec<Pending>, StoreError> {
        Ok(self.read_outbox()?.0)
    }

    /// Complete outbox lines this version cannot read (written by a newer govcheck, or
    /// edited by hand): never sent, never dropped, kept for the version that reads them.
    pub fn unreadable_outbox_lines(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.read_outbox()?.1)
    }

    /// The outbox as actions, and the complete lines that are not one. A torn last
    /// line (crash mid-append, no newline) is neither: it was never queued.
    fn read_outbox(&self) -> Result<(Vec<Pending>, Vec<String>), StoreError> {
        let p = self.outbox_file();
        let text = match std::fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Vec::new(), Vec::new()));
            }
            Err(e) => return Err(StoreError::io(&p, e)),
        };
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        let (mut items, mut unreadable) = (Vec::new(), Vec::new());
        for line in complete.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Pending>(line) {
                Ok(item) => items.push(item),
                Err(_) => unreadable.push(line.to_string()),
            }
        }
        Ok((items, unreadable))
    }

    fn queue(&self, items: &[Pending]) -> Result<(), StoreError> {
        let _lock = self.outbox_lock()?;
        append_lines(&self.outbox_file(), items)
    }

    /// Held while the outbox is appended to or flushed, so a console and a CLI command
    /// on the same host neither send an action twice nor lose one queued meanwhile.
    fn outbox_lock(&self) -> Result<std::fs::File, StoreError> {
        crate::perm::create_dir_all(&self.cache).map_err(|e| StoreError::io(&self.cache, e))?;
        let p = self.cache.join("outbox.lock");
        let f = crate::perm::open(OpenOptions::new().write(true), &p)
            .map_err(|e| StoreError::io(&p, e))?;
        f.lock().map_err(|e| StoreError::io(&p, e))?;
        Ok(f)
    }

    fn refused_file(&self) -> PathBuf {
        self.cache.join("refused.jsonl")
    }

    /// Offline actions the registry refused, oldest first, until dismissed.
    pub fn refused(&self) -> Result<Vec<RefusedAction>, StoreError> {
        let p = self.refused_file();
        match std::fs::read_to_string(&p) {
            Ok(t) => Ok(t
                .lines()
                .filter_map(|l| serde_json::from_str::<RefusedAction>(l).ok())
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(StoreError::io(&p, e)),
        }
    }

    /// Forget the refused actions (the supervisor has dealt with them).
    pub fn dismiss_refused(&self) -> Result<usize, StoreError> {
        let _lock = self.outbox_lock()?;
        let n = self.refused()?.len();
        let p = self.refused_file();
        match std::fs::remove_file(&p) {
            Ok(()) => Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(StoreError::io(&p, e)),
        }
    }

    /// Whether the finding's latest event is this action already: sent earlier, with
    /// the answer lost on the way back, so sending it again conflicts with itself.
    /// `Err(Unreachable)` when the server could not be asked: the action then keeps
    /// waiting rather than being filed as refused on the strength of a network blip.
    fn already_recorded(&self, p: &Pending) -> Result<bool, StoreError> {
        let f: FindingView =
            self.get(&format!("/api/v1/findings/{}", urlencode(&p.event.finding)))?;
        let Some(last) = f.events.last() else {
            return Ok(false);
        };
        Ok(last.kind == p.event.kind
            && last.note == p.event.note
            && last.by.name == p.event.by.name)
    }

    fn post_event(&self, p: &Pending) -> Result<u64, StoreError> {
        let (kind, to) = EventKindName::of(&p.event.kind)
            .map_err(|e| StoreError::Other(format!("finding {}: {e}", p.event.finding)))?;
        let based_on = match p.based_on {
            Some(v) => v,
            None => {
                let f: FindingView =
                    self.get(&format!("/api/v1/findings/{}", urlencode(&p.event.finding)))?;
                f.version
            }
        };
        let body = EventRequest {
            kind,
            note: p.event.note.clone(),
            to,
            channel: EventKindName::channel_of(&p.event.kind),
            based_on,
            os_user: p.event.by.os_user.clone(),
            ssh_client: p.event.by.ssh_client.clone(),
            request: p.event.kind.request().map(str::to_string),
        };
        let path = format!("/api/v1/findings/{}/events", urlencode(&p.event.finding));
        let resp = self
            .send(self.client.post(format!("{}{path}", self.base)).json(&body))
            .map_err(|e| match e {
                // The version the finding is at now, and who changed it: from the
                // error's typed detail, never from its message.
                SendError::Refused {
                    error:
                        Some(ErrorObject {
                            code: ErrorCode::Conflict,
                            detail: Some(detail),
                            ..
                        }),
                    ..
                } => StoreError::Conflict {
                    finding: p.event.finding.clone(),
                    expected: based_on,
                    actual: detail.finding.version,
                    last: detail.last_change.map(Box::new),
                },
                other => other.into(),
            })?;
        let created: EventCreated = self.decode(&path, resp)?;
        Ok(created.seq)
    }

    /// Send what waits in the outbox, oldest first. Stops at the first network error
    /// (the rest keep waiting); a refusal is reported and dropped.
    pub fn flush_outbox(&self) -> Result<FlushReport, StoreError> {
        let _lock = self.outbox_lock()?;
        let (items, unreadable) = self.read_outbox()?;
        let mut report = FlushReport::default();
        let mut rest = Vec::new();
        for (i, it) in items.iter().enumerate() {
            match self.post_event(it) {
                Ok(_) => report.sent += 1,
                Err(StoreError::Unreachable { .. }) => {
                    rest.extend_from_slice(&items[i..]);
                    break;
                }
                Err(e @ StoreError::Conflict { .. }) => match self.already_recorded(it) {
                    Ok(true) => report.sent += 1,
                    Err(StoreError::Unreachable { .. }) => {
                        rest.extend_from_slice(&items[i..]);
                        break;
                    }
                    Ok(false) | Err(_) => report.refused.push((it.clone(), e.to_string())),
                },
                Err(e) => report.refused.push((it.clone(), e.to_string())),
            }
        }
        report.waiting = rest.len();
        // The refusals are durable before the outbox forgets them.
        let now = chrono::Utc::now().fixed_offset();
        let refused: Vec<RefusedAction> = report
            .refused
            .iter()
            .map(|(action, reason)| RefusedAction {
                action: action.clone(),
                reason: reason.clone(),
                at: now,
            })
            .collect();
        if !refused.is_empty() {
            append_lines(&self.refused_file(), &refused)?;
        }
        if !items.is_empty() {
            let mut bytes = json_lines(&rest)?;
            for line in &unreadable {
                bytes.extend_from_slice(line.as_bytes());
                bytes.push(b'\n');
            }
            write_atomic(&self.outbox_file(), &bytes)?;
        }
        Ok(report)
    }
}

/// One JSON line per item (the outbox's and the refusals' format).
fn json_lines<T: Serialize>(items: &[T]) -> Result<Vec<u8>, StoreError> {
    let mut bytes = Vec::new();
    for it in items {
        bytes.extend(serde_json::to_vec(it).map_err(|e| StoreError::Other(e.to_string()))?);
        bytes.push(b'\n');
    }
    Ok(bytes)
}

/// Append one JSON line per item and fsync.
fn append_lines<T: Serialize>(p: &Path, items: &[T]) -> Result<(), StoreError> {
    let created = !p.exists();
    let mut f = crate::perm::open(OpenOptions::new().read(true).append(true), p)
        .map_err(|e| StoreError::io(p, e))?;
    cut_torn_tail(&mut f).map_err(|e| StoreError::io(p, e))?;
    f.write_all(&json_lines(items)?)
        .map_err(|e| StoreError::io(p, e))?;
    f.sync_data().map_err(|e| StoreError::io(p, e))?;
    if created && let Some(dir) = p.parent() {
        crate::atomic::sync_dir(dir)?;
    }
    Ok(())
}

/// Cut a torn last line (a crash mid-append, never reported done) before appending, so
/// the next line is not glued to the fragment and then dropped with it as unreadable.
fn cut_torn_tail(f: &mut std::fs::File) -> std::io::Result<()> {
    use std::io::Read;
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    let mut text = Vec::new();
    f.read_to_end(&mut text)?;
    let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if keep as u64 != len {
        f.set_len(keep as u64)?;
    }
    Ok(())
}

/// A fresh request key: 128 random bits in hex.
fn request_key() -> Result<String, StoreError> {
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw).map_err(|e| StoreError::Other(format!("random key: {e}")))?;
    Ok(raw.iter().map(|b| format!("{b:02x}")).collect())
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A request that did not get its answer: the link failed, or the server refused it
/// with (when its body was the error envelope) its typed error.
enum SendError {
    Store(StoreError),
    Refused {
        status: u16,
        error: Option<ErrorObject>,
    },
}

impl From<SendError> for StoreError {
    fn from(e: SendError) -> StoreError {
        match e {
            SendError::Store(e) => e,
            SendError::Refused { status, error } => StoreError::Refused {
                status,
                code: error
                    .as_ref()
                    .map_or("unknown", |e| e.code.as_str())
                    .to_string(),
                message: error.map_or_else(|| "(no message)".to_string(), |e| e.message),
            },
        }
    }
}

impl RegistrySource for RemoteStore {
    fn describe(&self) -> String {
        self.base.clone()
    }

    fn load(&self) -> Result<Snapshot, StoreError> {
        match self.fetch() {
            Ok(s) => {
                // The link is up: send what waited offline before anyone reads stale data.
                if self.outbox_file().exists() {
                    let _ = self.flush_outbox();
                    return self.fetch();
                }
                Ok(s)
            }
            Err(e @ StoreError::Unreachable { .. }) => self.load_cache().map_err(|_| e),
            Err(e) => Err(e),
        }
    }

    fn change_token(&self) -> Result<u64, StoreError> {
        let health: Health = self.get("/api/v1/health")?;
        Ok(health.seq)
    }

    fn append_events(&self, events: Vec<(Event, Option<u32>)>) -> Result<u64, StoreError> {
        let items: Vec<Pending> = events
            .into_iter()
            .map(|(mut event, based_on)| {
                // The key goes with the reminder into the outbox, so every resend of it
                // is the same request.
                if let EventKind::Reminded { request, .. } = &mut event.kind
                    && request.is_none()
                {
                    *request = Some(request_key()?);
                }
                Ok(Pending { event, based_on })
            })
            .collect::<Result<_, StoreError>>()?;
        let mut seq = 0;
        for (i, it) in items.iter().enumerate() {
            match self.post_event(it) {
                Ok(s) => seq = s,
                Err(StoreError::Unreachable { .. }) => {
                    // Sent later, the action must not land on changes nobody here has
                    // seen: it is based on the finding as the last copy shows it.
                    let mut waiting = items[i..].to_vec();
                    let known = self.last_known();
                    for w in waiting.iter_mut().filter(|w| w.based_on.is_none()) {
                        w.based_on = known.as_ref().and_then(|snap| {
                            let idx = snap.registry.finding_index(&w.event.finding)?;
                            Some(snap.registry.state(idx).version)
                        });
                    }
                    self.queue(&waiting)?;
                    return Err(StoreError::Queued {
                        path: self.outbox_file(),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(seq)
    }

    fn refused_offline(&self) -> usize {
        self.refused().map_or(0, |r| r.len())
    }

    fn pending_findings(&self) -> std::collections::BTreeSet<String> {
        self.pending()
            .map(|p| p.into_iter().map(|w| w.event.finding).collect())
            .unwrap_or_default()
    }

    fn identity(&self) -> Option<String> {
        self.whoami().ok().map(|i| match i.scope {
            Some(sc) => format!("{} ({}, {sc})", i.name, i.role),
            None => format!("{} ({})", i.name, i.role),
        })
    }

    fn posts(&self) -> Result<Posts, StoreError> {
        let resp = self.send(self.client.get(format!("{}/api/v1/posts", self.base)))?;
        let text = resp.text().map_err(|e| self.unreachable(e))?;
        crate::posts::parse_posts(Path::new(&self.base), &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn append_after_a_torn_line_keeps_the_new_line_readable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("outbox.jsonl");
        std::fs::write(&p, "{\"a\":1}\n{\"a\":").expect("torn file");
        append_lines(&p, &[json!({"a": 2})]).expect("append");
        let text = std::fs::read_to_string(&p).expect("read");
        assert_eq!(text, "{\"a\":1}\n{\"a\":2}\n");
    }

    #[test]
    fn append_creates_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("refused.jsonl");
        append_lines(&p, &[json!({"a": 1}), json!({"a": 2})]).expect("append");
        let text = std::fs::read_to_string(&p).expect("read");
        assert_eq!(text, "{\"a\":1}\n{\"a\":2}\n");
    }
}
