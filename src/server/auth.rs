//! Bearer tokens for the registry server. The tokens file holds only SHA-256 hashes, so
//! a copied file grants nothing; a token is shown once, when it is created.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::atomic::write_atomic_private;

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
    /// Region (code, path or unique name) the token may act in; `None`: everywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// SHA-256 of the token, hex.
    pub hash: String,
    pub created_at: DateTime<FixedOffset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<FixedOffset>>,
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
    Store(#[from] crate::store::StoreError),
    #[error("no token named or with id {0:?}")]
    NotFound(String),
    #[error("the system random source failed: {0}")]
    Random(String),
}

/// The tokens of a server, loaded from its file.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    path: PathBuf,
    file: TokensFile,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a token, hex.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Compare without leaking where the first difference is.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Tokens {
    /// Load the file; a missing file is no tokens (every request is then refused).
    pub fn load(path: &Path) -> Result<Tokens, TokenError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Tokens {
                    path: path.to_path_buf(),
                    file: TokensFile {
                        version: 1,
                        tokens: Vec::new(),
                    },
                });
            }
            Err(e) => {
                return Err(TokenError::Io {
                    path: path.to_path_buf(),
                    source: e,
                });
            }
        };
        let file: TokensFile = serde_json::from_str(&text).map_err(|e| TokenError::Invalid {
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
        Ok(Tokens {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn entries(&self) -> &[TokenEntry] {
        &self.file.tokens
    }

    /// The live entry for a presented token.
    pub fn verify(&self, token: &str) -> Option<&TokenEntry> {
        let h = hash_token(token.trim());
        self.file
            .tokens
            .iter()
            .find(|t| t.revoked_at.is_none() && same(&t.hash, &h))
    }

    /// Create a token; returns the token text (shown once) and saves the file (0600).
    pub fn create(
        &mut self,
        name: &str,
        role: Role,
        scope: Option<String>,
        now: DateTime<FixedOffset>,
    ) -> Result<String, TokenError> {
        let mut raw = [0u8; 24];
        getrandom::fill(&mut raw).map_err(|e| TokenError::Random(e.to_string()))?;
        let token = format!("gct_{}", hex(&raw));
        let hash = hash_token(&token);
        self.file.tokens.push(TokenEntry {
            id: hash[..8].to_string(),
            name: name.to_string(),
            role,
            scope,
            hash,
            created_at: now,
            revoked_at: None,
        });
        self.save()?;
        Ok(token)
    }

    /// Revoke by id or by name (all live tokens of that name).
    pub fn revoke(&mut self, which: &str, now: DateTime<FixedOffset>) -> Result<usize, TokenError> {
        let mut n = 0;
        for t in &mut self.file.tokens {
            if t.revoked_at.is_none() && (t.id == which || t.name == which) {
                t.revoked_at = Some(now);
                n += 1;
            }
        }
        if n == 0 {
            return Err(TokenError::NotFound(which.to_string()));
        }
        self.save()?;
        Ok(n)
    }

    fn save(&self) -> Result<(), TokenError> {
        if self.file.version == 0 {
            return Err(TokenError::Invalid {
                path: self.path.clone(),
                line: 1,
                message: "uninitialised tokens file".into(),
            });
        }
        let bytes = serde_json::to_vec_pretty(&self.file).map_err(|e| TokenError::Invalid {
            path: self.path.clone(),
            line: 1,
            message: e.to_string(),
        })?;
        write_atomic_private(&self.path, &bytes)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o600)).map_err(
                |e| TokenError::Io {
                    path: self.path.clone(),
                    source: e,
                },
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").expect("t")
    }

    #[test]
    fn create_verify_revoke() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("tokens.json");
        let mut t = Tokens::load(&p).expect("empty");
        let tok = t
            .create("张三", Role::Supervisor, Some("330900".into()), now())
            .expect("create");
        assert!(tok.starts_with("gct_") && tok.len() == 52);
        let text = std::fs::read_to_string(&p).expect("file");
        assert!(!text.contains(&tok), "only the hash is stored");
        let t = Tokens::load(&p).expect("load");
        assert_eq!(t.verify(&tok).map(|e| e.name.as_str()), Some("张三"));
        assert!(t.verify("gct_wrong").is_none());
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

    #[test]
    fn a_broken_file_names_its_line() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("tokens.json");
        std::fs::write(&p, "{\"version\": 1,\n \"tokens\": [ {\"nme\": 1} ]}").expect("w");
        let e = Tokens::load(&p).expect_err("bad");
        assert!(e.to_string().contains("line 2"), "{e}");
    }
}
