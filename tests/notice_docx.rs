//! `notice export --format docx` and the console's `E`: the whole notice as a Word
//! document, read back with docx-rs (text, tables, merged cells) and from its XML (the
//! repeated header row, A4, margins, named fonts), and text from data kept as text.

mod common;

use std::io::{Cursor, Read};

use chrono::{DateTime, NaiveDate};
use common::Sandbox;
use docx_rs::{DocumentChild, TableCellContent, TableChild, TableRowChild};
use govcheck::domain::event::Actor;
use govcheck::domain::figures::summarize;
use govcheck::domain::indicator::Catalogue;
use govcheck::domain::notice::attachments::{self, Attachments, HEADER1, HEADER2};
use govcheck::domain::notice::document::{self, Parts};
use govcheck::store::RegistrySource;
use govcheck::store::demo::create_demo_store;
use govcheck::store::import::ImportContext;
use govcheck::tui::app::{App, Options};
use govcheck::tui::i18n::Lang;
use govcheck::tui::keymap::Keymap;
use govcheck::tui::update::{Effect, Msg, update};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const AS_OF: &str = "2022-04-01";

/// A table cell as read back: its text and its vertical merge (`restart`,
/// `continue`), if any.
#[derive(Debug, Clone)]
struct Cell {
    text: String,
    vmerge: Option<String>,
}

/// The body as read back: paragraphs' text and tables, in order.
#[derive(Debug)]
enum Item {
    Para(String),
    Table(Vec<Vec<Cell>>),
}

fn read_back(bytes: &[u8]) -> Vec<Item> {
    let docx = docx_rs::read_docx(bytes).expect("a .docx docx-rs reads");
    docx.document
        .children
        .iter()
        .filter_map(|c| match c {
            DocumentChild::Paragraph(p) => Some(Item::Para(p.raw_text())),
            DocumentChild::Table(t) => Some(Item::Table(
                t.rows
                    .iter()
                    .map(|TableChild::TableRow(r)| {
                        r.cells
                            .iter()
                            .map(|TableRowChild::TableCell(c)| {
                                let text = c
                                    .children
                                    .iter()
                                    .filter_map(|x| match x {
                                        TableCellContent::Paragraph(p) => Some(p.raw_text()),
                                        _ => None,
                                    })
                                    .collect::<String>();
                                let prop = serde_json::to_value(&c.property).expect("json");
                                let vmerge = prop
                                    .get("verticalMerge")
                                    .and_then(|v| v.as_str())
                                    .map(str::to_string);
                                Cell { text, vmerge }
                            })
                            .collect()
                    })
                    .collect(),
            )),
            _ => None,
        })
        .collect()
}

fn document_xml(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut s = String::new();
    zip.by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut s)
        .expect("utf8");
    s
}

fn paragraphs(items: &[Item]) -> Vec<&str> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Para(p) => Some(p.as_str()),
            Item::Table(_) => None,
        })
        .collect()
}

fn tables(items: &[Item]) -> Vec<&Vec<Vec<Cell>>> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Table(t) => Some(t),
            Item::Para(_) => None,
        })
        .collect()
}

/// The demo's attachments as the domain builds them: what the document must print.
fn demo_attachments(s: &Sandbox, region: Option<&str>) -> (Attachments, String) {
    let reg = common::open_store(&s.store())
        .load()
        .expect("load")
        .registry;
    let cat = Catalogue::builtin();
    let tree = reg.tree();
    let scope = region.map_or(tree.root(), |r| tree.resolve(r).expect("region"));
    let as_of = AS_OF.parse::<NaiveDate>().expect("day");
    let summary = summarize(&reg, &cat, "2022Q1", scope, as_of).expect("summary");
    let a = attachments::from_registry(&reg, &cat, "2022Q1", scope, as_of).expect("attachments");
    (a, summary.total.pass_rate.to_string())
}

fn export(s: &Sandbox, extra: &[&str]) -> Vec<u8> {
    let out = s.path("通报.docx");
    let mut args = vec![
        "--as-of", AS_OF, "notice", "export", "--round", "2022Q1", "--format", "docx", "--out",
    ];
    let out_s = out.display().to_string();
    args.push(&out_s);
    args.extend_from_slice(extra);
    let said = s.ok(&args);
    assert_eq!(said, format!("2022Q1: wrote {out_s}\n"));
    std::fs::read(&out).expect("written")
}

#[test]
fn exported_docx_reads_back_as_the_whole_notice() {
    let s = Sandbox::new();
    s.demo();
    let bytes = export(&s, &[]);
    let (a, rate) = demo_attachments(&s, None);
    let items = read_back(&bytes);
    let paras = paragraphs(&items);

    assert_eq!(
        paras[0],
        "关于2022年第一季度全省政府系统政务新媒体检查情况的通报"
    );
    assert!(paras.contains(&"各市、县（市、区）人民政府办公室，各有关单位："));
    let at = |h: &str| {
        paras
            .iter()
            .position(|p| *p == h)
            .unwrap_or_else(|| panic!("no heading {h}: {paras:?}"))
    };
    let (one, two, three) = (
        at("一、总体情况"),
        at("二、存在问题"),
        at("三、下一步工作要求"),
    );
    assert!(one < two && two < three, "{paras:?}");

    // 一、总体情况 is the domain's paragraph, with the summary's figures.
    assert_eq!(paras[one + 1], a.paragraph);
    assert_eq!(rate, "99.73%");
    assert!(
        paras[one + 1].contains("对纳入管理的5189个政务新媒体")
            && paras[one + 1].contains("共发现问题账号14个，账号合格率99.73%"),
        "{}",
        paras[one + 1]
    );

    // 二、存在问题: each problem of 附件2 under its own level-2 heading, every account named.
    let body_two = &paras[two + 1..three];
    let mut problems: Vec<&str> = a.table2.iter().map(|r| r[1].as_str()).collect();
    problems.dedup();
    for (i, p) in problems.iter().enumerate() {
        let heading = body_two
            .iter()
            .position(|x| x.starts_with('（') && x.ends_with(p))
            .unwrap_or_else(|| panic!("no heading for {p}: {body_two:?}"));
        assert_eq!(
            heading,
            body_two
                .iter()
                .position(|x| x.starts_with('（'))
                .map_or(0, |first| first + 2 * i)
        );
    }
    for r in &a.table2 {
        assert!(
            body_two.iter().any(|x| x.contains(&format!("“{}”", r[4]))),
            "{} missing from 二、存在问题",
            r[4]
        );
    }
    assert!(paras.contains(&"浙江省人民政府办公厅"));
    assert!(paras.contains(&"2022年4月1日"));

    // 附件1: the header, the attachment's rows and the total row, cell by cell.
    let t = tables(&items);
    assert_eq!(t.len(), 2);
    let texts = |row: &Vec<Cell>| row.iter().map(|c| c.text.clone()).collect::<Vec<_>>();
    assert_eq!(texts(&t[0][0]), HEADER1.map(String::from).to_vec());
    assert_eq!(t[0].len(), 1 + a.table1.len());
    for (got, want) in t[0][1..].iter().zip(&a.table1) {
        assert_eq!(texts(got), want.to_vec());
    }
    assert_eq!(t[0].last().map(|r| r[5].text.as_str()), Some("99.73%"));

    // 附件2: a repeated problem is one merged cell: the first row holds the text, the
    // rows under it continue it and are empty.
    assert_eq!(texts(&t[1][0]), HEADER2.map(String::from).to_vec());
    assert_eq!(t[1].len(), 1 + a.table2.len());
    let mut continued = 0;
    for (r, (got, want)) in t[1][1..].iter().zip(&a.table2).enumerate() {
        for c in 0..6 {
            match got[c].vmerge.as_deref() {
                Some("continue") => {
                    continued += 1;
                    assert!(matches!(c, 1 | 2), "only problem and region merge");
                    assert_eq!(got[c].text, "");
                    assert_eq!(a.table2[r - 1][c], want[c], "a merge joins equal cells");
                }
                _ => assert_eq!(got[c].text, want[c], "row {r} column {c}"),
            }
        }
    }
    assert!(continued > 0, "the demo repeats a problem: {:?}", a.table2);
    assert!(
        t[1][1..]
            .iter()
            .any(|r| r[1].vmerge.as_deref() == Some("restart"))
    );

    // Layout: the header row repeats on each page; A4 with GB/T 9704's margins; fonts
    // named, none embedded.
    let xml = document_xml(&bytes);
    assert_eq!(xml.matches("<w:tblHeader").count(), 2);
    for table in xml.split("<w:tbl>").skip(1) {
        let first_row_end = table.find("</w:tr>").expect("a row");
        assert!(table[..first_row_end].contains("<w:tblHeader"));
    }
    assert!(xml.contains(r#"<w:pgSz w:w="11906" w:h="16838""#), "A4");
    assert!(xml.contains(r#"w:top="2098" w:right="1474" w:bottom="1984" w:left="1587""#));
    // 附件2's names are too wide for a portrait page: its section is A4 landscape, the
    // margins turned with it; every section (body, 附件1, 附件2) has the page number.
    assert!(
        xml.contains(r#"<w:pgSz w:w="16838" w:h="11906" w:orient="landscape""#),
        "附件2 landscape"
    );
    assert!(xml.contains(r#"w:top="1587" w:right="1984" w:bottom="1474" w:left="2098""#));
    assert_eq!(xml.matches("<w:sectPr").count(), 3);
    assert_eq!(xml.matches("<w:footerReference").count(), 3);
    for font in ["仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体"] {
        assert!(xml.contains(&format!(r#"w:eastAsia="{font}""#)), "{font}");
    }
    assert!(xml.contains(r#"<w:sz w:val="44" />"#), "二号 title");
    assert!(xml.contains(r#"<w:sz w:val="32" />"#), "三号 body");
    let zip = zip::ZipArchive::new(Cursor::new(&bytes)).expect("zip");
    assert!(
        zip.file_names().all(|n| !n.starts_with("word/fonts/")),
        "no embedded fonts"
    );
}

#[test]
fn a_city_notice_is_issued_by_its_office_to_its_counties() {
    let s = Sandbox::new();
    s.demo();
    let bytes = export(&s, &["--region", "舟山市"]);
    let (a, _) = demo_attachments(&s, Some("舟山市"));
    let items = read_back(&bytes);
    let paras = paragraphs(&items);
    assert!(paras.contains(&"舟山市人民政府办公室"), "{paras:?}");
    assert!(paras.contains(&a.paragraph.as_str()));
    assert_eq!(tables(&items)[0].len(), 1 + a.table1.len());
}

#[test]
fn a_bad_round_writes_nothing() {
    let s = Sandbox::new();
    s.demo();
    let out = s.path("x.docx");
    let err = s.fails(&[
        "notice",
        "export",
        "--round",
        "2099Q9",
        "--format",
        "docx",
        "--out",
        &out.display().to_string(),
    ]);
    assert!(err.contains("2099Q9"), "{err}");
    assert!(!out.exists());
}

fn attachments_with(name: &str) -> Attachments {
    let row = |n: &str, p: &str| {
        [
            n.to_string(),
            p.to_string(),
            "某市".to_string(),
            "微信".to_string(),
            name.to_string(),
            "=HYPERLINK(\"x\")".to_string(),
        ]
    };
    Attachments {
        title: "测试批次".into(),
        table1: vec![[
            "总计".into(),
            String::new(),
            "2".into(),
            "2".into(),
            "1".into(),
            "50%".into(),
        ]],
        table2: vec![row("1", "内容不更新"), row("2", "内容不更新")],
        paragraph: "段落".into(),
    }
}

#[test]
fn text_from_data_stays_text_in_the_document() {
    // A control character is not even allowed in XML: written raw it makes a document
    // Word refuses to open. A tag in a name must stay text, not become a table.
    let name = "舟山\u{1b}[31m<w:tbl>&\u{7}号\u{FFFF}";
    let d = document::build(&Parts {
        scope: "某市",
        top_level: false,
        children: &[],
        deadline: None,
        date: NaiveDate::from_ymd_opt(2022, 4, 1).expect("day"),
        attachments: attachments_with(name),
    });
    let bytes = govcheck::formats::docx::docx(&d).expect("docx");
    let items = read_back(&bytes);
    let t = tables(&items);
    let shown = &t[1][1][4].text;
    assert!(
        !shown.chars().any(|c| c.is_control() || c == '\u{FFFF}'),
        "{shown:?}"
    );
    assert!(shown.contains("<w:tbl>&"), "{shown:?}");
    assert_eq!(t[1][1][5].text, "=HYPERLINK(\"x\")", "no field, just text");
    let xml = document_xml(&bytes);
    assert_eq!(xml.matches("<w:tblHeader").count(), 2);
    assert!(!xml.contains("w:fldSimple") && !xml.contains("HYPERLINK \""));
}

#[test]
fn console_capital_e_writes_the_whole_notice_and_small_e_still_the_xlsx() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cat = Catalogue::builtin();
    let ictx = ImportContext {
        catalogue: &cat,
        tz: chrono_tz::Asia::Shanghai,
        actor: Actor::default(),
        now: DateTime::parse_from_rfc3339("2022-03-27T09:00:00+08:00").expect("time"),
        reported_at: None,
    };
    let (store, _) = create_demo_store(&dir.path().join("s"), &ictx).expect("demo store");
    let mut app = App::new(
        Options {
            lang: Lang::Zh,
            ascii: false,
            color: false,
            mouse: false,
            copy: govcheck::settings::CopyMode::Auto,
            over_ssh: false,
            due_soon_days: 3,
            good_rate: 100.0,
            warn_rate: 99.0,
            warn_after_days: 10,
        },
        Keymap::defaults(),
        cat,
        chrono_tz::Asia::Shanghai,
        NaiveDate::from_ymd_opt(2022, 5, 1).expect("date"),
        Actor::default(),
        store.describe(),
    );
    let loaded = govcheck::tui::task::load(&store).expect("load");
    update(&mut app, Msg::Loaded(Ok(loaded)));
    let key = |app: &mut App, c: char| {
        update(
            app,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        )
    };

    let out = key(&mut app, 'E');
    let Some(Effect::ExportDocx {
        file_name,
        document,
        overwrite: false,
    }) = out.effects.first()
    else {
        panic!("no docx export effect: {:?}", out.effects);
    };
    assert_eq!(file_name, "2022Q1-浙江省-通报.docx");
    assert_eq!(document.sections[0].heading, "一、总体情况");
    assert_eq!(
        document.attachments.table1.last().map(|r| r[5].as_str()),
        Some("99.73%")
    );
    // What the task writes reads back.
    let path = dir.path().join(file_name);
    govcheck::store::export::write_docx(document, &path).expect("write");
    let items = read_back(&std::fs::read(&path).expect("read"));
    assert_eq!(tables(&items).len(), 2);

    let out = key(&mut app, 'e');
    assert!(
        matches!(out.effects.first(), Some(Effect::Export { file_name, .. }) if file_name.ends_with(".xlsx")),
        "{:?}",
        out.effects
    );
    // Anywhere but the overview, `E` says where to use it and exports nothing.
    key(&mut app, '2');
    assert!(key(&mut app, 'E').effects.is_empty());
}

#[test]
fn the_overview_gives_the_change_against_the_previous_round() {
    let s = Sandbox::new();
    s.demo();
    let rounds = s.write(
        "rounds.csv",
        "round,title,period_start,period_end,monitoring_point,mode,deadline,note\n\
         2021Q4,2021年第四季度检查,2021-10-01,2021-12-15,2021-12-15,full,,\n",
    );
    s.ok(&["import", &rounds.display().to_string()]);
    let bytes = export(&s, &[]);
    let (a, _) = demo_attachments(&s, None);
    let items = read_back(&bytes);
    let paras = paragraphs(&items);
    let one = paras
        .iter()
        .position(|p| *p == "一、总体情况")
        .expect("一、总体情况");
    // 2021Q4 had no findings (100%); 2022Q1 is 99.73%.
    assert_eq!(paras[one + 1], a.paragraph);
    assert!(
        paras[one + 1].contains("账号合格率99.73%，较上一批次下降0.27个百分点"),
        "{}",
        paras[one + 1]
    );
}

/// The issue's round trip: a draft govcheck wrote has no figure `notice lint` would
/// report, with or without the registry's round, and its headline rate is checked.
#[test]
fn notice_lint_finds_nothing_wrong_in_an_exported_draft() {
    let s = Sandbox::new();
    s.demo();
    export(&s, &[]);
    let draft = s.path("通报.docx").display().to_string();
    for extra in [&[][..], &["--round", "2022Q1"][..]] {
        let mut args = vec!["notice", "lint", draft.as_str(), "--verbose"];
        args.extend_from_slice(extra);
        let out = s.run(&args);
        let said = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{said}");
        assert!(!said.contains('≠'), "{said}");
        // The overview's rate is checked, not merely passed over.
        assert!(said.contains("1 rate(s) checked, 0 wrong"), "{said}");
    }
}
