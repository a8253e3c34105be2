//! How lists scroll: by rows, keeping a few rows of context above and below the
//! selection, never by whole pages, and with the last page full (no blank rows while
//! there are rows above). The first row shown is state (each page's `first`), since
//! where a list stands depends on how the selection got there; `nav::follow` brings it
//! up to date after every update, and rendering computes the same [`first_line`] from
//! it, so a frame is still a pure function of the state (and of the terminal's size).

/// Rows kept in view above and below the selection (fewer on a very short list area).
pub const CONTEXT: usize = 3;

/// The first of `len` lines to show in `height` rows so that line `sel` shows with up
/// to [`CONTEXT`] lines on either side, moving as little as possible from `prev` (the
/// first line shown before), and never leaving blank rows at the end while lines are
/// hidden above.
pub fn first_line(prev: usize, sel: usize, height: usize, len: usize) -> usize {
    if height == 0 || len <= height {
        return 0;
    }
    let ctx = CONTEXT.min(height.saturating_sub(1) / 2);
    let last_first = len - height;
    let mut first = prev.min(last_first);
    if sel < first + ctx {
        first = sel.saturating_sub(ctx);
    }
    if sel + ctx >= first + height {
        first = sel + ctx + 1 - height;
    }
    first.min(last_first)
}

/// Where a list stands, for the marks on its frame: the selection's place (1-based)
/// among `of` items, and whether lines are hidden above or below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub at: usize,
    pub of: usize,
    pub above: bool,
    pub below: bool,
}

impl Position {
    /// `12/340`, or for a text that scrolls without a selection the lines shown
    /// (`1-20/34`).
    pub fn label(&self, range_of: Option<usize>) -> String {
        match range_of {
            Some(shown) if shown > 1 => format!(
                "{}-{}/{}",
                self.at,
                (self.at + shown - 1).min(self.of),
                self.of
            ),
            _ => format!("{}/{}", self.at, self.of),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_down_scrolls_one_row_at_a_time_with_context() {
        // 10 rows shown of 100: the view starts to move when the cursor is 3 from the
        // bottom, and then by one row per move.
        let mut first = 0;
        for sel in 0..=6 {
            first = first_line(first, sel, 10, 100);
            assert_eq!(first, 0, "sel {sel}");
        }
        first = first_line(first, 7, 10, 100);
        assert_eq!(first, 1);
        first = first_line(first, 8, 10, 100);
        assert_eq!(first, 2);
        // Back up: the view stays until the cursor is 3 from the top.
        for sel in (5..8).rev() {
            first = first_line(first, sel, 10, 100);
            assert_eq!(first, 2, "sel {sel}");
        }
        first = first_line(first, 4, 10, 100);
        assert_eq!(first, 1);
    }

    #[test]
    fn the_last_page_is_full_and_short_lists_do_not_scroll() {
        assert_eq!(first_line(0, 99, 10, 100), 90);
        assert_eq!(
            first_line(95, 99, 10, 100),
            90,
            "never past the last full page"
        );
        assert_eq!(first_line(50, 97, 10, 100), 90);
        assert_eq!(first_line(7, 3, 10, 8), 0);
        assert_eq!(first_line(0, 0, 0, 8), 0);
        // A list area of 2 rows keeps no context, and still shows the selection.
        for sel in 0..20 {
            let f = first_line(0, sel, 2, 20);
            assert!(f <= sel && sel < f + 2, "sel {sel} first {f}");
        }
    }

    #[test]
    fn position_labels() {
        let p = Position {
            at: 12,
            of: 340,
            above: true,
            below: true,
        };
        assert_eq!(p.label(None), "12/340");
        assert_eq!(p.label(Some(20)), "12-31/340");
        let end = Position { at: 30, ..p };
        assert_eq!(end.label(Some(20)), "30-49/340");
    }
}
