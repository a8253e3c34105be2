//! Setting up: creating stores, importing files, the synthetic dataset, paths, and the
//! entry to the console.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::context::Context;
use crate::output::{emit, emit_confirmation};
use govcheck_domain::region::Region;
use govcheck_store::demo::{create_demo_database, demo_actor};
use govcheck_store::import::{ImportContext, SourceFile, import};
use govcheck_store::sqlite::{self, SqliteStore};

pub fn import_ctx(ctx: &Context) -> ImportContext<'_> {
    ImportContext {
        catalogue: &ctx.catalogue,
        tz: ctx.tz,
        actor: ctx.actor.clone(),
        now: ctx.now(),
        reported_at: None,
    }
}

pub fn init(
    ctx: &Context,
    demo: bool,
    root_name: &str,
    root_code: &str,
    group: Option<&str>,
) -> anyhow::Result<i32> {
    // A new store is an SQLite registry: DIR/registry.sqlite, or the database file
    // `--data` names. Never beside an old journal store, which it would hide.
    let db = ctx.database()?;
    let file_named = sqlite::is_database_path(&ctx.data) && !ctx.data.is_dir();
    if !file_named && std::fs::read_dir(&ctx.data).is_ok_and(|mut entries| entries.next().is_some())
    {
        // As before: a store starts in a directory of its own.
        return Err(govcheck_store::StoreError::NotEmpty(ctx.data.clone()).into());
    }
    if let Some(group) = group {
        if file_named {
            anyhow::bail!(
                "--group shares a store directory; give --data DIR rather than a database file"
            );
        }
        share_new_store(&ctx.data, group)?;
    }
    if demo {
        let mut ictx = import_ctx(ctx);
        ictx.actor = demo_actor(&ctx.actor);
        let (_, report) = create_demo_database(&db, &ictx)?;
        emit_confirmation(
            &format!(
                "created demo store {} (Zhejiang 2022 Q1: {} accounts, {} findings)\n",
                ctx.data.display(),
                report.accounts,
                report.findings
            ),
            &format!("created demo store {}", ctx.data.display()),
        )?;
    } else {
        let root = Region {
            code: root_code.to_string(),
            name: root_name.to_string(),
            parent: None,
        };
        SqliteStore::create(&db, root, &ctx.actor, ctx.now())?;
        emit_confirmation(
            &format!(
                "created store {} (root region {root_name} {root_code})\n",
                ctx.data.display()
            ),
            &format!("created store {}", ctx.data.display()),
        )?;
    }
    Ok(0)
}

/// `init --group NAME`: make the (new, empty) store directory the group's shared
/// directory before anything is written in it, so every file the store creates takes
/// the group and mode 0660 from it (see [`govcheck_store::perm`]). Nothing is changed
/// when the group is unknown, the directory holds something, or we may not give it
/// to the group.
fn share_new_store(dir: &Path, group: &str) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use govcheck_store::perm;
        let shown = govcheck_domain::text::sanitize(group);
        let gid = perm::group_id(group)
            .with_context(|| format!("--group {shown}: looking up the group"))?
            .ok_or_else(|| anyhow::anyhow!("--group {shown}: no such group on this host"))?;
        let created = match std::fs::read_dir(dir) {
            Ok(mut entries) => {
                if entries.next().is_some() {
                    return Err(govcheck_store::StoreError::NotEmpty(dir.to_path_buf()).into());
                }
                false
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                perm::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
                true
            }
            Err(e) => return Err(e).with_context(|| format!("{}", dir.display())),
        };
        if let Err(e) = perm::share_with_group(dir, gid) {
            if created {
                let _ = std::fs::remove_dir(dir);
            }
            anyhow::bail!(
                "--group {shown}: cannot give {} to the group ({e}); you must own the directory and be a member of the group",
                dir.display()
            );
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, group);
        anyhow::bail!("--group: shared stores need a Unix host");
    }
}

pub fn import_files(ctx: &Context, files: &[PathBuf]) -> anyhow::Result<i32> {
    let mut sources = Vec::with_capacity(files.len());
    for f in files {
        let bytes = std::fs::read(f).with_context(|| format!("{}", f.display()))?;
        sources.push(SourceFile {
            path: f.clone(),
            bytes,
        });
    }
    let report = match &ctx.registry {
        // Over the registry: the server imports, as the token's admin.
        Some(url) => ctx.remote(url)?.import(&sources)?,
        None => import(&ctx.open_store()?, &sources, &import_ctx(ctx))?,
    };
    for w in &report.warnings {
        eprintln!("govcheck: warning: {}", govcheck_domain::text::sanitize(w));
    }
    let kinds: Vec<String> = report
        .files
        .iter()
        .map(|(p, k, n)| {
            let path = govcheck_domain::text::sanitize(&p.display().to_string());
            format!("{path} ({}, {n} rows)", k.name())
        })
        .collect();
    let done = format!("imported {}", kinds.join(", "));
    if report.changed() {
        emit_confirmation(
            &format!(
                "imported {}: {} region(s), {} account(s), {} round(s), {} inspected, {} finding(s), {} post(s) new or changed\n",
                kinds.join(", "),
                report.regions,
                report.accounts,
                report.rounds,
                report.inspected,
                report.findings,
                report.posts_added
            ),
            &done,
        )?;
    } else {
        emit_confirmation(
            &format!(
                "{}: nothing new; the store already holds all of it\n",
                kinds.join(", ")
            ),
            &done,
        )?;
    }
    Ok(0)
}

pub fn paths(ctx: &Context) -> anyhow::Result<i32> {
    emit(&format!(
        "config file: {}\ndata (store): {}\ncache: {}\nlogs: {}\n",
        ctx.config_path.display(),
        ctx.data.display(),
        ctx.dirs.cache.display(),
        ctx.dirs.state.display()
    ))?;
    Ok(0)
}
