//! Writing a notice's attachments (built by [`govcheck_domain::notice::attachments`])
//! as files offices open: CSV, Markdown and XLSX with merged cells for a repeated
//! problem and region, column widths that fit Chinese text and a header row that
//! repeats on every printed page. Bytes only: the store writes them durably.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use govcheck_domain::notice::attachments::{Attachments, HEADER1, HEADER2, blanked};
use govcheck_domain::notice::document::attachment_titles;
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

/// XLSX: sheets 附件1 and 附件2 (and 总体情况), merged runs, fitted widths, set up to
/// print as offices print them (see [`page_setup`]).
pub fn xlsx(a: &Attachments) -> Result<Vec<u8>, FormatError> {
    xlsx_bytes(a).map_err(|e| FormatError::Xlsx(e.to_string()))
}

fn xlsx_bytes(a: &Attachments) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    // Every cell wraps: a host unit longer than its column grows the row instead of
    // running under its neighbour or off the page.
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let head = cell.clone().set_bold();
    let title = Format::new()
        .set_bold()
        .set_font_size(TITLE_PT)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();

    let [title1, title2] = attachment_titles(a);
    let s1 = wb.add_worksheet().set_name("附件1")?;
    sheet(
        s1,
        "附件1",
        &title1,
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
        s2, "附件2", &title2, &HEADER2, &a.table2, &head, &cell, &title, &runs,
    )?;
    let s3 = wb.add_worksheet().set_name("总体情况")?;
    overview_sheet(s3, &a.paragraph)?;
    wb.save_to_buffer()
}

/// Excel's paper size code for A4.
const PAPER_A4: u8 = 9;
/// Left and right margins (inches): 1.3 cm, so the table keeps most of the page.
const MARGIN_SIDE: f64 = 0.5;
/// The width a sheet's columns may take on A4 before it turns landscape, in pixels
/// (96 per inch) between the margins: 8.27 in portrait, 11.69 in landscape.
const PORTRAIT_PX: f64 = (8.27 - 2.0 * MARGIN_SIDE) * 96.0;
/// A column of width `w` (Excel's character units of the default 11 pt font) is
/// `7w + 5` pixels wide.
fn column_px(w: f64) -> f64 {
    (w * 7.0 + 5.0).floor()
}
/// The title's point size.
const TITLE_PT: f64 = 14.0;
/// The 总体情况 paragraph's point size, and its merged block's columns.
const PARAGRAPH_PT: f64 = 12.0;
const PARAGRAPH_COLUMNS: u16 = 6;
const PARAGRAPH_COLUMN_WIDTH: f64 = 15.0;
/// Excel refuses a row taller than 409 points: a longer paragraph goes on in the next
/// row, at a sentence's end.
const MAX_ROW_PT: f64 = 409.0;

/// How many lines `text` takes at `pt` points in a block `px` pixels wide. A CJK
/// character is one em (`pt` points) wide, a Latin letter or digit half of one; the
/// estimate keeps a tenth in hand, since the printing font (the office's, or a
/// fallback) is not the one measured here.
fn lines_needed(text: &str, pt: f64, px: f64) -> f64 {
    let half_em_px = pt / 2.0 * 96.0 / 72.0;
    let per_line = ((px - 8.0) * 0.9 / half_em_px).floor().max(1.0);
    text.split('\n')
        .map(|l| (width(l) as f64 / per_line).ceil().max(1.0))
        .sum()
}

/// The height (points) of a row showing `lines` lines at `pt` points.
fn row_pt(lines: f64, pt: f64) -> f64 {
    lines * pt * 1.35 + 4.0
}

/// A4; one page wide, as many long as the rows need (scaled down only when the
/// columns are wider than the page); landscape when the columns are wider than a
/// portrait page; rows `0..=repeat` (the label, the title and the header row) printed
/// again at the top of every page; centred between the margins.
fn page_setup(ws: &mut Worksheet, columns_px: f64, repeat: Option<u32>) -> Result<(), XlsxError> {
    ws.set_paper_size(PAPER_A4);
    if columns_px > PORTRAIT_PX {
        ws.set_landscape();
    } else {
        ws.set_portrait();
    }
    ws.set_margins(MARGIN_SIDE, MARGIN_SIDE, 0.75, 0.75, 0.3, 0.3);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_footer("&C&P / &N");
    if let Some(last) = repeat {
        ws.set_repeat_rows(0, last)?;
    }
    Ok(())
}

/// 总体情况: the draft paragraph in a block of merged cells as wide as a portrait
/// page, wrapped, each row as tall as its lines (Excel and LibreOffice do not grow a
/// merged cell to its text). A paragraph too long for one row is split at the end of
/// a sentence; the sheet's first cell still starts the paragraph.
fn overview_sheet(ws: &mut Worksheet, paragraph: &str) -> Result<(), XlsxError> {
    let format = Format::new()
        .set_font_size(PARAGRAPH_PT)
        .set_align(FormatAlign::Left)
        .set_align(FormatAlign::Top)
        .set_text_wrap();
    let last_col = PARAGRAPH_COLUMNS - 1;
    for c in 0..PARAGRAPH_COLUMNS {
        ws.set_column_width(c, PARAGRAPH_COLUMN_WIDTH)?;
    }
    let px = f64::from(PARAGRAPH_COLUMNS) * column_px(PARAGRAPH_COLUMN_WIDTH);
    let max_lines = ((MAX_ROW_PT - 4.0) / (PARAGRAPH_PT * 1.35)).floor();
    for (r, piece) in split_to_fit(paragraph, |t| {
        lines_needed(t, PARAGRAPH_PT, px) <= max_lines
    })
    .iter()
    .enumerate()
    {
        let row = r as u32;
        ws.merge_range(row, 0, row, last_col, piece, &format)?;
        let lines = lines_needed(piece, PARAGRAPH_PT, px);
        ws.set_row_height(row, row_pt(lines, PARAGRAPH_PT).min(MAX_ROW_PT))?;
    }
    page_setup(ws, px, None)
}

/// `text` in consecutive pieces that each satisfy `fits`, cut after a sentence's end
/// (。！？；) where possible, else between characters. Never empty: an empty text is
/// one empty piece.
fn split_to_fit(text: &str, fits: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while !fits(rest) {
        // The longest prefix that fits, preferring one that ends a sentence.
        let mut cut = 0;
        let mut sentence_cut = 0;
        for (i, ch) in rest.char_indices() {
            let end = i + ch.len_utf8();
            if !fits(&rest[..end]) {
                break;
            }
            cut = end;
            if matches!(ch, '。' | '！' | '？' | '；' | '\n') {
                sentence_cut = end;
            }
        }
        let at = if sentence_cut > 0 { sentence_cut } else { cut };
        if at == 0 {
            // Not even one character fits: give up splitting rather than loop.
            break;
        }
        out.push(rest[..at].to_string());
        rest = &rest[at..];
    }
    out.push(rest.to_string());
    out
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
    let mut columns_px = 0.0;
    for c in 0..6 {
        let w = std::iter::once(header[c])
            .chain(rows.iter().map(|r| r[c].as_str()))
            .map(width)
            .max()
            .unwrap_or(4);
        // Wider than this, a cell wraps (every cell may): one long host unit does
        // not shrink the whole printed table.
        let w = (w as f64 * 1.1 + 2.0).min(MAX_COLUMN_WIDTH);
        ws.set_column_width(c as u16, w)?;
        columns_px += column_px(w);
    }
    // The merged title is as wide as the table; a title longer than that wraps, on a
    // row tall enough for its lines.
    let lines = lines_needed(title_text, TITLE_PT, columns_px);
    ws.set_row_height(1, row_pt(lines, TITLE_PT))?;
    page_setup(ws, columns_px, Some(HEAD_ROW))
}

/// The widest a column of an attachment gets (Excel's character units, about 18
/// Chinese characters); longer text wraps within it.
const MAX_COLUMN_WIDTH: f64 = 40.0;

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

    #[test]
    fn a_long_paragraph_is_cut_after_a_sentence_into_rows_that_fit() {
        let fits = |t: &str| width(t) <= 20;
        let pieces = split_to_fit("一二三四五。六七八九十一二三四五六七八。九十", fits);
        assert_eq!(
            pieces,
            vec!["一二三四五。", "六七八九十一二三四五", "六七八。九十"]
        );
        assert_eq!(split_to_fit("", fits), vec![String::new()]);
        // Nothing fits: one piece, never an endless loop.
        assert_eq!(split_to_fit("一二", |_| false), vec!["一二".to_string()]);
    }

    fn sheet_xml(bytes: &[u8], n: usize) -> String {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let mut s = String::new();
        zip.by_name(&format!("xl/worksheets/sheet{n}.xml"))
            .expect("sheet")
            .read_to_string(&mut s)
            .expect("utf8");
        s
    }

    #[test]
    fn sheets_print_on_a4_one_page_wide_with_their_titles_on_every_page() {
        let a = Attachments {
            title: "2022年第一季度全省政府系统政务新媒体检查".into(),
            table1: vec![[
                "1".into(),
                "省本级".into(),
                "141".into(),
                "141".into(),
                "0".into(),
                "100%".into(),
            ]],
            table2: vec![[
                "1".into(),
                "监测点前两周未更新".into(),
                "舟山市".into(),
                "今日头条".into(),
                "舟山群岛旅游官方号".into(),
                "舟山市文化和广电旅游体育局".into(),
            ]],
            paragraph: "本次检查。".repeat(400),
        };
        let bytes = xlsx(&a).expect("xlsx");
        let (s1, s2, s3) = (
            sheet_xml(&bytes, 1),
            sheet_xml(&bytes, 2),
            sheet_xml(&bytes, 3),
        );
        for s in [&s1, &s2, &s3] {
            assert!(s.contains(r#"paperSize="9""#), "A4: {s}");
            assert!(s.contains(r#"<pageSetUpPr fitToPage="1"/>"#), "{s}");
            assert!(s.contains(r#"fitToHeight="0""#), "one page wide: {s}");
        }
        assert!(s1.contains(r#"orientation="portrait""#), "{s1}");
        assert!(
            s2.contains(r#"orientation="landscape""#),
            "附件2 is wide: {s2}"
        );
        let mut wb = String::new();
        std::io::Read::read_to_string(
            &mut zip::ZipArchive::new(std::io::Cursor::new(&bytes[..]))
                .expect("zip")
                .by_name("xl/workbook.xml")
                .expect("workbook"),
            &mut wb,
        )
        .expect("utf8");
        assert!(wb.contains(">附件1!$1:$3<"), "print titles: {wb}");
        assert!(wb.contains(">附件2!$1:$3<"), "print titles: {wb}");
        // 2,000 characters are more than one row of 409 points holds: several merged
        // rows, each of a height, the paragraph whole across them.
        assert!(s3.matches("customHeight=\"1\"").count() > 1, "{s3}");
        assert!(s3.contains("<mergeCell ref=\"A2:F2\"/>"), "{s3}");
    }
}
