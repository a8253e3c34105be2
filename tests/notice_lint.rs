//! `govcheck notice lint`: a draft notice's figures checked against their counts before
//! it goes out. The slips are the ones real notices printed; the clean case is the body
//! of the Zhejiang 2022 Q1 notice; correct statements, generated, are never reported.

mod common;

use std::path::Path;

use common::Sandbox;
use govcheck::domain::notice::lint::{LintReport, lint};
use govcheck::domain::rate::Rate;
use govcheck::formats::text::paragraphs;
use proptest::prelude::*;

const ZHEJIANG: &str = include_str!("data/zhejiang-2022q1-notice.txt");

fn lint_text(text: &str) -> LintReport {
    let ps = paragraphs(Path::new("draft.txt"), text.as_bytes()).expect("paragraphs");
    lint(&ps, None)
}

fn lines(r: &LintReport) -> Vec<String> {
    r.discrepancies.iter().map(ToString::to_string).collect()
}

#[test]
fn a_wechat_pass_rate_of_99_9_for_2943_of_2944_is_caught() {
    let r = lint_text(
        "一、总体情况\n本季度共检查微信公众号2,944个，其中合格2,943个，合格率为99.9%。\n",
    );
    assert_eq!(lines(&r), vec!["第2段: 合格率 99.9% ≠ 100.0% (2943/2944)"]);
}

#[test]
fn a_sampling_ratio_of_20_1_for_1010_of_5038_is_caught() {
    let r = lint_text("全省共有政务新媒体5,038个，本次抽查1,010个，抽查比例为20.1%。\n");
    assert_eq!(lines(&r), vec!["第1段: 抽查比例 20.1% ≠ 20.0% (1010/5038)"]);
}

#[test]
fn a_rate_is_rounded_once_at_its_printed_precision() {
    // 99,449/100,000 = 99.449%: 99.4% at one decimal. Rounding the two-decimal 99.45%
    // again would wrongly accept 99.5%.
    let r = lint_text("共检查100,000个，其中合格99,449个，合格率99.5%。\n");
    assert_eq!(
        lines(&r),
        vec!["第1段: 合格率 99.5% ≠ 99.4% (99449/100000)"]
    );
}

#[test]
fn the_zhejiang_notice_body_is_clean() {
    let r = lint_text(ZHEJIANG);
    assert_eq!(lines(&r), Vec::<String>::new());
    // Its 99.73% was paired with 5189 and 14 and checked, not skipped.
    assert_eq!(r.checked, 1, "{r:?}");
    // "其中杭州市…账号合格率达100%" names a part without its counts.
    assert!(
        r.unchecked.iter().any(|u| u.printed == "100%"),
        "{:?}",
        r.unchecked
    );
}

#[test]
fn the_zhejiang_body_with_a_wrong_rate_is_caught() {
    let wrong = ZHEJIANG.replace("账号合格率达99.73%", "账号合格率达99.71%");
    assert_ne!(wrong, ZHEJIANG);
    let r = lint_text(&wrong);
    assert_eq!(
        lines(&r),
        vec!["第4段: 合格率 99.71% ≠ 99.73% (1 − 14/5189)"]
    );
}

#[test]
fn respectively_forms_pair_in_order() {
    let r = lint_text(
        "共检查微信公众号2,944个、微博账号1,200个，其中合格2,943个、1,182个，合格率分别为99.97%和98.6%。\n",
    );
    // 1182/1200 = 98.5%: the second is wrong, the first right.
    assert_eq!(lines(&r), vec!["第1段: 合格率 98.6% ≠ 98.5% (1182/1200)"]);
    assert_eq!(r.checked, 1);
}

#[test]
fn figures_split_over_two_sentences_of_a_paragraph() {
    let r = lint_text("本次共抽查政务新媒体420个，发现问题账号6个。经复核，抽查合格率为98.57%。\n");
    assert_eq!(lines(&r), Vec::<String>::new());
    assert_eq!(r.checked, 1);
    let r = lint_text("本次共抽查政务新媒体420个，发现问题账号6个。经复核，抽查合格率为98.33%。\n");
    assert_eq!(lines(&r), vec!["第1段: 合格率 98.33% ≠ 98.57% (1 − 6/420)"]);
}

#[test]
fn an_ambiguous_statement_is_unchecked_never_wrong() {
    // Two inspected counts in the sentence, one rate: which one it divides is not said.
    let r = lint_text("抽查微信公众号300个、微博账号200个，发现问题账号5个，合格率90%。\n");
    assert_eq!(lines(&r), Vec::<String>::new());
    assert_eq!(r.unchecked.len(), 1, "{r:?}");
    assert_eq!(r.unchecked[0].printed, "90%");
    // Two separate counts of accounts inspected, one rate.
    let r = lint_text("检查微信公众号300个，检查微博账号200个，发现问题账号5个，合格率90%。\n");
    assert_eq!(lines(&r), Vec::<String>::new());
    assert_eq!(
        r.unchecked[0].reason,
        "more than one set of counts it could refer to"
    );
    // A part's rate is checked against the part's counts, never the whole's.
    let r = lint_text(
        "全省共检查500个，发现问题账号5个，合格率99%，其中宁波市检查100个，发现问题账号2个，合格率98%。\n",
    );
    assert_eq!(lines(&r), Vec::<String>::new());
    assert_eq!(r.checked, 2, "{r:?}");
    let r = lint_text(
        "全省共检查500个，发现问题账号5个，合格率99%，其中宁波市检查100个，合格率98%。\n",
    );
    assert_eq!(lines(&r), Vec::<String>::new());
    assert_eq!(r.checked, 1, "{r:?}");
    assert_eq!(r.unchecked.len(), 1, "{r:?}");
    // A named part's rate with its problems but not its inspected: never the whole's.
    let r = lint_text(
        "全省共检查500个，发现问题账号5个，合格率99%。其中宁波市发现问题账号2个，合格率98%。\n",
    );
    assert_eq!(lines(&r), Vec::<String>::new());
    assert_eq!(r.unchecked.len(), 1, "{r:?}");
    // Counts in another paragraph are never borrowed.
    let r = lint_text("共检查120个，发现问题账号5个。\n合格率97%。\n");
    assert_eq!(lines(&r), Vec::<String>::new());
    assert_eq!(r.unchecked.len(), 1);
}

#[test]
fn changes_against_another_time_are_not_rates() {
    let r = lint_text(
        "共检查120个，发现问题账号6个，合格率95%，较上季度上升了3.5%，比去年同期提高1.2个百分点。\n",
    );
    assert_eq!(lines(&r), Vec::<String>::new());
    assert_eq!(r.checked, 1);
    assert!(r.unchecked.is_empty(), "{:?}", r.unchecked);
}

#[test]
fn a_docx_draft_is_read_and_linted() {
    use docx_rs::{Docx, Paragraph, Run, Table, TableCell, TableRow};
    let s = Sandbox::new();
    let path = s.path("通报.docx");
    let file = std::fs::File::create(&path).expect("create");
    Docx::new()
        .add_paragraph(Paragraph::new().add_run(Run::new().add_text("一、总体情况")))
        .add_paragraph(
            Paragraph::new()
                .add_run(Run::new().add_text("全省共检查微信公众号2,944个，"))
                .add_run(Run::new().add_text("其中合格2,943个，合格率为99.9%。")),
        )
        .add_table(Table::new(vec![TableRow::new(vec![
            TableCell::new().add_paragraph(Paragraph::new().add_run(Run::new().add_text("总计"))),
            TableCell::new().add_paragraph(Paragraph::new().add_run(Run::new().add_text("99.71%"))),
        ])]))
        .build()
        .pack(file)
        .expect("pack");
    let bytes = std::fs::read(&path).expect("read");
    let ps = paragraphs(&path, &bytes).expect("docx paragraphs");
    assert_eq!(
        ps,
        vec![
            "一、总体情况",
            "全省共检查微信公众号2,944个，其中合格2,943个，合格率为99.9%。",
            "总计",
            "99.71%",
        ]
    );
    let out = s.run(&["notice", "lint", path.to_str().expect("utf8 path")]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "第2段: 合格率 99.9% ≠ 100.0% (2943/2944)\n"
    );
}

#[test]
fn cli_exit_codes_and_verbose() {
    let s = Sandbox::new();
    let clean = s.write("clean.txt", ZHEJIANG);
    let out = s.run(&["notice", "lint", clean.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let out = s.run(&["notice", "lint", "--verbose", clean.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("第4段: 合格率 100% unchecked: it is about a part"),
        "{text}"
    );
    assert!(text.contains("1 rate(s) checked, 0 wrong"), "{text}");

    let wrong = s.write(
        "wrong.md",
        "# 通报\n\n共检查120个，发现问题账号5个，\n合格率97%。\n",
    );
    let out = s.run(&["notice", "lint", wrong.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "第2段: 合格率 97% ≠ 96% (1 − 5/120)\n"
    );

    let pdf = s.write("draft.pdf", "x");
    let err = s.fails(&["notice", "lint", pdf.to_str().expect("path")]);
    assert!(err.contains("draft.pdf") && err.contains(".docx"), "{err}");
}

#[test]
fn round_counts_are_checked_against_the_registry() {
    let s = Sandbox::new();
    s.demo();
    let clean = s.write("clean.txt", ZHEJIANG);
    s.ok(&[
        "notice",
        "lint",
        "--round",
        "2022Q1",
        clean.to_str().expect("path"),
    ]);
    // 15 problem accounts, and a rate that agrees with the wrong count: only the
    // registry can tell.
    let wrong = ZHEJIANG
        .replace("共发现问题账号14个", "共发现问题账号15个")
        .replace("账号合格率达99.73%", "账号合格率达99.71%");
    let wrong = s.write("wrong.txt", &wrong);
    let path = wrong.to_str().expect("path");
    // Without the round the text agrees with itself.
    s.ok(&["notice", "lint", path]);
    let out = s.run(&["notice", "lint", "--round", "2022Q1", path]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "第4段: 问题账号 15 ≠ 14 (round 2022Q1)\n"
    );
    let err = s.fails(&["notice", "lint", "--round", "2099Q9", path]);
    assert!(err.contains("2099Q9"), "{err}");
}

#[test]
fn long_and_odd_input_is_read_without_harm() {
    // A paragraph of the longest length read, figures all through, and one past it.
    let unit = "共检查1个，合格率100%，";
    let n = govcheck::domain::notice::lint::MAX_PARAGRAPH_CHARS / unit.chars().count();
    let r = lint(&[unit.repeat(n)], None);
    assert_eq!(r.discrepancies, vec![]);
    let r = lint(&[unit.repeat(n + 1)], None);
    assert_eq!(r.unchecked.len(), 1);
    assert_eq!(r.unchecked[0].figure, "段落");
    // Digits with nothing else, numbers too large for any count, and stray marks.
    let odd = vec![
        "9".repeat(5000),
        format!("共检查{}个，合格率{}%", "9".repeat(40), "9".repeat(40)),
        "合格率.%，检查,个，%%%，１２０个，".to_string(),
    ];
    let r = lint(&odd, None);
    assert_eq!(r.discrepancies, vec![]);
}

/// `scaled` at `decimals` decimals as a notice prints it.
fn printed(scaled: u64, decimals: u32) -> String {
    if decimals == 0 {
        return format!("{scaled}%");
    }
    let unit = 10u64.pow(decimals);
    format!(
        "{}.{:0w$}%",
        scaled / unit,
        scaled % unit,
        w = decimals as usize
    )
}

fn grouped(n: u64, thousands: bool) -> String {
    let digits = n.to_string();
    if !thousands {
        return digits;
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Correct statements in every form, at 0 to 2 decimals, are all checked and none
    /// is reported.
    #[test]
    fn correct_statements_are_never_reported(
        total in 1u64..200_000,
        sampled_per_mille in 1u64..=1000,
        problems_per_mille in 0u64..=1000,
        d1 in 0u32..=2,
        d2 in 0u32..=2,
        thousands in any::<bool>(),
        form in 0usize..4,
    ) {
        let inspected = (total * sampled_per_mille / 1000).max(1);
        let problems = inspected * problems_per_mille / 1000;
        let passed = inspected - problems;
        let pass = printed(Rate::pass(problems, inspected).rounded(d1).expect("rate"), d1);
        let ratio = printed(Rate::new(inspected, total).rounded(d2).expect("rate"), d2);
        let (t, i, p, ok) = (
            grouped(total, thousands),
            grouped(inspected, thousands),
            grouped(problems, thousands),
            grouped(passed, thousands),
        );
        let text = match form {
            0 => format!("全省共有政务新媒体{t}个，抽查{i}个，抽查比例{ratio}，发现问题账号{p}个，合格率为{pass}。"),
            1 => format!("全省纳入管理的政务新媒体{t}个。本次抽查{i}个，占比{ratio}。其中合格{ok}个，抽查合格率{pass}。"),
            2 => format!("本次抽查政务新媒体{i}个、网站{t}个，其中存在问题的{p}个、{p}个，合格率分别为{pass}和{}。",
                printed(Rate::pass(problems.min(total), total).rounded(d2).expect("rate"), d2)),
            _ => format!("对纳入管理的{t}个政务新媒体开展全量检查，共发现问题账号{}个，账号合格率达{}，较上期上升0.5%。",
                grouped(problems.min(total), thousands),
                printed(Rate::pass(problems.min(total), total).rounded(d1).expect("rate"), d1)),
        };
        let r = lint_text(&text);
        prop_assert!(r.discrepancies.is_empty(), "{text}: {:?}", r.discrepancies);
        let expected_checked = if form == 3 { 1 } else { 2 };
        prop_assert_eq!(r.checked, expected_checked, "{}: {:?}", text, r.unchecked);
    }
}
