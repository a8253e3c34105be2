//! Output for people and scripts: tables aligned by display width (CJK = 2 columns),
//! CSV with exact headers, JSON. Text from data is neutralised before it is printed, and
//! in CSV a formula from data is turned into text (see [`spreadsheet_text`]).

use std::io::Write;

use serde::Serialize;

use govcheck_domain::text::{pad_left, pad_right, sanitize, spreadsheet_text, width};

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Json,
}

/// A table to print: header and rows of cells; numeric columns are right-aligned.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub right: Vec<bool>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            right: vec![false; headers.len()],
        }
    }

    pub fn right_align(mut self, cols: &[usize]) -> Table {
        for &c in cols {
            if let Some(r) = self.right.get_mut(c) {
                *r = true;
            }
        }
        self
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows
            .push(row.into_iter().map(|c| sanitize(&c)).collect());
    }

    /// Aligned text, two spaces between columns, a rule under the header.
    pub fn render(&self) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(width(c));
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (i, (&w, &right)) in widths.iter().zip(&self.right).enumerate() {
                let c = cells.get(i).map_or("", String::as_str);
                let cell = if right {
                    pad_left(c, w)
                } else {
                    pad_right(c, w)
                };
                if i > 0 {
                    s.push_str("  ");
                }
                s.push_str(&cell);
            }
            s.trim_end().to_string()
        };
        let mut out = line(&self.headers);
        out.push('\n');
        let total: usize = widths.iter().sum::<usize>() + 2 * n.saturating_sub(1);
        out.push_str(&"-".repeat(total));
        out.push('\n');
        for r in &self.rows {
            out.push_str(&line(r));
            out.push('\n');
        }
        out
    }
}

/// CSV with the given header. Cells are neutralised (no control characters); the
/// columns listed in `figures` hold numbers govcheck computed (counts, rates, days) and
/// stay numbers, every other cell is text from data and goes through
/// [`spreadsheet_text`], so a formula in a name never runs in the spreadsheet that opens
/// the file.
pub fn csv_string(
    headers: &[&str],
    rows: &[Vec<String>],
    figures: &[usize],
) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headers)?;
    for r in rows {
        w.write_record(r.iter().enumerate().map(|(i, c)| {
            if figures.contains(&i) {
                sanitize(c)
            } else {
                spreadsheet_text(c)
            }
        }))?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Pretty JSON with C1 controls and DEL escaped too (serde_json leaves them raw, and
/// some terminals act on U+009B as an escape sequence).
pub fn json_string<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let s = serde_json::to_string_pretty(value)?;
    Ok(s.chars()
        .map(|c| match c {
            '\u{7f}'..='\u{9f}' => format!("\\u{:04x}", c as u32),
            c => c.to_string(),
        })
        .collect())
}

/// The error for a change that was made and made durable, when only reporting it
/// failed (stdout on a full disk, a closed terminal): it says the change (`done`) was
/// recorded, so nobody repeats it. The exit status stays non-zero: the output is
/// missing.
pub fn recorded_but(done: &str, e: &anyhow::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "{done}, but could not write the confirmation: {}; it is recorded, do not repeat it",
        crate::one_line(e)
    )
}

/// [`emit`] the confirmation of a change already durable; when it cannot be written,
/// the error says that `done` was recorded all the same ([`recorded_but`]).
pub fn emit_confirmation(text: &str, done: &str) -> anyhow::Result<()> {
    emit(text).map_err(|e| recorded_but(done, &e.into()))
}

/// Print to stdout; a closed pipe (`| head`) is not an error.
pub fn emit(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_columns_align() {
        let mut t = Table::new(&["地区", "总量"]).right_align(&[1]);
        t.push(vec!["舟山市".into(), "216".into()]);
        t.push(vec!["省本级".into(), "141".into()]);
        t.push(vec!["Test".into(), "5".into()]);
        let out = t.render();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[2], "舟山市   216");
        assert_eq!(lines[4], "Test       5");
        assert_eq!(width(lines[2]), width(lines[4]));
    }

    #[test]
    fn escapes_never_reach_output() {
        let mut t = Table::new(&["name"]);
        t.push(vec!["x\x1b[31my".into()]);
        assert!(!t.render().contains('\x1b'));
        let c = csv_string(&["a"], &[vec!["\x1b]0;t\x07".into()]], &[]).expect("csv");
        assert!(!c.contains('\x1b') && !c.contains('\x07'));
        let j = json_string(&"a\u{9b}b\x1b").expect("json");
        assert!(!j.contains('\u{9b}') && !j.contains('\x1b'), "{j}");
    }

    #[test]
    fn csv_quotes_formulas_from_data_but_not_figures() {
        let rows = vec![vec![
            "=1+2".to_string(),
            "-16".to_string(),
            "99.73%".to_string(),
        ]];
        let c = csv_string(&["name", "days", "rate"], &rows, &[1, 2]).expect("csv");
        assert_eq!(c, "name,days,rate\n'=1+2,-16,99.73%\n");
    }
}
