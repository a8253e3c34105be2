//! The embedded demo: Zhejiang province, 2022 Q1, built from the published notice
//! (附件1 per-region totals, 附件2 the 14 problem accounts). Every other account is
//! synthetic and marked so. The store is filled through the ordinary CSV import, so the
//! demo exercises the same path as an office's own files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Days, NaiveDate};

use crate::error::StoreError;
use crate::import::{ImportContext, ImportReport, SourceFile, import};
use crate::local::LocalStore;
use crate::rng::Rng;
use crate::sqlite::SqliteStore;
use govcheck_domain::event::Actor;
use govcheck_domain::notice::{PublishedNotice, PublishedProblem};
use govcheck_domain::region::Region;
use govcheck_formats::notice::read::{parse_notice, read_grids};

/// 附件1 as published (including its wrong total row, which the import ignores).
pub const ATTACHMENT1: &str = include_str!("../../../data/demo/zhejiang-2022q1/attachment1.csv");
/// 附件2 as published (blank cells are merged cells that repeat the value above).
pub const ATTACHMENT2: &str = include_str!("../../../data/demo/zhejiang-2022q1/attachment2.csv");

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

/// The published notice (附件1 and 附件2, merged cells filled) as the notice reader
/// reads it; the embedded files are tested, so a failure here is a build defect.
pub fn published_notice() -> PublishedNotice {
    let files = [
        ("attachment1.csv", ATTACHMENT1),
        ("attachment2.csv", ATTACHMENT2),
    ];
    let grids: Vec<_> = files
        .iter()
        .map(|(name, text)| {
            let path = Path::new(name);
            (
                path,
                read_grids(path, text.as_bytes()).expect("embedded demo notice reads"),
            )
        })
        .collect();
    parse_notice(ROUND_ID, &grids).expect("embedded demo notice parses")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The demo as CSV import files (regions, accounts, rounds, findings, posts).
pub fn demo_files() -> Vec<SourceFile> {
    let notice = published_notice();
    let (table, problems) = (notice.rows, notice.problems);
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

    let mut accounts = String::from(
        "id,name,platform,region,host_unit,status,opened_on,synthetic,contact,phone\n",
    );
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
        let real: Vec<&PublishedProblem> =
            problems.iter().filter(|p| p.region == row.region).collect();
        let mut n = 0usize;
        for p in &real {
            n += 1;
            let id = format!("zj-{code}-{n:04}");
            // Every other named account has a contact to chase, so the screens show
            // one with and one without. Made up and labelled so (the notice names
            // none), with a number no exchange gives out.
            let contact = if n % 2 == 1 {
                format!("演示联系人{n},0000-{:07}", n * 1_111)
            } else {
                String::from(",")
            };
            let _ = writeln!(
                accounts,
                "{id},{},{},{code},{},operating,,false,{contact}",
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
                "{id},{name},{platform},{code},{host},operating,,true,,"
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
    let store = LocalStore::create(dir, root_region(), &ctx.actor, ctx.now)?;
    let report = import_demo(&store, ctx)?;
    Ok((store, report))
}

/// Create an SQLite registry at `path` (a database file, absent or empty) holding the
/// demo, all or nothing: `govcheck init --demo` and the console's first run.
pub fn create_demo_database(
    path: &Path,
    ctx: &ImportContext<'_>,
) -> Result<(SqliteStore, ImportReport), StoreError> {
    let mut report = None;
    let store = SqliteStore::create_with(path, root_region(), &ctx.actor, ctx.now, |store| {
        report = Some(import_demo(store, ctx)?);
        Ok(())
    })?;
    Ok((store, report.unwrap_or_default()))
}

/// The demo's root region, which a store holding the demo is created with.
pub fn root_region() -> Region {
    Region {
        code: ROOT_CODE.into(),
        name: ROOT_NAME.into(),
        parent: None,
    }
}

/// Import the demo into a store created with [`root_region`] (of either engine).
pub fn import_demo<S: crate::commit::BatchWriter + ?Sized>(
    store: &S,
    ctx: &ImportContext<'_>,
) -> Result<ImportReport, StoreError> {
    let mut ctx = ctx.clone();
    ctx.reported_at = DateTime::parse_from_rfc3339("2022-03-27T09:00:00+08:00").ok();
    import(store, &demo_files(), &ctx)
}

/// The actor recorded for the demo's own import.
pub fn demo_actor(base: &Actor) -> Actor {
    Actor {
        name: format!("{} (demo)", base.name),
        ..base.clone()
    }
}
