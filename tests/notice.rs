//! Published notices: the Zhejiang fixture's reconciliation, header and rate spellings,
//! merged cells in real XLSX files, export/import round trips, and bad files.

mod common;

use std::path::Path;

use common::Sandbox;
use govcheck::domain::notice::PublishedNotice;
use govcheck::formats::notice::read::{parse_notice, read_grids};
use rust_xlsxwriter::{Format, Workbook};

const FIXTURE: &str = "data/demo/zhejiang-2022q1";

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(FIXTURE)
        .join(name)
        .display()
        .to_string()
}

fn parse(files: &[(&str, Vec<u8>)]) -> Result<PublishedNotice, String> {
    let grids: Vec<_> = files
        .iter()
        .map(|(n, b)| {
            (
                Path::new(*n),
                read_grids(Path::new(n), b).map_err(|e| e.to_string()),
            )
        })
        .collect();
    let mut ok = Vec::new();
    for (p, g) in grids {
        ok.push((p, g?));
    }
    parse_notice("R", &ok).map_err(|e| e.to_string())
}

#[test]
fn zhejiang_fixture_reports_the_total_rate_and_nothing_else() {
    let s = Sandbox::new();
    s.demo();
    s.ok(&[
        "notice",
        "import",
        "--round",
        "2022Q1",
        &fixture("attachment1.csv"),
        &fixture("attachment2.csv"),
    ]);
    let out = s.run(&["notice", "check", "--round", "2022Q1"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "arithmetic 总计: 合格率 published 99.71%, expected 99.73%\n"
    );
}

#[test]
fn registry_differences_are_reported_with_both_values() {
    let s = Sandbox::new();
    s.demo();
    let a1 = std::fs::read_to_string(fixture("attachment1.csv"))
        .expect("a1")
        .replace("10,舟山市,216,216,5,97.69%", "10,舟山市,216,216,4,98.15%");
    let a2 = std::fs::read_to_string(fixture("attachment2.csv"))
        .expect("a2")
        .replace("9,,,微信公众号,舟山水利,舟山市水利局\n", "")
        .replace("14,,台州市,哔哩哔哩,玉环旅游", "14,,台州市,抖音,玉环旅游");
    let p1 = s.write("a1.csv", &a1);
    let p2 = s.write("a2.csv", &a2);
    s.ok(&[
        "notice",
        "import",
        "--round",
        "2022Q1",
        p1.to_str().expect("p"),
        p2.to_str().expect("p"),
    ]);
    let out = s.run(&["notice", "check", "--round", "2022Q1"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("registry 舟山市: 存在问题数 published 4, expected 5"),
        "{text}"
    );
    assert!(
        text.contains("problems 玉环旅游: 新媒体类型 published 抖音, expected 哔哩哔哩"),
        "{text}"
    );
    assert!(
        text.contains("problems 舟山水利: 政务新媒体名称 published not listed"),
        "{text}"
    );
    assert!(
        text.contains("arithmetic 总计: 存在问题数 (sum of rows) published 14, expected 13"),
        "{text}"
    );
}

#[test]
fn header_and_rate_spellings() {
    let a1 = "附件1\n2021年第四季度检查情况\n 地区 ,总数,抽查政务新媒体数,存在突出问题政务新媒体数,合格率\n甲市,10,10,0,100.%\n乙市,20,8,1,87.5％\n丙市,4,4,0,100.00%\n合计,34,22,1,95.45%\n";
    let a2 = "序号,存在问题,地区,类型,账号名称,主办单位\n1,监测点前两周无更新,乙市,微博,乙市发布,乙市政府办\n";
    let n = parse(&[
        ("a1.csv", a1.as_bytes().to_vec()),
        ("a2.csv", a2.as_bytes().to_vec()),
    ])
    .expect("parse");
    assert_eq!(n.rows.len(), 3);
    assert_eq!(n.rows[1].inspected, 8);
    assert_eq!(n.rows[1].rate, "87.5%");
    assert_eq!(n.rows[0].rate, "100.%");
    let t = n.total.expect("total row without 序号");
    assert_eq!((t.total, t.inspected, t.problems), (34, 22, 1));
    assert_eq!(n.problems[0].name, "乙市发布");
    let d = govcheck::domain::notice::check_arithmetic(
        &parse(&[("a1.csv", a1.as_bytes().to_vec())]).expect("p"),
    );
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn gbk_csv_as_saved_by_excel() {
    let text = std::fs::read_to_string(fixture("attachment1.csv")).expect("a1");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let n = parse(&[("附件1.csv", gbk.into_owned())]).expect("gbk");
    assert_eq!(n.rows.len(), 12);
    assert_eq!(n.total.map(|t| t.rate).as_deref(), Some("99.71%"));
}

fn merged_xlsx(real_merges: bool) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let f = Format::new();
    ws.merge_range(0, 0, 0, 5, "附件2 检查发现存在突出问题的政务新媒体", &f)
        .expect("title");
    for (c, h) in [
        "序号",
        "存在突出问题",
        "所属地区",
        "新媒体类型",
        "政务新媒体名称",
        "主办单位",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, c as u16, *h).expect("h");
    }
    let rows = [
        (
            "1",
            "出现严重表述错误",
            "台州市",
            "微信公众号",
            "台州司法",
            "台州市司法局",
        ),
        (
            "2",
            "监测点前两周未更新",
            "宁波市",
            "微信公众号",
            "前湾滨海管理系统",
            "庵东镇人民政府",
        ),
        (
            "3",
            "监测点前两周未更新",
            "绍兴市",
            "快手",
            "嵊州警方",
            "嵊州市公安局",
        ),
        (
            "4",
            "监测点前两周未更新",
            "绍兴市",
            "微信公众号",
            "绍兴招商",
            "绍兴市招商投资促进中心",
        ),
    ];
    for (i, r) in rows.iter().enumerate() {
        let row = 2 + i as u32;
        let cells = [r.0, r.1, r.2, r.3, r.4, r.5];
        for (c, v) in cells.iter().enumerate() {
            let blank_by_merge = (c == 1 && i >= 2) || (c == 2 && i == 3);
            if !blank_by_merge {
                ws.write_string(row, c as u16, *v).expect("cell");
            }
        }
    }
    if real_merges {
        ws.merge_range(3, 1, 5, 1, "监测点前两周未更新", &f)
            .expect("merge problem");
        ws.merge_range(4, 2, 5, 2, "绍兴市", &f)
            .expect("merge region");
    }
    wb.save_to_buffer().expect("xlsx")
}

#[test]
fn merged_cells_in_real_xlsx_both_as_ranges_and_as_blanks() {
    let a1 = std::fs::read(fixture("attachment1.csv")).expect("a1");
    for real in [true, false] {
        let n = parse(&[("a1.csv", a1.clone()), ("a2.xlsx", merged_xlsx(real))]).expect("parse");
        let got: Vec<(&str, &str, &str)> = n
            .problems
            .iter()
            .map(|p| (p.problem.as_str(), p.region.as_str(), p.name.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("出现严重表述错误", "台州市", "台州司法"),
                ("监测点前两周未更新", "宁波市", "前湾滨海管理系统"),
                ("监测点前两周未更新", "绍兴市", "嵊州警方"),
                ("监测点前两周未更新", "绍兴市", "绍兴招商"),
            ],
            "real merges: {real}"
        );
    }
}

#[test]
fn export_then_import_gives_the_same_record() {
    let s = Sandbox::new();
    s.demo();
    let x = s.path("notice.xlsx");
    let c = s.path("csv");
    s.ok(&[
        "notice",
        "export",
        "--round",
        "2022Q1",
        "--format",
        "xlsx",
        "--out",
        x.to_str().expect("p"),
    ]);
    s.ok(&[
        "notice",
        "export",
        "--round",
        "2022Q1",
        "--format",
        "csv",
        "--out",
        c.to_str().expect("p"),
    ]);
    let from_xlsx = parse(&[("notice.xlsx", std::fs::read(&x).expect("x"))]).expect("xlsx");
    let from_csv = parse(&[
        ("附件1.csv", std::fs::read(c.join("附件1.csv")).expect("1")),
        ("附件2.csv", std::fs::read(c.join("附件2.csv")).expect("2")),
    ])
    .expect("csv");
    assert_eq!(from_xlsx.rows, from_csv.rows);
    assert_eq!(from_xlsx.total, from_csv.total);
    assert_eq!(from_xlsx.problems, from_csv.problems);
    assert_eq!(from_csv.rows.len(), 12);
    assert_eq!(from_csv.problems.len(), 14);
    assert_eq!(
        from_csv.total.as_ref().map(|t| t.rate.as_str()),
        Some("99.73%")
    );
    // The exported 附件1 prints like the published one except the corrected total.
    let published = std::fs::read_to_string(fixture("attachment1.csv")).expect("a1");
    let exported = std::fs::read_to_string(c.join("附件1.csv")).expect("1");
    assert_eq!(
        exported.trim_start_matches('\u{feff}'),
        published.replace("99.71%", "99.73%")
    );
    // Importing our own export reconciles cleanly.
    s.ok(&[
        "notice",
        "import",
        "--round",
        "2022Q1",
        x.to_str().expect("p"),
    ]);
    let out = s.ok(&["notice", "check", "--round", "2022Q1"]);
    assert!(out.contains("agrees"), "{out}");
    let para = std::fs::read_to_string(c.join("总体情况.txt")).expect("txt");
    assert!(
        para.contains("5189个政务新媒体") && para.contains("全量检查") && para.contains("99.73%"),
        "{para}"
    );
}

#[test]
fn a_bad_file_names_sheet_row_and_column_and_stores_nothing() {
    let s = Sandbox::new();
    s.demo();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("附件1").expect("name");
    for (c, h) in ["序号", "地区", "总量", "检查数量", "存在问题数", "合格率"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).expect("h");
    }
    for (c, v) in ["1", "杭州市", "828", "八百", "0", "100%"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *v).expect("v");
    }
    let p = s.path("bad.xlsx");
    wb.save(&p).expect("save");
    let before = s.contents();
    let err = s.fails(&[
        "notice",
        "import",
        "--round",
        "2022Q1",
        p.to_str().expect("p"),
    ]);
    assert!(
        err.contains("bad.xlsx")
            && err.contains("sheet 附件1, row 2, column D (检查数量)")
            && err.contains("八百"),
        "{err}"
    );
    assert_eq!(before, s.contents());
    let junk = s.write("junk.csv", "a,b,c\n1,2,3\n");
    let err = s.fails(&[
        "notice",
        "import",
        "--round",
        "2022Q1",
        junk.to_str().expect("p"),
    ]);
    assert!(err.contains("junk.csv") && err.contains("附件1"), "{err}");
    let err = s.fails(&[
        "notice",
        "import",
        "--round",
        "2099Q9",
        &fixture("attachment1.csv"),
    ]);
    assert!(err.contains("2099Q9"), "{err}");
    assert_eq!(before, s.contents());
}

#[test]
fn a_round_from_a_notice_alone_reproduces_its_table() {
    let s = Sandbox::new();
    s.ok(&["init", "--root-name", "浙江省", "--root-code", "330000"]);
    s.ok(&[
        "notice",
        "import",
        "--as-round",
        "2022Q1",
        "--period-start",
        "2022-01-01",
        "--monitoring-point",
        "2022-03-15",
        &fixture("attachment1.csv"),
        &fixture("attachment2.csv"),
    ]);
    let csv = s.ok(&["summary", "--round", "2022Q1", "--format", "csv"]);
    let published = std::fs::read_to_string(fixture("attachment1.csv")).expect("a1");
    for line in published.lines().skip(1).take(12) {
        let f: Vec<&str> = line.split(',').collect();
        let rate = govcheck::domain::rate::parse_percent(f[5]).expect("rate");
        let expected = format!(
            "{},{},{},{},{}.{:02}%",
            f[1],
            f[2],
            f[3],
            f[4],
            rate / 100,
            rate % 100
        );
        assert!(csv.contains(&expected), "{expected} not in\n{csv}");
    }
    assert!(csv.ends_with("总计,5189,5189,14,99.73%\n"), "{csv}");
    let out = s.run(&["notice", "check", "--round", "2022Q1"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "arithmetic 总计: 合格率 published 99.71%, expected 99.73%\n"
    );
    // A later sampled round from another notice: its fillers do not leak into 2022Q1.
    let a1 = "地区,总量,检查数量,存在问题数,合格率\n杭州市,800,80,1,98.75%\n宁波市,850,85,0,100%\n总计,1650,165,1,99.39%\n";
    let a2 = "存在突出问题,所属地区,新媒体类型,政务新媒体名称,主办单位\n监测点前两周未更新,杭州市,抖音,杭州某号,杭州某局\n";
    let p1 = s.write("q2a1.csv", a1);
    let p2 = s.write("q2a2.csv", a2);
    s.ok(&[
        "notice",
        "import",
        "--as-round",
        "2022Q2",
        "--period-start",
        "2022-04-01",
        "--monitoring-point",
        "2022-06-15",
        p1.to_str().expect("p"),
        p2.to_str().expect("p"),
    ]);
    let q2 = s.ok(&["summary", "--round", "2022Q2", "--format", "csv"]);
    assert!(
        q2.contains("杭州市,800,80,1,98.75%") && q2.contains("宁波市,850,85,0,100.00%"),
        "{q2}"
    );
    let rounds = s.ok(&["rounds", "--format", "csv"]);
    assert!(
        rounds.contains("2022Q2,2022Q2,sample,2022-06-15,"),
        "{rounds}"
    );
    assert!(
        s.ok(&["summary", "--round", "2022Q1", "--format", "csv"])
            .ends_with("总计,5189,5189,14,99.73%\n")
    );
}

/// The bug of issue 15: a total column spelled 账号数量（个）, 抽查数, 不合格账号数 and
/// 抽查合格率 (none of them on the old list) refused the whole 附件1.
#[test]
fn header_spellings_beyond_the_old_list_are_read_by_meaning() {
    let a1 = "序号,设区市,政务新媒体账号数量（个）,抽查数(个),不合格账号数（个）,抽查合格率（%）,备注\n1,甲市,120,60,3,95%,\n2,乙市,80,40,0,100%,新开设\n合  计,,200,100,3,97%,\n";
    let n = parse(&[("a1.csv", a1.as_bytes().to_vec())]).expect("parse");
    let got: Vec<(&str, u64, u64, u64)> = n
        .rows
        .iter()
        .map(|r| (r.region.as_str(), r.total, r.inspected, r.problems))
        .collect();
    assert_eq!(got, vec![("甲市", 120, 60, 3), ("乙市", 80, 40, 0)]);
    let t = n.total.expect("合计 row");
    assert_eq!((t.total, t.inspected, t.problems), (200, 100, 3));
    // Only 合格数 printed: the problems are the rest of those inspected.
    let a1 = "地区,总数,检查数,合格数,合格率\n甲市,10,10,9,90%\n";
    let n = parse(&[("a1.csv", a1.as_bytes().to_vec())]).expect("parse");
    assert_eq!(n.rows[0].problems, 1);
}

fn two_row_header_xlsx(real_merges: bool) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let f = Format::new();
    ws.merge_range(0, 0, 0, 5, "附件1 政务新媒体检查情况", &f)
        .expect("title");
    // Row 2: 序号, 地区 and 合格率 span two rows; 政务新媒体 spans three sub-headers.
    for (c, h) in [(0, "序号"), (1, "地区"), (5, "合格率")] {
        if real_merges {
            ws.merge_range(1, c, 2, c, h, &f).expect("v-merge");
        } else {
            ws.write_string(1, c, h).expect("h");
        }
    }
    if real_merges {
        ws.merge_range(1, 2, 1, 4, "政务新媒体", &f)
            .expect("h-merge");
    } else {
        ws.write_string(1, 2, "政务新媒体").expect("h");
    }
    for (c, h) in [
        (2, "总量（个）"),
        (3, "检查数（个）"),
        (4, "存在问题数（个）"),
    ] {
        ws.write_string(2, c, h).expect("sub");
    }
    let rows: [(&str, &str, f64, f64, f64, &str); 3] = [
        ("1", "甲市", 120.0, 120.0, 1.0, "99.17%"),
        ("2", "乙市", 80.0, 80.0, 0.0, "100%"),
        ("总计", "", 200.0, 200.0, 1.0, "99.5%"),
    ];
    for (i, r) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_string(row, 0, r.0).expect("seq");
        if !r.1.is_empty() {
            ws.write_string(row, 1, r.1).expect("region");
        }
        ws.write_number(row, 2, r.2).expect("n");
        ws.write_number(row, 3, r.3).expect("n");
        ws.write_number(row, 4, r.4).expect("n");
        ws.write_string(row, 5, r.5).expect("rate");
    }
    wb.save_to_buffer().expect("xlsx")
}

#[test]
fn two_row_merged_headers_in_xlsx() {
    for real in [true, false] {
        let n = parse(&[("a1.xlsx", two_row_header_xlsx(real))])
            .unwrap_or_else(|e| panic!("real merges {real}: {e}"));
        let got: Vec<(&str, u64, u64, u64, &str)> = n
            .rows
            .iter()
            .map(|r| {
                (
                    r.region.as_str(),
                    r.total,
                    r.inspected,
                    r.problems,
                    r.rate.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![("甲市", 120, 120, 1, "99.17%"), ("乙市", 80, 80, 0, "100%")],
            "real merges {real}"
        );
        assert_eq!(n.total.map(|t| t.total), Some(200), "real merges {real}");
    }
}

/// 附件1 of a county notice (西宁市城东区 2020 Q1, seed 004) as its office published
/// it, with one more account that did not pass.
const COUNTY: &str = "附件1\n2020年第一季度政务新媒体检查情况\n序号,政务新媒体类型,账号,主管/主办单位,\"合格\n情况\",存在问题\n1,微信公众号,魅力韵镇,城东区韵家口镇人民政府,合格,\n2,微信公众号,西宁市城东区教育局,西宁市城东区教育局,合格,\n3,微信公众号,城东区人民政府行政服务中心,西宁市城东区人民政府行政服务中心,合格,\n4,抖音,城东卫健,西宁市城东区卫生健康局,不合格,监测点前两周无更新\n";

#[test]
fn a_county_per_account_table_becomes_a_round_and_reconciles() {
    let s = Sandbox::new();
    s.ok(&["init", "--root-name", "城东区", "--root-code", "630102"]);
    let p = s.write("附件1.csv", COUNTY);
    let out = s.ok(&[
        "notice",
        "import",
        "--as-round",
        "2020Q1",
        "--period-start",
        "2020-01-01",
        "--monitoring-point",
        "2020-03-31",
        p.to_str().expect("p"),
    ]);
    assert!(out.contains("4 accounts listed (1 not passed)"), "{out}");
    let csv = s.ok(&["summary", "--round", "2020Q1", "--format", "csv"]);
    assert!(csv.ends_with("总计,4,4,1,75.00%\n"), "{csv}");
    let findings = s.ok(&["findings", "--round", "2020Q1", "--format", "csv"]);
    assert!(
        findings.contains("城东卫健") && findings.contains("监测点前两周"),
        "{findings}"
    );
    assert_eq!(findings.lines().count(), 2, "{findings}");
    let out = s.ok(&["notice", "check", "--round", "2020Q1"]);
    assert!(out.contains("agrees"), "{out}");

    // The same table with the failing account printed 合格 and a passing one missing.
    let wrong = COUNTY
        .replace("不合格,监测点前两周无更新", "合格,")
        .replace(
            "2,微信公众号,西宁市城东区教育局,西宁市城东区教育局,合格,\n",
            "",
        );
    let p = s.write("wrong.csv", &wrong);
    s.ok(&[
        "notice",
        "import",
        "--round",
        "2020Q1",
        p.to_str().expect("p"),
    ]);
    let out = s.run(&["notice", "check", "--round", "2020Q1"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        text,
        "problems 城东卫健: 合格情况 published 合格, expected 不合格 (it has a finding in the round)\nregistry 总计: 检查数量 (accounts listed) published 3, expected 4\n"
    );

    // The next quarter lists two of the four accounts: a sample of exactly those two,
    // the known accounts reused, one problem cell naming two indicators.
    let q2 = "序号,政务新媒体类型,账号,主管/主办单位,合格情况,存在问题\n1,微信公众号,魅力韵镇,城东区韵家口镇人民政府,不合格,监测点前两周无更新；出现严重表述错误\n2,抖音,城东卫健,西宁市城东区卫生健康局,合格,\n";
    let p = s.write("q2.csv", q2);
    s.ok(&[
        "notice",
        "import",
        "--as-round",
        "2020Q2",
        "--period-start",
        "2020-04-01",
        "--monitoring-point",
        "2020-06-30",
        p.to_str().expect("p"),
    ]);
    let rounds = s.ok(&["rounds", "--format", "csv"]);
    assert!(
        rounds.contains("2020Q1,2020Q1,full,") && rounds.contains("2020Q2,2020Q2,sample,"),
        "{rounds}"
    );
    let csv = s.ok(&["summary", "--round", "2020Q2", "--format", "csv"]);
    assert!(csv.ends_with("总计,4,2,1,50.00%\n"), "{csv}");
    let findings = s.ok(&["findings", "--round", "2020Q2", "--format", "csv"]);
    assert_eq!(findings.lines().count(), 3, "{findings}");
    assert_eq!(s.ok(&["accounts", "--format", "csv"]).lines().count(), 5);
    let out = s.ok(&["notice", "check", "--round", "2020Q2"]);
    assert!(out.contains("agrees"), "{out}");
}

#[test]
fn website_scores_pass_from_60_and_disagree_with_a_wrong_verdict() {
    let a = "序号,网站名称,主办单位,得分,合格情况\n1,城东区政府网,城东区政府办公室,85,合格\n2,某局网站,某局,59.5,合格\n3,某中心网站,某中心,60分,\n";
    let n = parse(&[("sites.csv", a.as_bytes().to_vec())]).expect("parse");
    let got: Vec<(&str, &str, bool, Option<&str>)> = n
        .accounts
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.platform.as_str(),
                a.passed,
                a.score.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("城东区政府网", "政府网站", true, Some("85")),
            ("某局网站", "政府网站", true, Some("59.5")),
            ("某中心网站", "政府网站", true, Some("60分")),
        ]
    );
    let d = govcheck::domain::notice::check_arithmetic(&n);
    let d: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        d,
        vec!["arithmetic 某局网站: 合格情况 published 合格, expected 不合格 (得分 59.5)"]
    );
}

#[test]
fn an_unrecognised_table_shows_its_header_row_and_the_column_it_could_not_place() {
    let s = Sandbox::new();
    s.demo();
    let before = s.contents();
    let a1 = "附件1\n序号,地区,在管账号,检查数量,存在问题数,合格率\n1,甲市,10,10,0,100%\n";
    let p = s.write("附件1.csv", a1);
    let err = s.fails(&[
        "notice",
        "import",
        "--round",
        "2022Q1",
        p.to_str().expect("p"),
    ]);
    assert!(
        err.contains("附件1.csv, line 2")
            && err.contains("附件1 has no 总量 column")
            && err.contains("row 2 reads 序号 | 地区 | 在管账号 | 检查数量 | 存在问题数 | 合格率")
            && err.contains("column C (在管账号) is not a column govcheck knows"),
        "{err}"
    );
    // Nothing recognisable as a table: the row most like a header, as read.
    let p = s.write(
        "other.csv",
        "说明
序号,名目,数值
1,甲,2
",
    );
    let err = s.fails(&[
        "notice",
        "import",
        "--round",
        "2022Q1",
        p.to_str().expect("p"),
    ]);
    assert!(
        err.contains("other.csv, line 2")
            && err.contains("no table recognised: row 2 reads 序号 | 名目 | 数值")
            && err.contains("column B (名目) is not a column govcheck knows, column C (数值)")
            && err.contains("附件1 needs 地区, 总量"),
        "{err}"
    );
    assert_eq!(before, s.contents());
}
