//! Reading published attachments (附件1, 附件2) from XLSX or CSV as offices publish them:
//! a title above the header, headers in many spellings, merged cells (as real merged
//! ranges or as blanks that repeat the value above), stray whitespace, full-width
//! punctuation, rates written `100%`, `100.%`, `99.5%` or as spreadsheet numbers, and a
//! total row with or without 序号.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use crate::decode::decode;
use crate::error::InputError;
use crate::headers::normalize_header;
use govcheck_domain::limits::{MAX_NOTE_CHARS, check_len};
use govcheck_domain::notice::{PublishedNotice, PublishedProblem, PublishedRow};
use govcheck_domain::rate::parse_percent;
use govcheck_domain::text::normalize_key;

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

/// What all of a workbook's entries may inflate to together. A published notice is a
/// few hundred kilobytes; this refuses a zip bomb before calamine inflates it.
const MAX_INFLATED: u64 = 64 * 1024 * 1024;
/// Cells a sheet may span (rows × columns, empty ones included): a sheet with one cell
/// at A1 and one at XFD1048576 would otherwise ask for 17 billion.
const MAX_CELLS: usize = 1_000_000;
/// Columns a sheet may span: notices have about ten.
const MAX_COLUMNS: u32 = 256;

/// Refuse a workbook whose entries inflate past [`MAX_INFLATED`], by their declared
/// sizes and by what they really inflate to (declared sizes can lie): each entry is
/// inflated into nothing, through a reader that stops at the remaining budget.
fn check_inflated(path: &Path, bytes: &[u8]) -> Result<(), InputError> {
    use std::io::Read;
    let bad = |m: String| InputError::new(path, m);
    let too_big = || {
        bad(format!(
            "not a notice workbook: it inflates to more than {} MiB",
            MAX_INFLATED / 1024 / 1024
        ))
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| bad(format!("not a readable XLSX workbook: {e}")))?;
    let mut budget = MAX_INFLATED;
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|e| bad(format!("not a readable XLSX workbook: {e}")))?;
        if entry.size() > budget {
            return Err(too_big());
        }
        let name = entry.name().to_string();
        let n = std::io::copy(&mut entry.take(budget + 1), &mut std::io::sink())
            .map_err(|e| bad(format!("not a readable XLSX workbook: {name}: {e}")))?;
        budget = budget.checked_sub(n).ok_or_else(too_big)?;
    }
    Ok(())
}

fn read_xlsx(path: &Path, bytes: &[u8]) -> Result<Vec<Grid>, InputError> {
    check_inflated(path, bytes)?;
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

/// Column spellings of 附件1.
const T1: &[(&str, &[&str])] = &[
    ("seq", &["序号"]),
    ("region", &["地区", "所属地区", "单位", "地市", "设区市"]),
    (
        "total",
        &[
            "政务新媒体总量",
            "总量",
            "总数",
            "账号总数",
            "政务新媒体数量",
        ],
    ),
    (
        "inspected",
        &[
            "检查数量",
            "抽查政务新媒体数",
            "抽查数量",
            "检查数",
            "抽查数",
        ],
    ),
    (
        "problems",
        &[
            "存在问题数",
            "存在突出问题政务新媒体数",
            "问题数",
            "问题账号数",
            "存在问题账号数",
        ],
    ),
    ("rate", &["账号合格率", "合格率"]),
];

/// Column spellings of 附件2.
const T2: &[(&str, &[&str])] = &[
    ("seq", &["序号"]),
    ("problem", &["存在突出问题", "存在问题", "问题", "主要问题"]),
    ("region", &["所属地区", "地区"]),
    (
        "platform",
        &["新媒体类型", "政务新媒体类型", "平台", "账号类型", "类型"],
    ),
    ("name", &["政务新媒体名称", "账号名称", "名称", "账号"]),
    ("host_unit", &["主办单位"]),
];

fn map_header(row: &[String], spec: &[(&'static str, &[&str])]) -> Vec<(&'static str, usize)> {
    let mut out = Vec::new();
    for (i, cell) in row.iter().enumerate() {
        let h = normalize_header(cell);
        if h.is_empty() {
            continue;
        }
        if let Some((canon, _)) = spec.iter().find(|(c, aliases)| {
            !out.iter().any(|(o, _)| o == c) && aliases.iter().any(|a| normalize_header(a) == h)
        }) {
            out.push((*canon, i));
        }
    }
    out
}

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

fn is_total(text: &str) -> bool {
    matches!(
        normalize_key(text).as_str(),
        "总计" | "合计" | "全省" | "总体"
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
    };
    let (mut saw1, mut saw2) = (false, false);
    for (path, grids) in files {
        let mut found_here = false;
        for g in grids {
            let place = Place {
                path,
                sheet: g.sheet.as_deref(),
            };
            for (hr, row) in g.cells.iter().enumerate().take(15) {
                let m1 = map_header(row, T1);
                let m2 = map_header(row, T2);
                let has = |m: &[(&str, usize)], c: &str| m.iter().any(|(k, _)| *k == c);
                let which = if has(&m1, "rate") && has(&m1, "total") {
                    Some((1, m1))
                } else if has(&m2, "name") && has(&m2, "problem") {
                    Some((2, m2))
                } else {
                    None
                };
                let Some((n, cols)) = which else {
                    continue;
                };
                let saw = if n == 1 { &mut saw1 } else { &mut saw2 };
                if *saw {
                    return Err(place.err(
                        hr,
                        0,
                        &format!("附件{n}"),
                        format!("a second 附件{n} table; import one notice at a time"),
                    ));
                }
                *saw = true;
                found_here = true;
                if n == 1 {
                    table1(&place, &g.cells, hr, &cols, &mut notice)?;
                } else {
                    table2(&place, &g.cells, hr, &cols, &mut notice)?;
                }
                break;
            }
        }
        if !found_here {
            return Err(InputError::new(
                *path,
                "no 附件1 table (地区, 总量, 检查数量, 存在问题数, 合格率) or 附件2 table (存在突出问题, 所属地区, 新媒体类型, 政务新媒体名称, 主办单位) found in the first 15 rows",
            ));
        }
        notice.sources.push(path.display().to_string());
    }
    if !saw1 {
        return Err(InputError::new(
            files.first().map_or(Path::new("-"), |f| f.0),
            "no 附件1 (per-region table) among the files",
        ));
    }
    Ok(notice)
}

fn table1(
    place: &Place<'_>,
    cells: &[Vec<String>],
    header_row: usize,
    cols: &[(&'static str, usize)],
    out: &mut PublishedNotice,
) -> Result<(), InputError> {
    let col = |k: &str| cols.iter().find(|(c, _)| *c == k).map(|(_, i)| *i);
    for need in ["region", "total", "inspected", "problems", "rate"] {
        if col(need).is_none() {
            return Err(place.err(header_row, 0, need, format!("附件1 has no {need} column")));
        }
    }
    for (r, row) in cells.iter().enumerate().skip(header_row + 1) {
        let get = |k: &str| {
            col(k)
                .and_then(|i| row.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let total_row = is_total(&get("seq")) || is_total(&get("region"));
        let region = get("region");
        if region.is_empty() && !total_row {
            return Err(place.err(r, col("region").unwrap_or(0), "地区", "is empty".into()));
        }
        let num = |k: &str, label: &str| -> Result<u64, InputError> {
            let v = get(k);
            let t = normalize_key(&v);
            let t = t.trim_end_matches('个');
            t.parse::<u64>().map_err(|_| {
                place.err(
                    r,
                    col(k).unwrap_or(0),
                    label,
                    format!("{v:?} is not a whole number"),
                )
            })
        };
        let rate_text = {
            let v = get("rate");
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
                col("rate").unwrap_or(0),
                "合格率",
                format!("{:?} is not a rate such as 99.5%", get("rate")),
            ));
        }
        let parsed = PublishedRow {
            region: if total_row { "总计".into() } else { region },
            total: num("total", "总量")?,
            inspected: num("inspected", "检查数量")?,
            problems: num("problems", "存在问题数")?,
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

fn table2(
    place: &Place<'_>,
    cells: &[Vec<String>],
    header_row: usize,
    cols: &[(&'static str, usize)],
    out: &mut PublishedNotice,
) -> Result<(), InputError> {
    let col = |k: &str| cols.iter().find(|(c, _)| *c == k).map(|(_, i)| *i);
    for need in ["problem", "region", "platform", "name", "host_unit"] {
        if col(need).is_none() {
            return Err(place.err(header_row, 0, need, format!("附件2 has no {need} column")));
        }
    }
    let mut last_problem = String::new();
    let mut last_region = String::new();
    for (r, row) in cells.iter().enumerate().skip(header_row + 1) {
        let get = |k: &str| {
            col(k)
                .and_then(|i| row.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // Blank problem or region cells are merged cells: they repeat the value above.
        let problem = Some(get("problem"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| last_problem.clone());
        let region = Some(get("region"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| last_region.clone());
        for (k, v, label) in [
            ("problem", &problem, "存在突出问题"),
            ("region", &region, "所属地区"),
        ] {
            if v.is_empty() {
                return Err(place.err(
                    r,
                    col(k).unwrap_or(0),
                    label,
                    "is empty and nothing above it to repeat".into(),
                ));
            }
        }
        for (k, label) in [
            ("platform", "新媒体类型"),
            ("name", "政务新媒体名称"),
            ("host_unit", "主办单位"),
        ] {
            if get(k).is_empty() {
                return Err(place.err(r, col(k).unwrap_or(0), label, "is empty".into()));
            }
        }
        last_problem.clone_from(&problem);
        last_region.clone_from(&region);
        out.problems.push(PublishedProblem {
            problem,
            region,
            platform: get("platform"),
            name: get("name"),
            host_unit: get("host_unit"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(col_letter(0), "A");
        assert_eq!(col_letter(25), "Z");
        assert_eq!(col_letter(26), "AA");
        assert_eq!(col_letter(27), "AB");
    }
}
