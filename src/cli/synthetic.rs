//! `govcheck demo`: the synthetic national dataset for benchmarks.

use std::path::Path;

use anyhow::bail;

use super::context::Context;

pub fn synthetic(
    _ctx: &Context,
    _accounts: usize,
    _out: &Path,
    _csv: bool,
    _seed: u64,
) -> anyhow::Result<i32> {
    bail!("govcheck demo: the synthetic national dataset generator is not built yet")
}
