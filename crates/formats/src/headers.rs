//! Recognising an import file by its header row. Offices send files with English or
//! Chinese headers in many spellings; the English names below are the contract, the
//! Chinese ones are accepted aliases. Columns not listed (序号 …) are ignored.

use std::collections::HashMap;

use govcheck_domain::text::normalize_key;

/// The kinds of import file, in the order they are applied.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Regions,
    Accounts,
    Rounds,
    Inspected,
    Findings,
    Posts,
}

impl FileKind {
    pub fn name(&self) -> &'static str {
        match self {
            FileKind::Regions => "regions",
            FileKind::Accounts => "accounts",
            FileKind::Rounds => "rounds",
            FileKind::Inspected => "inspected",
            FileKind::Findings => "findings",
            FileKind::Posts => "posts",
        }
    }
}

/// (canonical column, required, aliases)
type Col = (&'static str, bool, &'static [&'static str]);

const REGIONS: &[Col] = &[
    (
        "code",
        true,
        &["代码", "区划代码", "地区代码", "行政区划代码"],
    ),
    ("name", true, &["名称", "地区名称", "地区"]),
    (
        "parent_code",
        true,
        &["上级代码", "上级区划代码", "上级地区代码"],
    ),
];

const ACCOUNTS: &[Col] = &[
    ("id", true, &["账号id", "账号ID", "编号", "账号编号", "ID"]),
    (
        "name",
        true,
        &["账号名称", "政务新媒体名称", "账号", "名称", "网站名称"],
    ),
    (
        "platform",
        true,
        &["平台", "新媒体类型", "账号类型", "政务新媒体类型", "类型"],
    ),
    ("region", true, &["地区", "所属地区", "区/部门", "区划"]),
    ("host_unit", true, &["主办单位"]),
    ("supervisor_unit", false, &["主管单位"]),
    ("status", false, &["状态", "运营状态", "运行状态"]),
    ("opened_on", false, &["开设日期", "开通日期", "开设时间"]),
    ("closed_on", false, &["关停日期", "注销日期", "关停时间"]),
    ("synthetic", false, &["合成", "虚拟"]),
    // Who to call when the account is chased, as the filing form (备案表) words it.
    (
        "contact",
        false,
        &[
            "联系人",
            "负责人",
            "主办单位分管领导",
            "主办单位分管领导及职务",
            "分管领导",
            "管理员",
            "管理员姓名",
        ],
    ),
    (
        "phone",
        false,
        &["联系电话", "联系电话及方式", "电话", "手机号", "联系方式"],
    ),
];

const ROUNDS: &[Col] = &[
    ("round", true, &["批次", "检查批次", "批次编号"]),
    ("title", true, &["标题", "批次名称", "名称"]),
    (
        "period_start",
        true,
        &["监测开始", "开始日期", "监测开始日期"],
    ),
    (
        "period_end",
        true,
        &["监测结束", "结束日期", "监测结束日期"],
    ),
    ("monitoring_point", true, &["监测点", "监测时间点"]),
    ("mode", true, &["方式", "检查方式"]),
    ("deadline", true, &["整改期限", "整改截止日期", "整改时限"]),
    ("note", false, &["备注", "说明"]),
];

const INSPECTED: &[Col] = &[
    ("round", true, &["批次", "检查批次"]),
    ("account", true, &["账号id", "账号ID", "账号编号"]),
];

const FINDINGS: &[Col] = &[
    ("round", true, &["批次", "检查批次"]),
    ("account", true, &["账号id", "账号ID", "账号编号"]),
    (
        "problem",
        true,
        &["存在突出问题", "问题", "存在问题", "问题类型"],
    ),
    ("note", false, &["备注", "说明", "问题描述"]),
    ("deadline", false, &["整改期限", "整改截止日期", "整改时限"]),
    ("source", false, &["来源"]),
    ("points", false, &["扣分"]),
];

const POSTS: &[Col] = &[
    ("account", true, &["账号id", "账号ID", "账号编号"]),
    ("published_at", true, &["发布时间", "发文时间"]),
];

/// Recognition order: the first kind whose marker column is present and whose
/// required columns are all there wins.
const KINDS: &[(FileKind, &str, &[Col])] = &[
    (FileKind::Posts, "published_at", POSTS),
    (FileKind::Findings, "problem", FINDINGS),
    (FileKind::Regions, "parent_code", REGIONS),
    (FileKind::Rounds, "monitoring_point", ROUNDS),
    (FileKind::Accounts, "platform", ACCOUNTS),
    (FileKind::Inspected, "account", INSPECTED),
];

/// Canonical column → position in the row.
#[derive(Debug, Clone)]
pub struct Columns {
    pub kind: FileKind,
    pos: HashMap<&'static str, usize>,
}

impl Columns {
    pub fn get(&self, col: &str) -> Option<usize> {
        self.pos.get(col).copied()
    }
    /// Every recognised column: canonical name and position.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, usize)> + '_ {
        self.pos.iter().map(|(c, i)| (*c, *i))
    }
}

/// The normal form of a header cell: no spaces or BOM, half-width, lower-case ASCII,
/// and a trailing unit such as `（个）` dropped.
pub fn normalize_header(h: &str) -> String {
    let mut k = normalize_key(h).to_lowercase();
    if k.ends_with(')')
        && let Some(open) = k.rfind('(')
        && open > 0
    {
        k.truncate(open);
    }
    k
}

fn map(cols: &[Col], headers: &[String]) -> HashMap<&'static str, usize> {
    let mut pos = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = normalize_header(h);
        for (canon, _, aliases) in cols {
            if pos.contains_key(canon) {
                continue;
            }
            if h == *canon || aliases.iter().any(|a| normalize_header(a) == h) {
                pos.insert(*canon, i);
                break;
            }
        }
    }
    pos
}

/// Recognise the file kind from its header row, or explain what is missing.
pub fn recognise(headers: &[String]) -> Result<Columns, String> {
    let mut best: Option<(usize, FileKind, Vec<&str>)> = None;
    for (kind, marker, cols) in KINDS {
        let pos = map(cols, headers);
        let missing: Vec<&str> = cols
            .iter()
            .filter(|(c, req, _)| *req && !pos.contains_key(c))
            .map(|(c, _, _)| *c)
            .collect();
        if pos.contains_key(marker) && missing.is_empty() {
            return Ok(Columns { kind: *kind, pos });
        }
        let score = pos.len();
        if pos.contains_key(marker) && best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, *kind, missing));
        }
    }
    Err(match best {
        Some((_, kind, missing)) => format!(
            "looks like a {} file but lacks column{} {}",
            kind.name(),
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", ")
        ),
        None => format!(
            "header {:?} is not one govcheck imports; expected regions (code,name,parent_code), accounts (id,name,platform,region,host_unit), rounds (round,title,period_start,period_end,monitoring_point,mode,deadline), inspected (round,account), findings (round,account,problem) or posts (account,published_at)",
            govcheck_domain::text::truncate(&headers.join(","), 200)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<String> {
        s.split(',').map(String::from).collect()
    }

    #[test]
    fn recognises_each_kind_in_english() {
        let k = |s| recognise(&h(s)).map(|c| c.kind);
        assert_eq!(k("code,name,parent_code"), Ok(FileKind::Regions));
        assert_eq!(
            k("id,name,platform,region,host_unit"),
            Ok(FileKind::Accounts)
        );
        assert_eq!(
            k("round,title,period_start,period_end,monitoring_point,mode,deadline"),
            Ok(FileKind::Rounds)
        );
        assert_eq!(k("round,account"), Ok(FileKind::Inspected));
        assert_eq!(k("round,account,problem"), Ok(FileKind::Findings));
        assert_eq!(k("account,published_at"), Ok(FileKind::Posts));
    }

    #[test]
    fn recognises_chinese_aliases() {
        let c = recognise(&h(
            "序号,账号ID,政务新媒体名称,新媒体类型,所属地区,主办单位",
        ))
        .expect("accounts");
        assert_eq!(c.kind, FileKind::Accounts);
        assert_eq!(c.get("name"), Some(2));
        assert_eq!(c.get("region"), Some(4));
        let c = recognise(&h("\u{feff}id, 账号名称 ,平台,区/部门,主办单位（全称）"))
            .expect("bom+space");
        assert_eq!(c.get("host_unit"), Some(4));
        let c = recognise(&h("批次,账号ID,存在突出问题")).expect("findings");
        assert_eq!(c.kind, FileKind::Findings);
    }

    #[test]
    fn contact_columns_in_both_spellings() {
        let c = recognise(&h("id,name,platform,region,host_unit,contact,phone")).expect("en");
        assert_eq!((c.get("contact"), c.get("phone")), (Some(5), Some(6)));
        let c = recognise(&h(
            "账号ID,账号名称,平台,地区,主办单位,主办单位分管领导,联系电话",
        ))
        .expect("zh");
        assert_eq!(c.kind, FileKind::Accounts);
        assert_eq!((c.get("contact"), c.get("phone")), (Some(5), Some(6)));
        let c = recognise(&h("账号ID,账号名称,平台,地区,主办单位")).expect("without");
        assert_eq!((c.get("contact"), c.get("phone")), (None, None));
    }

    #[test]
    fn missing_column_is_named() {
        let e = recognise(&h("id,name,platform,region")).expect_err("no host_unit");
        assert!(e.contains("accounts") && e.contains("host_unit"), "{e}");
        let e = recognise(&h("foo,bar")).expect_err("unknown");
        assert!(e.contains("foo,bar"), "{e}");
    }
}
