//! 附件1 and 附件2 of a new notice for a scope, as offices lay them out: 序号, headers,
//! a total row, problems grouped then regions. Text cells only: the formats crate
//! writes them as CSV, Markdown or XLSX.

use chrono::NaiveDate;

use super::NoticeError;
use crate::figures::{Summary, summarize};
use crate::indicator::{Catalogue, IndicatorKind};
use crate::listing;
use crate::listing::FindingRow;
use crate::notice::overview_paragraph;
use crate::rate::Rate;
use crate::registry::Registry;
use crate::round::RoundMode;

pub const HEADER1: [&str; 6] = [
    "序号",
    "地区",
    "政务新媒体总量（个）",
    "检查数量（个）",
    "存在问题数（个）",
    "账号合格率",
];
pub const HEADER2: [&str; 6] = [
    "序号",
    "存在突出问题",
    "所属地区",
    "新媒体类型",
    "政务新媒体名称",
    "主办单位",
];

/// The two attachments as text cells, plus the draft paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachments {
    pub title: String,
    /// 附件1 data rows (序号 filled), then the total row.
    pub table1: Vec<[String; 6]>,
    /// 附件2 rows, sorted so that a problem and a region form runs.
    pub table2: Vec<[String; 6]>,
    pub paragraph: String,
}

/// The attachments of `round` for the scope at tree index `scope`, as of a day, from
/// the registry: what `govcheck notice export` and the console's `e` write.
pub fn from_registry(
    reg: &Registry,
    cat: &Catalogue,
    round: &str,
    scope: usize,
    as_of: NaiveDate,
) -> Result<Attachments, NoticeError> {
    let r = reg
        .round(round)
        .ok_or_else(|| NoticeError::NoRound(round.to_string()))?;
    let summary = summarize(reg, cat, round, scope, as_of)?;
    let previous = reg
        .previous_round(round)
        .and_then(|p| summarize(reg, cat, &p.id, scope, as_of).ok());
    let tree = reg.tree();
    let rows: Vec<_> = listing::findings(reg, cat, round, Some(scope), None, as_of)
        .into_iter()
        .map(|f| {
            let region_idx = tree.by_code(&f.region_code).unwrap_or(scope);
            let row = tree.child_under(scope, region_idx).map_or_else(
                || format!("{}本级", tree.get(scope).name),
                |c| tree.get(c).name.clone(),
            );
            (f, row)
        })
        .collect();
    let paragraph = overview_paragraph(
        &summary,
        previous.as_ref(),
        (r.period_start, r.period_end),
        r.mode == RoundMode::Full,
    );
    Ok(build(&r.title, &summary, &rows, cat, paragraph))
}

/// A rate the way notices print it: two decimals with trailing zeros dropped
/// (`100%`, `99.5%`, `99.88%`).
pub fn published_rate(r: Rate) -> String {
    match r.basis_points() {
        None => "-".into(),
        Some(bp) => {
            let whole = bp / 100;
            match bp % 100 {
                0 => format!("{whole}%"),
                f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
                f => format!("{whole}.{f:02}%"),
            }
        }
    }
}

/// Build the attachments from a summary and the round's findings in scope.
///
/// 附件2 lists each finding on a veto indicator (the ones that make an account fail),
/// grouped by problem in catalogue order, then by region in table order.
pub fn build(
    title: &str,
    summary: &Summary,
    findings: &[(FindingRow, String)],
    cat: &Catalogue,
    paragraph: String,
) -> Attachments {
    let mut table1: Vec<[String; 6]> = summary
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            [
                (i + 1).to_string(),
                r.region.clone(),
                r.total.to_string(),
                r.inspected.to_string(),
                r.problems.to_string(),
                published_rate(r.pass_rate),
            ]
        })
        .collect();
    let t = &summary.total;
    table1.push([
        "总计".into(),
        String::new(),
        t.total.to_string(),
        t.inspected.to_string(),
        t.problems.to_string(),
        published_rate(t.pass_rate),
    ]);
    let ind_order = |code: &str| {
        cat.indicators()
            .iter()
            .position(|i| i.code == code)
            .unwrap_or(usize::MAX)
    };
    let region_order = |name: &str| {
        summary
            .rows
            .iter()
            .position(|r| r.region == name)
            .unwrap_or(usize::MAX)
    };
    let mut rows: Vec<&(FindingRow, String)> = findings
        .iter()
        .filter(|(f, _)| {
            cat.get(&f.indicator)
                .is_none_or(|i| i.kind == IndicatorKind::Veto)
        })
        .collect();
    rows.sort_by(|(a, ra), (b, rb)| {
        (ind_order(&a.indicator), region_order(ra), &a.id).cmp(&(
            ind_order(&b.indicator),
            region_order(rb),
            &b.id,
        ))
    });
    let table2 = rows
        .iter()
        .enumerate()
        .map(|(i, (f, region))| {
            [
                (i + 1).to_string(),
                f.problem.clone(),
                region.clone(),
                f.platform.clone(),
                f.account.clone(),
                f.host_unit.clone(),
            ]
        })
        .collect();
    Attachments {
        title: title.to_string(),
        table1,
        table2,
        paragraph,
    }
}

/// 附件2 with repeated problem and region cells blanked, as CSV and Markdown print them.
pub fn blanked(rows: &[[String; 6]]) -> Vec<[String; 6]> {
    let mut out: Vec<[String; 6]> = rows.to_vec();
    for i in (1..rows.len()).rev() {
        let same_problem = rows[i][1] == rows[i - 1][1];
        if same_problem {
            out[i][1].clear();
            if rows[i][2] == rows[i - 1][2] {
                out[i][2].clear();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_print_like_notices() {
        assert_eq!(published_rate(Rate::pass(0, 141)), "100%");
        assert_eq!(published_rate(Rate::pass(2, 403)), "99.5%");
        assert_eq!(published_rate(Rate::pass(1, 862)), "99.88%");
        assert_eq!(published_rate(Rate::new(9903, 10000)), "99.03%");
    }

    #[test]
    fn blanking_groups_problem_then_region() {
        let r = |p: &str, g: &str| {
            [
                String::new(),
                p.into(),
                g.into(),
                String::new(),
                String::new(),
                String::new(),
            ]
        };
        let rows = vec![
            r("A", "x"),
            r("B", "x"),
            r("B", "x"),
            r("B", "y"),
            r("C", "y"),
        ];
        let b = blanked(&rows);
        assert_eq!(b[2][1], "");
        assert_eq!(b[2][2], "");
        assert_eq!(b[3][2], "y");
        assert_eq!(b[4][2], "y", "a new problem repeats its region");
    }
}
