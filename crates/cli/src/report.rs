//! Read-only commands: summary, accounts, rounds, findings, history, warnings.

use anyhow::{Context as _, anyhow, bail};

use crate::context::Context;
use crate::output::{Format, Table, csv_string, emit, json_string};
use govcheck_domain::event::Status;
use govcheck_domain::figures::{RegionFigures, summarize};
use govcheck_domain::listing;
use govcheck_domain::registry::Registry;
use govcheck_domain::rules::early_warnings;

pub(crate) fn load(ctx: &Context) -> anyhow::Result<Registry> {
    let snap = ctx.source()?.load()?;
    stale(&snap);
    Ok(snap.registry)
}

/// The registry as far as a point command needs it (every round, and `findings` with
/// what they name; see [`govcheck_store::RegistrySource::load_part`]): a database is
/// read by its keys, not loaded whole.
pub(crate) fn load_part(ctx: &Context, findings: &[&str]) -> anyhow::Result<Registry> {
    let snap = ctx.source()?.load_part(findings)?;
    stale(&snap);
    Ok(snap.registry)
}

/// Say so when the registry was unreachable and this is the cached copy.
fn stale(snap: &govcheck_store::Snapshot) {
    if let Some(at) = snap.stale_since {
        eprintln!(
            "govcheck: warning: registry unreachable; showing the copy cached at {}",
            at.format("%Y-%m-%d %H:%M:%S %:z")
        );
    }
}

/// Resolve `--region` (a code, a path or a unique name) to a tree index; the root
/// when absent.
pub fn scope(reg: &Registry, region: Option<&str>) -> anyhow::Result<usize> {
    let tree = reg.tree();
    if tree.is_empty() {
        bail!("the store has no regions");
    }
    match region {
        None => Ok(tree.root()),
        Some(r) => tree.resolve(r).map_err(|e| anyhow!("--region: {e}")),
    }
}

pub(crate) fn need_round<'a>(
    reg: &'a Registry,
    round: &str,
) -> anyhow::Result<&'a govcheck_domain::Round> {
    reg.round(round).ok_or_else(|| {
        let known: Vec<&str> = reg.rounds().iter().map(|r| r.id.as_str()).collect();
        anyhow!(
            "no round {round:?} (known: {})",
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        )
    })
}

/// Print in the chosen format. `csv_figures` lists the CSV columns that hold numbers
/// govcheck computed (kept as numbers); every other CSV cell is text from data.
pub(super) fn print(
    format: Format,
    table: Table,
    csv_headers: &[&str],
    csv_rows: Vec<Vec<String>>,
    csv_figures: &[usize],
    json: anyhow::Result<String>,
) -> anyhow::Result<i32> {
    let text = match format {
        Format::Table => table.render(),
        Format::Csv => csv_string(csv_headers, &csv_rows, csv_figures)?,
        Format::Json => json? + "\n",
    };
    emit(&text)?;
    Ok(0)
}

pub fn summary(
    ctx: &Context,
    round: &str,
    region: Option<&str>,
    format: Format,
) -> anyhow::Result<i32> {
    let reg = load(ctx)?;
    need_round(&reg, round)?;
    let scope = scope(&reg, region)?;
    let s = summarize(&reg, &ctx.catalogue, round, scope, ctx.as_of)?;
    let cells = |r: &RegionFigures| {
        vec![
            r.region.clone(),
            r.total.to_string(),
            r.inspected.to_string(),
            r.problems.to_string(),
            r.pass_rate.percent().unwrap_or_default(),
        ]
    };
    let mut rows: Vec<Vec<String>> = s.rows.iter().map(cells).collect();
    rows.push(cells(&s.total));
    let mut table = Table::new(&[
        "地区",
        "总量",
        "检查数量",
        "问题数",
        "合格率",
        "待整改",
        "待复核",
        "已复核",
        "逾期",
        "完成率",
    ])
    .right_align(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for r in s.rows.iter().chain(std::iter::once(&s.total)) {
        let mut c = cells(r);
        c[4] = r.pass_rate.to_string();
        c.extend([r.open, r.rectified, r.verified, r.overdue].map(|n| n.to_string()));
        c.push(r.completion.to_string());
        c.push(r.completion.to_string());
        table.push(c);
    }
    print(
        format,
        table,
        &["region", "total", "inspected", "problems", "pass_rate"],
        rows,
        &[1, 2, 3, 4],
        json_string(&s).map_err(Into::into),
    )
}

pub fn accounts(
    ctx: &Context,
    region: Option<&str>,
    search: Option<&str>,
    format: Format,
) -> anyhow::Result<i32> {
    let reg = load(ctx)?;
    let scope = scope(&reg, region)?;
    let tree = reg.tree();
    let hits = listing::search_accounts(&reg, Some(scope), search);
    let headers = ["id", "name", "platform", "region", "host_unit", "status"];
    let rows: Vec<Vec<String>> = hits
        .iter()
        .map(|&i| {
            let a = &reg.accounts()[i];
            vec![
                a.id.clone(),
                a.name.clone(),
                a.platform.clone(),
                tree.get(reg.account_region(i)).name.clone(),
                a.host_unit.clone(),
                a.status.as_str().to_string(),
            ]
        })
        .collect();
    let mut table = Table::new(&["id", "名称", "平台", "地区", "主办单位", "状态"]);
    for r in &rows {
        table.push(r.clone());
    }
    let json: Vec<&govcheck_domain::Account> = hits.iter().map(|&i| &reg.accounts()[i]).collect();
    print(
        format,
        table,
        &headers,
        rows,
        &[],
        json_string(&json).map_err(Into::into),
    )
}

pub fn rounds(ctx: &Context, format: Format) -> anyhow::Result<i32> {
    let reg = load_part(ctx, &[])?;
    let headers = ["round", "title", "mode", "monitoring_point", "deadline"];
    let rows: Vec<Vec<String>> = reg
        .rounds()
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                r.title.clone(),
                r.mode.as_str().to_string(),
                r.monitoring_point.to_string(),
                r.deadline.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let mut table = Table::new(&["批次", "标题", "方式", "监测点", "整改期限"]);
    for r in &rows {
        table.push(r.clone());
    }
    print(
        format,
        table,
        &headers,
        rows,
        &[],
        json_string(&reg.rounds()).map_err(Into::into),
    )
}

pub fn findings(
    ctx: &Context,
    round: &str,
    region: Option<&str>,
    status: Option<&str>,
    format: Format,
) -> anyhow::Result<i32> {
    let reg = load(ctx)?;
    need_round(&reg, round)?;
    let scope = scope(&reg, region)?;
    let status = status
        .map(|s| {
            Status::parse(s).ok_or_else(|| {
                anyhow!("--status: {s:?} is not open, rectified, verified or waived")
            })
        })
        .transpose()?;
    let list = listing::findings(&reg, &ctx.catalogue, round, Some(scope), status, ctx.as_of);
    let headers = [
        "id",
        "round",
        "region",
        "platform",
        "account_id",
        "account",
        "host_unit",
        "problem",
        "deadline",
        "status",
    ];
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|f| {
            vec![
                f.id.clone(),
                f.round.clone(),
                f.region.clone(),
                f.platform.clone(),
                f.account_id.clone(),
                f.account.clone(),
                f.host_unit.clone(),
                f.problem.clone(),
                f.deadline.map(|d| d.to_string()).unwrap_or_default(),
                f.status.as_str().to_string(),
            ]
        })
        .collect();
    let mut table = Table::new(&[
        "id",
        "地区",
        "平台",
        "账号",
        "问题",
        "整改期限",
        "剩余天数",
        "状态",
    ])
    .right_align(&[6]);
    for f in &list {
        table.push(vec![
            f.id.clone(),
            f.region.clone(),
            f.platform.clone(),
            f.account.clone(),
            f.problem.clone(),
            f.deadline.map(|d| d.to_string()).unwrap_or_default(),
            match f.days_left {
                Some(d) if f.overdue => format!("{d} 逾期"),
                Some(d) if !f.status.is_closed() => d.to_string(),
                _ => String::new(),
            },
            f.status.label_zh().to_string(),
        ]);
    }
    print(
        format,
        table,
        &headers,
        rows,
        &[],
        json_string(&list).map_err(Into::into),
    )
}

pub fn history(ctx: &Context, finding: &str, format: Format) -> anyhow::Result<i32> {
    let reg = load_part(ctx, &[finding])?;
    let idx = reg
        .finding_index(finding)
        .ok_or_else(|| anyhow!("no finding {finding:?}"))?;
    let f = &reg.findings()[idx];
    let events = reg.history(idx);
    let headers = [
        "finding",
        "at",
        "event",
        "by",
        "os_user",
        "ssh_client",
        "note",
        // Through the registry server: the address it saw, and what the client claimed.
        "peer",
        "claimed_os_user",
        "claimed_ssh_client",
    ];
    let rows: Vec<Vec<String>> = events
        .iter()
        .map(|e| {
            let mut event = e.kind.label().to_string();
            match e.kind {
                govcheck_domain::EventKind::DeadlineExtended { to } => {
                    event = format!("{event} {to}");
                }
                govcheck_domain::EventKind::Reminded { channel, .. } => {
                    event = format!("{event} {}", channel.as_str());
                }
                _ => {}
            }
            let claimed = e.by.claimed.as_ref();
            vec![
                e.finding.clone(),
                e.at.to_rfc3339(),
                event,
                e.by.name.clone(),
                e.by.os_user.clone().unwrap_or_default(),
                e.by.ssh_client.clone().unwrap_or_default(),
                e.note.clone().unwrap_or_default(),
                e.by.peer.clone().unwrap_or_default(),
                claimed.and_then(|c| c.os_user.clone()).unwrap_or_default(),
                claimed
                    .and_then(|c| c.ssh_client.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let mut table = Table::new(&["时间", "事件", "操作人", "备注"]);
    for e in events {
        let mut what = format!("{} {}", e.kind.label_zh(), e.kind.label());
        match e.kind {
            govcheck_domain::EventKind::DeadlineExtended { to } => {
                what = format!("{what} → {to}");
            }
            govcheck_domain::EventKind::Reminded { channel, .. } => {
                what = format!("{what} ({})", channel.label_zh());
            }
            _ => {}
        }
        table.push(vec![
            e.at.format("%Y-%m-%d %H:%M:%S %:z").to_string(),
            what,
            e.by.to_string(),
            e.note.clone().unwrap_or_default(),
        ]);
    }
    if format == Format::Table {
        let a = reg.account(&f.account);
        let st = reg.state(idx);
        let head = format!(
            "{} {} | {} | {} | {}\n状态 {} | 整改期限 {}\n\n",
            f.id,
            a.map_or("?", |a| a.name.as_str()),
            a.map_or("?", |a| a.platform.as_str()),
            ctx.catalogue
                .get(&f.indicator)
                .map_or(f.indicator.as_str(), |i| i.name.as_str()),
            f.round,
            st.status.label_zh(),
            st.deadline
                .map_or_else(|| "-".to_string(), |d| d.to_string()),
        );
        emit(&govcheck_domain::text::sanitize_lines(&head))?;
    }
    print(
        format,
        table,
        &headers,
        rows,
        &[],
        json_string(&events).map_err(Into::into),
    )
}

pub fn warnings(
    ctx: &Context,
    round: &str,
    days: Option<i64>,
    format: Format,
) -> anyhow::Result<i32> {
    let store = ctx.source()?;
    let reg = store.load()?.registry;
    let r = need_round(&reg, round)?.clone();
    let posts = store.posts().context("reading posts")?;
    let threshold = days.unwrap_or(ctx.settings.rules.warn_after_days);
    let list = early_warnings(&reg, &r, &posts, ctx.tz, ctx.as_of, threshold);
    let headers = [
        "account_id",
        "account",
        "platform",
        "region",
        "last_post",
        "silent_days",
        "fails_on",
    ];
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|w| {
            let a = &reg.accounts()[w.account_idx];
            vec![
                a.id.clone(),
                a.name.clone(),
                a.platform.clone(),
                reg.tree()
                    .get(reg.account_region(w.account_idx))
                    .name
                    .clone(),
                w.last_post.map(|d| d.to_string()).unwrap_or_default(),
                w.silent_days.map(|d| d.to_string()).unwrap_or_default(),
                w.fails_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let mut table = Table::new(&[
        "账号ID",
        "账号",
        "平台",
        "地区",
        "最后发布",
        "未更新天数",
        "将于此日不合格",
    ])
    .right_align(&[5]);
    for r in &rows {
        table.push(r.clone());
    }
    print(
        format,
        table,
        &headers,
        rows,
        &[5],
        json_string(&list).map_err(Into::into),
    )
}
