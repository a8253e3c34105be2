//! Published notices (通报): 附件1, the per-region table, and 附件2, the list of problem
//! accounts, as an office published them; and their reconciliation with their own
//! arithmetic and with the registry. The Zhejiang 2022 Q1 notice printed a total pass
//! rate of 99.71% where 1 − 14/5189 is 99.73%: this is the check that catches it.

pub mod as_round;
pub mod attachments;
pub mod document;
pub mod lint;

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

pub use super::published::{
    PASS_SCORE, PublishedAccount, PublishedNotice, PublishedProblem, PublishedRow,
};

use super::figures::{FiguresError, Summary};
use super::indicator::Catalogue;
use super::rate::Rate;
use super::registry::Registry;

/// Why a notice could not be turned into a round or attachments: each names the row or
/// round, so the office can fix its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("round {0} exists already; use --round {0} to attach a notice to it")]
    RoundExists(String),
    #[error("the store has no root region")]
    NoRootRegion,
    #[error("附件2 row {row}: region {region} is not in 附件1")]
    RegionNotInTable1 { row: usize, region: String },
    #[error(
        "附件2 row {row}: {problem:?} matches no indicator of the catalogue; add it as an alias in catalogue.toml"
    )]
    UnknownProblem { row: usize, problem: String },
    #[error(
        "per-account table, account {row}: it did not pass but its 存在问题 is empty; a finding needs the problem"
    )]
    NoProblem { row: usize },
    #[error(
        "per-account table, account {row}: {problem:?} matches no indicator of the catalogue; add it as an alias in catalogue.toml"
    )]
    UnknownAccountProblem { row: usize, problem: String },
    #[error("no round {0:?}")]
    NoRound(String),
    #[error(transparent)]
    Figures(#[from] FiguresError),
}

/// One disagreement, with both values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discrepancy {
    /// `arithmetic`, `registry` or `problems`.
    pub check: &'static str,
    /// The region or account concerned.
    pub subject: String,
    /// The figure or field concerned (合格率, 总量 …).
    pub field: String,
    pub published: String,
    pub expected: String,
}

impl fmt::Display for Discrepancy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} published {}, expected {}",
            self.check, self.subject, self.field, self.published, self.expected
        )
    }
}

/// Does a printed rate agree with `num/den` at the precision it was printed with?
/// `99.5%` agrees with 99.50%, `100%` with 100.00%, but `99.71%` not with 99.73%, and
/// `100%` never with a rate below it (it would hide a failing account). The fraction
/// is rounded once, at the printed precision, by [`Rate::rounded`] (the rule `notice
/// lint` uses too): never the two-decimal rate rounded again.
pub fn rate_agrees(printed: &str, computed: Rate) -> Option<bool> {
    let bp = super::rate::parse_percent(printed)?;
    let decimals = printed
        .trim()
        .trim_end_matches(['%', '％'])
        .trim()
        .split_once('.')
        .map_or(0, |(_, f)| f.len());
    // parse_percent refuses more than two decimals, so this is 0, 1 or 2.
    let step = 10u64.pow(2u32.saturating_sub(u32::try_from(decimals).ok()?));
    let expected = computed.rounded(u32::try_from(decimals).ok()?)?;
    // 100% claims that nothing failed: a rate that merely rounds to it does not agree.
    if bp == 10_000 && computed.num != computed.den {
        return Some(false);
    }
    Some(expected * step == bp)
}

/// Does a printed website score (`85`, `59.5`, `72分`) pass? A website under
/// [`PASS_SCORE`] of 100 points fails. `None` when it is not a score from 0 to 100.
pub fn score_passes(printed: &str) -> Option<bool> {
    let t = crate::text::normalize_key(printed);
    let points: f64 = t.trim_end_matches('分').parse().ok()?;
    (0.0..=100.0)
        .contains(&points)
        .then(|| points >= f64::from(PASS_SCORE))
}

/// The notice against its own arithmetic: each rate against 1 − problems/inspected,
/// the total row against the sum of the rows.
pub fn check_arithmetic(n: &PublishedNotice) -> Vec<Discrepancy> {
    let mut out = Vec::new();
    let mut rate_check = |row: &PublishedRow, label: &str| {
        let computed = Rate::pass(row.problems, row.inspected);
        if rate_agrees(&row.rate, computed) == Some(false) {
            out.push(Discrepancy {
                check: "arithmetic",
                subject: label.to_string(),
                field: "合格率".into(),
                published: row.rate.clone(),
                expected: computed.to_string(),
            });
        }
    };
    for r in &n.rows {
        rate_check(r, &r.region);
    }
    if let Some(t) = &n.total {
        rate_check(t, "总计");
        let sums = [
            ("总量", t.total, n.rows.iter().map(|r| r.total).sum::<u64>()),
            (
                "检查数量",
                t.inspected,
                n.rows.iter().map(|r| r.inspected).sum(),
            ),
            (
                "存在问题数",
                t.problems,
                n.rows.iter().map(|r| r.problems).sum(),
            ),
        ];
        for (field, printed, sum) in sums {
            if printed != sum {
                out.push(Discrepancy {
                    check: "arithmetic",
                    subject: "总计".into(),
                    field: format!("{field} (sum of rows)"),
                    published: printed.to_string(),
                    expected: sum.to_string(),
                });
            }
        }
    }
    // A website's printed verdict against its printed score (fails under 60).
    for a in &n.accounts {
        if let Some(by_score) = a.score.as_deref().and_then(score_passes)
            && by_score != a.passed
        {
            out.push(Discrepancy {
                check: "arithmetic",
                subject: a.name.clone(),
                field: "合格情况".into(),
                published: verdict_word(a.passed).into(),
                expected: format!(
                    "{} (得分 {})",
                    verdict_word(!a.passed),
                    a.score.as_deref().unwrap_or_default()
                ),
            });
        }
    }
    out
}

/// The notice against the registry: the counts of each region row (rates follow from
/// counts and are checked by [`check_arithmetic`], so a wrong rate is reported once),
/// and 附件2 against the accounts that have findings in the round.
pub fn check_registry(
    n: &PublishedNotice,
    summary: &Summary,
    reg: &Registry,
    cat: &Catalogue,
) -> Vec<Discrepancy> {
    let mut out = Vec::new();
    if !n.rows.is_empty() {
        check_rows(n, summary, &mut out);
    }
    let side = problem_accounts(n, summary, reg);
    let canon = |p: &str| {
        cat.canonical_platform(p)
            .map_or_else(|| p.trim().to_string(), |d| d.name.clone())
    };
    if !n.accounts.is_empty() {
        check_accounts(n, summary, reg, &side, &canon, &mut out);
    }
    // A notice with only a per-account table has no 附件2: its accounts say it all.
    if n.accounts.is_empty() || !n.problems.is_empty() {
        check_problems(n, &side, &canon, &mut out);
    }
    out
}

fn verdict_word(passed: bool) -> &'static str {
    if passed { "合格" } else { "不合格" }
}

/// Each region row's counts against the registry's, and regions the table leaves out.
fn check_rows(n: &PublishedNotice, summary: &Summary, out: &mut Vec<Discrepancy>) {
    let computed: HashMap<&str, _> = summary
        .rows
        .iter()
        .map(|r| (r.region.as_str(), r))
        .collect();
    for p in &n.rows {
        let Some(c) = computed.get(p.region.as_str()) else {
            out.push(Discrepancy {
                check: "registry",
                subject: p.region.clone(),
                field: "地区".into(),
                published: p.region.clone(),
                expected: "no such region in the scope".into(),
            });
            continue;
        };
        for (field, published, expected) in [
            ("总量", p.total, c.total),
            ("检查数量", p.inspected, c.inspected),
            ("存在问题数", p.problems, c.problems),
        ] {
            if published != expected {
                out.push(Discrepancy {
                    check: "registry",
                    subject: p.region.clone(),
                    field: field.into(),
                    published: published.to_string(),
                    expected: expected.to_string(),
                });
            }
        }
    }
    for c in &summary.rows {
        if c.total > 0 && !n.rows.iter().any(|p| p.region == c.region) {
            out.push(Discrepancy {
                check: "registry",
                subject: c.region.clone(),
                field: "地区".into(),
                published: "missing".into(),
                expected: format!("{} accounts", c.total),
            });
        }
    }
}

/// (name, platform, region row name) of each account with a finding in the round,
/// within the summary's scope.
fn problem_accounts(
    n: &PublishedNotice,
    summary: &Summary,
    reg: &Registry,
) -> Vec<(String, String, String)> {
    let tree = reg.tree();
    let scope = tree.by_code(&summary.scope).unwrap_or(tree.root());
    let row_name = |region_idx: usize| {
        tree.child_under(scope, region_idx).map_or_else(
            || format!("{}本级", tree.get(scope).name),
            |c| tree.get(c).name.clone(),
        )
    };
    let mut registry_side: Vec<(String, String, String)> = Vec::new();
    for f in reg.findings().iter().filter(|f| f.round == n.round) {
        let Some(a) = reg.account_index(&f.account) else {
            continue;
        };
        let region_idx = reg.account_region(a);
        if !tree.is_within(region_idx, scope) {
            continue;
        }
        let acc = &reg.accounts()[a];
        let key = (acc.name.clone(), acc.platform.clone(), row_name(region_idx));
        if !registry_side.contains(&key) {
            registry_side.push(key);
        }
    }
    registry_side
}

/// 附件2 against the registry's problem accounts of the round.
fn check_problems(
    n: &PublishedNotice,
    registry_side: &[(String, String, String)],
    canon: &dyn Fn(&str) -> String,
    out: &mut Vec<Discrepancy>,
) {
    let mut matched = vec![false; registry_side.len()];
    for p in &n.problems {
        let platform = canon(&p.platform);
        let exact = registry_side
            .iter()
            .position(|(name, plat, _)| *name == p.name && *plat == platform);
        let by_name = registry_side
            .iter()
            .position(|(name, _, _)| *name == p.name);
        match (exact, by_name) {
            (Some(i), _) => {
                matched[i] = true;
                if registry_side[i].2 != p.region {
                    out.push(Discrepancy {
                        check: "problems",
                        subject: p.name.clone(),
                        field: "所属地区".into(),
                        published: p.region.clone(),
                        expected: registry_side[i].2.clone(),
                    });
                }
            }
            (None, Some(i)) => {
                matched[i] = true;
                out.push(Discrepancy {
                    check: "problems",
                    subject: p.name.clone(),
                    field: "新媒体类型".into(),
                    published: p.platform.clone(),
                    expected: registry_side[i].1.clone(),
                });
            }
            (None, None) => out.push(Discrepancy {
                check: "problems",
                subject: p.name.clone(),
                field: "政务新媒体名称".into(),
                published: format!("{} ({})", p.name, p.platform),
                expected: "no finding in the registry".into(),
            }),
        }
    }
    for (i, (name, platform, region)) in registry_side.iter().enumerate() {
        if !matched[i] {
            out.push(Discrepancy {
                check: "problems",
                subject: name.clone(),
                field: "政务新媒体名称".into(),
                published: "not listed".into(),
                expected: format!("{name} ({platform}, {region}) has a finding"),
            });
        }
    }
}

/// A per-account table against the registry: each listed account exists in the scope,
/// 不合格 exactly when it has a finding in the round, every account with a finding is
/// listed, and as many are listed as the registry counts inspected.
fn check_accounts(
    n: &PublishedNotice,
    summary: &Summary,
    reg: &Registry,
    registry_side: &[(String, String, String)],
    canon: &dyn Fn(&str) -> String,
    out: &mut Vec<Discrepancy>,
) {
    let tree = reg.tree();
    let scope = tree.by_code(&summary.scope).unwrap_or(tree.root());
    let mut matched = vec![false; registry_side.len()];
    for a in &n.accounts {
        let platform = canon(&a.platform);
        let exists = reg.accounts().iter().enumerate().any(|(i, acc)| {
            acc.name == a.name
                && acc.platform == platform
                && tree.is_within(reg.account_region(i), scope)
        });
        if !exists {
            out.push(Discrepancy {
                check: "registry",
                subject: a.name.clone(),
                field: "账号".into(),
                published: format!("{} ({})", a.name, a.platform),
                expected: "no such account in the scope".into(),
            });
            continue;
        }
        let finding = registry_side
            .iter()
            .position(|(name, plat, _)| *name == a.name && *plat == platform);
        if let Some(i) = finding {
            matched[i] = true;
        }
        if finding.is_some() == a.passed {
            out.push(Discrepancy {
                check: "problems",
                subject: a.name.clone(),
                field: "合格情况".into(),
                published: verdict_word(a.passed).into(),
                expected: if a.passed {
                    "不合格 (it has a finding in the round)".into()
                } else {
                    "合格 (no finding in the registry)".into()
                },
            });
        }
        if let (Some(i), Some(region)) = (finding, &a.region)
            && registry_side[i].2 != *region
        {
            out.push(Discrepancy {
                check: "problems",
                subject: a.name.clone(),
                field: "所属地区".into(),
                published: region.clone(),
                expected: registry_side[i].2.clone(),
            });
        }
    }
    for (i, (name, platform, region)) in registry_side.iter().enumerate() {
        if !matched[i] {
            out.push(Discrepancy {
                check: "problems",
                subject: name.clone(),
                field: "账号".into(),
                published: "not listed".into(),
                expected: format!("{name} ({platform}, {region}) has a finding"),
            });
        }
    }
    let listed = n.accounts.len() as u64;
    if listed != summary.total.inspected {
        out.push(Discrepancy {
            check: "registry",
            subject: "总计".into(),
            field: "检查数量 (accounts listed)".into(),
            published: listed.to_string(),
            expected: summary.total.inspected.to_string(),
        });
    }
}

/// The draft of the notice's "总体情况" paragraph, for the writer to edit.
pub fn overview_paragraph(
    summary: &Summary,
    previous: Option<&Summary>,
    period: (chrono::NaiveDate, chrono::NaiveDate),
    full: bool,
) -> String {
    let t = &summary.total;
    let mode = if full { "全量检查" } else { "抽查" };
    let mut s = format!(
        "本次检查对照《国务院办公厅秘书局关于印发政府网站与政务新媒体检查指标、监管工作年度考核指标的通知》（国办秘函〔2019〕19号）要求，对纳入管理的{}个政务新媒体自{}至{}的运营情况开展{mode}",
        t.total,
        period.0.format("%Y年%-m月%-d日"),
        period.1.format("%-m月%-d日"),
    );
    if !full {
        s.push_str(&format!("，共抽查{}个", t.inspected));
    }
    s.push_str(&format!(
        "，共发现问题账号{}个，账号合格率{}",
        t.problems, t.pass_rate
    ));
    if let (Some(prev), Some(now_bp)) = (previous, t.pass_rate.basis_points())
        && let Some(prev_bp) = prev.total.pass_rate.basis_points()
    {
        let diff = now_bp as i64 - prev_bp as i64;
        let word = if diff >= 0 { "上升" } else { "下降" };
        s.push_str(&format!(
            "，较上一批次{word}{}.{:02}个百分点",
            diff.abs() / 100,
            diff.abs() % 100
        ));
    }
    let perfect: Vec<&str> = summary
        .rows
        .iter()
        .filter(|r| r.inspected > 0 && r.problems == 0)
        .map(|r| r.region.as_str())
        .collect();
    if !perfect.is_empty() && perfect.len() < summary.rows.len() {
        s.push_str(&format!("，其中{}账号合格率达100%", perfect.join("、")));
    }
    s.push('。');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_precision_is_respected() {
        assert_eq!(rate_agrees("99.5%", Rate::pass(2, 403)), Some(true));
        assert_eq!(rate_agrees("100%", Rate::pass(0, 141)), Some(true));
        assert_eq!(rate_agrees("100.%", Rate::pass(0, 141)), Some(true));
        assert_eq!(rate_agrees("99.71%", Rate::pass(14, 5189)), Some(false));
        assert_eq!(rate_agrees("99.73%", Rate::pass(14, 5189)), Some(true));
        assert_eq!(rate_agrees("99.7%", Rate::pass(14, 5189)), Some(true));
        assert_eq!(rate_agrees("100%", Rate::pass(1, 862)), Some(false));
        assert_eq!(rate_agrees("n/a", Rate::pass(1, 862)), None);
    }

    /// A rate printed at one decimal is the exact fraction rounded once, never the
    /// two-decimal rate rounded again: 1 − 1/1850 is 99.9459…%, 99.95% at two decimals
    /// but 99.9% at one (not 100.0%); 1 − 3/541 is 99.4455…%, 99.4% at one (not 99.5%).
    #[test]
    fn a_printed_rate_is_rounded_once_from_the_fraction() {
        assert_eq!(rate_agrees("99.9%", Rate::pass(1, 1850)), Some(true));
        assert_eq!(rate_agrees("99.95%", Rate::pass(1, 1850)), Some(true));
        assert_eq!(rate_agrees("100.0%", Rate::pass(1, 1850)), Some(false));
        assert_eq!(rate_agrees("99.4%", Rate::pass(3, 541)), Some(true));
        assert_eq!(rate_agrees("99.5%", Rate::pass(3, 541)), Some(false));
        assert_eq!(rate_agrees("99%", Rate::pass(3, 541)), Some(true));
        // 100% with one failing account of 30,000 (99.9967%) hides that account.
        assert_eq!(rate_agrees("100.00%", Rate::pass(1, 30_000)), Some(false));
        assert_eq!(rate_agrees("100.00%", Rate::pass(0, 30_000)), Some(true));
        assert_eq!(rate_agrees("0.0%", Rate::pass(0, 0)), None);
    }

    fn row(region: &str, total: u64, problems: u64, rate: &str) -> PublishedRow {
        PublishedRow {
            region: region.into(),
            total,
            inspected: total,
            problems,
            rate: rate.into(),
        }
    }

    #[test]
    fn arithmetic_finds_the_zhejiang_total() {
        let n = PublishedNotice {
            round: "2022Q1".into(),
            rows: vec![
                row("宁波市", 862, 1, "99.88%"),
                row("台州市", 403, 2, "99.5%"),
            ],
            total: Some(row("总计", 1265, 3, "99.71%")),
            problems: vec![],
            sources: vec![],
            accounts: vec![],
        };
        let d = check_arithmetic(&n);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].subject, "总计");
        assert_eq!(d[0].published, "99.71%");
        assert_eq!(d[0].expected, "99.76%");
    }

    #[test]
    fn total_row_must_be_the_sum() {
        let n = PublishedNotice {
            round: "R".into(),
            rows: vec![row("甲", 10, 0, "100%"), row("乙", 10, 1, "90%")],
            total: Some(row("总计", 21, 1, "95.24%")),
            problems: vec![],
            sources: vec![],
            accounts: vec![],
        };
        let d = check_arithmetic(&n);
        let fields: Vec<&str> = d.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, vec!["总量 (sum of rows)", "检查数量 (sum of rows)"]);
    }
}
