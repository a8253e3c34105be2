//! Printing as offices print: the exported workbook and Word document converted to PDF
//! by LibreOffice headless on A4 (what happens when an office prints them), then read
//! page by page with poppler's `pdftotext -layout`. Before this was set up, the demo's
//! workbook came out on 7 pages for 3 sheets: each attachment split down the middle
//! (the right-hand columns alone on a page) and the 总体情况 paragraph one unwrapped
//! cell running across three pages.
//!
//! Where `soffice`, `pdftotext` or `pdfinfo` is missing, each test says on stderr that
//! it was skipped and why, and passes; CI installs them (`.ci/run`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use common::Sandbox;
use govcheck::domain::figures::summarize;
use govcheck::domain::indicator::Catalogue;
use govcheck::domain::notice::attachments::{self, Attachments, HEADER1, HEADER2};
use govcheck::domain::notice::document::{self, Parts, attachment_titles};
use govcheck::store::RegistrySource;

const AS_OF: &str = "2022-04-01";
/// A4 in points, either way up.
const A4_PT: (f64, f64) = (595.3, 841.9);
/// How long one conversion may take before the test gives up on LibreOffice (a guard
/// against a hung converter, not a measurement).
const CONVERT_LIMIT: Duration = Duration::from_secs(300);

/// The programs the tests need, found on the PATH.
struct Tools {
    soffice: PathBuf,
    pdftotext: PathBuf,
    pdfinfo: PathBuf,
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The tools, or `None` after saying on stderr which is missing and that `test` was
/// skipped.
fn tools(test: &str) -> Option<Tools> {
    let found = (
        which("soffice").or_else(|| which("libreoffice")),
        which("pdftotext"),
        which("pdfinfo"),
    );
    match found {
        (Some(soffice), Some(pdftotext), Some(pdfinfo)) => Some(Tools {
            soffice,
            pdftotext,
            pdfinfo,
        }),
        (s, t, i) => {
            let missing: Vec<&str> = [
                (
                    s.is_none(),
                    "soffice (libreoffice-calc-nogui, libreoffice-writer-nogui)",
                ),
                (t.is_none(), "pdftotext (poppler-utils)"),
                (i.is_none(), "pdfinfo (poppler-utils)"),
            ]
            .into_iter()
            .filter_map(|(m, what)| m.then_some(what))
            .collect();
            eprintln!(
                "skipped {test}: {} not on the PATH; .ci/run installs them",
                missing.join(", ")
            );
            None
        }
    }
}

/// One printed page: its size in points and its text as laid out.
struct Page {
    size: (f64, f64),
    text: String,
}

impl Page {
    fn lines(&self) -> impl Iterator<Item = &str> {
        self.text.lines()
    }

    /// The text without any white space: what wraps or is spaced out between
    /// characters still reads the same.
    fn flat(&self) -> String {
        flat(&self.text)
    }

    fn is_a4(&self) -> bool {
        let (w, h) = self.size;
        let near = |a: f64, b: f64| (a - b).abs() < 1.0;
        (near(w, A4_PT.0) && near(h, A4_PT.1)) || (near(w, A4_PT.1) && near(h, A4_PT.0))
    }

    fn landscape(&self) -> bool {
        self.size.0 > self.size.1
    }
}

fn flat(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run a tool");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `file` printed to PDF by LibreOffice (its own profile under `work`, so parallel
/// tests do not share one), page by page.
fn print(t: &Tools, file: &Path, work: &Path) -> Vec<Page> {
    let out_dir = work.join("pdf");
    let profile = work.join("lo-profile");
    let mut child = Command::new(&t.soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(&out_dir)
        .arg(file)
        .env("HOME", work)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start soffice");
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for soffice") {
            break s;
        }
        if started.elapsed() > CONVERT_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("soffice did not convert {} in time", file.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "soffice failed on {}", file.display());
    let stem = file.file_stem().expect("a file name").to_string_lossy();
    let pdf = out_dir.join(format!("{stem}.pdf"));
    assert!(pdf.is_file(), "soffice wrote no {}", pdf.display());

    let info = run(Command::new(&t.pdfinfo)
        .args(["-f", "1", "-l", "100000"])
        .arg(&pdf));
    // "Page    2 size: 841.89 x 595.304 pts (A4)"
    let sizes: Vec<(f64, f64)> = info
        .lines()
        .filter(|l| l.starts_with("Page ") && l.contains(" size: "))
        .map(|l| {
            let dims = l.split(" size: ").nth(1).expect("size");
            let mut it = dims.split_whitespace();
            let w = it.next().and_then(|w| w.parse().ok()).expect("width");
            let _x = it.next();
            let h = it.next().and_then(|h| h.parse().ok()).expect("height");
            (w, h)
        })
        .collect();
    assert!(!sizes.is_empty(), "no pages in {}: {info}", pdf.display());
    sizes
        .into_iter()
        .enumerate()
        .map(|(i, size)| {
            let n = (i + 1).to_string();
            let text = run(Command::new(&t.pdftotext)
                .args(["-layout", "-f", &n, "-l", &n])
                .arg(&pdf)
                .arg("-"));
            Page { size, text }
        })
        .collect()
}

/// A line of a table's body as `pdftotext -layout` prints it: the row's 序号 and then
/// a Chinese cell (a region, a problem), or 总计 and a figure. A page number (`1 / 3`)
/// is not one.
fn is_table_row(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let first = words.next().unwrap_or("");
    let second = words.next().unwrap_or("");
    let cjk = second.chars().next().is_some_and(|c| !c.is_ascii());
    (first == "总计" && !second.is_empty())
        || (!first.is_empty() && first.chars().all(|c| c.is_ascii_digit()) && cjk)
}

/// Pages in print order with the pages' text, for a failure message.
fn dump(pages: &[Page]) -> String {
    pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "--- page {} ({:.0}×{:.0} pt)\n{}",
                i + 1,
                p.size.0,
                p.size.1,
                p.text
            )
        })
        .collect()
}

/// The demo's attachments as the domain builds them: what the printout must show.
fn demo_attachments(s: &Sandbox) -> Attachments {
    let reg = common::open_store(&s.store())
        .load()
        .expect("load")
        .registry;
    let cat = Catalogue::builtin();
    let root = reg.tree().root();
    let as_of = AS_OF.parse::<NaiveDate>().expect("day");
    summarize(&reg, &cat, "2022Q1", root, as_of).expect("summary");
    attachments::from_registry(&reg, &cat, "2022Q1", root, as_of).expect("attachments")
}

fn export(s: &Sandbox, format: &str, name: &str) -> PathBuf {
    let out = s.path(name);
    s.ok(&[
        "--as-of",
        AS_OF,
        "notice",
        "export",
        "--round",
        "2022Q1",
        "--format",
        format,
        "--out",
        out.to_str().expect("path"),
    ]);
    out
}

/// Every page holding rows of a table also holds its title and its header row, from
/// the first column (序号) to the last: no page of a table holds only its right-hand
/// columns, and the title and header are printed again on each page it runs onto.
/// Returns how many pages hold each table's rows.
fn each_table_page_is_whole(pages: &[Page], titles: &[String; 2]) -> [usize; 2] {
    let mut count = [0; 2];
    for (i, p) in pages.iter().enumerate() {
        if !p.lines().any(is_table_row) {
            continue;
        }
        let f = p.flat();
        let which = if f.contains(&flat(HEADER2[5])) && f.contains(&flat(HEADER2[4])) {
            1
        } else {
            0
        };
        let header = if which == 0 { &HEADER1 } else { &HEADER2 };
        for h in header {
            assert!(
                f.contains(&flat(h)),
                "page {} holds rows of 附件{} but not its column {h}:\n{}",
                i + 1,
                which + 1,
                dump(pages)
            );
        }
        assert!(
            f.contains(&flat(&titles[which])),
            "page {} holds rows of 附件{} but not its title {}:\n{}",
            i + 1,
            which + 1,
            titles[which],
            dump(pages)
        );
        count[which] += 1;
    }
    count
}

#[test]
fn the_demo_workbook_prints_each_sheet_one_page_wide_on_a4() {
    let Some(t) = tools("the_demo_workbook_prints_each_sheet_one_page_wide_on_a4") else {
        return;
    };
    let s = Sandbox::new();
    s.demo();
    let a = demo_attachments(&s);
    let file = export(&s, "xlsx", "通报附件.xlsx");
    let pages = print(&t, &file, &s.path("print"));
    let all = dump(&pages);

    assert!(pages.iter().all(Page::is_a4), "A4 only:\n{all}");
    let titles = attachment_titles(&a);
    let per_table = each_table_page_is_whole(&pages, &titles);
    // The demo's tables are short: each on one page, and the paragraph on a third.
    assert_eq!(per_table, [1, 1], "{all}");
    assert_eq!(pages.len(), 3, "one page per sheet:\n{all}");

    // Each row of 附件1 on one line, its region beside its rate: one page wide.
    for row in &a.table1 {
        let label = if row[1].is_empty() { &row[0] } else { &row[1] };
        assert!(
            pages.iter().flat_map(Page::lines).any(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                w.contains(&label.as_str()) && w.last() == Some(&row[5].as_str())
            }),
            "no line with {label} and its rate {}:\n{all}",
            row[5]
        );
    }
    // 附件2, landscape: each account on the page with its host unit and its row.
    for row in &a.table2 {
        assert!(
            pages.iter().any(|p| {
                let f = p.flat();
                p.landscape() && f.contains(&flat(&row[4])) && f.contains(&flat(&row[5]))
            }),
            "{} and {} not on one landscape page:\n{all}",
            row[4],
            row[5]
        );
    }
    // The 总体情况 paragraph is whole and on one page: wrapped, not cut at the margin.
    assert!(
        pages.iter().any(|p| p.flat().contains(&flat(&a.paragraph))),
        "the paragraph is not whole on any page:\n{}\n{all}",
        a.paragraph
    );
}

/// A notice's tables long enough to run over several pages, with host units longer
/// than a column and a paragraph longer than one row may be tall.
fn long_attachments() -> Attachments {
    let mut table1: Vec<[String; 6]> = (1..=60)
        .map(|i| {
            [
                i.to_string(),
                format!("第{i}区"),
                "100".into(),
                "100".into(),
                "1".into(),
                "99.00%".into(),
            ]
        })
        .collect();
    table1.push([
        "总计".into(),
        String::new(),
        "6000".into(),
        "6000".into(),
        "60".into(),
        "99.00%".into(),
    ]);
    let table2 = (1..=90)
        .map(|i| {
            [
                i.to_string(),
                if i <= 45 {
                    "监测点前两周未更新".into()
                } else {
                    "出现严重表述错误".into()
                },
                format!("第{}区", i / 10 + 1),
                "微信公众号".into(),
                format!("测试账号{i:03}"),
                format!("某某市某某区某某街道办事处某某社区居民委员会第{i:03}号"),
            ]
        })
        .collect();
    Attachments {
        title: "2026年第一季度全省政府系统政务新媒体检查".into(),
        table1,
        table2,
        paragraph: "本次检查对照国办秘函〔2019〕19号要求开展全量检查，共发现问题账号60个。"
            .repeat(60),
    }
}

#[test]
fn a_long_workbook_repeats_its_title_and_header_row_on_every_page() {
    let Some(t) = tools("a_long_workbook_repeats_its_title_and_header_row_on_every_page") else {
        return;
    };
    let s = Sandbox::new();
    let a = long_attachments();
    let file = s.path("长附件.xlsx");
    std::fs::write(
        &file,
        govcheck::formats::attachments::xlsx(&a).expect("xlsx"),
    )
    .expect("write");
    let pages = print(&t, &file, &s.path("print"));
    let all = dump(&pages);

    assert!(pages.iter().all(Page::is_a4), "A4 only:\n{all}");
    let per_table = each_table_page_is_whole(&pages, &attachment_titles(&a));
    assert!(
        per_table[0] > 1 && per_table[1] > 1,
        "{per_table:?}:\n{all}"
    );
    // Every row printed, each account on the page with its host unit (which wraps in
    // its cell: its own number, 第NNN, stands for it).
    for row in &a.table2 {
        let own = row[5][row[5].rfind('第').expect("第NNN号")..].trim_end_matches('号');
        assert!(
            pages.iter().any(|p| {
                let f = p.flat();
                f.contains(&flat(&row[4])) && f.contains(own)
            }),
            "{} and {own} not on one page:\n{all}",
            row[4],
        );
    }
    // The paragraph, over several rows of the sheet, is whole in print order.
    let text: String = pages.iter().map(Page::flat).collect();
    assert!(
        text.contains(&flat(&a.paragraph)),
        "the paragraph is not whole:\n{all}"
    );
}

/// The pages of the document from the one that starts with `附件{n}` up to the next
/// attachment's.
fn attachment_pages(pages: &[Page], n: usize) -> &[Page] {
    let starts = |p: &Page, k: usize| p.flat().starts_with(&format!("附件{k}"));
    let first = pages
        .iter()
        .position(|p| starts(p, n))
        .unwrap_or_else(|| panic!("no page starts with 附件{n}:\n{}", dump(pages)));
    let end = pages[first + 1..]
        .iter()
        .position(|p| starts(p, n + 1))
        .map_or(pages.len(), |k| first + 1 + k);
    &pages[first..end]
}

/// Each attachment's pages hold its header row's first column (序号) and its last (the
/// rate, the host unit): the header is repeated on every page and no page holds only
/// some of the columns. (The headers between them may wrap in their cells, which
/// `pdftotext` interleaves line by line.)
fn each_attachment_page_is_whole(pages: &[Page]) -> [usize; 2] {
    let mut count = [0; 2];
    for (k, header) in [&HEADER1, &HEADER2].into_iter().enumerate() {
        let att = attachment_pages(pages, k + 1);
        for (i, p) in att.iter().enumerate() {
            let f = p.flat();
            for h in [header[0], header[5]] {
                assert!(
                    f.contains(&flat(h)),
                    "page {} of 附件{} lacks its column {h}:\n{}",
                    i + 1,
                    k + 1,
                    dump(pages)
                );
            }
        }
        count[k] = att.len();
    }
    count
}

#[test]
fn the_demo_document_prints_on_a4_with_its_tables_one_page_wide() {
    let Some(t) = tools("the_demo_document_prints_on_a4_with_its_tables_one_page_wide") else {
        return;
    };
    let s = Sandbox::new();
    s.demo();
    let a = demo_attachments(&s);
    let file = export(&s, "docx", "通报.docx");
    let pages = print(&t, &file, &s.path("print"));
    let all = dump(&pages);

    assert!(pages.iter().all(Page::is_a4), "A4 only:\n{all}");
    assert!(!pages[0].landscape(), "the body is portrait:\n{all}");
    assert_eq!(each_attachment_page_is_whole(&pages), [1, 1], "{all}");
    // 附件1's rows each on one line, region beside rate; 附件2's accounts each beside
    // their host unit.
    let att1 = attachment_pages(&pages, 1);
    for row in &a.table1 {
        let label = if row[1].is_empty() { &row[0] } else { &row[1] };
        assert!(
            att1.iter().flat_map(Page::lines).any(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                w.contains(&label.as_str()) && w.last() == Some(&row[5].as_str())
            }),
            "no line with {label} and its rate {}:\n{all}",
            row[5]
        );
    }
    let att2 = attachment_pages(&pages, 2);
    for row in &a.table2 {
        assert!(
            att2.iter().flat_map(Page::lines).any(|l| {
                let f = flat(l);
                f.contains(&flat(&row[4])) && f.contains(&flat(&row[5]))
            }),
            "{} and {} not on one line:\n{all}",
            row[4],
            row[5]
        );
    }
    // The overview paragraph is whole in print order.
    let text: String = pages.iter().map(Page::flat).collect();
    assert!(text.contains(&flat(&a.paragraph)), "{all}");
}

#[test]
fn a_long_document_repeats_its_tables_header_row_on_every_page() {
    let Some(t) = tools("a_long_document_repeats_its_tables_header_row_on_every_page") else {
        return;
    };
    let s = Sandbox::new();
    let d = document::build(&Parts {
        scope: "某省",
        top_level: true,
        children: &["甲市", "乙市"],
        deadline: None,
        date: AS_OF.parse::<NaiveDate>().expect("day"),
        attachments: long_attachments(),
    });
    let file = s.path("长通报.docx");
    std::fs::write(&file, govcheck::formats::docx::docx(&d).expect("docx")).expect("write");
    let pages = print(&t, &file, &s.path("print"));
    let all = dump(&pages);

    assert!(pages.iter().all(Page::is_a4), "A4 only:\n{all}");
    let per = each_attachment_page_is_whole(&pages);
    assert!(per[0] > 1 && per[1] > 1, "{per:?}:\n{all}");
    let att2: String = attachment_pages(&pages, 2).iter().map(Page::flat).collect();
    for row in &d.attachments.table2 {
        assert!(att2.contains(&flat(&row[4])), "{} missing:\n{all}", row[4]);
    }
}
