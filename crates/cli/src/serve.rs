//! `govcheck serve` and `govcheck token …`: the registry server and its access tokens.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::context::Context;
use crate::output::{Table, emit};
use govcheck_server::auth::{Role, Tokens};
use govcheck_server::{AppState, ServeOptions, serve};

/// What `govcheck serve` was asked for on its command line.
pub struct ServeArgs<'a> {
    pub listen: &'a str,
    pub tokens: &'a Path,
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
    let _flush = govcheck_logging::to_stderr(ctx.tz)?;
    let tokens = Tokens::load(tokens)?;
    if tokens.entries().iter().all(|t| t.revoked_at.is_some()) {
        tracing::warn!(
            "govcheck serve: warning: {} holds no live token; every request will get 401 (create one with `govcheck token create`)",
            tokens_path_display(tokens.entries().len())
        );
    }
    // A write waits for an import at most this long, inside the request timeout: past
    // it the client hears 503 and nothing is written, never a timeout for a write that
    // then lands anyway.
    let store = ctx.open_served(lock_wait)?;
    let snap = store.load()?;
    // A scope that no longer resolves refuses that token (403, logged), not the start.
    for t in tokens.entries().iter().filter(|t| t.revoked_at.is_none()) {
        if let Err(e) = t.scope_region(snap.registry.tree()) {
            tracing::warn!(
                "govcheck serve: warning: token {} ({}): {e}; its requests will be refused",
                t.id,
                govcheck_domain::text::sanitize(&t.name)
            );
        }
    }
    let state = AppState::new(store, ctx.catalogue.clone(), ctx.tz, tokens)?;
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

fn tokens_path_display(n: usize) -> String {
    if n == 0 {
        "the tokens file".into()
    } else {
        format!("the tokens file ({n} revoked)")
    }
}

/// `token create`. A scope is resolved against the store's regions now and bound to
/// the region's code: later renames or new regions of the same name cannot move it.
pub fn create(
    ctx: &Context,
    tokens: &Path,
    name: &str,
    role: Role,
    scope: Option<String>,
) -> anyhow::Result<i32> {
    if name.trim().is_empty() {
        bail!("--name must not be empty");
    }
    let scope = match scope {
        None => None,
        Some(text) => {
            let store = ctx
                .open_store()
                .context("--scope is looked up in the store the server serves (--data)")?;
            let snap = govcheck_store::RegistrySource::load(&store)?;
            let tree = snap.registry.tree();
            let idx = tree
                .resolve(&text)
                .map_err(|e| anyhow::anyhow!("--scope {text:?}: {e}"))?;
            Some((tree.get(idx).name.clone(), tree.get(idx).code.clone()))
        }
    };
    let mut t = Tokens::load(tokens)?;
    let shown = scope
        .as_ref()
        .map(|(name, code)| format!(", limited to {name} ({code}) and below"))
        .unwrap_or_default();
    let token = t.create(name.trim(), role, scope, ctx.now())?;
    eprintln!(
        "created a {} token for {}{}; it is shown once, store it now (only its hash is kept in {})",
        role.as_str(),
        govcheck_domain::text::sanitize(name.trim()),
        govcheck_domain::text::sanitize(&shown),
        tokens.display()
    );
    emit(&format!("{token}\n"))?;
    Ok(0)
}

/// `token list`: the scope as named at creation, and the code that decides
/// (`unbound` for an old token whose scope was stored by name: it is refused).
pub fn list(tokens: &Path) -> anyhow::Result<i32> {
    let t = Tokens::load(tokens)?;
    let mut table = Table::new(&[
        "id",
        "name",
        "role",
        "scope",
        "created",
        "revoked",
        "scope_code",
    ]);
    for e in t.entries() {
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

pub fn revoke(ctx: &Context, tokens: &Path, which: &str) -> anyhow::Result<i32> {
    let mut t = Tokens::load(tokens)?;
    let n = t.revoke(which, ctx.now())?;
    emit(&format!("revoked {n} token(s)\n"))?;
    Ok(0)
}
