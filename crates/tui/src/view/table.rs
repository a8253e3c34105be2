//! Columns laid out by display width (CJK = 2 cells), so Chinese text lines up
//! everywhere: columns that do not fit are dropped by priority, the rest share the
//! width, and text is cut with `…` without ever splitting a wide character.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use govcheck_domain::text::{pad_left, pad_right, sanitize, truncate, width};

/// Width of the row marker (`>` for the selection, `!` for attention).
pub const MARKER: usize = 2;

#[derive(Debug, Clone)]
pub struct Col {
    pub title: String,
    pub min: usize,
    /// Takes a share of the spare width.
    pub flex: bool,
    pub right: bool,
    /// 0: never dropped; higher numbers are dropped first when space runs out.
    pub drop: u8,
    /// Never cut: the column keeps its `min` whatever the width (days left, status),
    /// and the others shrink instead. Its `min` must be its widest value.
    pub keep: bool,
}

impl Col {
    pub fn new(title: &str, min: usize) -> Col {
        Col {
            title: title.to_string(),
            min: min.max(width(title)),
            flex: false,
            right: false,
            drop: 0,
            keep: false,
        }
    }
    /// See [`Col::keep`]; `widest` is the widest value the column will show.
    pub fn keep(mut self, widest: usize) -> Col {
        self.keep = true;
        self.min = self.min.max(widest);
        self
    }
    pub fn flex(mut self) -> Col {
        self.flex = true;
        self
    }
    pub fn right(mut self) -> Col {
        self.right = true;
        self
    }
    pub fn drop(mut self, p: u8) -> Col {
        self.drop = p;
        self
    }
    /// Puts the sort direction marker on the title (before a right-aligned one, so
    /// numbers stay flush right; after a left-aligned one), widening the column if
    /// the title then needs it. Only the sorted column pays for the marker, so narrow
    /// terminals keep their columns.
    pub fn sorted(mut self, marker: &str) -> Col {
        self.title = if self.right {
            format!("{marker}{}", self.title)
        } else {
            format!("{}{marker}", self.title)
        };
        self.min = self.min.max(width(&self.title));
        self
    }
}

/// Width of each column in `avail` cells, `None` for dropped ones.
pub fn widths(cols: &[Col], avail: usize) -> Vec<Option<usize>> {
    let mut keep: Vec<bool> = vec![true; cols.len()];
    let need = |keep: &[bool]| {
        let n = keep.iter().filter(|k| **k).count();
        MARKER
            + cols
                .iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(c, _)| c.min)
                .sum::<usize>()
            + n.saturating_sub(1)
    };
    while need(&keep) > avail {
        let victim = cols
            .iter()
            .enumerate()
            .filter(|(i, c)| keep[*i] && c.drop > 0)
            .max_by_key(|(i, c)| (c.drop, *i))
            .map(|(i, _)| i);
        match victim {
            Some(i) => keep[i] = false,
            None => break,
        }
    }
    let used = need(&keep);
    let flex: Vec<usize> = (0..cols.len())
        .filter(|&i| keep[i] && cols[i].flex)
        .collect();
    let spare = avail.saturating_sub(used);
    let mut out: Vec<Option<usize>> = cols
        .iter()
        .zip(&keep)
        .map(|(c, k)| k.then_some(c.min))
        .collect();
    if used > avail {
        // Still too wide with only undroppable columns: shrink the widest one that may
        // be cut (names first: they are the flexible ones), never a kept one.
        let mut over = used - avail;
        while over > 0 {
            let Some(i) = (0..out.len())
                .filter(|&i| !cols[i].keep)
                .max_by_key(|&i| (out[i].unwrap_or(0), cols[i].flex))
            else {
                break;
            };
            match out[i].as_mut() {
                Some(w) if *w > 2 => {
                    *w -= 1;
                    over -= 1;
                }
                _ => break,
            }
        }
    } else if !flex.is_empty() {
        let share = spare / flex.len();
        let mut extra = spare % flex.len();
        for &i in &flex {
            let add = share + usize::from(extra > 0);
            extra = extra.saturating_sub(1);
            if let Some(w) = out[i].as_mut() {
                *w += add;
            }
        }
    }
    out
}

/// One cell's content: text from data is sanitised here, once, before it is measured.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub style: Style,
    /// Char positions to highlight (search matches).
    pub hl: Vec<usize>,
}

impl Cell {
    pub fn new(text: impl AsRef<str>) -> Cell {
        Cell {
            text: sanitize(text.as_ref()),
            style: Style::new(),
            hl: Vec::new(),
        }
    }
    pub fn styled(text: impl AsRef<str>, style: Style) -> Cell {
        Cell {
            style,
            ..Cell::new(text)
        }
    }
    pub fn hl(mut self, positions: Vec<usize>) -> Cell {
        self.hl = positions;
        self
    }
}

/// The column titles.
pub fn header(cols: &[Col], w: &[Option<usize>], style: Style) -> Line<'static> {
    let cells: Vec<Cell> = cols.iter().map(|c| Cell::new(&c.title)).collect();
    let mut line = row(cols, w, cells, "  ", Style::new(), Style::new());
    line.style = style;
    line
}

/// A row: the marker, then each kept column fitted to its width.
pub fn row(
    cols: &[Col],
    w: &[Option<usize>],
    cells: Vec<Cell>,
    marker: &str,
    row_style: Style,
    match_style: Style,
) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = vec![Span::raw(pad_right(marker, MARKER))];
    let mut first = true;
    for ((col, width), cell) in cols.iter().zip(w).zip(cells) {
        let Some(width) = *width else { continue };
        if !first {
            spans.push(Span::raw(" "));
        }
        first = false;
        if col.right {
            spans.push(Span::styled(pad_left(&cell.text, width), cell.style));
        } else if cell.hl.is_empty() {
            spans.push(Span::styled(pad_right(&cell.text, width), cell.style));
        } else {
            spans.extend(highlighted(&cell, width, match_style));
        }
    }
    Line::from(spans).style(row_style)
}

/// A left-aligned cell with its matched characters styled, one span per run.
fn highlighted(cell: &Cell, cols: usize, match_style: Style) -> Vec<Span<'static>> {
    let fitted = truncate(&cell.text, cols);
    let kept = if fitted == cell.text {
        cell.text.chars().count()
    } else {
        // `truncate` keeps a prefix, then pads and adds `…`: only the prefix can match.
        fitted
            .trim_end_matches('…')
            .trim_end_matches(' ')
            .chars()
            .count()
    };
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_hl = false;
    for (i, ch) in fitted.chars().enumerate() {
        let hl = i < kept && cell.hl.contains(&i);
        if hl != run_hl && !run.is_empty() {
            let st = if run_hl { match_style } else { cell.style };
            spans.push(Span::styled(std::mem::take(&mut run), st));
        }
        run_hl = hl;
        run.push(ch);
    }
    if !run.is_empty() {
        let st = if run_hl { match_style } else { cell.style };
        spans.push(Span::styled(run, st));
    }
    let pad = cols.saturating_sub(width(&fitted));
    if pad > 0 {
        spans.push(Span::styled(" ".repeat(pad), cell.style));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_by_priority_and_shares_spare() {
        let cols = vec![
            Col::new("地区", 8).flex(),
            Col::new("总量", 6).right(),
            Col::new("bar", 10).drop(2),
        ];
        let w = widths(&cols, 20);
        assert_eq!(w, vec![Some(11), Some(6), None]);
        let w = widths(&cols, 40);
        assert_eq!(w[2], Some(10));
        assert_eq!(w.iter().flatten().sum::<usize>() + 2 + MARKER, 40);
    }

    #[test]
    fn kept_columns_are_never_shrunk_the_names_are() {
        let cols = vec![
            Col::new("name", 12).flex(),
            Col::new("days", 4).right().keep(5),
            Col::new("status", 6).keep(12),
        ];
        // 2 + 12 + 5 + 12 + 2 separators = 33: at 25 the name gives up 8 cells.
        assert_eq!(widths(&cols, 25), vec![Some(4), Some(5), Some(12)]);
        let w = widths(&cols, 10);
        assert_eq!((w[1], w[2]), (Some(5), Some(12)), "{w:?}");
    }

    #[test]
    fn rows_align_by_display_width() {
        let cols = vec![Col::new("a", 7), Col::new("b", 3).right()];
        let w = widths(&cols, 13);
        let l = row(
            &cols,
            &w,
            vec![Cell::new("舟山医疗保障"), Cell::new("5")],
            ">",
            Style::new(),
            Style::new(),
        );
        let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(width(&text), 2 + w[0].unwrap_or(0) + 1 + 3);
        assert!(text.contains('…'));
    }
}
