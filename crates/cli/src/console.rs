//! `govcheck` without a command: the console.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;

use crate::context::Context;
use crate::setup::import_ctx;
use govcheck_store::demo::{create_demo_database, demo_actor};

/// `govcheck` without a command: the full-screen console (see [`govcheck_tui`]).
/// `started` is when the process began, for the start-up timing in the console's log.
/// On first run at the default location, the demo is created there (an SQLite
/// registry) so a new supervisor sees something real.
pub fn console(ctx: &Context, started: Instant) -> anyhow::Result<i32> {
    let mut launch = ctx.launch();
    if ctx.registry.is_none() && ctx.data_is_default {
        let db = ctx.database()?;
        if !db.exists() {
            // No store configured and none here yet: the demo about to be created is
            // this user's own, and the console says how to reach the shared store.
            launch.first_run_demo = Some(ctx.data.clone());
            let mut ictx = import_ctx(ctx);
            ictx.actor = demo_actor(&ctx.actor);
            let (store, _) = create_demo_database(&db, &ictx)
                .with_context(|| format!("creating the demo store in {}", ctx.data.display()))?;
            return govcheck_tui::run(&launch, Arc::new(store), started);
        }
    }
    govcheck_tui::run(&launch, ctx.source()?, started)
}
