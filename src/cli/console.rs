//! `govcheck` without a command: the console.

use anyhow::{Context as _, bail};

use super::context::Context;
use super::setup::import_ctx;
use crate::store::demo::{create_demo_store, demo_actor};
use crate::store::{LocalStore, RegistrySource};

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

/// `govcheck` without a command: the console. Until the full-screen console lands,
/// print the latest round's summary.
pub fn console(ctx: &Context) -> anyhow::Result<i32> {
    let store = console_store(ctx)?;
    let reg = store.load()?.registry;
    let Some(round) = reg.latest_round().map(|r| r.id.clone()) else {
        bail!(
            "{}: the store has no rounds yet; import some with `govcheck import`",
            store.describe()
        );
    };
    super::report::summary(ctx, &round, None, super::output::Format::Table)
}
