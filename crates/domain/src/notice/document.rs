//! The whole notice (通报) as an office drafts it: title, addressees, 一、总体情况 with
//! the figures, 二、存在问题 by indicator, a placeholder for 三、下一步工作要求, the
//! issuing office and date, then 附件1 and 附件2. Content only: the formats crate lays
//! it out as a Word document, so the wording and the figures live here once and every
//! writer prints the same notice.

use chrono::NaiveDate;

use super::NoticeError;
use super::attachments::{self, Attachments};
use crate::indicator::Catalogue;
use crate::registry::Registry;

/// 附件2 columns: the problem and the account's region, name, platform and host unit.
const PROBLEM: usize = 1;
const REGION: usize = 2;
const PLATFORM: usize = 3;
const ACCOUNT: usize = 4;
const HOST: usize = 5;

/// A notice ready to be laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeDocument {
    /// 关于…情况的通报
    pub title: String,
    /// 主送机关, ending in `：`.
    pub addressees: String,
    /// 一、总体情况, 二、存在问题, 三、下一步工作要求.
    pub sections: Vec<Section>,
    /// 附件说明 lines after the body (`附件：1．…`, `2．…`).
    pub attachment_note: Vec<String>,
    /// 发文机关署名.
    pub office: String,
    /// 成文日期, as notices print it (`2022年3月27日`).
    pub date: String,
    /// The titles of 附件1 and 附件2, printed above their tables.
    pub attachment_titles: [String; 2],
    /// 附件1 and 附件2 (and the overview paragraph the first section prints).
    pub attachments: Attachments,
}

/// One numbered section of the body: its 黑体 heading and what follows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// A paragraph of the body, or a level-2 heading (（一）…, printed in 楷体).
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Paragraph(String),
    Subheading(String),
}

/// The notice of `round` for the scope at tree index `scope`, dated `as_of`: what
/// `govcheck notice export --format docx` and the console's `E` write.
pub fn from_registry(
    reg: &Registry,
    cat: &Catalogue,
    round: &str,
    scope: usize,
    as_of: NaiveDate,
) -> Result<NoticeDocument, NoticeError> {
    let a = attachments::from_registry(reg, cat, round, scope, as_of)?;
    let r = reg
        .round(round)
        .ok_or_else(|| NoticeError::NoRound(round.to_string()))?;
    let tree = reg.tree();
    let name = tree.get(scope).name.clone();
    let children: Vec<&str> = tree
        .children(scope)
        .iter()
        .map(|&c| tree.get(c).name.as_str())
        .collect();
    Ok(build(&Parts {
        scope: &name,
        top_level: tree.parent(scope).is_none(),
        children: &children,
        deadline: r.deadline,
        date: as_of,
        attachments: a,
    }))
}

/// What a notice is built from besides its attachments.
#[derive(Debug, Clone)]
pub struct Parts<'a> {
    /// The scope's name (浙江省, 舟山市).
    pub scope: &'a str,
    /// The store's root region: its office is a 办公厅, any other a 办公室.
    pub top_level: bool,
    /// The names of the scope's child regions, which the addressees follow.
    pub children: &'a [&'a str],
    /// The round's rectification deadline, if it has one.
    pub deadline: Option<NaiveDate>,
    /// The draft's date.
    pub date: NaiveDate,
    pub attachments: Attachments,
}

/// Build the notice. The figures come only from the attachments (the overview paragraph
/// and the tables), so the body and the attachments cannot disagree.
pub fn build(p: &Parts<'_>) -> NoticeDocument {
    let a = &p.attachments;
    let overview = Section {
        heading: "一、总体情况".into(),
        blocks: vec![Block::Paragraph(a.paragraph.clone())],
    };
    let problems = Section {
        heading: "二、存在问题".into(),
        blocks: problem_blocks(&a.table2),
    };
    let mut next = vec![Block::Paragraph(
        "（此处填写下一步工作要求：整改责任、整改时限、报送方式和复核安排。）".into(),
    )];
    if let Some(d) = p.deadline {
        next.push(Block::Paragraph(format!(
            "请各地各部门督促相关主办单位于{}前完成整改，并报送整改情况。",
            d.format("%Y年%-m月%-d日")
        )));
    }
    let next = Section {
        heading: "三、下一步工作要求".into(),
        blocks: next,
    };
    let titles = attachment_titles(a);
    NoticeDocument {
        title: format!("关于{}情况的通报", a.title),
        addressees: addressees(p.scope, p.children),
        sections: vec![overview, problems, next],
        attachment_note: vec![
            format!("附件：1．{}", titles[0]),
            format!("2．{}", titles[1]),
        ],
        office: format!(
            "{}人民政府{}",
            p.scope,
            if p.top_level {
                "办公厅"
            } else {
                "办公室"
            }
        ),
        date: p.date.format("%Y年%-m月%-d日").to_string(),
        attachment_titles: titles,
        attachments: a.clone(),
    }
}

/// The titles of 附件1 and 附件2, printed above their tables (in the document and on
/// each page of the workbook): `2022年第一季度全省政府系统政务新媒体检查总体情况表`. A
/// round's title already ends in 检查 when it names the inspection, and is not repeated.
pub fn attachment_titles(a: &Attachments) -> [String; 2] {
    let first = if a.title.ends_with("检查") {
        format!("{}总体情况表", a.title)
    } else {
        format!("{}政务新媒体检查总体情况表", a.title)
    };
    [first, "检查发现存在突出问题的政务新媒体".to_string()]
}

/// 主送: the governments one level down, named by the kind of the scope's children
/// (cities, or counties and districts), then 各有关单位; the office edits it as it
/// addresses its own notices.
fn addressees(scope: &str, children: &[&str]) -> String {
    let has = |suffix: char| children.iter().any(|c| c.ends_with(suffix));
    let level = if has('市') && !scope.ends_with('市') {
        "各市、县（市、区）人民政府办公室，"
    } else if has('县') || has('区') || has('市') {
        "各县（市、区）人民政府办公室，"
    } else {
        ""
    };
    format!("{level}各有关单位：")
}

/// 二、存在问题: the accounts of 附件2 under their indicator, in 附件2's order. No
/// counts: the figures are the overview's, and a count here would be a second one.
fn problem_blocks(rows: &[[String; 6]]) -> Vec<Block> {
    if rows.is_empty() {
        return vec![Block::Paragraph(
            "本次检查未发现存在突出问题的政务新媒体。".into(),
        )];
    }
    let mut out = vec![Block::Paragraph(
        "检查发现，部分政务新媒体存在以下突出问题（名单见附件2）：".into(),
    )];
    let mut start = 0;
    let mut n = 0;
    while start < rows.len() {
        let problem = &rows[start][PROBLEM];
        let end = rows[start..]
            .iter()
            .position(|r| r[PROBLEM] != *problem)
            .map_or(rows.len(), |k| start + k);
        let accounts: Vec<String> = rows[start..end]
            .iter()
            .map(|r| {
                format!(
                    "{}{}“{}”（主办单位：{}）",
                    r[REGION], r[PLATFORM], r[ACCOUNT], r[HOST]
                )
            })
            .collect();
        out.push(Block::Subheading(format!(
            "（{}）{}",
            chinese_ordinal(n + 1),
            problem
        )));
        out.push(Block::Paragraph(format!("{}。", accounts.join("；"))));
        n += 1;
        start = end;
    }
    out
}

/// 一 … 九十九, for the level-2 headings (the catalogue has far fewer indicators).
fn chinese_ordinal(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_string(),
        10..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(problem: &str, region: &str, account: &str) -> [String; 6] {
        [
            String::new(),
            problem.into(),
            region.into(),
            "微信".into(),
            account.into(),
            "某局".into(),
        ]
    }

    #[test]
    fn problems_are_grouped_by_indicator_in_table_order() {
        let rows = vec![
            row("内容不更新", "舟山市", "甲"),
            row("内容不更新", "台州市", "乙"),
            row("互动回应差", "台州市", "丙"),
        ];
        let b = problem_blocks(&rows);
        assert_eq!(
            b,
            vec![
                Block::Paragraph(
                    "检查发现，部分政务新媒体存在以下突出问题（名单见附件2）：".into()
                ),
                Block::Subheading("（一）内容不更新".into()),
                Block::Paragraph(
                    "舟山市微信“甲”（主办单位：某局）；台州市微信“乙”（主办单位：某局）。".into()
                ),
                Block::Subheading("（二）互动回应差".into()),
                Block::Paragraph("台州市微信“丙”（主办单位：某局）。".into()),
            ]
        );
    }

    #[test]
    fn ordinals_and_addressees() {
        assert_eq!(chinese_ordinal(1), "一");
        assert_eq!(chinese_ordinal(10), "十");
        assert_eq!(chinese_ordinal(12), "十二");
        assert_eq!(chinese_ordinal(21), "二十一");
        assert_eq!(
            addressees("浙江省", &["省本级", "杭州市", "宁波市"]),
            "各市、县（市、区）人民政府办公室，各有关单位："
        );
        assert_eq!(
            addressees("舟山市", &["定海区", "普陀区", "岱山县"]),
            "各县（市、区）人民政府办公室，各有关单位："
        );
        assert_eq!(addressees("普陀区", &[]), "各有关单位：");
    }

    #[test]
    fn an_attachment_title_names_the_inspection_once() {
        let a = |title: &str| Attachments {
            title: title.into(),
            table1: Vec::new(),
            table2: Vec::new(),
            paragraph: String::new(),
        };
        assert_eq!(
            attachment_titles(&a("2022年第一季度全省政府系统政务新媒体检查"))[0],
            "2022年第一季度全省政府系统政务新媒体检查总体情况表"
        );
        assert_eq!(
            attachment_titles(&a("2026年第一季度"))[0],
            "2026年第一季度政务新媒体检查总体情况表"
        );
    }
}
