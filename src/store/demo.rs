//! The embedded demo: Zhejiang province, 2022 Q1, built from the published notice
//! (附件1 per-region totals, 附件2 the 14 problem accounts). Every other account is
//! synthetic and marked so. The store is filled through the ordinary CSV import, so the
//! demo exercises the same path as an office's own files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Days, NaiveDate};

use super::error::StoreError;
use super::import::{ImportContext, ImportReport, SourceFile, import};
use super::local::LocalStore;
use crate::domain::event::Actor;
use crate::domain::region::Region;

/// 附件1 as published (including its wrong total row, which the import ignores).
pub const ATTACHMENT1: &str = include_str!("../../data/demo/zhejiang-2022q1/attachment1.csv");
/// 附件2 as published (blank cells are merged cells that repeat the value above).
pub const ATTACHMENT2: &str = include_str!("../../data/demo/zhejiang-2022q1/attachment2.csv");

pub const ROUND_ID: &str = "2022Q1";
const ROOT_CODE: &str = "330000";
const ROOT_NAME: &str = "浙江省";
/// Pseudo-region code for accounts of provincial departments (省本级).
pub const PROVINCE_LEVEL_CODE: &str = "330000-P";

/// Division codes of Zhejiang's cities, in the notice's order.
const CITY_CODES: &[(&str, &str)] = &[
    ("省本级", PROVINCE_LEVEL_CODE),
    ("杭州市", "330100"),
    ("宁波市", "330200"),
    ("温州市", "330300"),
    ("湖州市", "330500"),
    ("嘉兴市", "330400"),
    ("绍兴市", "330600"),
    ("金华市", "330700"),
    ("衢州市", "330800"),
    ("舟山市", "330900"),
    ("台州市", "331000"),
    ("丽水市", "331100"),
];

const DEPARTMENTS: &[&str] = &[
    "发布",
    "教育",
    "公安",
    "交警",
    "民政",
    "司法",
    "财政",
    "人社",
    "自然资源",
    "生态环境",
    "住建",
    "交通",
    "水利",
    "农业农村",
    "商务",
    "文旅",
    "卫健",
    "退役军人",
    "应急管理",
    "审计",
    "市场监管",
    "体育",
    "统计",
    "医保",
    "信访",
    "城管",
    "税务",
    "气象",
    "消防",
    "档案",
    "科技",
    "经信",
    "妇联",
    "团委",
    "科协",
    "残联",
    "供销",
    "粮食",
    "人防",
    "大数据",
];

const PLATFORMS: &[&str] = &[
    "微信公众号",
    "微信公众号",
    "微信公众号",
    "微博",
    "抖音",
    "今日头条",
    "快手",
    "微信视频号",
    "哔哩哔哩",
    "知乎号",
];

/// One row of 附件1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedRow {
    pub region: String,
    pub total: u64,
    pub inspected: u64,
    pub problems: u64,
    pub rate: String,
}

/// One row of 附件2 after merged cells are filled down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemAccount {
    pub problem: String,
    pub region: String,
    pub platform: String,
    pub name: String,
    pub host_unit: String,
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes())
        .records()
        .filter_map(Result::ok)
        .map(|r| r.iter().map(|c| c.trim().to_string()).collect())
        .collect()
}

/// The region rows of 附件1 (the total row excluded).
pub fn published_table() -> Vec<PublishedRow> {
    csv_rows(ATTACHMENT1)
        .into_iter()
        .filter(|r| r.len() >= 6 && !r[0].starts_with("总") && !r[1].is_empty())
        .map(|r| PublishedRow {
            region: r[1].clone(),
            total: r[2].parse().unwrap_or(0),
            inspected: r[3].parse().unwrap_or(0),
            problems: r[4].parse().unwrap_or(0),
            rate: r[5].clone(),
        })
        .collect()
}

/// The 14 problem accounts of 附件2, blanks filled from the row above.
pub fn problem_accounts() -> Vec<ProblemAccount> {
    let mut out: Vec<ProblemAccount> = Vec::new();
    for r in csv_rows(ATTACHMENT2) {
        if r.len() < 6 {
            continue;
        }
        let prev = out.last();
        let fill = |v: &str, up: Option<&str>| {
            if v.is_empty() {
                up.unwrap_or_default().to_string()
            } else {
                v.to_string()
            }
        };
        out.push(ProblemAccount {
            problem: fill(&r[1], prev.map(|p| p.problem.as_str())),
            region: fill(&r[2], prev.map(|p| p.region.as_str())),
            platform: r[3].clone(),
            name: r[4].clone(),
            host_unit: r[5].clone(),
        });
    }
    out
}

/// Deterministic pseudo-random numbers (SplitMix64): the demo is the same everywhere.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The demo as CSV import files (regions, accounts, rounds, findings, posts).
pub fn demo_files() -> Vec<SourceFile> {
    let table = published_table();
    let problems = problem_accounts();
    let mut rng = Rng(20220327);
    let code_of = |name: &str| {
        CITY_CODES
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(name.to_string(), |(_, c)| c.to_string())
    };

    let mut regions = String::from("code,name,parent_code\n");
    for row in &table {
        let _ = writeln!(
            regions,
            "{},{},{ROOT_CODE}",
            code_of(&row.region),
            row.region
        );
    }

    let mut accounts =
        String::from("id,name,platform,region,host_unit,status,opened_on,synthetic\n");
    let mut findings = String::from("round,account,problem,source\n");
    let mut posts = String::from("account,published_at\n");
    let start = date(2022, 1, 1);
    let point = date(2022, 3, 15);

    for row in &table {
        let code = code_of(&row.region);
        let short = row.region.trim_end_matches('市');
        let short = if short == "省本级" {
            "浙江"
        } else {
            short
        };
        let real: Vec<&ProblemAccount> =
            problems.iter().filter(|p| p.region == row.region).collect();
        let mut n = 0usize;
        for p in &real {
            n += 1;
            let id = format!("zj-{code}-{n:04}");
            let _ = writeln!(
                accounts,
                "{id},{},{},{code},{},operating,,false",
                p.name, p.platform, p.host_unit
            );
            let _ = writeln!(findings, "{ROUND_ID},{id},{},notice", p.problem);
            let stale = p.problem.contains("两周");
            write_posts(
                &mut posts,
                &id,
                &mut rng,
                start,
                point,
                if stale {
                    Silence::Stale
                } else {
                    Silence::Active
                },
            );
        }
        let fillers = row.total.saturating_sub(real.len() as u64);
        for k in 0..fillers as usize {
            n += 1;
            let id = format!("zj-{code}-{n:04}");
            let dept = DEPARTMENTS[k % DEPARTMENTS.len()];
            let platform = PLATFORMS[(k / DEPARTMENTS.len()) % PLATFORMS.len()];
            let round_no = k / (DEPARTMENTS.len() * PLATFORMS.len());
            let name = if round_no == 0 {
                format!("{short}{dept}")
            } else {
                format!("{short}{dept}{}", round_no + 1)
            };
            let host = if row.region == "省本级" {
                format!("浙江省{dept}部门")
            } else {
                format!("{}{dept}部门", row.region)
            };
            let _ = writeln!(
                accounts,
                "{id},{name},{platform},{code},{host},operating,,true"
            );
            // About one in a hundred drifts towards the two-week line (early warning).
            let silence = if rng.below(100) == 0 {
                Silence::Drifting
            } else {
                Silence::Active
            };
            write_posts(&mut posts, &id, &mut rng, start, point, silence);
        }
    }

    let rounds = format!(
        "round,title,period_start,period_end,monitoring_point,mode,deadline,note\n\
         {ROUND_ID},2022年第一季度全省政府系统政务新媒体检查,2022-01-01,2022-03-15,2022-03-15,full,2022-04-27,\
         通报2022-03-27印发；通报未载明整改期限，2022-04-27为演示数据假定\n"
    );
    let file = |name: &str, text: String| SourceFile {
        path: PathBuf::from(format!("demo/{name}")),
        bytes: text.into_bytes(),
    };
    vec![
        file("regions.csv", regions),
        file("accounts.csv", accounts),
        file("rounds.csv", rounds),
        file("findings.csv", findings),
        file("posts.csv", posts),
    ]
}

enum Silence {
    /// Posts regularly up to the point.
    Active,
    /// Last post 10–13 days before the point: warned, not failed.
    Drifting,
    /// Nothing in the two weeks up to the point: fails the rule.
    Stale,
}

fn write_posts(
    out: &mut String,
    id: &str,
    rng: &mut Rng,
    start: NaiveDate,
    point: NaiveDate,
    s: Silence,
) {
    let last = match s {
        Silence::Active => point - Days::new(rng.below(8)),
        Silence::Drifting => point - Days::new(10 + rng.below(4)),
        Silence::Stale => point - Days::new(16 + rng.below(20)),
    };
    let step = 3 + rng.below(5);
    let mut day = last;
    while day >= start {
        let _ = writeln!(
            out,
            "{id},{day}T{:02}:{:02}:00+08:00",
            8 + rng.below(10),
            rng.below(60)
        );
        day = match day.checked_sub_days(Days::new(step)) {
            Some(d) => d,
            None => break,
        };
    }
}

/// Create a store in `dir` holding the demo.
pub fn create_demo_store(
    dir: &Path,
    ctx: &ImportContext<'_>,
) -> Result<(LocalStore, ImportReport), StoreError> {
    let root = Region {
        code: ROOT_CODE.into(),
        name: ROOT_NAME.into(),
        parent: None,
    };
    let store = LocalStore::create(dir, root, &ctx.actor, ctx.now)?;
    let mut ctx = ctx.clone();
    ctx.reported_at = DateTime::parse_from_rfc3339("2022-03-27T09:00:00+08:00").ok();
    let report = import(&store, &demo_files(), &ctx)?;
    Ok((store, report))
}

/// The actor recorded for the demo's own import.
pub fn demo_actor(base: &Actor) -> Actor {
    Actor {
        name: format!("{} (demo)", base.name),
        ..base.clone()
    }
}
