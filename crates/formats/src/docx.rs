//! A notice ([`NoticeDocument`], built in the domain) as a Word document an office
//! edits and publishes, laid out as GB/T 9704 lays out government documents: A4, margins
//! 37/35/28/26 mm, body in 仿宋_GB2312 三号 on a 28.95 pt line, 黑体 level-1 and 楷体
//! level-2 headings, the title in 方正小标宋简体 二号; 附件1 and 附件2 as tables whose
//! header row repeats on every page, with a repeated problem and region merged
//! vertically. Fonts are named, not embedded: the office's own installed fonts print it.
//! Every text is written as text (escaped, control characters made visible), never as
//! a field code. Bytes only: the store writes them durably.

use std::io::Cursor;

use docx_rs::{
    AlignmentType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum,
    PageOrientationType, Paragraph, Run, RunFonts, Section, SpecialIndentType, Table,
    TableAlignmentType, TableCell, TableRow, VAlignType, VMergeType, WidthType,
};

use govcheck_domain::notice::attachments::{HEADER1, HEADER2};
use govcheck_domain::notice::document::{Block, NoticeDocument};
use govcheck_domain::text::{sanitize, width};

use crate::attachments::merge_runs;
use crate::error::FormatError;

/// Fonts by name, as offices have them installed.
pub const FONT_BODY: &str = "仿宋_GB2312";
pub const FONT_HEADING1: &str = "黑体";
pub const FONT_HEADING2: &str = "楷体_GB2312";
pub const FONT_TITLE: &str = "方正小标宋简体";
/// Latin letters and digits, beside the Chinese fonts.
const FONT_LATIN: &str = "Times New Roman";

/// Sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 小四 12 pt.
const SIZE_TITLE: usize = 44;
const SIZE_BODY: usize = 32;
const SIZE_TABLE_TITLE: usize = 36;
const SIZE_TABLE: usize = 24;
const SIZE_PAGE_NUMBER: usize = 28;

/// A4 in twentieths of a point, and the margins of GB/T 9704 (mm × 1440 / 25.4).
pub const A4_TWIPS: (u32, u32) = (11906, 16838);
const MARGIN_TOP: i32 = 2098; // 37 mm
const MARGIN_BOTTOM: i32 = 1984; // 35 mm
const MARGIN_LEFT: i32 = 1587; // 28 mm
const MARGIN_RIGHT: i32 = 1474; // 26 mm
/// The text block's width: 156 mm.
const TEXT_WIDTH: usize = 11906 - 1587 - 1474;
/// On a landscape page (an attachment too wide for a portrait one) the margins turn
/// with the paper: 37 and 35 mm left and right, 28 and 26 mm top and bottom, so the
/// text block is 225 mm wide.
const LANDSCAPE_TEXT_WIDTH: usize = 16838 - 2098 - 1984;
/// 22 lines on a page: a fixed line of 28.95 pt.
const LINE: i32 = 579;
/// Two characters of 三号 (16 pt): the first-line indent of a body paragraph.
const INDENT_2: i32 = 640;
/// Four characters: the date's distance from the right margin.
const INDENT_4: i32 = 1280;
/// A table cell's text: half a 小四 (12 pt) character per column of display width (a
/// Chinese character is two) and a sixth in hand for the font that prints it (the
/// office's, or a fallback), plus the cell's default left and right padding.
const TWIPS_PER_COLUMN: usize = 140;
const CELL_PADDING: usize = 2 * 108;

/// The page an attachment is printed on, and its columns' widths (twips), which fill
/// that page's text width.
#[derive(Debug, Clone, PartialEq)]
struct Layout {
    landscape: bool,
    grid: [usize; 6],
}

/// Lay out a table by what it holds: each column as wide as its longest cell (a long
/// header may take two lines, a very long cell wraps), on a portrait page when they
/// fit its 156 mm, else landscape.
/// The widths are then stretched to fill the page, or, when even a landscape page is
/// too narrow, the widest column gives up the difference (or, when that is not
/// enough, all shrink in proportion) and the longest cells wrap: a table is always
/// one page wide.
fn layout(header: &[&str; 6], rows: &[[String; 6]]) -> Layout {
    let mut need = [0usize; 6];
    for (c, n) in need.iter_mut().enumerate() {
        let data = rows.iter().map(|r| width(&r[c])).max().unwrap_or(0);
        // A header of up to five characters stays on one line; a longer one may
        // take two.
        let head = match width(header[c]) {
            w if w <= 10 => w,
            w => w.div_ceil(2),
        };
        // No column takes more than two fifths of a landscape page: a longer name
        // wraps in its cell rather than squeezing 序号 to a sliver.
        *n = (data.max(head).max(4) * TWIPS_PER_COLUMN + CELL_PADDING)
            .min(LANDSCAPE_TEXT_WIDTH * 2 / 5);
    }
    let total: usize = need.iter().sum();
    let landscape = total > TEXT_WIDTH;
    let page = if landscape {
        LANDSCAPE_TEXT_WIDTH
    } else {
        TEXT_WIDTH
    };
    let mut grid = need;
    let widest = (0..6).max_by_key(|&c| need[c]).unwrap_or(5);
    if total > page && total - page <= need[widest].saturating_sub(page / 6) {
        // A little too wide: the widest column (a long name, wrapping anyway) gives
        // up the difference, and the others keep what their text needs.
        grid[widest] -= total - page;
    } else {
        grid = need.map(|n| n * page / total.max(1));
        // Integer division leaves a few twips: the last column takes them, so the
        // grid fills the text width exactly.
        let used: usize = grid.iter().sum();
        grid[5] += page.saturating_sub(used);
    }
    Layout { landscape, grid }
}

/// The page of a section: A4 portrait with GB/T 9704's margins, or A4 landscape with
/// them turned.
fn page(landscape: bool) -> (u32, u32, PageMargin) {
    let margin = PageMargin::new().header(851).footer(992);
    if landscape {
        (
            A4_TWIPS.1,
            A4_TWIPS.0,
            margin
                .top(MARGIN_LEFT)
                .bottom(MARGIN_RIGHT)
                .left(MARGIN_TOP)
                .right(MARGIN_BOTTOM),
        )
    } else {
        (
            A4_TWIPS.0,
            A4_TWIPS.1,
            margin
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT),
        )
    }
}

/// The page number at the foot of every page: `— 3 —`.
fn page_number() -> Footer {
    Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(Run::new().add_text("— ").size(SIZE_PAGE_NUMBER))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(" —").size(SIZE_PAGE_NUMBER)),
    )
}

/// The notice as a .docx file.
pub fn docx(d: &NoticeDocument) -> Result<Vec<u8>, FormatError> {
    let doc = document(d);
    let mut xml = doc.build();
    xml.document = repeat_header_rows(&xml.document)?;
    let mut out = Cursor::new(Vec::new());
    xml.pack(&mut out)
        .map_err(|e| FormatError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}

/// Text as Word shows it: control characters visible (a name can hold anything), and
/// the two code points XML forbids replaced.
fn text(s: &str) -> String {
    sanitize(s).replace(['\u{FFFE}', '\u{FFFF}'], "\u{FFFD}")
}

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(FONT_LATIN)
        .hi_ansi(FONT_LATIN)
}

fn run(s: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text(s)).fonts(fonts(font)).size(size)
}

fn line() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(LINE)
}

/// A body paragraph: 仿宋 三号, indented two characters, justified.
fn body_paragraph(s: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(s, FONT_BODY, SIZE_BODY))
        .align(AlignmentType::Both)
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(INDENT_2)),
            None,
            None,
        )
        .line_spacing(line())
}

fn heading(s: &str, font: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(s, font, SIZE_BODY))
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(INDENT_2)),
            None,
            None,
        )
        .line_spacing(line())
        .keep_next(true)
}

fn blank() -> Paragraph {
    Paragraph::new().line_spacing(line())
}

/// Three sections: the body on portrait pages, then 附件1 and 附件2 each on its own
/// pages, portrait or landscape as its table needs ([`layout`]); the page number runs
/// on through all three.
fn document(d: &NoticeDocument) -> Docx {
    let (w, h, margin) = page(false);
    let mut body = Section::new()
        .page_size(docx_rs::PageSize::new().size(w, h))
        .page_margin(margin)
        .footer(page_number())
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&d.title, FONT_TITLE, SIZE_TITLE))
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto)),
        )
        .add_paragraph(blank())
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&d.addressees, FONT_BODY, SIZE_BODY))
                .line_spacing(line()),
        );
    for s in &d.sections {
        body = body.add_paragraph(heading(&s.heading, FONT_HEADING1));
        for b in &s.blocks {
            body = body.add_paragraph(match b {
                Block::Paragraph(p) => body_paragraph(p),
                Block::Subheading(h) => heading(h, FONT_HEADING2),
            });
        }
    }
    body = body.add_paragraph(blank());
    for (i, note) in d.attachment_note.iter().enumerate() {
        // 附件：1．… with the second line aligned under the first item.
        let left = if i == 0 { INDENT_2 } else { INDENT_2 + 3 * 320 };
        body = body.add_paragraph(
            Paragraph::new()
                .add_run(run(note, FONT_BODY, SIZE_BODY))
                .indent(Some(left), None, None, None)
                .line_spacing(line()),
        );
    }
    body = body
        .add_paragraph(blank())
        .add_paragraph(blank())
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&d.office, FONT_BODY, SIZE_BODY))
                .align(AlignmentType::Right)
                .indent(None, None, Some(INDENT_4), None)
                .line_spacing(line()),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&d.date, FONT_BODY, SIZE_BODY))
                .align(AlignmentType::Right)
                .indent(None, None, Some(INDENT_4), None)
                .line_spacing(line()),
        );
    let mut doc = Docx::new()
        .default_fonts(fonts(FONT_BODY))
        .default_size(SIZE_BODY)
        .add_section(body);

    let a = &d.attachments;
    let runs = merge_runs(&a.table2);
    let attachments = [
        (&HEADER1, &a.table1, Vec::new()),
        (&HEADER2, &a.table2, runs),
    ];
    for (k, (header, rows, merges)) in attachments.into_iter().enumerate() {
        let l = layout(header, rows);
        let (w, h, margin) = page(l.landscape);
        let size = docx_rs::PageSize::new().size(w, h).orient(if l.landscape {
            PageOrientationType::Landscape
        } else {
            PageOrientationType::Portrait
        });
        let heading = Paragraph::new()
            .add_run(run(&format!("附件{}", k + 1), FONT_HEADING1, SIZE_BODY))
            .line_spacing(line())
            .keep_next(true);
        let title = Paragraph::new()
            .add_run(run(&d.attachment_titles[k], FONT_TITLE, SIZE_TABLE_TITLE))
            .align(AlignmentType::Center)
            .keep_next(true);
        let table = table(header, rows, &l, &merges);
        // Each attachment is a section of its own (it starts a new page); the last
        // one's page is the document's final section.
        if k + 1 < 2 {
            doc = doc.add_section(
                Section::new()
                    .page_size(size)
                    .page_margin(margin)
                    .footer(page_number())
                    .add_paragraph(heading)
                    .add_paragraph(title)
                    .add_table(table),
            );
        } else {
            doc = doc
                .page_size(w, h)
                .page_orient(if l.landscape {
                    PageOrientationType::Landscape
                } else {
                    PageOrientationType::Portrait
                })
                .page_margin(margin)
                .footer(page_number())
                .add_paragraph(heading)
                .add_paragraph(title)
                .add_table(table);
        }
    }
    doc
}

/// One attachment: the header row (repeated on each page, see
/// [`repeat_header_rows`]), then the rows; a run of equal cells in a merged column is
/// one vertically merged cell.
fn table(
    header: &[&str; 6],
    rows: &[[String; 6]],
    layout: &Layout,
    merges: &[(u16, usize, usize)],
) -> Table {
    let grid = &layout.grid;
    let text_width = grid.iter().sum();
    let cell = |s: &str, font: &str, width: usize| {
        TableCell::new()
            .add_paragraph(
                Paragraph::new()
                    .add_run(run(s, font, SIZE_TABLE))
                    .align(AlignmentType::Center),
            )
            .vertical_align(VAlignType::Center)
            .width(width, WidthType::Dxa)
    };
    let mut out = vec![
        TableRow::new(
            header
                .iter()
                .zip(grid)
                .map(|(h, &w)| cell(h, FONT_HEADING1, w))
                .collect(),
        )
        .cant_split(),
    ];
    for (r, row) in rows.iter().enumerate() {
        let cells = row
            .iter()
            .zip(grid)
            .enumerate()
            .map(|(c, (v, &w))| {
                let run = merges
                    .iter()
                    .find(|&&(col, first, last)| col as usize == c && first <= r && r <= last);
                match run {
                    Some(&(_, first, _)) if first == r => {
                        cell(v, FONT_BODY, w).vertical_merge(VMergeType::Restart)
                    }
                    Some(_) => TableCell::new()
                        .add_paragraph(Paragraph::new())
                        .vertical_merge(VMergeType::Continue)
                        .vertical_align(VAlignType::Center)
                        .width(w, WidthType::Dxa),
                    None => cell(v, FONT_BODY, w),
                }
            })
            .collect();
        out.push(TableRow::new(cells).cant_split());
    }
    Table::new(out)
        .set_grid(grid.to_vec())
        .width(text_width, WidthType::Dxa)
        .align(TableAlignmentType::Center)
}

/// Mark the first row of every table as its header row (`<w:tblHeader/>`), so Word and
/// LibreOffice repeat it at the top of each page the table runs onto. docx-rs has no
/// setting for it; the first `<w:trPr>` after each `<w:tbl>` is the header row's (every
/// row here has one: each is kept from splitting), and text from data cannot contain a
/// tag: it is escaped.
fn repeat_header_rows(xml: &[u8]) -> Result<Vec<u8>, FormatError> {
    let s = std::str::from_utf8(xml).map_err(|e| FormatError::Docx(e.to_string()))?;
    let mut out = String::with_capacity(s.len() + 64);
    let mut rest = s;
    while let Some(t) = rest.find("<w:tbl>") {
        let (before, after) = rest.split_at(t);
        out.push_str(before);
        let Some(p) = after.find("<w:trPr>") else {
            return Err(FormatError::Docx(
                "a table's header row has no row properties to mark".into(),
            ));
        };
        let (upto, tail) = after.split_at(p + "<w:trPr>".len());
        out.push_str(upto);
        out.push_str("<w:tblHeader />");
        rest = tail;
    }
    out.push_str(rest);
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rows_are_marked_once_per_table() {
        let xml = b"<w:body><w:tbl><w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr>\
                    <w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr></w:tbl>\
                    <w:tbl><w:tr><w:trPr></w:trPr></w:tr></w:tbl></w:body>";
        let out = String::from_utf8(repeat_header_rows(xml).expect("marked")).expect("utf8");
        assert_eq!(out.matches("<w:tblHeader />").count(), 2, "{out}");
        assert!(out.starts_with(
            "<w:body><w:tbl><w:tr><w:trPr><w:tblHeader /><w:cantSplit /></w:trPr></w:tr>\
             <w:tr><w:trPr><w:cantSplit />"
        ));
    }

    #[test]
    fn grids_fill_the_text_width() {
        let row = |host: &str| {
            [
                "1".to_string(),
                "监测点前两周未更新".into(),
                "舟山市".into(),
                "微信公众号".into(),
                "舟山水利".into(),
                host.to_string(),
            ]
        };
        // 附件1's narrow figures fit a portrait page; 附件2's names need a landscape
        // one; names longer than even that wrap within the landscape page's width.
        let one = layout(
            &HEADER1,
            &[[
                "1".into(),
                "省本级".into(),
                "141".into(),
                "141".into(),
                "0".into(),
                "100%".into(),
            ]],
        );
        assert!(!one.landscape);
        assert_eq!(one.grid.iter().sum::<usize>(), TEXT_WIDTH);
        let two = layout(&HEADER2, &[row("舟山市文化和广电旅游体育局")]);
        assert!(two.landscape);
        assert_eq!(two.grid.iter().sum::<usize>(), LANDSCAPE_TEXT_WIDTH);
        let long = layout(&HEADER2, &[row(&"某".repeat(200))]);
        assert!(long.landscape);
        assert_eq!(long.grid.iter().sum::<usize>(), LANDSCAPE_TEXT_WIDTH);
        assert!(long.grid[0] >= 600, "序号 keeps its width: {long:?}");
        assert_eq!(layout(&HEADER1, &[]).grid.iter().sum::<usize>(), TEXT_WIDTH);
    }
}
