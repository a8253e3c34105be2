//! `govcheck serve` and `govcheck token …`: the registry server and its access tokens.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};

use crate::context::Context;
use crate::output::{Table, emit};
use govcheck_server::auth::{DbTokens, Role, TokenStore, Tokens};
use govcheck_server::{AppState, ServeOptions, serve};
use govcheck_store::postgres::PgStore;

/// Where a server's tokens are kept, as the `token` commands were told.
pub enum Kept {
    /// `--tokens FILE`.
    File(PathBuf),
    /// `--database postgres://…`.
    Database(String),
}

/// `--tokens FILE` or `--database URL` (clap lets exactly one through).
pub fn kept(tokens: Option<PathBuf>, database: Option<String>) -> anyhow::Result<Kept> {
    match (tokens, database) {
        (Some(f), None) => Ok(Kept::File(f)),
        (None, Some(url)) if govcheck_store::postgres::is_url(&url) => Ok(Kept::Database(url)),
        (None, Some(url)) => bail!(
            "--database {:?}: expected a postgres://… URL",
            govcheck_domain::text::sanitize(&url)
        ),
        _ => bail!("give --tokens FILE or --database postgres://…"),
    }
}

/// Tokens where they are kept, and the database's registry when they are in one.
type Opened = (Arc<dyn TokenStore>, Option<Arc<PgStore>>);

/// The tokens where they are kept, with the database's registry when they are in one.
fn open_tokens(kept: &Kept) -> anyhow::Result<Opened> {
    Ok(match kept {
        Kept::File(path) => (Arc::new(Tokens::load(path)?), None),
        Kept::Database(url) => {
            let store = Arc::new(PgStore::open(url)?);
            (Arc::new(DbTokens::new(store.clone())), Some(store))
        }
    })
}

/// What `govcheck serve` was asked for on its command line.
pub struct ServeArgs<'a> {
    pub listen: &'a str,
    /// `--tokens FILE`; `None` with a database.
    pub tokens: Option<&'a Path>,
    /// `--database URL` (else config `database`).
    pub database: Option<&'a str>,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub idle: std::time::Duration,
    pub lock_wait: std::time::Duration,
    pub max_connections: usize,
    pub max_per_peer: usize,
    pub head: std::time::Duration,
    pub upload: std::time::Duration,
    pub trusted_proxies: &'a [String],
}

pub fn run_server(ctx: &Context, args: ServeArgs<'_>) -> anyhow::Result<i32> {
    let ServeArgs {
        listen,
        tokens,
        database,
        tls,
        idle,
        lock_wait,
        max_connections,
        max_per_peer,
        head,
        upload,
        trusted_proxies,
    } = args;
    let trusted_proxies = govcheck_server::peer::TrustedProxies::parse(trusted_proxies)?;
    let addr: SocketAddr = listen.parse().with_context(|| {
        format!("--listen {listen:?}: expected an address such as 127.0.0.1:8080")
    })?;
    // Everything the server says from here on goes through `tracing` to stderr; the
    // guard writes what is still queued when the server stops.
    let configured = Some(ctx.settings.database.trim()).filter(|d| !d.is_empty());
    let database = database.or(configured);
    let _flush = govcheck_logging::to_stderr(ctx.tz)?;
    // A write waits for an import at most this long, inside the request timeout: past
    // it the client hears 503 and nothing is written, never a timeout for a write that
    // then lands anyway.
    let (store, tokens): (Arc<dyn govcheck_store::ServedStore>, Arc<dyn TokenStore>) = match (
        database, tokens,
    ) {
        (Some(url), None) => {
            if !govcheck_store::postgres::is_url(url) {
                bail!(
                    "database {:?}: expected a postgres://… URL",
                    govcheck_domain::text::sanitize(url)
                );
            }
            let pg = Arc::new(PgStore::open(url)?.with_lock_wait(lock_wait));
            (pg.clone(), Arc::new(DbTokens::new(pg)))
        }
        (Some(_), Some(f)) => bail!(
            "--tokens {}: a server over a database (--database, or config `database`) keeps its tokens in the database (`govcheck token create --database …`); leave --tokens out",
            f.display()
        ),
        (None, Some(f)) => (ctx.open_served(lock_wait)?, Arc::new(Tokens::load(f)?)),
        (None, None) => bail!(
            "--tokens FILE is required (or --database postgres://…, whose tokens are kept in the database)"
        ),
    };
    let entries = tokens.list()?;
    if entries.iter().all(|t| t.revoked_at.is_some()) {
        tracing::warn!(
            "govcheck serve: warning: {} holds no live token; every request will get 401 (create one with `govcheck token create`)",
            tokens_display(&*tokens, entries.len())
        );
    }
    let snap = store.load()?;
    // A scope that no longer resolves refuses that token (403, logged), not the start.
    for t in entries.iter().filter(|t| t.revoked_at.is_none()) {
        if let Err(e) = t.scope_region(snap.registry.tree()) {
            tracing::warn!(
                "govcheck serve: warning: token {} ({}): {e}; its requests will be refused",
                t.id,
                govcheck_domain::text::sanitize(&t.name)
            );
        }
    }
    let state = AppState::with_tokens(store, ctx.catalogue.clone(), ctx.tz, tokens)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(serve(
        state,
        ServeOptions {
            listen: addr,
            tls,
            idle,
            head,
            upload,
            trusted_proxies,
            max_connections,
            max_per_peer,
        },
    ))?;
    Ok(0)
}

fn tokens_display(tokens: &dyn TokenStore, n: usize) -> String {
    match (tokens.describe(), n) {
        (d, _) if d.starts_with("the tokens file") && n == 0 => "the tokens file".into(),
        (d, _) if d.starts_with("the tokens file") => format!("the tokens file ({n} revoked)"),
        (d, 0) => d,
        (d, n) => format!("{d} ({n} revoked)"),
    }
}

/// `token create`. A scope is resolved against the store's regions now and bound to
/// the region's code: later renames or new regions of the same name cannot move it.
pub fn create(
    ctx: &Context,
    kept: &Kept,
    name: &str,
    role: Role,
    scope: Option<String>,
) -> anyhow::Result<i32> {
    if name.trim().is_empty() {
        bail!("--name must not be empty");
    }
    let (t, database) = open_tokens(kept)?;
    let scope = match scope {
        None => None,
        Some(text) => {
            let snap = match &database {
                Some(db) => govcheck_store::RegistrySource::load(&**db)?,
                None => {
                    let store = ctx
                        .open_store()
                        .context("--scope is looked up in the store the server serves (--data)")?;
                    govcheck_store::RegistrySource::load(&store)?
                }
            };
            let tree = snap.registry.tree();
            let idx = tree
                .resolve(&text)
                .map_err(|e| anyhow::anyhow!("--scope {text:?}: {e}"))?;
            Some((tree.get(idx).name.clone(), tree.get(idx).code.clone()))
        }
    };
    let shown = scope
        .as_ref()
        .map(|(name, code)| format!(", limited to {name} ({code}) and below"))
        .unwrap_or_default();
    let token = t.issue(name.trim(), role, scope, ctx.now())?;
    let kept_in = match kept {
        Kept::File(path) => path.display().to_string(),
        Kept::Database(_) => t.describe(),
    };
    eprintln!(
        "created a {} token for {}{}; it is shown once, store it now (only its hash is kept in {})",
        role.as_str(),
        govcheck_domain::text::sanitize(name.trim()),
        govcheck_domain::text::sanitize(&shown),
        kept_in
    );
    emit(&format!("{token}\n"))?;
    Ok(0)
}

/// `token list`: the scope as named at creation, and the code that decides
/// (`unbound` for an old token whose scope was stored by name: it is refused).
pub fn list(kept: &Kept) -> anyhow::Result<i32> {
    let (t, _) = open_tokens(kept)?;
    let mut table = Table::new(&[
        "id",
        "name",
        "role",
        "scope",
        "created",
        "revoked",
        "scope_code",
    ]);
    for e in t.list()? {
        let code = match (&e.scope_code, &e.scope) {
            (Some(c), _) => c.clone(),
            (None, Some(_)) => "unbound".into(),
            (None, None) => String::new(),
        };
        table.push(vec![
            e.id.clone(),
            e.name.clone(),
            e.role.as_str().into(),
            e.scope.clone().unwrap_or_else(|| "*".into()),
            e.created_at.format("%Y-%m-%d %H:%M").to_string(),
            e.revoked_at
                .map(|r| r.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
            code,
        ]);
    }
    emit(&table.render())?;
    Ok(0)
}

pub fn revoke(ctx: &Context, kept: &Kept, which: &str) -> anyhow::Result<i32> {
    let (t, _) = open_tokens(kept)?;
    let n = t.withdraw(which, ctx.now())?;
    emit(&format!("revoked {n} token(s)\n"))?;
    Ok(0)
}
