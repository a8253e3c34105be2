//! What a column of a published table holds, read from what its header means rather
//! than from a list of exact spellings. Offices write the same column a dozen ways
//! (总量, 政务新媒体总量（个）, 账号数, 抽查政务新媒体数, 存在突出问题政务新媒体数 …):
//! a header is a subject (政务新媒体, 账号, 网站) around a stem (检查, 存在问题, 合格)
//! with a count word (数, 数量, 总数) and a unit (（个）). The meaning rules are the
//! tables below, in one place; [`classify`] strips what does not change the meaning
//! and matches what is left.

use crate::headers::normalize_header;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// 序号: not data.
    Seq,
    /// 地区, 所属地区, 单位 …
    Region,
    /// How many accounts are operating (总量, 账号数 …).
    Total,
    /// How many were inspected or sampled (检查数量, 抽查数 …).
    Inspected,
    /// How many had problems (存在问题数, 不合格数 …).
    Problems,
    /// How many passed (合格数): problems are inspected − passed.
    Passed,
    /// The pass rate (合格率, 抽查合格率 …).
    Rate,
    /// A problem described in words (存在突出问题, 存在问题).
    Problem,
    /// The platform (新媒体类型, 平台).
    Platform,
    /// The account's name (政务新媒体名称, 账号).
    Name,
    /// The host unit (主办单位, 主管/主办单位).
    HostUnit,
    /// Whether the account passed, in words (合格情况: 合格/不合格).
    Verdict,
    /// A website's score out of 100 (得分).
    Score,
    /// 备注: kept out of every figure.
    Note,
}

impl Column {
    /// The name an error message uses for a column govcheck looked for.
    pub fn label(self) -> &'static str {
        match self {
            Column::Seq => "序号",
            Column::Region => "地区",
            Column::Total => "总量",
            Column::Inspected => "检查数量",
            Column::Problems => "存在问题数",
            Column::Passed => "合格数",
            Column::Rate => "合格率",
            Column::Problem => "存在问题",
            Column::Platform => "新媒体类型",
            Column::Name => "账号名称",
            Column::HostUnit => "主办单位",
            Column::Verdict => "合格情况",
            Column::Score => "得分",
            Column::Note => "备注",
        }
    }
}

/// Words naming what is counted, in front of or behind the stem: they do not change
/// what a column means (政务新媒体总量 is 总量, 抽查政务新媒体数 is 抽查数). Longest
/// first, so 政务新媒体 is stripped before 新媒体.
const SUBJECTS: &[&str] = &[
    "政府系统政务新媒体",
    "政务新媒体账号",
    "政务新媒体",
    "政府网站",
    "新媒体",
    "账号",
    "网站",
    "政务",
];

/// Count words a figure's header ends with (总量 before 量, 数量 before 数).
const COUNT_WORDS: &[&str] = &["总数量", "总量", "总数", "数量", "个数", "数目", "数"];

/// Stems of counted columns, after subjects and the count word are stripped.
const COUNT_STEMS: &[(Column, &[&str])] = &[
    (
        Column::Total,
        &[
            "",
            "开设",
            "运行",
            "运营",
            "在运营",
            "正常运营",
            "纳入管理",
            "纳入监管",
            "管理",
            "监管",
            "本地区",
        ],
    ),
    (
        Column::Inspected,
        &[
            "检查",
            "抽查",
            "监测",
            "抽检",
            "检测",
            "巡查",
            "实际检查",
            "本次检查",
            "被检查",
            "已检查",
            "被抽查",
            "抽查检查",
            "检查抽查",
            "监测检查",
        ],
    ),
    (
        Column::Problems,
        &[
            "存在问题",
            "存在突出问题",
            "存在严重问题",
            "存在明显问题",
            "发现问题",
            "有问题",
            "问题",
            "不合格",
            "检查不合格",
            "抽查不合格",
        ],
    ),
    (Column::Passed, &["合格", "检查合格", "抽查合格", "达标"]),
];

/// Qualifiers in front of 合格率 (检查合格率, 抽查合格率, 账号合格率 …).
const RATE_QUALIFIERS: &[&str] = &["", "检查", "抽查", "监测", "抽检", "总体", "综合", "整体"];

/// Columns recognised by their whole (normalised) header.
const WORDS: &[(Column, &[&str])] = &[
    (Column::Seq, &["序号", "编号", "序", "no", "no."]),
    (
        Column::Region,
        &[
            "地区",
            "所属地区",
            "单位",
            "地市",
            "设区市",
            "区域",
            "市州",
            "县区",
            "区县",
            "县",
            "县市区",
            "地区名称",
            "所属区域",
            "所在地区",
            "行政区划",
        ],
    ),
    (
        Column::Problem,
        &[
            "存在突出问题",
            "存在问题",
            "问题",
            "主要问题",
            "存在的问题",
            "问题描述",
            "检查发现问题",
            "发现问题",
            "问题类型",
        ],
    ),
    (
        Column::Platform,
        &[
            "新媒体类型",
            "政务新媒体类型",
            "平台",
            "账号类型",
            "类型",
            "平台类型",
            "媒体类型",
            "所属平台",
        ],
    ),
    (
        Column::Name,
        &[
            "政务新媒体名称",
            "账号名称",
            "名称",
            "账号",
            "账号名",
            "政务新媒体",
            "网站名称",
            "政务新媒体账号",
            "政务新媒体账号名称",
        ],
    ),
    (
        Column::HostUnit,
        &[
            "主办单位",
            "主管/主办单位",
            "主管主办单位",
            "主管单位/主办单位",
            "主办/主管单位",
            "开办主体",
            "运营主体",
            "主办主体",
            "开办单位",
            "运营单位",
            "主管单位",
        ],
    ),
    (
        Column::Verdict,
        &[
            "合格情况",
            "是否合格",
            "检查结果",
            "合格与否",
            "结果",
            "检查结论",
            "结论",
            "检查情况",
        ],
    ),
    (
        Column::Score,
        &[
            "得分",
            "分数",
            "检查得分",
            "评分",
            "总分",
            "综合得分",
            "最终得分",
            "监测得分",
        ],
    ),
    (Column::Note, &["备注", "说明"]),
];

/// Trailing units a header may carry without brackets (总量/个, 得分（分）is bracketed).
const BARE_UNITS: &[&str] = &["/个", "/家", "/%", "/分", "(%)"];

/// What the column under `header` holds, or `None` when its meaning is not known.
pub fn classify(header: &str) -> Option<Column> {
    let mut h = normalize_header(header);
    for u in BARE_UNITS {
        if let Some(s) = h.strip_suffix(u) {
            h = s.to_string();
        }
    }
    // 数 alone says nothing of what is counted.
    if h.is_empty() || h == "数" {
        return None;
    }
    if let Some(c) = WORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| normalize_header(w) == h))
        .map(|(c, _)| *c)
    {
        return Some(c);
    }
    let core = strip_subjects(&h);
    if let Some(q) = core.strip_suffix("合格率") {
        return RATE_QUALIFIERS
            .contains(&strip_subjects(q).as_str())
            .then_some(Column::Rate);
    }
    let counted = COUNT_WORDS.iter().find_map(|w| core.strip_suffix(w))?;
    let stem = strip_subjects(counted);
    COUNT_STEMS
        .iter()
        .find(|(_, stems)| stems.contains(&stem.as_str()))
        .map(|(c, _)| *c)
}

/// `text` without the subject words at either end (政务新媒体, 账号 …).
fn strip_subjects(text: &str) -> String {
    let mut t = text;
    loop {
        let before = t.len();
        for s in SUBJECTS {
            if let Some(rest) = t.strip_prefix(s) {
                t = rest;
            }
            if let Some(rest) = t.strip_suffix(s) {
                t = rest;
            }
        }
        if t.len() == before {
            return t.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every combination of subject in front, stem, count word, subject behind, unit
    /// and bracket width: each is classified as its stem means.
    #[test]
    fn generated_matrix_of_spellings() {
        let fronts = ["", "政务新媒体", "账号", "新媒体", "政务新媒体账号", "网站"];
        let counts = ["数", "数量", "总数"];
        let units = ["", "个", "家"];
        let brackets = [("（", "）"), ("(", ")")];
        let stems: &[(Column, &[&str])] = &[
            (
                Column::Inspected,
                &["检查", "抽查", "监测", "抽检", "实际检查"],
            ),
            (
                Column::Problems,
                &["存在问题", "存在突出问题", "不合格", "问题", "发现问题"],
            ),
            (Column::Passed, &["合格", "抽查合格"]),
        ];
        let mut n = 0;
        for front in fronts {
            for (want, ss) in stems {
                for stem in *ss {
                    for behind in ["", "政务新媒体", "账号"] {
                        for count in counts {
                            for unit in units {
                                for (open, close) in brackets {
                                    let unit = if unit.is_empty() {
                                        String::new()
                                    } else {
                                        format!("{open}{unit}{close}")
                                    };
                                    for pad in ["", " ", "\n"] {
                                        let h = format!("{front}{pad}{stem}{behind}{count}{unit}");
                                        assert_eq!(classify(&h), Some(*want), "{h:?}");
                                        n += 1;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Totals: a count word alone or after a subject (总量, 账号数, 政务新媒体数量（个）).
        for front in fronts {
            for stem in ["", "开设", "纳入管理"] {
                for count in ["总量", "总数", "数量", "数", "个数"] {
                    for unit in ["", "（个）", "(个)", "/个"] {
                        let h = format!("{front}{stem}{count}{unit}");
                        if front.is_empty() && stem.is_empty() && count == "数" {
                            continue; // 数 alone says nothing
                        }
                        assert_eq!(classify(&h), Some(Column::Total), "{h:?}");
                        n += 1;
                    }
                }
            }
        }
        for front in ["", "账号", "政务新媒体", "网站"] {
            for q in RATE_QUALIFIERS {
                for unit in ["", "（%）", "(%)"] {
                    let h = format!("{front}{q}合格率{unit}");
                    assert_eq!(classify(&h), Some(Column::Rate), "{h:?}");
                    n += 1;
                }
            }
        }
        assert!(n > 3000, "{n} spellings");
    }

    #[test]
    fn words_that_are_not_figures() {
        for (h, want) in [
            ("序号", Some(Column::Seq)),
            ("地区", Some(Column::Region)),
            ("所属地区", Some(Column::Region)),
            ("备注", Some(Column::Note)),
            ("存在问题", Some(Column::Problem)),
            ("存在突出问题", Some(Column::Problem)),
            ("账号", Some(Column::Name)),
            ("主管/主办单位", Some(Column::HostUnit)),
            ("合格\n情况", Some(Column::Verdict)),
            ("得分（分）", Some(Column::Score)),
            ("政务新媒体类型", Some(Column::Platform)),
        ] {
            assert_eq!(classify(h), want, "{h:?}");
        }
        for h in [
            "",
            "数",
            "附件1",
            "政务新媒体检查情况",
            "地区合格率",
            "联系电话",
            "不合格率",
            "问题整改数量数量",
        ] {
            assert_ne!(
                classify(h).map(|c| matches!(
                    c,
                    Column::Total
                        | Column::Inspected
                        | Column::Problems
                        | Column::Passed
                        | Column::Rate
                )),
                Some(true),
                "{h:?} taken for a figure"
            );
        }
    }
}
