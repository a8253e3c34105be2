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
    let before = s.journal();
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
    assert_eq!(before, s.journal());
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
    assert_eq!(before, s.journal());
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
