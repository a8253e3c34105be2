//! `govcheck` without a command: the console.

use std::time::Instant;

use anyhow::Context as _;

use super::context::Context;
use super::setup::import_ctx;
use crate::store::LocalStore;
use crate::store::demo::{create_demo_store, demo_actor};

/// The store the console opens: on first run at the default location, the demo is
/// created there so a new supervisor sees something real.
pub fn console_store(ctx: &Context) -> anyhow::Result<LocalStore> {
    if ctx.data_is_default && !ctx.data.join("store.json").exists() {
        let mut ictx = import_ctx(ctx);
        ictx.actor = demo_actor(&ctx.actor);
        let (store, _) = create_demo_store(&ctx.data, &ictx)
            .with_context(|| format!("creating the demo store in {}", ctx.data.display()))?;
        return Ok(store);
    }
    ctx.open_store()
}

/// `govcheck` without a command: the full-screen console (see [`crate::tui`]).
/// `started` is when the process began, for the start-up timing in the console's log.
pub fn console(ctx: &Context, started: Instant) -> anyhow::Result<i32> {
    if ctx.registry.is_some() {
        return crate::tui::run(ctx, ctx.source()?, started);
    }
    let store = console_store(ctx)?;
    crate::tui::run(ctx, std::sync::Arc::new(store), started)
}
