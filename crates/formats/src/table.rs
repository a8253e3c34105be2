//! Reading an import file: decoded, parsed as CSV, its kind recognised by its header
//! row, every kept value within its limit. Any error names the file, line and field.

use std::path::PathBuf;

use govcheck_domain::limits::{MAX_COLUMNS, MAX_LINE_BYTES, check_len, column_limit};
use govcheck_domain::text::sanitize;

use crate::decode;
use crate::error::InputError;
use crate::headers::{self, Columns};

/// A file to import: where it came from (for messages) and its bytes.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// A parsed CSV table: its kind, column map and data rows with their line numbers.
#[derive(Debug, Clone)]
pub struct Table {
    pub path: PathBuf,
    pub cols: Columns,
    pub rows: Vec<(u64, Vec<String>)>,
}

/// Decode and parse one file, recognising its kind by header.
pub fn read_table(file: &SourceFile) -> Result<Table, InputError> {
    let text = decode::decode(&file.path, &file.bytes)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // The header is recognised as soon as it is read: a file of an unknown kind is
    // refused before any of its rows is kept.
    let mut header: Option<(Vec<String>, Columns)> = None;
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            InputError::new(&file.path, format!("not valid CSV: {e}")).at(line)
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        if header.is_none() && rec.len() > MAX_COLUMNS {
            return Err(InputError::new(
                &file.path,
                format!(
                    "the header has {} columns; at most {MAX_COLUMNS} are read",
                    rec.len()
                ),
            )
            .at(line));
        }
        if rec.as_byte_record().as_slice().len() > MAX_LINE_BYTES {
            let mut err = InputError::new(
                &file.path,
                format!("the line is longer than {} KiB", MAX_LINE_BYTES / 1024),
            )
            .at(line);
            // Name the field that made it so, by its header.
            let longest = rec.iter().enumerate().max_by_key(|(_, c)| c.len());
            if let (Some((h, _)), Some((i, _))) = (&header, longest)
                && let Some(name) = h.get(i)
            {
                err = err.field(govcheck_domain::text::truncate(&sanitize(name), 64));
            }
            return Err(err);
        }
        let cells: Vec<String> = rec.iter().map(|c| c.trim().to_string()).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        match &header {
            None => {
                let cols = headers::recognise(&cells)
                    .map_err(|m| InputError::new(&file.path, m).at(line))?;
                header = Some((cells, cols));
            }
            Some((h, cols)) => {
                if cells.len() > h.len() && cells[h.len()..].iter().any(|c| !c.is_empty()) {
                    return Err(InputError::new(
                        &file.path,
                        format!("{} fields, but the header has {}", cells.len(), h.len()),
                    )
                    .at(line));
                }
                // Every value the store keeps, within its limit: checked here, once,
                // for all kinds.
                for (col, i) in cols.iter() {
                    if let Some(v) = cells.get(i) {
                        check_len(col, v, column_limit(col)).map_err(|e| {
                            InputError::new(&file.path, e.to_string())
                                .at(line)
                                .field(col)
                        })?;
                    }
                }
                rows.push((line, cells));
            }
        }
    }
    let (_, cols) = header.ok_or_else(|| InputError::new(&file.path, "the file is empty"))?;
    Ok(Table {
        path: file.path.clone(),
        cols,
        rows,
    })
}
