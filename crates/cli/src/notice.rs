//! `govcheck notice …`: import a published notice as a round's record, reconcile it,
//! and export the attachments for a new one.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};

use crate::context::{Context, parse_day};
use crate::output::{emit, emit_confirmation};
use crate::report::scope;
use govcheck_domain::figures::summarize;
use govcheck_domain::notice::as_round;
use govcheck_domain::notice::attachments::{self, Attachments};
use govcheck_domain::notice::document;
use govcheck_domain::notice::lint::{RoundFigures, lint as lint_text};
use govcheck_domain::notice::{PublishedNotice, check_arithmetic, check_registry};
use govcheck_domain::registry::Change;
use govcheck_domain::round::{Round, RoundMode};
use govcheck_domain::text::sanitize;
use govcheck_formats::notice::read::{parse_notice, read_grids};
use govcheck_store::export;
use govcheck_store::{RegistrySource, StoreError};

/// `--format` of `notice export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Xlsx,
    Csv,
    Md,
    /// The whole notice as a Word document: body, 附件1 and 附件2.
    Docx,
}

fn read_notice(round: &str, files: &[PathBuf]) -> anyhow::Result<PublishedNotice> {
    let mut grids = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).with_context(|| format!("{}", f.display()))?;
        grids.push((f.as_path(), read_grids(f, &bytes)?));
    }
    Ok(parse_notice(round, &grids)?)
}

/// `, N accounts listed (M not passed)` for a notice with a per-account table.
fn listed_accounts(notice: &PublishedNotice) -> String {
    if notice.accounts.is_empty() {
        return String::new();
    }
    let failed = notice.accounts.iter().filter(|a| !a.passed).count();
    format!(
        ", {} accounts listed ({failed} not passed)",
        notice.accounts.len()
    )
}

pub fn import(ctx: &Context, round: &str, files: &[PathBuf]) -> anyhow::Result<i32> {
    let store = ctx.open_store()?;
    let notice = read_notice(round, files)?;
    let (rows, problems) = (notice.rows.len(), notice.problems.len());
    let listed = listed_accounts(&notice);
    store.commit(&ctx.actor, ctx.now(), |reg| {
        if reg.round(round).is_none() {
            return Err(StoreError::Other(format!(
                "no round {round:?}; create it first (rounds.csv)"
            )));
        }
        Ok(if reg.notice(round) == Some(&notice) {
            Vec::new()
        } else {
            vec![Change::Notice(notice)]
        })
    })?;
    emit_confirmation(
        &format!(
            "{round}: published record stored ({rows} region rows, {problems} problem accounts{listed})\n"
        ),
        &format!("{round}: published record stored"),
    )?;
    Ok(0)
}

#[allow(clippy::too_many_arguments)]
pub fn import_as_round(
    ctx: &Context,
    id: &str,
    title: Option<String>,
    period_start: Option<&str>,
    monitoring_point: Option<&str>,
    deadline: Option<&str>,
    files: &[PathBuf],
) -> anyhow::Result<i32> {
    let store = ctx.open_store()?;
    let notice = read_notice(id, files)?;
    let point = parse_day(monitoring_point.unwrap_or_default(), "--monitoring-point")?;
    let start = match period_start {
        Some(s) => parse_day(s, "--period-start")?,
        None => point - chrono::Days::new(89),
    };
    if start > point {
        bail!("--period-start {start} is after --monitoring-point {point}");
    }
    let round = Round {
        id: id.to_string(),
        title: title.unwrap_or_else(|| id.to_string()),
        period_start: start,
        period_end: point,
        monitoring_point: point,
        mode: RoundMode::Full,
        deadline: deadline.map(|d| parse_day(d, "--deadline")).transpose()?,
        note: Some(format!(
            "created from a published notice ({}); accounts not named in it are synthetic",
            notice.sources.join(", ")
        )),
    };
    let now = ctx.now();
    store.commit(&ctx.actor, now, |reg| {
        Ok(as_round::changes(
            reg,
            &ctx.catalogue,
            &notice,
            round,
            &ctx.actor,
            now,
        )?)
    })?;
    emit_confirmation(
        &format!(
            "{id}: round created from the notice ({} regions, {} problem accounts{})\n",
            notice.rows.len(),
            notice.problems.len(),
            listed_accounts(&notice)
        ),
        &format!("{id}: round created from the notice"),
    )?;
    Ok(0)
}

pub fn check(ctx: &Context, round: &str, region: Option<&str>) -> anyhow::Result<i32> {
    let reg = ctx.open_store()?.load()?.registry;
    let notice = reg
        .notice(round)
        .ok_or_else(|| anyhow!("round {round} has no published record; import it with `govcheck notice import --round {round} 附件1 [附件2]`"))?;
    let scope = scope(&reg, region)?;
    let summary = summarize(&reg, &ctx.catalogue, round, scope, ctx.as_of)?;
    let mut all = check_arithmetic(notice);
    all.extend(check_registry(notice, &summary, &reg, &ctx.catalogue));
    if all.is_empty() {
        emit(&format!(
            "{round}: the published record agrees with its arithmetic and with the registry\n"
        ))?;
        return Ok(0);
    }
    for d in &all {
        emit(&sanitize(&d.to_string()))?;
        emit("\n")?;
    }
    Ok(1)
}

/// Build the attachments for a round and scope.
pub fn attachments(
    ctx: &Context,
    round: &str,
    region: Option<&str>,
) -> anyhow::Result<Attachments> {
    let reg = ctx.open_store()?.load()?.registry;
    let scope_idx = scope(&reg, region)?;
    Ok(attachments::from_registry(
        &reg,
        &ctx.catalogue,
        round,
        scope_idx,
        ctx.as_of,
    )?)
}

pub fn export(
    ctx: &Context,
    round: &str,
    region: Option<&str>,
    format: ExportFormat,
    out: &Path,
) -> anyhow::Result<i32> {
    match format {
        ExportFormat::Docx => {
            let reg = ctx.open_store()?.load()?.registry;
            let scope_idx = scope(&reg, region)?;
            let d = document::from_registry(&reg, &ctx.catalogue, round, scope_idx, ctx.as_of)?;
            export::write_docx(&d, out)?;
        }
        ExportFormat::Xlsx => export::write_xlsx(&attachments(ctx, round, region)?, out)?,
        ExportFormat::Md => export::write_md(&attachments(ctx, round, region)?, out)?,
        ExportFormat::Csv => {
            let a = attachments(ctx, round, region)?;
            if out.extension().is_some() && !out.is_dir() {
                bail!(
                    "--out {}: for csv give a directory (附件1.csv, 附件2.csv and 总体情况.txt are written into it)",
                    out.display()
                );
            }
            export::write_csv(&a, out)?;
        }
    }
    emit(&format!("{round}: wrote {}\n", out.display()))?;
    Ok(0)
}

/// `notice lint FILE [--round ID] [--verbose]`: a draft's figures against their counts
/// (and the registry's round). Exit 1 when anything is wrong, 0 when nothing is.
pub fn lint(ctx: &Context, file: &Path, round: Option<&str>, verbose: bool) -> anyhow::Result<i32> {
    use std::io::Read as _;
    let f = std::fs::File::open(file).with_context(|| format!("{}", file.display()))?;
    // Read at most one byte past the limit: a huge file is refused, not held.
    let mut bytes = Vec::new();
    f.take(govcheck_formats::text::MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("{}", file.display()))?;
    let paragraphs = govcheck_formats::text::paragraphs(file, &bytes)?;
    let summary = match round {
        Some(id) => {
            let reg = ctx.open_store()?.load()?.registry;
            if reg.round(id).is_none() {
                bail!("no round {id:?}; `govcheck rounds` lists them");
            }
            let scope_idx = scope(&reg, None)?;
            Some(summarize(&reg, &ctx.catalogue, id, scope_idx, ctx.as_of)?)
        }
        None => None,
    };
    let report = lint_text(
        &paragraphs,
        summary.as_ref().map(|summary| RoundFigures { summary }),
    );
    let mut out = String::new();
    for d in &report.discrepancies {
        out.push_str(&sanitize(&d.to_string()));
        out.push('\n');
    }
    if verbose {
        for u in &report.unchecked {
            out.push_str(&sanitize(&u.to_string()));
            out.push('\n');
        }
        out.push_str(&format!(
            "{}: {} rate(s) checked, {} wrong, {} unchecked\n",
            sanitize(&file.display().to_string()),
            report.checked,
            report.discrepancies.len(),
            report.unchecked.len()
        ));
    }
    emit(&out)?;
    Ok(if report.discrepancies.is_empty() {
        0
    } else {
        1
    })
}
