//! Styles and symbols, chosen for SSH sessions: only the 16 basic colours, none at all
//! under `NO_COLOR`, and an ASCII mode for terminals that draw box lines and symbols
//! such as · • × ● ▲ two cells wide. Meaning never rests on colour alone: selection is
//! reversed with a `>` marker, overdue is bold with a `!` marker and a word.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
    pub ascii: bool,
}

/// Borders drawn with `+ - |` only.
pub const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Theme {
    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }
    pub fn plain(&self) -> Style {
        Style::new()
    }
    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn heading(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
    pub fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn good(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
    /// Matched characters of a search hit: underlined, so it shows without colour.
    pub fn matched(&self) -> Style {
        self.fg(Color::Yellow)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    pub fn done(&self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }
    pub fn border(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::PLAIN
        }
    }
    /// Breadcrumb separator. `›` is not East-Asian-ambiguous, but ASCII mode promises
    /// ASCII only.
    pub fn crumb_sep(&self) -> &'static str {
        if self.ascii { " > " } else { " › " }
    }
    /// The sort direction marker of a column header: which way its values run.
    /// The arrows are East Asian ambiguous width, so ASCII mode uses `^` / `v`.
    pub fn sort_marker(&self, ascending: bool) -> &'static str {
        match (self.ascii, ascending) {
            (true, true) => "^",
            (true, false) => "v",
            (false, true) => "↑",
            (false, false) => "↓",
        }
    }
    /// More lines above (`true`) or below a list or the detail, on the page's frame.
    /// The arrows are East Asian ambiguous width, so ASCII mode uses `^` / `v`.
    pub fn more_marker(&self, above: bool) -> &'static str {
        self.sort_marker(above)
    }
    /// Filled part of a pass-rate bar (`█` is ambiguous-width, so ASCII mode uses `#`).
    pub fn bar_fill(&self) -> char {
        if self.ascii { '#' } else { '█' }
    }
    pub fn bar_empty(&self) -> char {
        if self.ascii { '.' } else { ' ' }
    }
    /// The partly filled last cell of a pass-rate bar, by eighths (1 to 7): the bar
    /// resolves 1/80 of its length, so 97.69% and 100% never look the same. ASCII mode
    /// has no partial cells and shows none (its bar is whole cells, rounded down).
    pub fn bar_part(&self, eighths: usize) -> Option<char> {
        const PARTS: [char; 7] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉'];
        if self.ascii || eighths == 0 {
            return None;
        }
        PARTS.get(eighths - 1).copied()
    }
    /// The mark after a pass rate below the warning threshold, so it shows without
    /// colour (`NO_COLOR`) too; `▼` is ambiguous-width, so ASCII mode uses `!`.
    pub fn below_mark(&self) -> &'static str {
        if self.ascii { "!" } else { "▼" }
    }
}
