//! The synthetic national dataset (`govcheck demo --accounts N`): a realistic region
//! tree (全国 → 31 provinces with their real names and codes, each with its 省本级
//! pseudo-region → cities → counties), N accounts spread over it with the platform mix
//! of real registries, ten quarterly rounds alternating full and sample inspections,
//! findings spelled as notices spell them, and post timestamps around every monitoring
//! point. It exists for benchmarks and for trying the console at national scale; every
//! account is marked synthetic.
//!
//! The output is the ordinary CSV import files, so the same data can be loaded into a
//! store (through the normal import, validation included) or into anything else and the
//! answers compared. The dataset depends only on N and the seed: a private SplitMix64,
//! no hash-map iteration order anywhere in the output.
//!
//! Posts are what a monitoring crawler collects: the four weeks up to each monitoring
//! point. About 1.7% of the accounts subject to the two-week rule are silent at a point
//! (a few chronically, suspended accounts always); about 3% drift towards the line.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Days, NaiveDate};

use govcheck_domain::region::Region;
use govcheck_domain::round::RoundMode;
use govcheck_store::atomic::write_atomic;
use govcheck_store::commit::BatchWriter;
use govcheck_store::error::StoreError;
use govcheck_store::import::{ImportContext, SourceFile, import};
use govcheck_store::local::LocalStore;
use govcheck_store::rng::Rng;
use govcheck_store::sqlite::SqliteStore;

/// Bumped whenever the generator's output for a given (N, seed) changes, so caches of
/// generated data (the benchmark's) know to regenerate.
pub const GENERATOR_VERSION: u32 = 1;

pub const ROOT_CODE: &str = "100000";
pub const ROOT_NAME: &str = "全国";

/// The files `--csv` writes, in import order.
pub const FILE_NAMES: [&str; 6] = [
    "regions.csv",
    "accounts.csv",
    "rounds.csv",
    "inspected.csv",
    "findings.csv",
    "posts.csv",
];

/// Days of posts collected up to each monitoring point (the point included).
const COLLECTED_DAYS: u64 = 28;
/// Days of the two-week window (the point included), as the rule counts them.
const WINDOW_DAYS: u64 = 14;
/// Chance (in 100) of one more post in a collection window, repeated: the mean number
/// of posts per account and window is 1 + p/(100 − p). Tuned so that 150,000 accounts
/// give about two million posts.
const EXTRA_POST_PERCENT: u64 = 33;

// ------------------------------------------------------------------------- tables

#[derive(Clone, Copy, PartialEq, Eq)]
enum ProvKind {
    Province,
    Municipality,
    Autonomous,
}

/// A province-level division: code, name, short name, capital, prefecture-level
/// divisions, county-level divisions (roughly the real counts).
struct Province {
    code: &'static str,
    name: &'static str,
    short: &'static str,
    capital: &'static str,
    cities: u32,
    counties: u32,
    kind: ProvKind,
}

const fn p(
    code: &'static str,
    name: &'static str,
    short: &'static str,
    capital: &'static str,
    cities: u32,
    counties: u32,
) -> Province {
    Province {
        code,
        name,
        short,
        capital,
        cities,
        counties,
        kind: ProvKind::Province,
    }
}

const fn m(
    code: &'static str,
    name: &'static str,
    short: &'static str,
    districts: u32,
) -> Province {
    Province {
        code,
        name,
        short,
        capital: "",
        cities: 0,
        counties: districts,
        kind: ProvKind::Municipality,
    }
}

const fn a(
    code: &'static str,
    name: &'static str,
    short: &'static str,
    capital: &'static str,
    cities: u32,
    counties: u32,
) -> Province {
    Province {
        code,
        name,
        short,
        capital,
        cities,
        counties,
        kind: ProvKind::Autonomous,
    }
}

const PROVINCES: &[Province] = &[
    m("110000", "北京市", "北京", 16),
    m("120000", "天津市", "天津", 16),
    p("130000", "河北省", "河北", "石家庄市", 11, 167),
    p("140000", "山西省", "山西", "太原市", 11, 117),
    a("150000", "内蒙古自治区", "内蒙古", "呼和浩特市", 12, 103),
    p("210000", "辽宁省", "辽宁", "沈阳市", 14, 100),
    p("220000", "吉林省", "吉林", "长春市", 9, 60),
    p("230000", "黑龙江省", "黑龙江", "哈尔滨市", 13, 121),
    m("310000", "上海市", "上海", 16),
    p("320000", "江苏省", "江苏", "南京市", 13, 95),
    p("330000", "浙江省", "浙江", "杭州市", 11, 90),
    p("340000", "安徽省", "安徽", "合肥市", 16, 104),
    p("350000", "福建省", "福建", "福州市", 9, 84),
    p("360000", "江西省", "江西", "南昌市", 11, 100),
    p("370000", "山东省", "山东", "济南市", 16, 136),
    p("410000", "河南省", "河南", "郑州市", 17, 157),
    p("420000", "湖北省", "湖北", "武汉市", 17, 103),
    p("430000", "湖南省", "湖南", "长沙市", 14, 122),
    p("440000", "广东省", "广东", "广州市", 21, 122),
    a("450000", "广西壮族自治区", "广西", "南宁市", 14, 111),
    p("460000", "海南省", "海南", "海口市", 4, 25),
    m("500000", "重庆市", "重庆", 38),
    p("510000", "四川省", "四川", "成都市", 21, 183),
    p("520000", "贵州省", "贵州", "贵阳市", 9, 88),
    p("530000", "云南省", "云南", "昆明市", 16, 129),
    a("540000", "西藏自治区", "西藏", "拉萨市", 7, 74),
    p("610000", "陕西省", "陕西", "西安市", 10, 107),
    p("620000", "甘肃省", "甘肃", "兰州市", 14, 86),
    p("630000", "青海省", "青海", "西宁市", 8, 44),
    a("640000", "宁夏回族自治区", "宁夏", "银川市", 5, 22),
    a("650000", "新疆维吾尔自治区", "新疆", "乌鲁木齐市", 14, 106),
];

/// District names that recur across the country (鼓楼区 is in Nanjing, Xuzhou, Fuzhou
/// and Kaifeng): the first district of many cities takes one, so names are ambiguous.
const SHARED_DISTRICTS: &[&str] = &[
    "鼓楼区",
    "城关区",
    "新华区",
    "和平区",
    "长安区",
    "朝阳区",
    "向阳区",
    "铁西区",
    "铁东区",
    "白云区",
    "普陀区",
    "城中区",
    "市中区",
    "新城区",
    "桥西区",
    "桥东区",
    "海州区",
    "西湖区",
    "青山区",
    "江北区",
    "城区",
    "郊区",
    "东城区",
    "西城区",
    "南山区",
    "河西区",
    "永定区",
    "通州区",
    "宝山区",
    "西安区",
];

/// Characters of place names, for synthetic cities and counties.
const PLACE_CHARS: &[char] = &[
    '安', '宁', '平', '江', '山', '阳', '城', '河', '清', '丰', '兴', '昌', '华', '泰', '永', '新',
    '东', '西', '南', '北', '临', '海', '湖', '林', '嘉', '武', '广', '德', '庆', '宝', '龙', '凤',
    '金', '玉', '云', '白', '石', '溪', '岭', '泉', '桂', '松', '柳', '梅', '长', '大', '高', '通',
    '济', '顺', '和', '康', '乐', '福', '寿', '信', '义', '仁', '明', '定', '远', '宜', '丹', '沙',
    '潭', '阜', '淮', '滨', '汉', '洛', '渭', '汾', '吉', '鹤', '盘', '营', '台', '沧', '衡', '黄',
    '岳', '益', '怀', '邵', '湘', '常', '盐', '扬', '镇', '宿', '连', '温', '绍', '舟', '丽', '芜',
    '滁', '莆', '漳', '萍', '赣', '鹰', '淄', '潍', '威', '聊', '焦', '濮', '许', '襄', '荆', '孝',
    '随', '韶', '汕', '佛', '珠', '湛', '茂', '梧', '钦', '贺', '遵', '曲', '昭', '普', '延', '榆',
    '商', '酒', '陇', '固', '岗', '桥', '峰', '源', '州', '原', '口', '门', '坪', '水', '乡', '都',
    '陵', '蒙', '固', '津', '沂', '霍',
];

/// Departments: the short form used in account names, the unit as it is named below
/// the province, and whether the provincial unit is a 厅 rather than a 局.
const DEPARTMENTS: &[(&str, &str, bool)] = &[
    ("发布", "人民政府新闻办公室", false),
    ("教育", "教育局", true),
    ("公安", "公安局", true),
    ("交警", "公安局交通警察支队", false),
    ("民政", "民政局", true),
    ("司法", "司法局", true),
    ("财政", "财政局", true),
    ("人社", "人力资源和社会保障局", true),
    ("自然资源", "自然资源和规划局", true),
    ("生态环境", "生态环境局", true),
    ("住建", "住房和城乡建设局", true),
    ("交通", "交通运输局", true),
    ("水利", "水利局", true),
    ("农业农村", "农业农村局", true),
    ("商务", "商务局", true),
    ("文旅", "文化和旅游局", true),
    ("卫健", "卫生健康委员会", false),
    ("退役军人", "退役军人事务局", true),
    ("应急管理", "应急管理局", true),
    ("审计", "审计局", true),
    ("市场监管", "市场监督管理局", false),
    ("体育", "体育局", false),
    ("统计", "统计局", false),
    ("医保", "医疗保障局", false),
    ("信访", "信访局", false),
    ("城管", "综合行政执法局", false),
    ("税务", "税务局", false),
    ("气象", "气象局", false),
    ("消防", "消防救援支队", false),
    ("档案", "档案馆", false),
    ("科技", "科学技术局", false),
    ("经信", "经济和信息化局", false),
    ("发改", "发展和改革委员会", false),
    ("网信", "网信办", false),
    ("妇联", "妇女联合会", false),
    ("团委", "共青团委员会", false),
    ("科协", "科学技术协会", false),
    ("残联", "残疾人联合会", false),
    ("人防", "人民防空办公室", false),
    ("大数据", "大数据发展管理局", false),
    ("政务服务", "政务服务管理办公室", false),
    ("融媒", "融媒体中心", false),
];

/// Name styles: once a region has an account for every department, units add
/// subordinate accounts (浙江教育在线, 杭州公安之窗 …).
const STYLES: &[&str] = &[
    "", "在线", "之窗", "微讯", "资讯", "服务", "动态", "头条", "速递", "e家",
];

/// Platform mix of a national registry (weights in percent).
const PLATFORMS: &[(&str, u64)] = &[
    ("微信公众号", 38),
    ("微博", 14),
    ("抖音", 14),
    ("今日头条", 9),
    ("快手", 5),
    ("微信视频号", 7),
    ("哔哩哔哩", 2),
    ("知乎号", 1),
    ("澎湃号", 1),
    ("喜马拉雅", 1),
    ("移动客户端", 3),
    ("政府网站", 5),
];
const WEBSITE: &str = "政府网站";

/// A problem as notices word it: indicator code (one finding per indicator, account
/// and round), the spellings met in notices, and a weight.
type Problem = (&'static str, &'static [&'static str], u64);

const SILENT_NEW_MEDIA: &[&str] = &[
    "监测点前两周未更新",
    "监测点前两周未更新",
    "监测点前两周未更新",
    "监测点前两周未更新",
    "监测时间点前2周内无更新",
    "监测点前2周无更新",
    "超过两周未更新",
];
const SILENT_WEBSITE: &[&str] = &["首页栏目信息超过2周未更新", "首页两周未更新"];

const NEW_MEDIA_PROBLEMS: &[Problem] = &[
    (
        "nm.poor-interaction",
        &[
            "互动回应差",
            "对网民留言长期不回复",
            "留言长期未回复",
            "未提供有效互动功能",
        ],
        30,
    ),
    (
        "nm.serious-error",
        &[
            "出现严重表述错误",
            "存在严重表述错误",
            "发布信息出现严重表述错误",
        ],
        20,
    ),
    ("nm.untimely", &["信息发布不及时"], 15),
    (
        "nm.broken-function",
        &["栏目或功能不可用", "菜单功能不可用", "功能无法使用"],
        15,
    ),
    (
        "nm.naming",
        &["账号名称或认证不规范", "未进行政务机构认证", "名称不规范"],
        12,
    ),
    (
        "nm.fake-engagement",
        &["存在购买粉丝、强制要求群众点赞等弄虚作假行为", "购买粉丝"],
        5,
    ),
    (
        "nm.harmful-content",
        &["发布或链接反动、暴力、色情等内容"],
        1,
    ),
];

const WEBSITE_PROBLEMS: &[Problem] = &[
    ("ws.unreachable", &["站点无法访问", "网站无法访问"], 20),
    (
        "ws.column-stale",
        &["栏目不更新", "空白栏目数量超过5个", "应更新未更新栏目"],
        25,
    ),
    (
        "ws.poor-interaction",
        &["政务咨询类栏目超过3个月未回应", "咨询留言超过3个月未回复"],
        15,
    ),
    ("ws.useless-service", &["服务不实用", "办事指南缺失"], 10),
    ("ws.availability", &["网站可用性不达标", "存在错链断链"], 12),
    ("ws.updates-late", &["栏目信息更新不及时"], 10),
    ("ws.service-guide", &["办事指南要素不全"], 6),
    ("ws.standards", &["网站标识或规范不达标"], 6),
];

// --------------------------------------------------------------------------- rng

// ------------------------------------------------------------------------ rounds

/// One of the ten quarterly rounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundSpec {
    pub id: String,
    pub title: String,
    pub period_start: NaiveDate,
    /// The monitoring point, which is also the end of the monitoring period.
    pub monitoring_point: NaiveDate,
    pub mode: RoundMode,
    pub deadline: NaiveDate,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// 2024Q1 … 2026Q2: full inspections in odd quarters, samples of about a fifth of the
/// operating accounts in even ones. The monitoring point is the 15th of the quarter's
/// last month; rectification is due 45 days after it.
pub fn rounds() -> Vec<RoundSpec> {
    const QUARTER: [&str; 4] = ["一", "二", "三", "四"];
    (0..10)
        .map(|i| {
            let year = 2024 + i / 4;
            let q = (i % 4) as u32;
            let mode = if i % 2 == 0 {
                RoundMode::Full
            } else {
                RoundMode::Sample
            };
            let point = date(year, q * 3 + 3, 15);
            RoundSpec {
                id: format!("{year}Q{}", q + 1),
                title: format!(
                    "{year}年第{}季度全国政府网站与政务新媒体{}",
                    QUARTER[q as usize],
                    match mode {
                        RoundMode::Full => "检查",
                        RoundMode::Sample => "抽查",
                    }
                ),
                period_start: date(year, q * 3 + 1, 1),
                monitoring_point: point,
                mode,
                deadline: point + Days::new(45),
            }
        })
        .collect()
}

// ----------------------------------------------------------------------- dataset

/// What was generated, counted while generating (independently of any import).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub regions: usize,
    pub accounts: usize,
    /// Accounts closed with a closing date.
    pub closed: usize,
    pub posts: usize,
    pub findings: usize,
    pub rounds: Vec<RoundStats>,
}

/// Per-round counts, as the generator decided them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundStats {
    pub id: String,
    pub mode: RoundMode,
    /// Accounts operating during the round (the summary's 总量).
    pub operating: usize,
    /// Accounts inspected (检查数量).
    pub inspected: usize,
    pub findings: usize,
    /// Inspected accounts subject to the two-week rule with no post in the window:
    /// what `rules::silent_accounts` must find.
    pub silent: usize,
}

/// The generated import files, held in memory.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub accounts_requested: usize,
    pub seed: u64,
    pub regions: String,
    pub accounts: String,
    pub rounds: String,
    /// Sample rounds' inspected lists (header included).
    pub inspected: String,
    /// Findings rows of each round, in round order (no header).
    pub findings: Vec<(RoundSpec, String)>,
    pub posts: String,
    pub stats: Stats,
}

const FINDINGS_HEADER: &str = "round,account,problem,note\n";

impl Dataset {
    /// The findings file of all rounds.
    pub fn findings_csv(&self) -> String {
        let mut out = String::from(FINDINGS_HEADER);
        for (_, rows) in &self.findings {
            out.push_str(rows);
        }
        out
    }

    /// The six files, named as `--csv` writes them.
    pub fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            (FILE_NAMES[0], self.regions.clone().into_bytes()),
            (FILE_NAMES[1], self.accounts.clone().into_bytes()),
            (FILE_NAMES[2], self.rounds.clone().into_bytes()),
            (FILE_NAMES[3], self.inspected.clone().into_bytes()),
            (FILE_NAMES[4], self.findings_csv().into_bytes()),
            (FILE_NAMES[5], self.posts.clone().into_bytes()),
        ]
    }

    /// Write the six import files into `dir` (created if missing). Existing files of
    /// the same names are refused, never overwritten.
    pub fn write_csv(&self, dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        for name in FILE_NAMES {
            let p = dir.join(name);
            if p.exists() {
                return Err(StoreError::Other(format!(
                    "{}: exists already; choose an empty directory",
                    p.display()
                )));
            }
        }
        let findings = self.findings_csv();
        let bodies: [&str; 6] = [
            &self.regions,
            &self.accounts,
            &self.rounds,
            &self.inspected,
            &findings,
            &self.posts,
        ];
        let mut out = Vec::with_capacity(6);
        for (name, body) in FILE_NAMES.iter().zip(bodies) {
            let p = dir.join(name);
            write_atomic(&p, body.as_bytes())?;
            out.push(p);
        }
        Ok(out)
    }
}

/// Where the time went when a store was built.
#[derive(Debug, Clone, Default)]
pub struct StoreTimings {
    /// Regions, accounts, rounds, inspected lists and posts: one import.
    pub base_import: Duration,
    /// The findings, one import per round (each reported as of its notice).
    pub findings_import: Duration,
    pub posts_added: usize,
    pub findings: usize,
    pub warnings: Vec<String>,
}

/// Create a store in `dir` (absent or empty) holding the dataset, through the ordinary
/// import: regions, accounts, rounds, inspected lists and posts in one import, then
/// each round's findings in one import dated 12 days after its monitoring point (when
/// its notice would have been published).
pub fn create_store(
    dir: &Path,
    ds: Dataset,
    ctx: &ImportContext<'_>,
) -> Result<(LocalStore, StoreTimings), StoreError> {
    let store = LocalStore::create(dir, root_region(), &ctx.actor, ctx.now)?;
    store.sync()?;
    let timings = fill(&store, ds, ctx)?;
    Ok((store, timings))
}

/// [`create_store`] as an SQLite registry at `path` (a database file, absent or empty),
/// all or nothing: what `govcheck demo --accounts N --out DIR` writes.
pub fn create_database(
    path: &Path,
    ds: Dataset,
    ctx: &ImportContext<'_>,
) -> Result<(SqliteStore, StoreTimings), StoreError> {
    let mut timings = StoreTimings::default();
    let store = SqliteStore::create_with(path, root_region(), &ctx.actor, ctx.now, |store| {
        timings = fill(store, ds, ctx)?;
        Ok(())
    })?;
    Ok((store, timings))
}

fn root_region() -> Region {
    Region {
        code: ROOT_CODE.into(),
        name: ROOT_NAME.into(),
        parent: None,
    }
}

/// Import the dataset into a store created with [`root_region`], of either engine.
fn fill<S: BatchWriter>(
    store: &S,
    ds: Dataset,
    ctx: &ImportContext<'_>,
) -> Result<StoreTimings, StoreError> {
    let mut timings = StoreTimings::default();
    let Dataset {
        regions,
        accounts,
        rounds,
        inspected,
        findings,
        posts,
        ..
    } = ds;
    let file = |name: &str, text: String| SourceFile {
        path: PathBuf::from(format!("synthetic/{name}")),
        bytes: text.into_bytes(),
    };
    let t = Instant::now();
    let base = vec![
        file(FILE_NAMES[0], regions),
        file(FILE_NAMES[1], accounts),
        file(FILE_NAMES[2], rounds),
        file(FILE_NAMES[3], inspected),
        file(FILE_NAMES[5], posts),
    ];
    let report = import(store, &base, ctx)?;
    drop(base);
    timings.base_import = t.elapsed();
    timings.posts_added = report.posts_added;
    timings.warnings = report.warnings;

    let t = Instant::now();
    for (round, rows) in findings {
        if rows.is_empty() {
            continue;
        }
        let mut rctx = ctx.clone();
        let notice = round.monitoring_point + Days::new(12);
        rctx.reported_at = DateTime::parse_from_rfc3339(&format!("{notice}T10:00:00+08:00")).ok();
        let report = import(
            store,
            &[file(
                &format!("findings-{}.csv", round.id),
                format!("{FINDINGS_HEADER}{rows}"),
            )],
            &rctx,
        )?;
        timings.findings += report.findings;
        timings.warnings.extend(report.warnings);
    }
    timings.findings_import = t.elapsed();
    Ok(timings)
}

// --------------------------------------------------------------------- generator

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Province,
    /// 省本级: the provincial departments' own accounts.
    ProvinceOwn,
    City,
    County,
}

struct Reg {
    code: String,
    name: String,
    parent: String,
    /// Short form used in account names (杭州, 鼓楼, 浙江).
    short: String,
    /// Prefix of host-unit names (杭州市, 杭州市西湖区, 浙江省).
    full: String,
    level: Level,
}

/// Strip the administrative suffix: 杭州市 → 杭州, 内蒙古自治区 → 内蒙古.
fn short_name(name: &str) -> String {
    for suffix in [
        "自治区",
        "自治州",
        "地区",
        "市",
        "省",
        "县",
        "区",
        "州",
        "盟",
    ] {
        if let Some(s) = name.strip_suffix(suffix)
            && s.chars().count() >= 2
        {
            return s.to_string();
        }
    }
    name.to_string()
}

fn place_name(rng: &mut Rng, used: &mut HashSet<String>, suffix: &str) -> String {
    loop {
        let mut s = String::new();
        s.push(*rng.pick(PLACE_CHARS));
        s.push(*rng.pick(PLACE_CHARS));
        s.push_str(suffix);
        let base: Vec<char> = s.chars().collect();
        if base[0] != base[1] && used.insert(s.clone()) {
            return s;
        }
    }
}

fn region_tree(rng: &mut Rng) -> Vec<Reg> {
    let mut out = vec![Reg {
        code: ROOT_CODE.into(),
        name: ROOT_NAME.into(),
        parent: String::new(),
        short: "全国".into(),
        full: "国家".into(),
        level: Level::Province,
    }];
    for prov in PROVINCES {
        let mut used: HashSet<String> = HashSet::new();
        out.push(Reg {
            code: prov.code.into(),
            name: prov.name.into(),
            parent: ROOT_CODE.into(),
            short: prov.short.into(),
            full: prov.name.into(),
            level: Level::Province,
        });
        out.push(Reg {
            code: format!("{}-P", prov.code),
            name: match prov.kind {
                ProvKind::Province => "省本级",
                ProvKind::Municipality => "市本级",
                ProvKind::Autonomous => "区本级",
            }
            .into(),
            parent: prov.code.into(),
            short: prov.short.into(),
            full: prov.name.into(),
            level: Level::ProvinceOwn,
        });
        let prefix = &prov.code[..2];
        let county = |rng: &mut Rng,
                      used: &mut HashSet<String>,
                      code: String,
                      parent: &str,
                      parent_full: &str,
                      shared: bool| {
            let name = if shared {
                let n = *rng.pick(SHARED_DISTRICTS);
                if used.insert(n.to_string()) {
                    n.to_string()
                } else {
                    place_name(rng, used, "区")
                }
            } else {
                let suffix = match rng.below(20) {
                    0..=11 => "县",
                    12..=16 => "区",
                    _ => "市",
                };
                place_name(rng, used, suffix)
            };
            Reg {
                code,
                short: short_name(&name),
                full: format!("{parent_full}{name}"),
                name,
                parent: parent.to_string(),
                level: Level::County,
            }
        };
        if prov.kind == ProvKind::Municipality {
            for j in 1..=prov.counties {
                let shared = j == 1 || rng.chance(1, 6);
                let r = county(
                    rng,
                    &mut used,
                    format!("{prefix}01{j:02}"),
                    prov.code,
                    prov.name,
                    shared,
                );
                out.push(r);
            }
            continue;
        }
        // Counties shared out over the cities, the capital taking a few more.
        let mut per_city = vec![prov.counties / prov.cities; prov.cities as usize];
        for c in per_city
            .iter_mut()
            .take((prov.counties % prov.cities) as usize)
        {
            *c += 1;
        }
        for k in 1..prov.cities {
            let k = k as usize;
            if per_city[k] > 2 && rng.chance(1, 3) {
                per_city[k] -= 1;
                per_city[0] += 1;
            }
        }
        for (k, &n_counties) in per_city.iter().enumerate() {
            let code = format!("{prefix}{:02}00", k + 1);
            let name = if k == 0 {
                prov.capital.to_string()
            } else {
                // The last prefectures of the western provinces are autonomous
                // prefectures, leagues or prefectures (地区).
                let western = matches!(
                    &prov.code[..2],
                    "15" | "22" | "43" | "42" | "51" | "52" | "53" | "54" | "62" | "63" | "65"
                );
                let suffix = if prov.code.starts_with("15") && k + 3 > prov.cities as usize {
                    "盟"
                } else if western && k + 2 > prov.cities as usize {
                    if rng.chance(1, 2) {
                        "自治州"
                    } else {
                        "地区"
                    }
                } else {
                    "市"
                };
                place_name(rng, &mut used, suffix)
            };
            used.insert(name.clone());
            let full = name.clone();
            out.push(Reg {
                code: code.clone(),
                short: short_name(&name),
                full: full.clone(),
                name,
                parent: prov.code.into(),
                level: Level::City,
            });
            for j in 1..=n_counties {
                let shared = j == 1 && rng.chance(1, 2);
                let r = county(
                    rng,
                    &mut used,
                    format!("{prefix}{:02}{j:02}", k + 1),
                    &code,
                    &full,
                    shared,
                );
                out.push(r);
            }
        }
    }
    out
}

/// Weight of a region in the account draw: 省本级 holds about a tenth of a province's
/// accounts, 市本级 about a fifth, counties the rest.
fn weight(level: Level, rng: &mut Rng) -> u64 {
    let base = match level {
        Level::Province => 0,
        Level::ProvinceOwn => 300,
        Level::City => 60,
        Level::County => 22,
    };
    base * (50 + rng.below(101)) / 100
}

struct Acct {
    id: String,
    website: bool,
    opened: Option<NaiveDate>,
    closed: Option<NaiveDate>,
    /// Closed without a closing date: taken as closed before any round.
    closed_undated: bool,
    suspended: bool,
    zombie: bool,
}

impl Acct {
    /// The same rule as `Account::operating_during`, written again here so the
    /// generator's counts are an independent check of the registry's.
    fn operating_during(&self, start: NaiveDate, end: NaiveDate) -> bool {
        if self.opened.is_some_and(|o| o > end) {
            return false;
        }
        match self.closed {
            Some(c) => c >= start,
            None => !self.closed_undated,
        }
    }
}

fn random_day(rng: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0) as u64;
    from + Days::new(rng.below(span + 1))
}

/// Calendar days as `YYYY-MM-DD` for the posts' fast path.
struct DayText {
    first: NaiveDate,
    text: Vec<[u8; 10]>,
}

impl DayText {
    fn new(first: NaiveDate, last: NaiveDate) -> DayText {
        let mut text = Vec::new();
        let mut d = first;
        while d <= last {
            let mut b = [0u8; 10];
            let y = d.year() as u32;
            let digits = [
                y / 1000 % 10,
                y / 100 % 10,
                y / 10 % 10,
                y % 10,
                10,
                d.month() / 10,
                d.month() % 10,
                10,
                d.day() / 10,
                d.day() % 10,
            ];
            for (slot, v) in b.iter_mut().zip(digits) {
                *slot = if v == 10 { b'-' } else { b'0' + v as u8 };
            }
            text.push(b);
            d = d + Days::new(1);
        }
        DayText { first, text }
    }
    fn get(&self, d: NaiveDate) -> &str {
        let i = (d - self.first).num_days() as usize;
        std::str::from_utf8(&self.text[i]).unwrap_or("1970-01-01")
    }
}

fn push2(out: &mut String, v: u64) {
    out.push(char::from(b'0' + (v / 10 % 10) as u8));
    out.push(char::from(b'0' + (v % 10) as u8));
}

/// Generate the dataset for `n_accounts` accounts and a seed.
pub fn generate(n_accounts: usize, seed: u64) -> Dataset {
    let mut rng = Rng(seed ^ 0x6F76_6368_6563_6B21);
    let rounds = rounds();
    let tree = region_tree(&mut rng);

    // ---- regions.csv
    let mut regions = String::with_capacity(tree.len() * 40);
    regions.push_str("code,name,parent_code\n");
    for r in &tree {
        let _ = writeln!(regions, "{},{},{}", r.code, r.name, r.parent);
    }

    // ---- how many accounts each region holds
    let weights: Vec<u64> = tree.iter().map(|r| weight(r.level, &mut rng)).collect();
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut sum = 0u64;
    for w in &weights {
        sum += w;
        cumulative.push(sum);
    }
    let mut count = vec![0usize; tree.len()];
    for _ in 0..n_accounts {
        let x = rng.below(sum);
        let i = cumulative.partition_point(|&c| c <= x);
        count[i.min(tree.len() - 1)] += 1;
    }

    // ---- accounts.csv
    let first_round = rounds[0].period_start;
    let last_point = rounds[rounds.len() - 1].monitoring_point;
    let mut accounts = String::with_capacity(n_accounts * 160 + 128);
    accounts.push_str(
        "id,name,platform,region,host_unit,supervisor_unit,status,opened_on,closed_on,synthetic\n",
    );
    let mut accts: Vec<Acct> = Vec::with_capacity(n_accounts);
    let mut closed_count = 0usize;
    for (ri, r) in tree.iter().enumerate() {
        let mut left = count[ri];
        let mut unit = 0usize;
        let mut serial = 0usize;
        let supervisor = match r.level {
            Level::ProvinceOwn => format!("{}人民政府办公厅", r.full),
            _ => format!("{}人民政府办公室", r.full),
        };
        while left > 0 {
            let size = match rng.below(100) {
                0..=49 => 1,
                50..=79 => 2,
                80..=94 => 3,
                _ => 4,
            }
            .min(left);
            left -= size;
            let (dept, unit_name, ting) = DEPARTMENTS[unit % DEPARTMENTS.len()];
            let style = STYLES[(unit / DEPARTMENTS.len()) % STYLES.len()];
            let lap = unit / (DEPARTMENTS.len() * STYLES.len());
            unit += 1;
            let number = if lap > 0 {
                (lap + 1).to_string()
            } else {
                String::new()
            };
            let name = format!("{}{dept}{style}{number}", r.short);
            let unit_name = if r.level == Level::ProvinceOwn && ting {
                unit_name.replace('局', "厅")
            } else {
                unit_name.to_string()
            };
            let host = format!("{}{unit_name}", r.full);
            let mut taken = [false; PLATFORMS.len()];
            for _ in 0..size {
                let pi = rng.weighted(
                    PLATFORMS
                        .iter()
                        .zip(taken)
                        .map(|((_, w), t)| if t { 0 } else { *w }),
                );
                taken[pi] = true;
                let platform = PLATFORMS[pi].0;
                serial += 1;
                let id = format!("syn-{}-{serial:04}", r.code);
                let opened = match rng.below(100) {
                    0..=7 => None,
                    8..=87 => Some(random_day(&mut rng, date(2012, 1, 1), date(2023, 12, 31))),
                    _ => Some(random_day(&mut rng, first_round, last_point)),
                };
                let (mut closed, mut closed_undated, mut suspended) = (None, false, false);
                match rng.below(1000) {
                    0..=39 => {
                        let from =
                            opened.map_or(first_round, |o| (o + Days::new(30)).max(first_round));
                        if from < date(2026, 6, 30) {
                            closed = Some(random_day(&mut rng, from, date(2026, 6, 30)));
                        }
                    }
                    40..=46 => closed_undated = true,
                    47..=51 => suspended = true,
                    _ => {}
                }
                let zombie = rng.chance(3, 1000);
                let status = if closed.is_some() || closed_undated {
                    "closed"
                } else if suspended {
                    "suspended"
                } else {
                    "operating"
                };
                closed_count += usize::from(closed.is_some());
                let account_name = if platform == WEBSITE { &host } else { &name };
                let _ = writeln!(
                    accounts,
                    "{id},{account_name},{platform},{},{host},{supervisor},{status},{},{},true",
                    r.code,
                    opened.map(|d| d.to_string()).unwrap_or_default(),
                    closed.map(|d| d.to_string()).unwrap_or_default(),
                );
                accts.push(Acct {
                    id,
                    website: platform == WEBSITE,
                    opened,
                    closed,
                    closed_undated,
                    suspended,
                    zombie,
                });
            }
        }
    }

    // ---- rounds.csv
    let mut rounds_csv =
        String::from("round,title,period_start,period_end,monitoring_point,mode,deadline\n");
    for r in &rounds {
        let _ = writeln!(
            rounds_csv,
            "{},{},{},{},{},{},{}",
            r.id,
            r.title,
            r.period_start,
            r.monitoring_point,
            r.monitoring_point,
            r.mode.as_str(),
            r.deadline
        );
    }

    // ---- posts, inspected lists and findings, account by account
    let days = DayText::new(
        first_round - Days::new(COLLECTED_DAYS + 7),
        last_point + Days::new(7),
    );
    let mut posts = String::with_capacity(n_accounts * 14 * 48 + 64);
    posts.push_str("account,published_at\n");
    let mut inspected: Vec<String> = vec![String::new(); rounds.len()];
    let mut findings: Vec<String> = vec![String::new(); rounds.len()];
    let mut stats = Stats {
        regions: tree.len(),
        accounts: accts.len(),
        closed: closed_count,
        rounds: rounds
            .iter()
            .map(|r| RoundStats {
                id: r.id.clone(),
                mode: r.mode,
                ..RoundStats::default()
            })
            .collect(),
        ..Stats::default()
    };
    let mut stamps: Vec<(NaiveDate, u32)> = Vec::with_capacity(16);
    for acct in &accts {
        for (ri, round) in rounds.iter().enumerate() {
            let point = round.monitoring_point;
            let window = point - Days::new(WINDOW_DAYS - 1);
            let collected = point - Days::new(COLLECTED_DAYS - 1);
            // Days on which the account could post.
            let from = acct.opened.map_or(collected, |o| o.max(collected));
            let to = match acct.closed {
                Some(c) => (c - Days::new(1)).min(point),
                None => point,
            };
            stamps.clear();
            let silent_draw = if acct.zombie {
                rng.chance(7, 10)
            } else {
                rng.chance(10, 1000)
            };
            let drifting = rng.chance(3, 100);
            if !acct.suspended && !acct.closed_undated && from <= to {
                let last = if silent_draw {
                    // Nothing in the two weeks; maybe nothing collected at all.
                    (!rng.chance(3, 10)).then(|| {
                        point - Days::new(WINDOW_DAYS + rng.below(COLLECTED_DAYS - WINDOW_DAYS))
                    })
                } else if drifting {
                    Some(point - Days::new(10 + rng.below(4)))
                } else {
                    Some(point - Days::new(rng.below(10)))
                };
                if let Some(last) = last {
                    let secs = |rng: &mut Rng| (7 * 3600 + rng.below(15 * 3600)) as u32;
                    let s = secs(&mut rng);
                    stamps.push((last, s));
                    let span = (last - collected).num_days().max(0) as u64;
                    while rng.chance(EXTRA_POST_PERCENT, 100) {
                        let d = collected + Days::new(rng.below(span + 1));
                        let s = secs(&mut rng);
                        stamps.push((d, s));
                    }
                    stamps.retain(|(d, _)| *d >= from && *d <= to);
                    stamps.sort_unstable();
                    stamps.dedup();
                }
            }
            for &(d, s) in &stamps {
                posts.push_str(&acct.id);
                posts.push(',');
                posts.push_str(days.get(d));
                posts.push('T');
                push2(&mut posts, u64::from(s / 3600));
                posts.push(':');
                push2(&mut posts, u64::from(s / 60 % 60));
                posts.push(':');
                push2(&mut posts, u64::from(s % 60));
                posts.push_str("+08:00\n");
            }
            stats.posts += stamps.len();

            let operating = acct.operating_during(round.period_start, point);
            let is_inspected = match round.mode {
                RoundMode::Full => operating,
                RoundMode::Sample => operating && rng.chance(1, 5),
            };
            let rs = &mut stats.rounds[ri];
            rs.operating += usize::from(operating);
            if !is_inspected {
                continue;
            }
            rs.inspected += 1;
            if round.mode == RoundMode::Sample {
                let _ = writeln!(inspected[ri], "{},{}", round.id, acct.id);
            }
            let subject =
                acct.opened.is_none_or(|o| o <= window) && acct.operating_during(point, point);
            let silent = subject && !stamps.iter().any(|(d, _)| *d >= window);
            rs.silent += usize::from(silent);
            let out = &mut findings[ri];
            let mut n = 0usize;
            if silent && !rng.chance(1, 10) {
                let (problem, note) = if acct.website {
                    (*rng.pick(SILENT_WEBSITE), String::new())
                } else {
                    let note = match stamps.last() {
                        Some((d, _)) => format!("最后一次更新为{d}"),
                        None => "监测期内无更新".to_string(),
                    };
                    (*rng.pick(SILENT_NEW_MEDIA), note)
                };
                let _ = writeln!(out, "{},{},{problem},{note}", round.id, acct.id);
                n += 1;
            }
            if rng.chance(8, 1000) {
                let list = if acct.website {
                    WEBSITE_PROBLEMS
                } else {
                    NEW_MEDIA_PROBLEMS
                };
                let first = rng.weighted(list.iter().map(|p| p.2));
                let mut chosen = vec![first];
                if rng.chance(1, 10) {
                    let second = rng.weighted(list.iter().map(|p| p.2));
                    if second != first {
                        chosen.push(second);
                    }
                }
                for i in chosen {
                    let problem = *rng.pick(list[i].1);
                    let _ = writeln!(out, "{},{},{problem},", round.id, acct.id);
                    n += 1;
                }
            }
            rs.findings += n;
            stats.findings += n;
        }
    }

    let mut inspected_csv = String::from("round,account\n");
    for part in &inspected {
        inspected_csv.push_str(part);
    }
    Dataset {
        accounts_requested: n_accounts,
        seed,
        regions,
        accounts,
        rounds: rounds_csv,
        inspected: inspected_csv,
        findings: rounds.into_iter().zip(findings).collect(),
        posts,
        stats,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use govcheck_domain::event::Actor;
    use govcheck_domain::figures::summarize;
    use govcheck_domain::indicator::Catalogue;
    use govcheck_domain::rules::silent_accounts;
    use govcheck_formats::values::parse_date;
    use govcheck_store::RegistrySource;

    fn all_bytes(ds: &Dataset) -> Vec<u8> {
        ds.files().into_iter().flat_map(|(_, b)| b).collect()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = generate(500, 7);
        let b = generate(500, 7);
        let c = generate(500, 8);
        assert_eq!(all_bytes(&a), all_bytes(&b));
        assert_ne!(a.accounts, c.accounts);
        assert_ne!(a.posts, c.posts);
        assert_eq!(a.stats.accounts, 500);
    }

    #[test]
    fn fields_never_need_quoting() {
        let ds = generate(2000, 1);
        for (name, bytes) in ds.files() {
            let text = String::from_utf8(bytes).expect("utf-8");
            let mut lines = text.lines();
            let cols = lines.next().expect("header").split(',').count();
            for line in lines {
                assert!(!line.contains('"'), "{name}: {line}");
                assert_eq!(line.split(',').count(), cols, "{name}: {line}");
            }
        }
    }

    #[test]
    fn small_dataset_imports_and_sums_up() {
        let n = 500;
        let ds = generate(n, 42);
        let stats = ds.stats.clone();
        let rounds_csv = ds.rounds.clone();
        let accounts_csv = ds.accounts.clone();
        let cat = Catalogue::builtin();
        let actor = Actor {
            name: "test".into(),
            ..Actor::default()
        };
        let now = DateTime::parse_from_rfc3339("2026-07-01T09:00:00+08:00").expect("now");
        let ctx = ImportContext {
            catalogue: &cat,
            tz: chrono_tz::Asia::Shanghai,
            actor,
            now,
            reported_at: None,
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, timings) = create_store(&dir.path().join("store"), ds, &ctx).expect("import");
        assert!(timings.warnings.is_empty(), "{:?}", timings.warnings);
        assert_eq!(timings.findings, stats.findings);
        assert_eq!(timings.posts_added, stats.posts);
        let reg = store.load().expect("load").registry;
        assert_eq!(reg.accounts().len(), n);
        assert!(reg.accounts().iter().all(|a| a.synthetic));

        // The expectation, read from the CSV text alone: accounts operating during the
        // first (full) round by their opened_on, closed_on and status columns.
        let mut rdr = csv::Reader::from_reader(rounds_csv.as_bytes());
        let first = rdr.records().next().expect("a round").expect("csv");
        assert_eq!(&first[5], "full");
        let (start, end) = (
            parse_date(&first[2]).expect("start"),
            parse_date(&first[3]).expect("end"),
        );
        let mut expected = 0u64;
        let mut rdr = csv::Reader::from_reader(accounts_csv.as_bytes());
        for rec in rdr.records() {
            let rec = rec.expect("csv");
            let opened = parse_date(&rec[7]);
            let closed = parse_date(&rec[8]);
            let status = &rec[6];
            let alive = opened.is_none_or(|o| o <= end)
                && match closed {
                    Some(c) => c >= start,
                    None => status != "closed",
                };
            expected += u64::from(alive);
        }
        assert!(expected > 400, "{expected}");
        let s = summarize(&reg, &cat, &first[0], reg.tree().root(), end).expect("summary");
        assert_eq!(s.total.total, expected);
        assert_eq!(s.total.inspected, expected);
        assert_eq!(s.rows.len(), PROVINCES.len());

        // The rule finds exactly the silent accounts the generator made.
        let posts = store.posts().expect("posts");
        for (r, rs) in reg.rounds().iter().zip(&stats.rounds) {
            assert_eq!(r.id, rs.id);
            let silent = silent_accounts(&reg, r, &posts, chrono_tz::Asia::Shanghai);
            assert_eq!(silent.len(), rs.silent, "round {}", r.id);
            let s = summarize(&reg, &cat, &r.id, reg.tree().root(), end).expect("summary");
            assert_eq!(s.total.total as usize, rs.operating, "round {}", r.id);
            assert_eq!(s.total.inspected as usize, rs.inspected, "round {}", r.id);
        }
    }

    #[test]
    fn region_tree_is_national_with_shared_names() {
        let ds = generate(10, 3);
        let mut rdr = csv::Reader::from_reader(ds.regions.as_bytes());
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("csv")).collect();
        let provinces = rows.iter().filter(|r| &r[2] == ROOT_CODE).count();
        assert_eq!(provinces, 31);
        assert!(rows.iter().any(|r| &r[0] == "330000" && &r[1] == "浙江省"));
        assert!(
            rows.iter()
                .any(|r| &r[0] == "330000-P" && &r[1] == "省本级")
        );
        assert!(rows.iter().filter(|r| &r[1] == "鼓楼区").count() >= 2);
        assert!(rows.len() > 3000, "{}", rows.len());
    }
}
