//! Writing 附件1 and 附件2 for a scope as offices lay them out: 序号, headers, a total row;
//! in XLSX merged cells for a repeated problem and region, column widths that fit
//! Chinese text and a header row that repeats on every printed page.

use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use chrono::NaiveDate;

use crate::domain::figures::{Summary, summarize};
use crate::domain::indicator::{Catalogue, IndicatorKind};
use crate::domain::listing;
use crate::domain::listing::FindingRow;
use crate::domain::notice::overview_paragraph;
use crate::domain::rate::Rate;
use crate::domain::registry::Registry;
use crate::domain::round::RoundMode;
use crate::domain::text::{sanitize, spreadsheet_text, width};
use crate::store::atomic::write_atomic;
use crate::store::error::StoreError;

pub const HEADER1: [&str; 6] = [
    "序号",
    "地区",
    "政务新媒体总量（个）",
    "检查数量（个）",
    "存在问题数（个）",
    "账号合格率",
];
pub const HEADER2: [&str; 6] = [
    "序号",
    "存在突出问题",
    "所属地区",
    "新媒体类型",
    "政务新媒体名称",
    "主办单位",
];

/// The two attachments as text cells, plus the draft paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachments {
    pub title: String,
    /// 附件1 data rows (序号 filled), then the total row.
    pub table1: Vec<[String; 6]>,
    /// 附件2 rows, sorted so that a problem and a region form runs.
    pub table2: Vec<[String; 6]>,
    pub paragraph: String,
}

/// The attachments of `round` for the scope at tree index `scope`, as of a day, from
/// the registry: what `govcheck notice export` and the console's `e` write.
pub fn from_registry(
    reg: &Registry,
    cat: &Catalogue,
    round: &str,
    scope: usize,
    as_of: NaiveDate,
) -> Result<Attachments, StoreError> {
    let r = reg
        .round(round)
        .ok_or_else(|| StoreError::Other(format!("no round {round:?}")))?;
    let summary =
        summarize(reg, cat, round, scope, as_of).map_err(|e| StoreError::Other(e.to_string()))?;
    let previous = reg
        .previous_round(round)
        .and_then(|p| summarize(reg, cat, &p.id, scope, as_of).ok());
    let tree = reg.tree();
    let rows: Vec<_> = listing::findings(reg, cat, round, Some(scope), None, as_of)
        .into_iter()
        .map(|f| {
            let region_idx = tree.by_code(&f.region_code).unwrap_or(scope);
            let row = tree.child_under(scope, region_idx).map_or_else(
                || format!("{}本级", tree.get(scope).name),
                |c| tree.get(c).name.clone(),
            );
            (f, row)
        })
        .collect();
    let paragraph = overview_paragraph(
        &summary,
        previous.as_ref(),
        (r.period_start, r.period_end),
        r.mode == RoundMode::Full,
    );
    Ok(build(&r.title, &summary, &rows, cat, paragraph))
}

/// A rate the way notices print it: two decimals with trailing zeros dropped
/// (`100%`, `99.5%`, `99.88%`).
pub fn published_rate(r: Rate) -> String {
    match r.basis_points() {
        None => "-".into(),
        Some(bp) => {
            let whole = bp / 100;
            match bp % 100 {
                0 => format!("{whole}%"),
                f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
                f => format!("{whole}.{f:02}%"),
            }
        }
    }
}

/// Build the attachments from a summary and the round's findings in scope.
///
/// 附件2 lists each finding on a veto indicator (the ones that make an account fail),
/// grouped by problem in catalogue order, then by region in table order.
pub fn build(
    title: &str,
    summary: &Summary,
    findings: &[(FindingRow, String)],
    cat: &Catalogue,
    paragraph: String,
) -> Attachments {
    let mut table1: Vec<[String; 6]> = summary
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            [
                (i + 1).to_string(),
                r.region.clone(),
                r.total.to_string(),
                r.inspected.to_string(),
                r.problems.to_string(),
                published_rate(r.pass_rate),
            ]
        })
        .collect();
    let t = &summary.total;
    table1.push([
        "总计".into(),
        String::new(),
        t.total.to_string(),
        t.inspected.to_string(),
        t.problems.to_string(),
        published_rate(t.pass_rate),
    ]);
    let ind_order = |code: &str| {
        cat.indicators()
            .iter()
            .position(|i| i.code == code)
            .unwrap_or(usize::MAX)
    };
    let region_order = |name: &str| {
        summary
            .rows
            .iter()
            .position(|r| r.region == name)
            .unwrap_or(usize::MAX)
    };
    let mut rows: Vec<&(FindingRow, String)> = findings
        .iter()
        .filter(|(f, _)| {
            cat.get(&f.indicator)
                .is_none_or(|i| i.kind == IndicatorKind::Veto)
        })
        .collect();
    rows.sort_by(|(a, ra), (b, rb)| {
        (ind_order(&a.indicator), region_order(ra), &a.id).cmp(&(
            ind_order(&b.indicator),
            region_order(rb),
            &b.id,
        ))
    });
    let table2 = rows
        .iter()
        .enumerate()
        .map(|(i, (f, region))| {
            [
                (i + 1).to_string(),
                f.problem.clone(),
                region.clone(),
                f.platform.clone(),
                f.account.clone(),
                f.host_unit.clone(),
            ]
        })
        .collect();
    Attachments {
        title: title.to_string(),
        table1,
        table2,
        paragraph,
    }
}

/// 附件2 with repeated problem and region cells blanked, as CSV and Markdown print them.
fn blanked(rows: &[[String; 6]]) -> Vec<[String; 6]> {
    let mut out: Vec<[String; 6]> = rows.to_vec();
    for i in (1..rows.len()).rev() {
        let same_problem = rows[i][1] == rows[i - 1][1];
        if same_problem {
            out[i][1].clear();
            if rows[i][2] == rows[i - 1][2] {
                out[i][2].clear();
            }
        }
    }
    out
}

/// 附件1's columns that hold figures govcheck computed: 序号, the counts and the rate.
const FIGURES1: [usize; 5] = [0, 2, 3, 4, 5];
/// 附件2's: 序号 only; the rest is text from the registry.
const FIGURES2: [usize; 1] = [0];

/// CSV of a table: the `figures` columns as computed, every other cell (names, regions,
/// host units, problems: text from data) through [`spreadsheet_text`], so a formula
/// imported as a name never runs in the spreadsheet that opens the attachment.
fn csv_of(
    header: &[&str; 6],
    rows: &[[String; 6]],
    figures: &[usize],
) -> Result<Vec<u8>, StoreError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let e = |e: csv::Error| StoreError::Other(e.to_string());
    w.write_record(header).map_err(e)?;
    for r in rows {
        let cells = r.iter().enumerate().map(|(i, c)| {
            if figures.contains(&i) {
                sanitize(c)
            } else {
                spreadsheet_text(c)
            }
        });
        w.write_record(cells).map_err(e)?;
    }
    w.into_inner().map_err(|e| StoreError::Other(e.to_string()))
}

/// CSV: `DIR/附件1.csv`, `DIR/附件2.csv`, `DIR/总体情况.txt` (UTF-8 with BOM, so Excel
/// on Chinese Windows opens them right).
pub fn write_csv(a: &Attachments, dir: &Path) -> Result<Vec<std::path::PathBuf>, StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
    let bom = |mut v: Vec<u8>| {
        let mut out = b"\xEF\xBB\xBF".to_vec();
        out.append(&mut v);
        out
    };
    let p1 = dir.join("附件1.csv");
    let p2 = dir.join("附件2.csv");
    let p3 = dir.join("总体情况.txt");
    write_atomic(&p1, &bom(csv_of(&HEADER1, &a.table1, &FIGURES1)?))?;
    write_atomic(&p2, &bom(csv_of(&HEADER2, &blanked(&a.table2), &FIGURES2)?))?;
    write_atomic(&p3, format!("{}\n", a.paragraph).as_bytes())?;
    Ok(vec![p1, p2, p3])
}

/// Markdown: the paragraph and both tables in one file.
pub fn write_md(a: &Attachments, path: &Path) -> Result<(), StoreError> {
    let table = |header: &[&str; 6], rows: &[[String; 6]]| {
        let mut s = format!("| {} |\n|{}\n", header.join(" | "), "---|".repeat(6));
        for r in rows {
            let cells: Vec<String> = r.iter().map(|c| c.replace('|', "\\|")).collect();
            s.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        s
    };
    let text = format!(
        "# {}\n\n## 总体情况（草稿）\n\n{}\n\n## 附件1 政务新媒体检查总体情况表\n\n{}\n## 附件2 检查发现存在突出问题的政务新媒体\n\n{}",
        a.title,
        a.paragraph,
        table(&HEADER1, &a.table1),
        table(&HEADER2, &blanked(&a.table2)),
    );
    write_atomic(path, text.as_bytes())
}

/// XLSX: sheets 附件1 and 附件2 (and 总体情况), merged runs, fitted widths, repeated
/// header rows on print.
pub fn write_xlsx(a: &Attachments, path: &Path) -> Result<(), StoreError> {
    let bytes = xlsx_bytes(a).map_err(|e| StoreError::Other(format!("writing XLSX: {e}")))?;
    write_atomic(path, &bytes)
}

fn xlsx_bytes(a: &Attachments) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let head = cell.clone().set_bold();
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);

    let s1 = wb.add_worksheet().set_name("附件1")?;
    sheet(
        s1,
        "附件1",
        &format!("{} 政务新媒体检查总体情况表", a.title),
        &HEADER1,
        &a.table1,
        &head,
        &cell,
        &title,
        &[],
    )?;
    let runs = merge_runs(&a.table2);
    let s2 = wb.add_worksheet().set_name("附件2")?;
    sheet(
        s2,
        "附件2",
        "检查发现存在突出问题的政务新媒体",
        &HEADER2,
        &a.table2,
        &head,
        &cell,
        &title,
        &runs,
    )?;
    let s3 = wb.add_worksheet().set_name("总体情况")?;
    s3.write_string(0, 0, &a.paragraph)?;
    s3.set_column_width(0, 120)?;
    wb.save_to_buffer()
}

/// (column, first row, last row) of runs of equal problem (col 1) and, within a
/// problem, equal region (col 2).
fn merge_runs(rows: &[[String; 6]]) -> Vec<(u16, usize, usize)> {
    let mut out = Vec::new();
    for col in [1usize, 2] {
        let mut start = 0;
        for i in 1..=rows.len() {
            let same = i < rows.len()
                && rows[i][col] == rows[start][col]
                && (col == 1 || rows[i][1] == rows[start][1]);
            if !same {
                if i - start > 1 {
                    out.push((col as u16, start, i - 1));
                }
                start = i;
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn sheet(
    ws: &mut Worksheet,
    label: &str,
    title_text: &str,
    header: &[&str; 6],
    rows: &[[String; 6]],
    head: &Format,
    cell: &Format,
    title: &Format,
    runs: &[(u16, usize, usize)],
) -> Result<(), XlsxError> {
    const HEAD_ROW: u32 = 2;
    ws.write_string(0, 0, label)?;
    ws.merge_range(1, 0, 1, 5, title_text, title)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(HEAD_ROW, c as u16, *h, head)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let rr = HEAD_ROW + 1 + r as u32;
            match v.parse::<u64>() {
                Ok(n) if c != 0 || r + 1 < rows.len() || label == "附件2" => {
                    ws.write_number_with_format(rr, c as u16, n as f64, cell)?;
                }
                _ => {
                    ws.write_string_with_format(rr, c as u16, v, cell)?;
                }
            }
        }
    }
    for &(col, first, last) in runs {
        let (r1, r2) = (HEAD_ROW + 1 + first as u32, HEAD_ROW + 1 + last as u32);
        ws.merge_range(r1, col, r2, col, &rows[first][col as usize], cell)?;
    }
    for c in 0..6 {
        let w = std::iter::once(header[c])
            .chain(rows.iter().map(|r| r[c].as_str()))
            .map(width)
            .max()
            .unwrap_or(4);
        ws.set_column_width(c as u16, (w as f64 * 1.1 + 2.0).min(60.0))?;
    }
    ws.set_repeat_rows(HEAD_ROW, HEAD_ROW)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_print_like_notices() {
        assert_eq!(published_rate(Rate::pass(0, 141)), "100%");
        assert_eq!(published_rate(Rate::pass(2, 403)), "99.5%");
        assert_eq!(published_rate(Rate::pass(1, 862)), "99.88%");
        assert_eq!(published_rate(Rate::new(9903, 10000)), "99.03%");
    }

    #[test]
    fn runs_group_problem_then_region() {
        let r = |p: &str, g: &str| {
            [
                String::new(),
                p.into(),
                g.into(),
                String::new(),
                String::new(),
                String::new(),
            ]
        };
        let rows = vec![
            r("A", "x"),
            r("B", "x"),
            r("B", "x"),
            r("B", "y"),
            r("C", "y"),
        ];
        assert_eq!(merge_runs(&rows), vec![(1, 1, 3), (2, 1, 2)]);
        let b = blanked(&rows);
        assert_eq!(b[2][1], "");
        assert_eq!(b[2][2], "");
        assert_eq!(b[3][2], "y");
        assert_eq!(b[4][2], "y", "a new problem repeats its region");
    }
}
