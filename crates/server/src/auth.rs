//! Bearer tokens for the registry server. The tokens file holds only SHA-256 hashes, so
//! a copied file grants nothing; a token is shown once, when it is created.
//!
//! A running server sees the file as it is now: `token revoke` must stop a token at the
//! very next request, and `token create` must let a new one in, without a restart. So
//! every verification looks at the file (one `stat`) and reads it again when it may
//! have changed; a file that can no longer be read or parsed refuses everyone (fail
//! closed) rather than keep serving a set of tokens that may include revoked ones.
//!
//! A token's scope is bound to the region's *code* when the token is created: names
//! change and repeat (an import may rename 舟山市 and add another 舟山市 elsewhere), a
//! code does not, so no import can widen or move what a token may act on.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use govcheck_domain::region::RegionTree;
use govcheck_store::atomic::write_atomic_private;

/// What a token may do. Each role includes the ones before it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read everything.
    Viewer,
    /// Read, and append remediation events to findings within the token's scope.
    Supervisor,
    /// Everything, including imports.
    Admin,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

/// One entry of the tokens file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    /// Short id (the first 8 hex digits of the hash), for listing and revoking.
    pub id: String,
    /// Display name: recorded as who did what, and in the access log.
    pub name: String,
    pub role: Role,
    /// The scope's region for people to read: its name when the token was created.
    /// (Tokens created before scopes were bound to codes hold what was typed here.)
    /// `None` with no `scope_code`: everywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The code of the region the token may act in (and below), fixed when the token
    /// is created. Only this decides; the name beside it is never looked up again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_code: Option<String>,
    /// SHA-256 of the token, hex.
    pub hash: String,
    pub created_at: DateTime<FixedOffset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<FixedOffset>>,
}

/// Why a scoped token may not act: the server refuses it (403) and logs this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// An entry from before scopes were bound to codes whose scope is not itself a
    /// code: a name can have been renamed or repeated since, so it is not trusted.
    #[error(
        "scope {scope:?} is not bound to a region code (a token from an older govcheck); create a new token with `govcheck token create --scope`"
    )]
    Unbound { scope: String },
    /// The region the token was bound to is no longer in the registry.
    #[error("scope region {code} ({scope}) is no longer in the registry")]
    Gone { code: String, scope: String },
}

impl TokenEntry {
    /// Limited to a region (whether or not that region still resolves).
    pub fn is_scoped(&self) -> bool {
        self.scope.is_some() || self.scope_code.is_some()
    }

    /// The region the token may act in, by exact code only: `Ok(None)` for an
    /// unscoped token. An old entry without `scope_code` is honoured only when its
    /// `scope` text is itself a code of the registry.
    pub fn scope_region(&self, tree: &RegionTree) -> Result<Option<usize>, ScopeError> {
        let code = match (&self.scope_code, &self.scope) {
            (None, None) => return Ok(None),
            (Some(code), _) => code.trim(),
            (None, Some(text)) => {
                let text = text.trim();
                if tree.by_code(text).is_none() {
                    return Err(ScopeError::Unbound {
                        scope: text.to_string(),
                    });
                }
                text
            }
        };
        tree.by_code(code)
            .map(Some)
            .ok_or_else(|| ScopeError::Gone {
                code: code.to_string(),
                scope: self.scope.clone().unwrap_or_default(),
            })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    version: u32,
    tokens: Vec<TokenEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}, line {line}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Store(#[from] govcheck_store::StoreError),
    #[error("no token named or with id {0:?}")]
    NotFound(String),
    #[error("the system random source failed: {0}")]
    Random(String),
}

/// Why a presented token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No live token has that hash (unknown or revoked): 401.
    Unknown,
    /// The tokens file cannot be read or parsed just now: nobody is let in until it
    /// is fixed (the reason is logged once, and given here).
    Unavailable(String),
}

/// What identifies one version of the tokens file without reading it. `token
/// create/revoke` replace the file by rename, so the inode changes with every write;
/// length and both timestamps (to the nanosecond where the filesystem keeps them)
/// catch an editor writing in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    dev: u64,
    ino: u64,
    ctime: i64,
    ctime_nsec: i64,
}

/// Within this long of a file's timestamps, another write may still carry the same
/// timestamps (filesystems tick coarsely): such a file is compared by content on every
/// verification until it is older (git's "racily clean" rule).
const RACY: Duration = Duration::from_secs(2);

impl Stamp {
    fn of(m: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let (dev, ino, ctime, ctime_nsec) = {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino(), m.ctime(), m.ctime_nsec())
        };
        #[cfg(not(unix))]
        let (dev, ino, ctime, ctime_nsec) = (0, 0, 0, 0);
        Stamp {
            len: m.len(),
            modified: m.modified().ok(),
            dev,
            ino,
            ctime,
            ctime_nsec,
        }
    }

    /// Whether a write after `read_at` could leave the stamp as it is.
    fn is_racy(&self, read_at: SystemTime) -> bool {
        if cfg!(not(unix)) {
            return true;
        }
        let ctime = u64::try_from(self.ctime)
            .ok()
            .map(|s| SystemTime::UNIX_EPOCH + Duration::new(s, 0));
        let newest = [self.modified, ctime].into_iter().flatten().max();
        match (newest, read_at.checked_sub(RACY)) {
            (Some(t), Some(settled)) => t >= settled,
            _ => true,
        }
    }
}

/// The tokens file as last read, and how to tell whether it changed since.
#[derive(Debug)]
struct Seen {
    /// `None`: the file did not exist (no tokens).
    stamp: Option<Stamp>,
    /// The bytes behind `set` (`None`: no file), so a touch is not a change.
    bytes: Option<Vec<u8>>,
    /// Read too soon after it was written for the stamp alone to be trusted.
    racy: bool,
    set: Result<Arc<TokensFile>, String>,
}

/// The tokens of a server, from its file, as the file is now.
#[derive(Debug)]
pub struct Tokens {
    path: PathBuf,
    seen: Mutex<Seen>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a token, hex.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// A new token and its hash: 24 random bytes, hex, prefixed `gct_`.
fn new_token() -> Result<(String, String), TokenError> {
    let mut raw = [0u8; 24];
    getrandom::fill(&mut raw).map_err(|e| TokenError::Random(e.to_string()))?;
    let token = format!("gct_{}", hex(&raw));
    let hash = hash_token(&token);
    Ok((token, hash))
}

/// Compare without leaking where the first difference is.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Parse the file's bytes (`None`: no file, which is no tokens).
fn parse(path: &Path, bytes: Option<&[u8]>) -> Result<TokensFile, TokenError> {
    let Some(bytes) = bytes else {
        return Ok(TokensFile {
            version: 1,
            tokens: Vec::new(),
        });
    };
    let file: TokensFile = serde_json::from_slice(bytes).map_err(|e| TokenError::Invalid {
        path: path.to_path_buf(),
        line: e.line(),
        message: e.to_string(),
    })?;
    if file.version != 1 {
        return Err(TokenError::Invalid {
            path: path.to_path_buf(),
            line: 1,
            message: format!(
                "tokens file version {} is not supported (1 is)",
                file.version
            ),
        });
    }
    Ok(file)
}

/// Stat and read the file: its stamp and bytes, both `None` when it does not exist.
fn read(path: &Path) -> Result<(Option<Stamp>, Option<Vec<u8>>), TokenError> {
    let io = |e| TokenError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let stamp = match std::fs::metadata(path) {
        Ok(m) => Stamp::of(&m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((None, None)),
        Err(e) => return Err(io(e)),
    };
    match std::fs::read(path) {
        Ok(b) => Ok((Some(stamp), Some(b))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((None, None)),
        Err(e) => Err(io(e)),
    }
}

impl Tokens {
    /// Load the file; a missing file is no tokens (every request is then refused).
    /// Unlike later re-reads, a file that cannot be used is an error here.
    pub fn load(path: &Path) -> Result<Tokens, TokenError> {
        let read_at = SystemTime::now();
        let (stamp, bytes) = read(path)?;
        let file = parse(path, bytes.as_deref())?;
        Ok(Tokens {
            path: path.to_path_buf(),
            seen: Mutex::new(Seen {
                stamp,
                racy: stamp.is_none_or(|s| s.is_racy(read_at)),
                bytes,
                set: Ok(Arc::new(file)),
            }),
        })
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        // A panic elsewhere while the lock was held leaves `Seen` whole (every field
        // is replaced in one assignment), so a poisoned lock is still usable.
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The entries as last read (without looking at the file again): for listing.
    pub fn entries(&self) -> Vec<TokenEntry> {
        self.seen()
            .set
            .as_ref()
            .map(|f| f.tokens.clone())
            .unwrap_or_default()
    }

    /// The file as it is now: re-read when its stamp changed or cannot be trusted yet.
    fn current(&self) -> Result<Arc<TokensFile>, String> {
        let mut seen = self.seen();
        let stamp = match std::fs::metadata(&self.path) {
            Ok(m) => Some(Stamp::of(&m)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                let reason = format!("{}: {e}", self.path.display());
                self.fail(&mut seen, reason.clone());
                return Err(reason);
            }
        };
        if stamp == seen.stamp && !seen.racy {
            return seen.set.clone();
        }
        let read_at = SystemTime::now();
        let (stamp, bytes) = match read(&self.path) {
            Ok(r) => r,
            Err(e) => {
                let reason = e.to_string();
                self.fail(&mut seen, reason.clone());
                return Err(reason);
            }
        };
        let racy = stamp.is_none_or(|s| s.is_racy(read_at));
        if bytes == seen.bytes && seen.set.is_ok() {
            seen.stamp = stamp;
            seen.racy = racy;
            return seen.set.clone();
        }
        match parse(&self.path, bytes.as_deref()) {
            Ok(file) => {
                if seen.set.is_err() {
                    tracing::info!(
                        "govcheck serve: {} is usable again; tokens are checked against it",
                        self.path.display()
                    );
                }
                *seen = Seen {
                    stamp,
                    bytes,
                    racy,
                    set: Ok(Arc::new(file)),
                };
                seen.set.clone()
            }
            Err(e) => {
                let reason = e.to_string();
                self.fail(&mut seen, reason.clone());
                // Remember these bytes as unusable: no re-parse until they change.
                seen.stamp = stamp;
                seen.bytes = bytes;
                seen.racy = racy;
                Err(reason)
            }
        }
    }

    /// Refuse everyone from now on, saying why once (not on every request).
    fn fail(&self, seen: &mut Seen, reason: String) {
        if seen.set.as_ref().err() != Some(&reason) {
            tracing::warn!(
                "govcheck serve: the tokens file cannot be used, every request is refused until it is fixed: {}",
                govcheck_domain::text::sanitize(&reason)
            );
        }
        seen.stamp = None;
        seen.bytes = None;
        seen.racy = true;
        seen.set = Err(reason);
    }

    /// The live entry for a presented token, checked against the file as it is now.
    pub fn check(&self, token: &str) -> Result<TokenEntry, Refusal> {
        let file = self.current().map_err(Refusal::Unavailable)?;
        let h = hash_token(token.trim());
        file.tokens
            .iter()
            .find(|t| t.revoked_at.is_none() && same(&t.hash, &h))
            .cloned()
            .ok_or(Refusal::Unknown)
    }

    /// The live entry for a presented token, if any (see [`Tokens::check`]).
    pub fn verify(&self, token: &str) -> Option<TokenEntry> {
        self.check(token).ok()
    }

    /// Hold the tokens file's lock (a `.NAME.lock` file beside it) while changing it:
    /// two `token` commands at once must not lose each other's change — a lost
    /// revocation would leave a token working.
    fn lock(&self) -> Result<std::fs::File, TokenError> {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "tokens".into());
        let p = self.path.with_file_name(format!(".{name}.lock"));
        let io = |e| TokenError::Io {
            path: p.clone(),
            source: e,
        };
        let mut open = std::fs::OpenOptions::new();
        open.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        let f = open.open(&p).map_err(io)?;
        f.lock().map_err(io)?;
        Ok(f)
    }

    /// The file as it is now, read under the lock, for changing it: never an older copy
    /// (another command may have changed it since this one loaded it). An unusable file
    /// is not changed.
    fn editable(&self) -> Result<TokensFile, TokenError> {
        let (_, bytes) = read(&self.path)?;
        parse(&self.path, bytes.as_deref())
    }

    /// Create a token; returns the token text (shown once) and saves the file (0600).
    /// `scope` is `(name, code)`: the region's name for display and its code.
    pub fn create(
        &mut self,
        name: &str,
        role: Role,
        scope: Option<(String, String)>,
        now: DateTime<FixedOffset>,
    ) -> Result<String, TokenError> {
        self.create_shared(name, role, scope, now)
    }

    fn create_shared(
        &self,
        name: &str,
        role: Role,
        scope: Option<(String, String)>,
        now: DateTime<FixedOffset>,
    ) -> Result<String, TokenError> {
        let _lock = self.lock()?;
        let mut file = self.editable()?;
        let (token, hash) = new_token()?;
        let (scope, scope_code) = scope.unzip();
        file.tokens.push(TokenEntry {
            id: hash[..8].to_string(),
            name: name.to_string(),
            role,
            scope,
            scope_code,
            hash,
            created_at: now,
            revoked_at: None,
        });
        self.save(file)?;
        Ok(token)
    }

    /// Revoke by id or by name (all live tokens of that name).
    pub fn revoke(&mut self, which: &str, now: DateTime<FixedOffset>) -> Result<usize, TokenError> {
        self.revoke_shared(which, now)
    }

    fn revoke_shared(&self, which: &str, now: DateTime<FixedOffset>) -> Result<usize, TokenError> {
        let _lock = self.lock()?;
        let mut file = self.editable()?;
        let mut n = 0;
        for t in &mut file.tokens {
            if t.revoked_at.is_none() && (t.id == which || t.name == which) {
                t.revoked_at = Some(now);
                n += 1;
            }
        }
        if n == 0 {
            return Err(TokenError::NotFound(which.to_string()));
        }
        self.save(file)?;
        Ok(n)
    }

    fn save(&self, file: TokensFile) -> Result<(), TokenError> {
        if file.version == 0 {
            return Err(TokenError::Invalid {
                path: self.path.clone(),
                line: 1,
                message: "uninitialised tokens file".into(),
            });
        }
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| TokenError::Invalid {
            path: self.path.clone(),
            line: 1,
            message: e.to_string(),
        })?;
        // Private from its creation: never readable by others, not even for a moment.
        write_atomic_private(&self.path, &bytes)?;
        // The next verification reads the file again rather than trust this copy.
        *self.seen() = Seen {
            stamp: None,
            bytes: Some(bytes),
            racy: true,
            set: Ok(Arc::new(file)),
        };
        Ok(())
    }
}

/// Where a server's tokens are kept: a tokens file ([`Tokens`], `--tokens FILE`) or the
/// registry's PostgreSQL database ([`DbTokens`], `--database postgres://…`). The
/// server and the `token` commands are written against this alone; the hashing, the
/// token format and the roles are the same for both.
pub trait TokenStore: Send + Sync {
    /// The live entry for a presented token, checked against the store as it is now.
    fn check(&self, token: &str) -> Result<TokenEntry, Refusal>;
    /// The live entry for a presented token, if any (see [`TokenStore::check`]).
    fn verify(&self, token: &str) -> Option<TokenEntry> {
        self.check(token).ok()
    }
    /// Every entry, revoked ones included (for listing).
    fn list(&self) -> Result<Vec<TokenEntry>, TokenError>;
    /// Create a token; returns its text, shown once (only its hash is kept).
    fn issue(
        &self,
        name: &str,
        role: Role,
        scope: Option<(String, String)>,
        now: DateTime<FixedOffset>,
    ) -> Result<String, TokenError>;
    /// Revoke by id or by name (all live tokens of that name); how many.
    fn withdraw(&self, which: &str, now: DateTime<FixedOffset>) -> Result<usize, TokenError>;
    /// Where the tokens are, for messages (`the tokens file /etc/…`).
    fn describe(&self) -> String;
}

impl TokenStore for Tokens {
    fn check(&self, token: &str) -> Result<TokenEntry, Refusal> {
        Tokens::check(self, token)
    }
    fn list(&self) -> Result<Vec<TokenEntry>, TokenError> {
        Ok(self.entries())
    }
    fn issue(
        &self,
        name: &str,
        role: Role,
        scope: Option<(String, String)>,
        now: DateTime<FixedOffset>,
    ) -> Result<String, TokenError> {
        self.create_shared(name, role, scope, now)
    }
    fn withdraw(&self, which: &str, now: DateTime<FixedOffset>) -> Result<usize, TokenError> {
        self.revoke_shared(which, now)
    }
    fn describe(&self) -> String {
        format!("the tokens file {}", self.path.display())
    }
}

/// The tokens in the registry's PostgreSQL database (table `tokens`), shared by every
/// server over it. Each presented token is looked up by its hash on every request, not
/// cached: a revocation made through any server or `govcheck token revoke --database`
/// holds on the next request to every server. A database that cannot be asked refuses
/// everyone (fail closed), as an unreadable tokens file does.
pub struct DbTokens {
    store: Arc<govcheck_store::postgres::PgStore>,
}

impl DbTokens {
    pub fn new(store: Arc<govcheck_store::postgres::PgStore>) -> DbTokens {
        DbTokens { store }
    }

    fn entry(&self, row: govcheck_store::postgres::tokens::TokenRow) -> Result<TokenEntry, String> {
        let role = match row.role.as_str() {
            "viewer" => Role::Viewer,
            "supervisor" => Role::Supervisor,
            "admin" => Role::Admin,
            other => return Err(format!("token {}: role {other:?}", row.id)),
        };
        let time = |t: &str| {
            DateTime::parse_from_rfc3339(t)
                .map_err(|e| format!("token {}: time {t:?}: {e}", row.id))
        };
        Ok(TokenEntry {
            created_at: time(&row.created_at)?,
            revoked_at: row.revoked_at.as_deref().map(time).transpose()?,
            id: row.id,
            name: row.name,
            role,
            scope: row.scope,
            scope_code: row.scope_code,
            hash: row.hash,
        })
    }

    fn invalid(&self, message: String) -> TokenError {
        TokenError::Invalid {
            path: self.store.name().into(),
            line: 0,
            message,
        }
    }
}

impl TokenStore for DbTokens {
    fn check(&self, token: &str) -> Result<TokenEntry, Refusal> {
        let h = hash_token(token.trim());
        match self.store.live_token(&h) {
            Ok(Some(row)) => self.entry(row).map_err(|reason| {
                tracing::warn!(
                    "govcheck serve: {}",
                    govcheck_domain::text::sanitize(&reason)
                );
                Refusal::Unavailable(reason)
            }),
            Ok(None) => Err(Refusal::Unknown),
            Err(e) => {
                let reason = e.to_string();
                tracing::warn!(
                    "govcheck serve: the tokens cannot be checked, the request is refused: {}",
                    govcheck_domain::text::sanitize(&reason)
                );
                Err(Refusal::Unavailable(reason))
            }
        }
    }
    fn list(&self) -> Result<Vec<TokenEntry>, TokenError> {
        self.store
            .token_rows()?
            .into_iter()
            .map(|r| self.entry(r).map_err(|m| self.invalid(m)))
            .collect()
    }
    fn issue(
        &self,
        name: &str,
        role: Role,
        scope: Option<(String, String)>,
        now: DateTime<FixedOffset>,
    ) -> Result<String, TokenError> {
        let (token, hash) = new_token()?;
        let (scope, scope_code) = scope.unzip();
        self.store
            .insert_token(&govcheck_store::postgres::tokens::TokenRow {
                id: hash[..8].to_string(),
                hash,
                name: name.to_string(),
                role: role.as_str().to_string(),
                scope,
                scope_code,
                created_at: now.to_rfc3339(),
                revoked_at: None,
            })?;
        Ok(token)
    }
    fn withdraw(&self, which: &str, now: DateTime<FixedOffset>) -> Result<usize, TokenError> {
        match self.store.revoke_tokens(which, &now.to_rfc3339())? {
            0 => Err(TokenError::NotFound(which.to_string())),
            n => Ok(n),
        }
    }
    fn describe(&self) -> String {
        format!("the database {}", self.store.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use govcheck_domain::region::Region;

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").expect("t")
    }

    fn zhoushan() -> Option<(String, String)> {
        Some(("舟山市".into(), "330900".into()))
    }

    #[test]
    fn create_verify_revoke() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("tokens.json");
        let mut t = Tokens::load(&p).expect("empty");
        let tok = t
            .create("张三", Role::Supervisor, zhoushan(), now())
            .expect("create");
        assert!(tok.starts_with("gct_") && tok.len() == 52);
        let text = std::fs::read_to_string(&p).expect("file");
        assert!(!text.contains(&tok), "only the hash is stored");
        assert!(text.contains("\"scope_code\": \"330900\""), "{text}");
        let t = Tokens::load(&p).expect("load");
        assert_eq!(t.verify(&tok).map(|e| e.name), Some("张三".to_string()));
        assert_eq!(t.check("gct_wrong"), Err(Refusal::Unknown));
        let mut t = t;
        assert_eq!(t.revoke("张三", now()).expect("revoke"), 1);
        assert!(Tokens::load(&p).expect("load").verify(&tok).is_none());
        assert!(matches!(
            t.revoke("nobody", now()),
            Err(TokenError::NotFound(_))
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    /// Each change is made to the file as it is, not to the copy a command loaded: a
    /// creation by one command survives a revocation by another that loaded earlier,
    /// and commands running at once lose nothing (they take the file's lock).
    #[test]
    fn changes_are_made_to_the_file_as_it_is_and_none_is_lost() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("tokens.json");
        let mut early = Tokens::load(&p).expect("early");
        early.create("甲", Role::Viewer, None, now()).expect("甲");
        let mut stale = Tokens::load(&p).expect("stale");
        let b = Tokens::load(&p)
            .expect("other")
            .create("乙", Role::Viewer, None, now())
            .expect("乙");
        stale.revoke("甲", now()).expect("revoke 甲");
        let served = Tokens::load(&p).expect("served");
        assert!(served.verify(&b).is_some(), "乙 was not lost");
        assert!(
            served
                .entries()
                .iter()
                .any(|e| e.name == "甲" && e.revoked_at.is_some())
        );

        let made: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    let p = &p;
                    s.spawn(move || {
                        (0..5)
                            .map(|i| {
                                Tokens::load(p)
                                    .expect("load")
                                    .create(&format!("丙{t}-{i}"), Role::Viewer, None, now())
                                    .expect("create")
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("thread"))
                .collect()
        });
        let served = Tokens::load(&p).expect("served");
        for tok in &made {
            assert!(
                served.verify(tok).is_some(),
                "a token made at once was lost"
            );
        }
    }

    #[test]
    fn a_broken_file_names_its_line() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("tokens.json");
        std::fs::write(&p, "{\"version\": 1,\n \"tokens\": [ {\"nme\": 1} ]}").expect("w");
        let e = Tokens::load(&p).expect_err("bad");
        assert!(e.to_string().contains("line 2"), "{e}");
    }

    /// The server's copy sees what `token create` / `token revoke` (another process,
    /// here another `Tokens`) wrote, at the very next verification.
    #[test]
    fn a_served_set_sees_creations_and_revocations_at_once() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("tokens.json");
        let served = Tokens::load(&p).expect("no file yet");
        let first = Tokens::load(&p)
            .expect("cli")
            .create("甲", Role::Viewer, None, now())
            .expect("create");
        assert_eq!(served.verify(&first).map(|e| e.name), Some("甲".into()));
        // Create and revoke in the same second, over and over: every state is seen.
        for i in 0..5 {
            let mut cli = Tokens::load(&p).expect("cli");
            let name = format!("乙{i}");
            let tok = cli.create(&name, Role::Viewer, None, now()).expect("c");
            assert!(served.verify(&tok).is_some(), "new token {i} let in");
            Tokens::load(&p)
                .expect("cli")
                .revoke(&name, now())
                .expect("revoke");
            assert_eq!(served.check(&tok), Err(Refusal::Unknown), "revoked {i}");
        }
        assert!(served.verify(&first).is_some());
    }

    /// An in-place edit that keeps the inode and the length (a hand edit, a restored
    /// copy) is still seen, however soon it follows.
    #[test]
    fn an_in_place_edit_of_the_same_length_is_seen() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("tokens.json");
        let tok = Tokens::load(&p)
            .expect("cli")
            .create("甲", Role::Admin, None, now())
            .expect("create");
        let served = Tokens::load(&p).expect("served");
        assert!(served.verify(&tok).is_some());
        let text = std::fs::read_to_string(&p).expect("read");
        let hash = hash_token(&tok);
        let flipped = format!(
            "{}{}",
            if hash.starts_with('0') { '1' } else { '0' },
            &hash[1..]
        );
        let edited = text.replace(&hash, &flipped);
        assert_ne!(edited, text);
        assert_eq!(edited.len(), text.len());
        std::fs::write(&p, &edited).expect("edit in place");
        assert_eq!(served.check(&tok), Err(Refusal::Unknown), "the edit counts");
    }

    /// A file that becomes unusable refuses everyone (not the stale set), and a
    /// repaired one lets the live tokens in again.
    #[test]
    fn an_unusable_file_fails_closed() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("tokens.json");
        let tok = Tokens::load(&p)
            .expect("cli")
            .create("甲", Role::Admin, None, now())
            .expect("create");
        let good = std::fs::read(&p).expect("read");
        let served = Tokens::load(&p).expect("served");
        assert!(served.verify(&tok).is_some());
        std::fs::write(&p, b"{ not json").expect("break");
        match served.check(&tok) {
            Err(Refusal::Unavailable(why)) => assert!(why.contains("tokens.json"), "{why}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(served.verify(&tok).is_none(), "still refused");
        assert!(
            matches!(Tokens::load(&p), Err(TokenError::Invalid { line: 1, .. })),
            "the CLI says why"
        );
        std::fs::write(&p, &good).expect("repair");
        assert!(served.verify(&tok).is_some(), "usable again");
    }

    fn tree() -> RegionTree {
        let r = |code: &str, name: &str, parent: Option<&str>| Region {
            code: code.into(),
            name: name.into(),
            parent: parent.map(Into::into),
        };
        RegionTree::new(vec![
            r("330000", "浙江省", None),
            r("330900", "舟山", Some("330000")),
            r("330700", "金华市", Some("330000")),
            r("330799", "舟山市", Some("330700")),
        ])
    }

    fn entry(scope: Option<&str>, code: Option<&str>) -> TokenEntry {
        TokenEntry {
            id: "abcd1234".into(),
            name: "张三".into(),
            role: Role::Supervisor,
            scope: scope.map(Into::into),
            scope_code: code.map(Into::into),
            hash: String::new(),
            created_at: now(),
            revoked_at: None,
        }
    }

    /// A scope is its code: the name beside it is never looked up, so a renamed
    /// region keeps its tokens and a new region of the old name gains none.
    #[test]
    fn a_scope_is_its_code_never_its_name() {
        let t = tree();
        let bound = entry(Some("浙江省/舟山市"), Some("330900"));
        assert_eq!(bound.scope_region(&t), Ok(t.by_code("330900")));
        assert_eq!(entry(None, None).scope_region(&t), Ok(None));
        assert!(matches!(
            entry(Some("浙江省/岱山"), Some("330921")).scope_region(&t),
            Err(ScopeError::Gone { code, .. }) if code == "330921"
        ));
        // Old entries: a code is still a code; a name is not trusted.
        assert_eq!(
            entry(Some("330900"), None).scope_region(&t),
            Ok(t.by_code("330900"))
        );
        assert!(matches!(
            entry(Some("舟山市"), None).scope_region(&t),
            Err(ScopeError::Unbound { .. })
        ));
        assert!(entry(None, Some("330900")).is_scoped());
    }

    #[test]
    fn old_entries_without_a_code_still_load() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("tokens.json");
        std::fs::write(
            &p,
            r#"{"version":1,"tokens":[{"id":"abcd1234","name":"张三","role":"supervisor","scope":"舟山市","hash":"00","created_at":"2026-11-22T10:00:00+08:00"}]}"#,
        )
        .expect("w");
        let t = Tokens::load(&p).expect("load");
        let e = &t.entries()[0];
        assert_eq!(e.scope.as_deref(), Some("舟山市"));
        assert_eq!(e.scope_code, None);
    }
}
