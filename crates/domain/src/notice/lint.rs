//! Checking a draft notice's figures before it goes out (`govcheck notice lint`).
//! Published notices print rates that their own counts contradict (99.9% for 2,943
//! passing of 2,944, which is 100.0% at one decimal); this finds each figure statement
//! of the text, pairs every rate with its counts and checks it at the precision it was
//! printed with, rounded half up once ([`Rate::rounded`]); with the registry's round,
//! the counts too. A false alarm would teach offices to ignore it, so a rate that
//! cannot be paired with its counts unambiguously is never reported as wrong: it is
//! listed as unchecked, with the reason.

pub mod extract;

use std::fmt;

use serde::Serialize;

use self::extract::{Figure, Kind, Value, figures};
use crate::figures::Summary;
use crate::rate::Rate;

/// A figure the counts contradict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintDiscrepancy {
    /// Paragraph, from 1, counting the non-empty ones.
    pub paragraph: usize,
    /// 合格率, 抽查比例, 检查数量 …
    pub figure: String,
    pub printed: String,
    /// What the counts give, at the printed precision.
    pub expected: String,
    /// How: `1 − 5/120`, `1010/5038`, `round 2022Q1`.
    pub working: String,
}

impl fmt::Display for LintDiscrepancy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "第{}段: {} {} ≠ {} ({})",
            self.paragraph, self.figure, self.printed, self.expected, self.working
        )
    }
}

/// A rate stated but not checked, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unchecked {
    pub paragraph: usize,
    pub figure: String,
    pub printed: String,
    pub reason: &'static str,
}

impl fmt::Display for Unchecked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "第{}段: {} {} unchecked: {}",
            self.paragraph, self.figure, self.printed, self.reason
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LintReport {
    pub discrepancies: Vec<LintDiscrepancy>,
    pub unchecked: Vec<Unchecked>,
    /// Rates checked and found right.
    pub checked: usize,
}

/// The round a notice reports on, to check its counts against.
#[derive(Debug, Clone, Copy)]
pub struct RoundFigures<'a> {
    pub summary: &'a Summary,
}

/// The longest paragraph read: a notice's paragraphs are under 2,000 characters, and
/// pairing is quadratic in a paragraph's figures.
pub const MAX_PARAGRAPH_CHARS: usize = 20_000;

/// Lint a notice given as its non-empty paragraphs.
pub fn lint(paragraphs: &[String], round: Option<RoundFigures<'_>>) -> LintReport {
    let mut report = LintReport::default();
    for (i, p) in paragraphs.iter().enumerate() {
        if p.chars().count() > MAX_PARAGRAPH_CHARS {
            report.unchecked.push(Unchecked {
                paragraph: i + 1,
                figure: "段落".into(),
                printed: format!("{} characters", p.chars().count()),
                reason: "the paragraph is too long to read its figures",
            });
            continue;
        }
        let figs = figures(p);
        lint_paragraph(i + 1, p, &figs, &mut report);
        if let Some(r) = round {
            check_counts(i + 1, &figs, r, &mut report);
        }
    }
    report
}

fn figure_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Total => "账号总量",
        Kind::Inspected => "检查数量",
        Kind::Passed => "合格账号",
        Kind::Problems => "问题账号",
        Kind::PassRate => "合格率",
        Kind::Ratio => "抽查比例",
        Kind::Change => "变化",
    }
}

/// The series of a paragraph, each as its figures in order.
fn series_of(figs: &[Figure]) -> Vec<Vec<&Figure>> {
    let mut out: Vec<Vec<&Figure>> = Vec::new();
    for f in figs {
        match out.last_mut() {
            Some(last) if last[0].series == f.series => last.push(f),
            _ => out.push(vec![f]),
        }
    }
    out
}

/// The counts of `kind` a rate series of `len` figures in (`sentence`, `part`) refers
/// to. A rate about the whole (part 0) takes the one list of that kind in its clause
/// group, else in its sentence, else in the paragraph, never one after a 其中 (a part).
/// A rate after a 其中 takes its numerators from its own part only, and its
/// denominator from its part; when the part names nothing but its kind ("共检查2944个，
/// 其中合格2943个，合格率99.9%"), else from the whole before it (`whole_denominator`). `Err` when more than one list could be meant or the
/// lengths differ.
fn counts_for(
    all: &[Vec<&Figure>],
    kind: Kind,
    (sentence, part): (usize, usize),
    len: usize,
    numerator: bool,
    whole_denominator: bool,
) -> Result<Option<Vec<u64>>, &'static str> {
    let of_kind: Vec<&Vec<&Figure>> = all.iter().filter(|s| s[0].kind == kind).collect();
    let within = |sent: Option<usize>, p: usize| -> Vec<&Vec<&Figure>> {
        of_kind
            .iter()
            .filter(|s| sent.is_none_or(|x| s[0].sentence == x) && s[0].part == p)
            .copied()
            .collect()
    };
    let mut tiers = vec![within(Some(sentence), part)];
    if part == 0 {
        tiers.push(within(None, 0));
    } else if whole_denominator && !numerator {
        tiers.push(within(Some(sentence), 0));
        tiers.push(within(None, 0));
    }
    let pick = tiers
        .into_iter()
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    match pick.as_slice() {
        [] => Ok(None),
        [one] if one.len() == len => Ok(Some(
            one.iter()
                .filter_map(|f| match f.value {
                    Value::Count(n) => Some(n),
                    Value::Percent { .. } => None,
                })
                .collect(),
        )),
        [_] => Err("the list of rates and the list of counts differ in length"),
        _ => Err("more than one set of counts it could refer to"),
    }
}

/// A reading of a rate's counts: numerators, denominators (one per rate of the list),
/// and whether the numerators are the problem accounts (1 − a/d) or the passing (a/d).
type Pairing = (Vec<u64>, Vec<u64>, bool);

fn lint_paragraph(n: usize, text: &str, figs: &[Figure], report: &mut LintReport) {
    let all = series_of(figs);
    let counts: Vec<Vec<&Figure>> = all
        .iter()
        .filter(|s| matches!(s[0].value, Value::Count(_)))
        .cloned()
        .collect();
    let full = ["全量检查", "全面检查", "全覆盖检查", "全部检查"]
        .iter()
        .any(|w| text.contains(w));
    for s in &all {
        let kind = s[0].kind;
        if !matches!(kind, Kind::PassRate | Kind::Ratio) {
            continue;
        }
        let unchecked = |report: &mut LintReport, reason: &'static str| {
            for f in s {
                if let Value::Percent { printed, .. } = &f.value {
                    report.unchecked.push(Unchecked {
                        paragraph: n,
                        figure: figure_name(kind).into(),
                        printed: printed.clone(),
                        reason,
                    });
                }
            }
        };
        let (sentence, part) = (s[0].sentence, s[0].part);
        // "其中杭州市…合格率达100%": a part of the whole, with no counts of its own.
        if part > 0
            && !counts
                .iter()
                .any(|c| c[0].sentence == sentence && c[0].part == part)
        {
            unchecked(
                report,
                "it is about a part (其中…) whose counts are not given",
            );
            continue;
        }
        // "其中合格2943个" is a part of the whole counted before it; "其中宁波市…" is not.
        let whole_denominator = part > 0
            && counts
                .iter()
                .filter(|c| c[0].sentence == sentence && c[0].part == part)
                .all(|c| names_nothing_but_its_kind(&c[0].lead));
        let get = |k: Kind, numerator: bool| {
            counts_for(
                &counts,
                k,
                (sentence, part),
                s.len(),
                numerator,
                whole_denominator,
            )
        };
        let pairs: Result<Vec<Pairing>, &'static str> = (|| {
            let mut out = Vec::new();
            match kind {
                Kind::PassRate => {
                    let den = match get(Kind::Inspected, false)? {
                        Some(d) => Some(d),
                        None if full => get(Kind::Total, false)?,
                        None => None,
                    };
                    let Some(den) = den else {
                        return Err("no count of accounts inspected to divide by");
                    };
                    if let Some(p) = get(Kind::Problems, true)? {
                        out.push((p, den.clone(), true));
                    }
                    if let Some(p) = get(Kind::Passed, true)? {
                        out.push((p, den, false));
                    }
                    if out.is_empty() {
                        return Err("no count of problem or passing accounts");
                    }
                }
                _ => {
                    let (Some(num), Some(den)) =
                        (get(Kind::Inspected, true)?, get(Kind::Total, false)?)
                    else {
                        return Err("no count of accounts sampled and of all accounts");
                    };
                    out.push((num, den, false));
                }
            }
            Ok(out)
        })();
        let pairs = match pairs {
            Ok(p) => p,
            Err(reason) => {
                unchecked(report, reason);
                continue;
            }
        };
        for (i, f) in s.iter().enumerate() {
            let Value::Percent {
                printed,
                scaled,
                decimals,
            } = &f.value
            else {
                continue;
            };
            // Each reading of the counts (problems, passing) gives a verdict; the rate
            // is reported only when every reading contradicts it.
            let mut first_wrong = None;
            let mut agrees = false;
            let mut any = false;
            for (num, den, is_problems) in &pairs {
                let (Some(&a), Some(&d)) = (num.get(i), den.get(i)) else {
                    continue;
                };
                if a > d || d == 0 {
                    continue;
                }
                let (rate, working) = if *is_problems {
                    (Rate::pass(a, d), format!("1 − {a}/{d}"))
                } else {
                    (Rate::new(a, d), format!("{a}/{d}"))
                };
                let Some(expected) = rate.rounded(*decimals) else {
                    continue;
                };
                any = true;
                if expected == *scaled {
                    agrees = true;
                } else if first_wrong.is_none() {
                    first_wrong = Some((expected, working));
                }
            }
            match (any, agrees, first_wrong) {
                (false, _, _) => report.unchecked.push(Unchecked {
                    paragraph: n,
                    figure: figure_name(kind).into(),
                    printed: printed.clone(),
                    reason: "its counts do not make a rate (more failing than inspected, or none inspected)",
                }),
                (true, true, _) | (true, false, None) => report.checked += 1,
                (true, false, Some((expected, working))) => {
                    report.discrepancies.push(LintDiscrepancy {
                        paragraph: n,
                        figure: figure_name(kind).into(),
                        printed: printed.clone(),
                        expected: percent_text(expected, *decimals),
                        working,
                    })
                }
            }
        }
    }
}

/// Whether the words after the last 其中 before a count say only what it counts
/// (其中合格, 其中存在问题的账号), not whose it is (其中宁波市).
fn names_nothing_but_its_kind(lead: &str) -> bool {
    let Some((_, after)) = lead.rsplit_once("其中") else {
        return false;
    };
    let mut rest = after.to_string();
    for w in [
        "政务新媒体",
        "存在问题",
        "不合格",
        "合格",
        "问题",
        "达标",
        "通过",
        "未",
        "账号",
        "的",
        "有",
        "共",
        "为",
        "是",
        "计",
        "发现",
        "，",
        ",",
    ] {
        rest = rest.replace(w, "");
    }
    rest.trim().is_empty()
}

/// `1000` at one decimal is `100.0%`.
fn percent_text(scaled: u64, decimals: u32) -> String {
    if decimals == 0 {
        return format!("{scaled}%");
    }
    let unit = 10u64.pow(decimals);
    format!(
        "{}.{:0width$}%",
        scaled / unit,
        scaled % unit,
        width = decimals as usize
    )
}

/// The text without the titles it cites (《…政府网站与政务新媒体…》 names no part).
fn without_titles(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '《' => depth += 1,
            '》' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Words that make a count about a part (a platform, a level) rather than the round.
const PART_WORDS: &[&str] = &[
    "微信",
    "微博",
    "抖音",
    "头条",
    "快手",
    "网站",
    "小程序",
    "客户端",
    "APP",
    "视频号",
    "知乎",
    "哔哩",
    "省级",
    "市级",
    "县级",
    "乡镇",
    "本级",
    "其中",
    "部门",
    "单位",
];

/// With the registry's round: the round's headline counts (one figure, about the whole,
/// naming no platform, level or region) against its figures.
fn check_counts(n: usize, figs: &[Figure], round: RoundFigures<'_>, report: &mut LintReport) {
    let t = &round.summary.total;
    let all = series_of(figs);
    for s in &all {
        let [f] = s.as_slice() else { continue };
        let Value::Count(printed) = f.value else {
            continue;
        };
        let expected = match f.kind {
            Kind::Total => t.total,
            Kind::Inspected => t.inspected,
            Kind::Problems => t.problems,
            Kind::Passed => t.inspected.saturating_sub(t.problems),
            _ => continue,
        };
        let lead = without_titles(&f.lead);
        let names_a_part = f.part > 0
            || PART_WORDS.iter().any(|w| lead.contains(w))
            || round
                .summary
                .rows
                .iter()
                .any(|r| !r.region.is_empty() && lead.contains(r.region.as_str()));
        if names_a_part {
            continue;
        }
        if printed != expected {
            report.discrepancies.push(LintDiscrepancy {
                paragraph: n,
                figure: figure_name(f.kind).into(),
                printed: printed.to_string(),
                expected: expected.to_string(),
                working: format!("round {}", round.summary.round),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> LintReport {
        lint(&[text.to_string()], None)
    }

    #[test]
    fn the_published_slips_are_caught() {
        let r = run("全省共检查微信公众号2,944个，其中合格2,943个，合格率99.9%。");
        assert_eq!(
            r.discrepancies
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            vec!["第1段: 合格率 99.9% ≠ 100.0% (2943/2944)"]
        );
        let r = run("全省共有政务新媒体5,038个，抽查1,010个，抽查比例为20.1%。");
        assert_eq!(
            r.discrepancies[0].to_string(),
            "第1段: 抽查比例 20.1% ≠ 20.0% (1010/5038)"
        );
    }

    #[test]
    fn the_issue_example() {
        let r = run("共检查120个，发现问题账号5个，合格率97%。");
        assert_eq!(
            r.discrepancies[0].to_string(),
            "第1段: 合格率 97% ≠ 96% (1 − 5/120)"
        );
    }

    #[test]
    fn a_part_without_counts_is_unchecked_not_wrong() {
        let r = run(
            "对纳入管理的5189个政务新媒体开展全量检查，共发现问题账号14个，账号合格率达99.73%，较2021年同期上升了13.5%，其中杭州市、温州市账号合格率达100%。",
        );
        assert_eq!(r.discrepancies, vec![]);
        assert_eq!(r.checked, 1);
        assert_eq!(r.unchecked.len(), 1);
        assert_eq!(r.unchecked[0].printed, "100%");
    }

    #[test]
    fn percent_text_keeps_the_precision() {
        assert_eq!(percent_text(1000, 1), "100.0%");
        assert_eq!(percent_text(9973, 2), "99.73%");
        assert_eq!(percent_text(96, 0), "96%");
        assert_eq!(percent_text(5, 2), "0.05%");
    }
}
