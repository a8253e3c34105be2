//! Writing a notice's attachments (built by [`govcheck_domain::notice::attachments`])
//! as files offices open: CSV, Markdown and XLSX with merged cells for a repeated
//! problem and region, column widths that fit Chinese text and a header row that
//! repeats on every printed page. Bytes only: the store writes them durably.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use govcheck_domain::notice::attachments::{Attachments, HEADER1, HEADER2, blanked};
use govcheck_domain::text::{sanitize, spreadsheet_text, width};

use crate::error::FormatError;

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
) -> Result<Vec<u8>, FormatError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let e = |e: csv::Error| FormatError::Csv(e.to_string());
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
    w.into_inner().map_err(|e| FormatError::Csv(e.to_string()))
}

/// CSV: `附件1.csv`, `附件2.csv` and `总体情况.txt` by file name, UTF-8 with a BOM so
/// Excel on Chinese Windows opens them right.
pub fn csv_files(a: &Attachments) -> Result<Vec<(&'static str, Vec<u8>)>, FormatError> {
    let bom = |mut v: Vec<u8>| {
        let mut out = b"\xEF\xBB\xBF".to_vec();
        out.append(&mut v);
        out
    };
    Ok(vec![
        ("附件1.csv", bom(csv_of(&HEADER1, &a.table1, &FIGURES1)?)),
        (
            "附件2.csv",
            bom(csv_of(&HEADER2, &blanked(&a.table2), &FIGURES2)?),
        ),
        ("总体情况.txt", format!("{}\n", a.paragraph).into_bytes()),
    ])
}

/// Markdown: the paragraph and both tables in one file.
pub fn markdown(a: &Attachments) -> String {
    let table = |header: &[&str; 6], rows: &[[String; 6]]| {
        let mut s = format!("| {} |\n|{}\n", header.join(" | "), "---|".repeat(6));
        for r in rows {
            let cells: Vec<String> = r.iter().map(|c| c.replace('|', "\\|")).collect();
            s.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        s
    };
    format!(
        "# {}\n\n## 总体情况（草稿）\n\n{}\n\n## 附件1 政务新媒体检查总体情况表\n\n{}\n## 附件2 检查发现存在突出问题的政务新媒体\n\n{}",
        a.title,
        a.paragraph,
        table(&HEADER1, &a.table1),
        table(&HEADER2, &blanked(&a.table2)),
    )
}

/// XLSX: sheets 附件1 and 附件2 (and 总体情况), merged runs, fitted widths, repeated
/// header rows on print.
pub fn xlsx(a: &Attachments) -> Result<Vec<u8>, FormatError> {
    xlsx_bytes(a).map_err(|e| FormatError::Xlsx(e.to_string()))
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
pub(crate) fn merge_runs(rows: &[[String; 6]]) -> Vec<(u16, usize, usize)> {
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
    }
}
