//! `govcheck` without a command: the console.

use std::time::Instant;

use anyhow::Context as _;

use crate::context::Context;
use crate::setup::import_ctx;
use govcheck_store::LocalStore;
use govcheck_store::demo::{create_demo_store, demo_actor};

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
    Ok(LocalStore::open(&ctx.data)?)
}

/// `govcheck` without a command: the full-screen console (see [`govcheck_tui`]).
/// `started` is when the process began, for the start-up timing in the console's log.
pub fn console(ctx: &Context, started: Instant) -> anyhow::Result<i32> {
    let mut launch = ctx.launch();
    if ctx.registry.is_some() || ctx.database().is_some() {
        return govcheck_tui::run(&launch, ctx.source()?, started);
    }
    // No store configured and none here yet: the demo about to be created is this
    // user's own, and the console says how to reach the shared store.
    if ctx.data_is_default && !ctx.data.join("store.json").exists() {
        launch.first_run_demo = Some(ctx.data.clone());
    }
    let store = console_store(ctx)?;
    govcheck_tui::run(&launch, std::sync::Arc::new(store), started)
}
