//! Reading published attachments (附件1, 附件2) from XLSX or CSV as offices publish them:
//! a title above the header, headers in many spellings, merged cells (as real merged
//! ranges or as blanks that repeat the value above), stray whitespace, full-width
//! punctuation, rates written `100%`, `100.%`, `99.5%` or as spreadsheet numbers, and a
//! total row with or without 序号.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use super::columns::{Column, classify};
use crate::decode::decode;
use crate::error::InputError;
use crate::zipped::check_inflated;
use govcheck_domain::limits::{MAX_NOTE_CHARS, check_len};
use govcheck_domain::notice::{
    PublishedAccount, PublishedNotice, PublishedProblem, PublishedRow, score_passes,
};
use govcheck_domain::rate::parse_percent;
use govcheck_domain::text::{normalize_key, sanitize, truncate};

/// A sheet (or a CSV file) as a grid of text cells, merged ranges already filled.
#[derive(Debug, Clone)]
pub struct Grid {
    /// Sheet name; `None` for CSV.
    pub sheet: Option<String>,
    pub cells: Vec<Vec<String>>,
}

/// Read every sheet of a workbook, or the one table of a CSV file.
pub fn read_grids(path: &Path, bytes: &[u8]) -> Result<Vec<Grid>, InputError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let grids = if matches!(ext.as_str(), "xlsx" | "xlsm") || bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(path, bytes)?
    } else {
        read_csv(path, bytes)?
    };
    // Every cell may end up in the journal (a problem, a name, a unit): within the
    // longest limit any field has, named by sheet, row and column.
    for g in &grids {
        for (r, row) in g.cells.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                check_len("the cell", cell, MAX_NOTE_CHARS).map_err(|e| {
                    let sheet = g
                        .sheet
                        .as_ref()
                        .map(|s| format!("sheet {s}, "))
                        .unwrap_or_default();
                    InputError::new(path, format!("{sheet}cell {}{}: {e}", col_letter(c), r + 1))
                        .at(r as u64 + 1)
                })?;
            }
        }
    }
    Ok(grids)
}

fn read_csv(path: &Path, bytes: &[u8]) -> Result<Vec<Grid>, InputError> {
    let text = decode(path, bytes)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut cells = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            InputError::new(path, format!("not valid CSV: {e}")).at(line)
        })?;
        if rec.len() > MAX_COLUMNS as usize {
            let line = rec.position().map_or(0, |p| p.line());
            return Err(InputError::new(
                path,
                format!("{} columns; at most {MAX_COLUMNS} are read", rec.len()),
            )
            .at(line));
        }
        cells.push(rec.iter().map(String::from).collect());
    }
    Ok(vec![Grid { sheet: None, cells }])
}

/// Cells a sheet may span (rows × columns, empty ones included): a sheet with one cell
/// at A1 and one at XFD1048576 would otherwise ask for 17 billion.
const MAX_CELLS: usize = 1_000_000;
/// Columns a sheet may span: notices have about ten.
const MAX_COLUMNS: u32 = 256;

fn read_xlsx(path: &Path, bytes: &[u8]) -> Result<Vec<Grid>, InputError> {
    check_inflated(path, bytes, "XLSX workbook", "notice workbook")?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| InputError::new(path, format!("not a readable XLSX workbook: {e}")))?;
    wb.load_merged_regions()
        .map_err(|e| InputError::new(path, format!("merged cells: {e}")))?;
    let mut grids = Vec::new();
    for name in wb.sheet_names() {
        let sheet_err = |m: String| InputError::new(path, format!("sheet {name}: {m}"));
        // Cell by cell rather than `worksheet_range`, which allocates the whole
        // rectangle the cells span before anything can be checked.
        let mut found: Vec<(usize, usize, String)> = Vec::new();
        let (mut rows, mut cols) = (0usize, 0usize);
        {
            let mut reader = wb
                .worksheet_cells_reader(&name)
                .map_err(|e| sheet_err(e.to_string()))?;
            while let Some(cell) = reader.next_cell().map_err(|e| sheet_err(e.to_string()))? {
                let (r, c) = cell.get_position();
                let v = Data::from(cell.get_value().clone());
                if v == Data::Empty {
                    continue;
                }
                if c >= MAX_COLUMNS {
                    return Err(sheet_err(format!(
                        "a cell in column {} (at most {MAX_COLUMNS} columns are read)",
                        col_letter(c as usize)
                    )));
                }
                rows = rows.max(r as usize + 1);
                cols = cols.max(c as usize + 1);
                if rows.saturating_mul(cols) > MAX_CELLS {
                    return Err(sheet_err(format!(
                        "spans {rows} rows and {cols} columns; at most {MAX_CELLS} cells are read"
                    )));
                }
                found.push((r as usize, c as usize, cell_text(&v)));
            }
        }
        let mut cells = vec![vec![String::new(); cols]; rows];
        for (r, c, text) in found {
            cells[r][c] = text;
        }
        for (_, _, dim) in wb.merged_regions_by_sheet(&name) {
            let (sr, sc) = (dim.start.0 as usize, dim.start.1 as usize);
            let (er, ec) = (dim.end.0 as usize, dim.end.1 as usize);
            let v = cells
                .get(sr)
                .and_then(|r| r.get(sc))
                .cloned()
                .unwrap_or_default();
            for row in cells.iter_mut().take(er.saturating_add(1)).skip(sr) {
                for cell in row.iter_mut().take(ec.saturating_add(1)).skip(sc) {
                    *cell = v.clone();
                }
            }
        }
        grids.push(Grid {
            sheet: Some(name),
            cells,
        });
    }
    Ok(grids)
}

fn cell_text(v: &Data) -> String {
    match v {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => format!("{f}"),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// The columns a header row holds: each recognised column at its first position, and
/// the non-empty headers that could not be placed (for the error message).
#[derive(Debug, Default)]
struct Header {
    cols: Vec<(Column, usize)>,
    unplaced: Vec<(usize, String)>,
    /// The non-empty header cells as read (after joining a two-row header).
    read: Vec<String>,
}

impl Header {
    fn read(row: &[String]) -> Header {
        let mut h = Header::default();
        for (i, cell) in row.iter().enumerate() {
            if cell.trim().is_empty() {
                continue;
            }
            h.read.push(sanitize(&normalize_key(cell)));
            match classify(cell) {
                // A merged top header repeats over its columns: the first one counts.
                Some(c) if h.has(c) => {}
                Some(c) => h.cols.push((c, i)),
                None => h.unplaced.push((i, cell.clone())),
            }
        }
        h
    }

    /// `row N reads 序号 | 地区 | …; column C (在管账号) is not a column govcheck knows`.
    fn describe(&self, row: usize) -> String {
        let unplaced = if self.unplaced.is_empty() {
            "every column placed".to_string()
        } else {
            self.unplaced
                .iter()
                .map(|(c, text)| {
                    format!(
                        "column {} ({}) is not a column govcheck knows",
                        col_letter(*c),
                        sanitize(&normalize_key(text))
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "row {} reads {}; {unplaced}",
            row + 1,
            truncate(&self.read.join(" | "), 300)
        )
    }

    fn has(&self, c: Column) -> bool {
        self.cols.iter().any(|(k, _)| *k == c)
    }

    fn col(&self, c: Column) -> Option<usize> {
        self.cols.iter().find(|(k, _)| *k == c).map(|(_, i)| *i)
    }

    /// Which table this header starts, if any.
    fn table(&self) -> Option<Table> {
        use Column::*;
        if self.has(Rate) && self.has(Region) && (self.has(Total) || self.has(Inspected)) {
            Some(Table::Regions)
        } else if self.has(Name) && (self.has(Verdict) || self.has(Score)) {
            Some(Table::Accounts)
        } else if self.has(Name) && self.has(Problem) {
            Some(Table::Problems)
        } else {
            None
        }
    }
}

/// A two-row header (政务新媒体 merged over 总量, 检查数量 and 存在问题数) as one row:
/// each column's top and bottom text joined, a blank or repeated half taken once.
fn two_rows(top: &[String], bottom: &[String]) -> Vec<String> {
    (0..top.len().max(bottom.len()))
        .map(|i| {
            let t = top.get(i).map_or("", |s| s.trim());
            let b = bottom.get(i).map_or("", |s| s.trim());
            if t.is_empty() || t == b {
                b.to_string()
            } else if b.is_empty() {
                t.to_string()
            } else {
                format!("{t}{b}")
            }
        })
        .collect()
}

/// The kinds of table a notice publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    /// 附件1: per region, 总量, 检查数量, 存在问题数, 合格率.
    Regions,
    /// 附件2: the problem accounts.
    Problems,
    /// A county's per-account results: every inspected account, 合格 or 不合格.
    Accounts,
}

impl Table {
    fn label(self) -> &'static str {
        match self {
            Table::Regions => "附件1",
            Table::Problems => "附件2",
            Table::Accounts => "the per-account table",
        }
    }
}

/// Where the header rows are looked for: a title and a subtitle may come first.
const HEADER_ROWS: usize = 15;

fn col_letter(mut c: usize) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'A' + (c % 26) as u8) as char);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s
}

struct Place<'a> {
    path: &'a Path,
    sheet: Option<&'a str>,
}

impl Place<'_> {
    fn err(&self, row: usize, col: usize, header: &str, msg: String) -> InputError {
        let sheet = self
            .sheet
            .map(|s| format!("sheet {s}, "))
            .unwrap_or_default();
        InputError::new(
            self.path,
            format!(
                "{sheet}row {}, column {} ({header}): {msg}",
                row + 1,
                col_letter(col)
            ),
        )
    }
}

/// The label of a total row (in the 序号 or the 地区 column).
fn is_total(text: &str) -> bool {
    matches!(
        normalize_key(text).as_str(),
        "总计"
            | "合计"
            | "总计:"
            | "合计:"
            | "全省"
            | "全市"
            | "全区"
            | "全县"
            | "总体"
            | "全省合计"
            | "全市合计"
    )
}

/// The tables found in `grids`, merged into one published record for `round`.
pub fn parse_notice(
    round: &str,
    files: &[(&Path, Vec<Grid>)],
) -> Result<PublishedNotice, InputError> {
    let mut notice = PublishedNotice {
        round: round.to_string(),
        rows: Vec::new(),
        total: None,
        problems: Vec::new(),
        sources: Vec::new(),
        accounts: Vec::new(),
    };
    let mut seen: Vec<Table> = Vec::new();
    for (path, grids) in files {
        let mut found_here = false;
        for g in grids {
            let place = Place {
                path,
                sheet: g.sheet.as_deref(),
            };
            let Some((hr, data, header, table)) = find_header(&g.cells) else {
                continue;
            };
            if seen.contains(&table) {
                return Err(place.err(
                    hr,
                    0,
                    table.label(),
                    format!(
                        "a second {} table; import one notice at a time",
                        table.label()
                    ),
                ));
            }
            seen.push(table);
            found_here = true;
            match table {
                Table::Regions => table1(&place, &g.cells, hr, data, &header, &mut notice)?,
                Table::Problems => table2(&place, &g.cells, hr, data, &header, &mut notice)?,
                Table::Accounts => table3(&place, &g.cells, hr, data, &header, &mut notice)?,
            }
        }
        if !found_here {
            return Err(not_recognised(path, grids));
        }
        notice.sources.push(path.display().to_string());
    }
    if !seen.contains(&Table::Regions) && !seen.contains(&Table::Accounts) {
        return Err(InputError::new(
            files.first().map_or(Path::new("-"), |f| f.0),
            "no 附件1 (per-region table) or per-account result table among the files",
        ));
    }
    Ok(notice)
}

/// The first header row of a table in a sheet's first rows: (header row, first data
/// row, its columns, the table). One-row headers are tried on every row before
/// two-row ones, so a title above a one-row header is never taken for its top half.
fn find_header(cells: &[Vec<String>]) -> Option<(usize, usize, Header, Table)> {
    let rows = cells.len().min(HEADER_ROWS);
    for (hr, row) in cells.iter().enumerate().take(rows) {
        let h = Header::read(row);
        if let Some(t) = h.table() {
            return Some((hr, hr + 1, h, t));
        }
    }
    for (hr, pair) in cells.windows(2).enumerate().take(rows.saturating_sub(1)) {
        let h = Header::read(&two_rows(&pair[0], &pair[1]));
        if let Some(t) = h.table() {
            return Some((hr, hr + 2, h, t));
        }
    }
    None
}

/// A file in which no table was recognised: the row that looked most like a header,
/// as read, and the columns that could not be placed.
fn not_recognised(path: &Path, grids: &[Grid]) -> InputError {
    let expected = "附件1 needs 地区, 总量, 检查数量, 存在问题数 (or 合格数), 合格率; 附件2 needs 存在问题, 所属地区, 新媒体类型, 账号名称, 主办单位; a per-account table needs 账号名称 and 合格情况 or 得分";
    let best = grids
        .iter()
        .flat_map(|g| {
            g.cells
                .iter()
                .take(HEADER_ROWS)
                .enumerate()
                .map(move |(r, row)| (g, r, Header::read(row)))
        })
        .filter(|(_, _, h)| !h.cols.is_empty())
        .max_by_key(|(_, r, h)| {
            // Columns that say something (not 序号 or 备注), then the widest row.
            let meaningful = h
                .cols
                .iter()
                .filter(|(c, _)| !matches!(c, Column::Seq | Column::Note))
                .count();
            (meaningful, h.read.len(), std::cmp::Reverse(*r))
        });
    let Some((g, r, h)) = best else {
        return InputError::new(
            path,
            format!(
                "no table recognised in the first {HEADER_ROWS} rows: no header govcheck knows; {expected}"
            ),
        );
    };
    let sheet = g
        .sheet
        .as_ref()
        .map(|s| format!("sheet {s}, "))
        .unwrap_or_default();
    InputError::new(
        path,
        format!("no table recognised: {sheet}{}; {expected}", h.describe(r)),
    )
    .at(r as u64 + 1)
}

fn table1(
    place: &Place<'_>,
    cells: &[Vec<String>],
    header_row: usize,
    data: usize,
    h: &Header,
    out: &mut PublishedNotice,
) -> Result<(), InputError> {
    use Column::*;
    for need in [Region, Total, Inspected, Rate] {
        if !h.has(need) {
            return Err(missing(place, header_row, h, Table::Regions, need));
        }
    }
    if !h.has(Problems) && !h.has(Passed) {
        return Err(missing(place, header_row, h, Table::Regions, Problems));
    }
    for (r, row) in cells.iter().enumerate().skip(data) {
        let get = |k: Column| {
            h.col(k)
                .and_then(|i| row.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let total_row = is_total(&get(Seq)) || is_total(&get(Region));
        let region = get(Region);
        if region.is_empty() && !total_row {
            return Err(place.err(r, h.col(Region).unwrap_or(0), "地区", "is empty".into()));
        }
        let num = |k: Column| -> Result<u64, InputError> {
            let v = get(k);
            let t = normalize_key(&v);
            let t = t.trim_end_matches('个');
            t.parse::<u64>().map_err(|_| {
                place.err(
                    r,
                    h.col(k).unwrap_or(0),
                    k.label(),
                    format!("{v:?} is not a whole number"),
                )
            })
        };
        let rate_text = {
            let v = get(Rate);
            let t: String = normalize_key(&v).replace('％', "%");
            match t.parse::<f64>() {
                // A spreadsheet number formatted as a percentage (0.9973).
                Ok(f) if !t.ends_with('%') && f <= 1.0 => format!("{:.2}%", f * 100.0),
                _ => t,
            }
        };
        if parse_percent(&rate_text).is_none() {
            return Err(place.err(
                r,
                h.col(Rate).unwrap_or(0),
                "合格率",
                format!("{:?} is not a rate such as 99.5%", get(Rate)),
            ));
        }
        let inspected = num(Inspected)?;
        let problems = if h.has(Problems) {
            num(Problems)?
        } else {
            // Only 合格数 is printed: the problems are the rest of those inspected.
            let passed = num(Passed)?;
            inspected.checked_sub(passed).ok_or_else(|| {
                place.err(
                    r,
                    h.col(Passed).unwrap_or(0),
                    "合格数",
                    format!("{passed} passed of {inspected} inspected"),
                )
            })?
        };
        let parsed = PublishedRow {
            region: if total_row { "总计".into() } else { region },
            total: num(Total)?,
            inspected,
            problems,
            rate: rate_text,
        };
        if total_row {
            out.total = Some(parsed);
        } else {
            out.rows.push(parsed);
        }
    }
    Ok(())
}

/// A recognised table that lacks a column it needs: the header row as read, and what
/// is missing.
fn missing(place: &Place<'_>, header_row: usize, h: &Header, t: Table, need: Column) -> InputError {
    let sheet = place
        .sheet
        .map(|s| format!("sheet {s}, "))
        .unwrap_or_default();
    InputError::new(
        place.path,
        format!(
            "{} has no {} column: {sheet}{}",
            t.label(),
            need.label(),
            h.describe(header_row)
        ),
    )
    .at(header_row as u64 + 1)
}

fn table2(
    place: &Place<'_>,
    cells: &[Vec<String>],
    header_row: usize,
    data: usize,
    h: &Header,
    out: &mut PublishedNotice,
) -> Result<(), InputError> {
    use Column::*;
    for need in [Problem, Region, Platform, Name, HostUnit] {
        if !h.has(need) {
            return Err(missing(place, header_row, h, Table::Problems, need));
        }
    }
    let mut last_problem = String::new();
    let mut last_region = String::new();
    for (r, row) in cells.iter().enumerate().skip(data) {
        let get = |k: Column| {
            h.col(k)
                .and_then(|i| row.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // Blank problem or region cells are merged cells: they repeat the value above.
        let problem = Some(get(Problem))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| last_problem.clone());
        let region = Some(get(Region))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| last_region.clone());
        for (k, v, label) in [
            (Problem, &problem, "存在突出问题"),
            (Region, &region, "所属地区"),
        ] {
            if v.is_empty() {
                return Err(place.err(
                    r,
                    h.col(k).unwrap_or(0),
                    label,
                    "is empty and nothing above it to repeat".into(),
                ));
            }
        }
        for (k, label) in [
            (Platform, "新媒体类型"),
            (Name, "政务新媒体名称"),
            (HostUnit, "主办单位"),
        ] {
            if get(k).is_empty() {
                return Err(place.err(r, h.col(k).unwrap_or(0), label, "is empty".into()));
            }
        }
        last_problem.clone_from(&problem);
        last_region.clone_from(&region);
        out.problems.push(PublishedProblem {
            problem,
            region,
            platform: get(Platform),
            name: get(Name),
            host_unit: get(HostUnit),
        });
    }
    Ok(())
}

/// 合格 / 不合格 as printed in 合格情况 (是, 否, 通过 … too); `None` when it says neither.
fn verdict(text: &str) -> Option<bool> {
    match normalize_key(text).as_str() {
        "合格" | "是" | "通过" | "达标" | "√" => Some(true),
        "不合格" | "否" | "未通过" | "不达标" | "×" => Some(false),
        _ => None,
    }
}

/// The platform of a per-account table without a 类型 column but with a score: the
/// table lists websites (a 100-point score is how websites are graded).
const WEBSITE: &str = "政府网站";

/// A county's per-account result table: every inspected account, 合格 or 不合格 (or a
/// website's score, failing under 60: `notice::score_passes`), with its problems.
fn table3(
    place: &Place<'_>,
    cells: &[Vec<String>],
    header_row: usize,
    data: usize,
    h: &Header,
    out: &mut PublishedNotice,
) -> Result<(), InputError> {
    use Column::*;
    let mut need = vec![Name, HostUnit];
    if !h.has(Score) {
        need.push(Platform);
    }
    for need in need {
        if !h.has(need) {
            return Err(missing(place, header_row, h, Table::Accounts, need));
        }
    }
    let mut last_region = String::new();
    for (r, row) in cells.iter().enumerate().skip(data) {
        let get = |k: Column| {
            h.col(k)
                .and_then(|i| row.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        if row.iter().all(|c| c.trim().is_empty()) || is_total(&get(Seq)) {
            continue;
        }
        for k in [Name, HostUnit] {
            if get(k).is_empty() {
                return Err(place.err(r, h.col(k).unwrap_or(0), k.label(), "is empty".into()));
            }
        }
        let score = h.has(Score).then(|| get(Score)).filter(|s| !s.is_empty());
        let by_score = match &score {
            Some(s) => match score_passes(s) {
                Some(p) => Some(p),
                None => {
                    return Err(place.err(
                        r,
                        h.col(Score).unwrap_or(0),
                        "得分",
                        format!("{s:?} is not a score from 0 to 100"),
                    ));
                }
            },
            None => None,
        };
        let printed = if h.has(Verdict) {
            let v = get(Verdict);
            match verdict(&v) {
                Some(p) => Some(p),
                None if v.is_empty() && by_score.is_some() => None,
                None => {
                    return Err(place.err(
                        r,
                        h.col(Verdict).unwrap_or(0),
                        "合格情况",
                        format!("{v:?} is neither 合格 nor 不合格"),
                    ));
                }
            }
        } else {
            None
        };
        let Some(passed) = printed.or(by_score) else {
            return Err(place.err(
                r,
                h.col(Score).or(h.col(Verdict)).unwrap_or(0),
                "得分",
                "is empty".into(),
            ));
        };
        let platform = if h.has(Platform) {
            get(Platform)
        } else {
            WEBSITE.to_string()
        };
        if platform.is_empty() {
            return Err(place.err(
                r,
                h.col(Platform).unwrap_or(0),
                "新媒体类型",
                "is empty".into(),
            ));
        }
        // A blank region is a merged cell repeating the one above.
        let region = h.has(Region).then(|| {
            let v = get(Region);
            if !v.is_empty() {
                last_region.clone_from(&v);
            }
            last_region.clone()
        });
        if region.as_deref() == Some("") {
            return Err(place.err(
                r,
                h.col(Region).unwrap_or(0),
                "地区",
                "is empty and nothing above it to repeat".into(),
            ));
        }
        out.accounts.push(PublishedAccount {
            region,
            platform,
            name: get(Name),
            host_unit: get(HostUnit),
            passed,
            problem: get(Problem),
            score,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grids made of header words, figures, blanks and junk, in every arrangement a
    /// small generator reaches (one-row, two-row, ragged rows, tables side by side):
    /// parsing answers or refuses, and never panics.
    #[test]
    fn any_arrangement_of_header_words_and_figures_never_panics() {
        const WORDS: &[&str] = &[
            "",
            "序号",
            "地区",
            "总量",
            "检查数量",
            "存在问题数",
            "合格数",
            "合格率",
            "政务新媒体",
            "账号",
            "主管/主办单位",
            "主办单位",
            "合格情况",
            "合格",
            "不合格",
            "存在问题",
            "得分",
            "59.5",
            "100",
            "101",
            "-1",
            "0",
            "7",
            "99.5%",
            "100%",
            "abc",
            "总计",
            "合计",
            "新媒体类型",
            "微信公众号",
            "所属地区",
            "备注",
            "\u{1b}[31m",
            "个",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..2000 {
            let rows = next(6);
            let cells: Vec<Vec<String>> = (0..rows)
                .map(|_| {
                    let cols = next(8);
                    (0..cols)
                        .map(|_| WORDS[next(WORDS.len())].to_string())
                        .collect()
                })
                .collect();
            let grids = vec![Grid { sheet: None, cells }];
            if let Err(e) = parse_notice("R", &[(Path::new("g.csv"), grids)]) {
                // A refusal names the file and contains no control character.
                assert_eq!(e.path, Path::new("g.csv"));
                assert!(!e.message.contains('\u{1b}'), "{}", e.message);
            }
        }
    }

    #[test]
    fn column_letters() {
        assert_eq!(col_letter(0), "A");
        assert_eq!(col_letter(25), "Z");
        assert_eq!(col_letter(26), "AA");
        assert_eq!(col_letter(27), "AB");
    }
}
