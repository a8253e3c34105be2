//! `govcheck chase`: the chasing list (催办清单) of a round, from the domain's one rule
//! ([`govcheck_domain::chase::chase_list`]) through the formats crate's one writer, the
//! same list the console's deadlines tab exports.

use std::path::Path;

use anyhow::bail;

use crate::context::Context;
use crate::output::{Table, emit};
use crate::report::{load, need_round, scope};
use govcheck_domain::chase::{ChaseQuery, ChaseRow, chase_list};

/// `chase --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ChaseFormat {
    #[default]
    Table,
    Csv,
    Xlsx,
}

pub fn chase(
    ctx: &Context,
    round: &str,
    region: Option<&str>,
    due_within: Option<u32>,
    format: ChaseFormat,
    out: Option<&Path>,
) -> anyhow::Result<i32> {
    if format == ChaseFormat::Xlsx && out.is_none() {
        bail!("--format xlsx needs --out PATH (a workbook is not written to a terminal)");
    }
    let reg = load(ctx)?;
    need_round(&reg, round)?;
    let scope = scope(&reg, region)?;
    let rows = chase_list(
        &reg,
        &ctx.catalogue,
        &ChaseQuery {
            round,
            scope: Some(scope),
            as_of: ctx.as_of,
            due_within,
        },
    );
    match (format, out) {
        (ChaseFormat::Csv | ChaseFormat::Xlsx, Some(p)) => {
            govcheck_store::export::write_chase(&rows, p, format == ChaseFormat::Xlsx)?;
            written(p, rows.len())?;
        }
        (ChaseFormat::Table, Some(p)) => {
            govcheck_store::atomic::write_atomic(p, table(&rows).render().as_bytes())?;
            written(p, rows.len())?;
        }
        (ChaseFormat::Csv, None) => {
            emit(&String::from_utf8(govcheck_formats::chase::csv(&rows)?)?)?
        }
        // Xlsx without --out was refused above.
        (_, None) => emit(&table(&rows).render())?,
    }
    Ok(0)
}

fn written(p: &Path, n: usize) -> anyhow::Result<()> {
    emit(&format!(
        "wrote {} ({n} finding(s) to chase)\n",
        p.display()
    ))?;
    Ok(())
}

/// The terminal's table: what a caller needs on the phone, days left never cut.
fn table(rows: &[ChaseRow]) -> Table {
    let mut t = Table::new(&[
        "id",
        "地区",
        "账号",
        "主办单位",
        "联系人",
        "电话",
        "整改期限",
        "剩余天数",
        "状态",
        "上次催办",
    ])
    .right_align(&[7]);
    for r in rows {
        let f = &r.row;
        t.push(vec![
            f.id.clone(),
            f.region.clone(),
            format!("{} ({})", f.account, f.platform),
            f.host_unit.clone(),
            r.contact.clone().unwrap_or_default(),
            r.phone.clone().unwrap_or_default(),
            f.deadline.map(|d| d.to_string()).unwrap_or_default(),
            match f.days_left {
                Some(d) if f.overdue => format!("{d} 逾期"),
                Some(d) => d.to_string(),
                None => String::new(),
            },
            f.status.label_zh().to_string(),
            f.last_reminded
                .map(|t| t.format("%m-%d %H:%M").to_string())
                .unwrap_or_default(),
        ]);
    }
    t
}
