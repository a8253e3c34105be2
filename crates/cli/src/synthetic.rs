//! `govcheck demo`: the synthetic national dataset for benchmarks.

use std::path::Path;
use std::time::Instant;

use anyhow::bail;

use crate::context::Context;
use crate::output::emit;
use crate::setup::import_ctx;
use govcheck_store::demo::demo_actor;
use govcheck_synthetic::{self as synthetic, Dataset};

/// More than any country registers; beyond this the dataset is a memory test, not a
/// benchmark of supervision.
const MAX_ACCOUNTS: usize = 2_000_000;

pub fn synthetic(
    ctx: &Context,
    accounts: usize,
    out: &Path,
    csv: bool,
    seed: u64,
) -> anyhow::Result<i32> {
    if accounts == 0 {
        bail!("--accounts: must be at least 1");
    }
    if accounts > MAX_ACCOUNTS {
        bail!(
            "--accounts: {accounts} is more than {MAX_ACCOUNTS}; a national registry holds about 150000"
        );
    }
    if !csv && out.exists() && std::fs::read_dir(out)?.next().is_some() {
        bail!(
            "{}: not empty; a new store needs an absent or empty directory",
            out.display()
        );
    }
    let t = Instant::now();
    let ds = synthetic::generate(accounts, seed);
    let generated = t.elapsed();
    let line = describe(&ds);
    if csv {
        let t = Instant::now();
        let files = ds.write_csv(out)?;
        emit(&format!(
            "wrote {} files to {} (seed {seed}): {line}; generated in {:.1} s, written in {:.1} s\n",
            files.len(),
            out.display(),
            generated.as_secs_f64(),
            t.elapsed().as_secs_f64()
        ))?;
        return Ok(0);
    }
    let mut ictx = import_ctx(ctx);
    ictx.actor = demo_actor(&ctx.actor);
    let (_, timings) =
        synthetic::create_database(&govcheck_store::sqlite::database_for(out), ds, &ictx)?;
    for w in &timings.warnings {
        eprintln!("govcheck: warning: {}", govcheck_domain::text::sanitize(w));
    }
    emit(&format!(
        "created synthetic store {} (seed {seed}): {line}; generated in {:.1} s, imported in {:.1} s (+ findings {:.1} s)\n",
        out.display(),
        generated.as_secs_f64(),
        timings.base_import.as_secs_f64(),
        timings.findings_import.as_secs_f64()
    ))?;
    Ok(0)
}

fn describe(ds: &Dataset) -> String {
    let s = &ds.stats;
    let inspected: usize = s.rounds.iter().map(|r| r.inspected).sum();
    format!(
        "{} regions, {} accounts ({} closed), {} rounds, {} inspections, {} findings, {} posts",
        s.regions,
        s.accounts,
        s.closed,
        s.rounds.len(),
        inspected,
        s.findings,
        s.posts
    )
}
