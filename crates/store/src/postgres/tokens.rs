//! The registry server's tokens in the database (table `tokens`, migration V3), for
//! servers that share one: what a tokens file holds, one row per token. The server's
//! token rules (hashing, roles, scopes) stay in govcheck-server; this is storage only.
//! A token is looked up by its hash on every request, so a revocation made anywhere
//! holds on the very next request to any server.

use super::PgStore;
use super::codec_pg::db;
use crate::error::StoreError;

/// One row of `tokens`, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// SHA-256 of the token, hex.
    pub hash: String,
    pub id: String,
    pub name: String,
    pub role: String,
    pub scope: Option<String>,
    pub scope_code: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub revoked_at: Option<String>,
}

const COLS: &str = "hash, id, name, role, scope, scope_code, created_at, revoked_at";

fn row(r: &tokio_postgres::Row) -> Result<TokenRow, tokio_postgres::Error> {
    Ok(TokenRow {
        hash: r.try_get(0)?,
        id: r.try_get(1)?,
        name: r.try_get(2)?,
        role: r.try_get(3)?,
        scope: r.try_get(4)?,
        scope_code: r.try_get(5)?,
        created_at: r.try_get(6)?,
        revoked_at: r.try_get(7)?,
    })
}

impl PgStore {
    /// Every token, oldest first.
    pub fn token_rows(&self) -> Result<Vec<TokenRow>, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let rows = client
                .query(
                    &format!("SELECT {COLS} FROM tokens ORDER BY created_at, id"),
                    &[],
                )
                .await
                .map_err(db(&self.name))?;
            rows.iter()
                .map(row)
                .collect::<Result<_, _>>()
                .map_err(db(&self.name))
        })
    }

    /// The live (not revoked) token with this hash, if any: read now, from the database.
    pub fn live_token(&self, hash: &str) -> Result<Option<TokenRow>, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let found = client
                .query_opt(
                    &format!("SELECT {COLS} FROM tokens WHERE hash = $1 AND revoked_at IS NULL"),
                    &[&hash],
                )
                .await
                .map_err(db(&self.name))?;
            found.as_ref().map(row).transpose().map_err(db(&self.name))
        })
    }

    /// Store a new token (committed before it returns).
    pub fn insert_token(&self, token: &TokenRow) -> Result<(), StoreError> {
        self.run(async {
            let client = self.client().await?;
            client
                .execute(
                    &format!("INSERT INTO tokens ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
                    &[
                        &token.hash,
                        &token.id,
                        &token.name,
                        &token.role,
                        &token.scope,
                        &token.scope_code,
                        &token.created_at,
                        &token.revoked_at,
                    ],
                )
                .await
                .map_err(db(&self.name))?;
            Ok(())
        })
    }

    /// Revoke the live tokens whose id or name is `which`, as of `at` (RFC 3339);
    /// returns how many.
    pub fn revoke_tokens(&self, which: &str, at: &str) -> Result<usize, StoreError> {
        self.run(async {
            let client = self.client().await?;
            let n = client
                .execute(
                    "UPDATE tokens SET revoked_at = $1 \
                     WHERE revoked_at IS NULL AND (id = $2 OR name = $2)",
                    &[&at, &which],
                )
                .await
                .map_err(db(&self.name))?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }
}
