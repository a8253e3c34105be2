//! Where the list or the detail on screen stands, marked on the page's frame: the
//! selection's place among the items at the bottom right (`12/340`; the lines shown
//! of a detail, `1-20/34`), with `↓` when there is more below, and `↑` at the top
//! right when there is more above; so a group scrolled out of sight (the deadlines'
//! 已复核) is never taken for the end.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::ListRows;
use crate::app::{App, DetailPage, Overlay, Page, selectable};
use crate::scroll::Position;
use crate::theme::Theme;

/// The position of what `inner` (inside the page's frame) shows, and for a text that
/// scrolls without a selection, how many lines it shows. `None` for an empty list, a
/// detail that fits, or a dialog's page.
pub fn of(app: &App, inner: Rect, th: &Theme) -> Option<(Position, Option<usize>)> {
    if let Some(rows) = super::list_rows(app) {
        let (at, of) = match &app.overlay {
            Some(Overlay::Search(s)) => (s.cursor, s.hits.len()),
            _ => match app.page()? {
                Page::Overview(p) => (p.cursor, p.visible.len()),
                Page::Problems(p) => (p.cursor, p.visible.len()),
                Page::Deadlines(p) => (p.cursor, selectable(&p.lines).len()),
                Page::Warnings(p) => (p.cursor, p.items.len()),
                Page::Detail(_) => return None,
            },
        };
        return list(rows, at, of);
    }
    match (&app.overlay, app.page()?) {
        (None | Some(Overlay::Help | Overlay::Dialog(_)), Page::Detail(d)) => {
            let (total, h) = detail_extent(app, d, inner, th);
            if total <= h {
                return None;
            }
            let first = d.scroll.min(total - h);
            let pos = Position {
                at: first + 1,
                of: total,
                above: first > 0,
                below: first + h < total,
            };
            Some((pos, Some(h)))
        }
        _ => None,
    }
}

/// The detail's lines and the rows it has for them, as `detail::render` lays it out
/// (its lines, scrolled by `d.scroll`, held at the last full page): what the marks
/// show and where `nav::follow` stops the scroll. Lines are counted wrapped to the
/// page's width, as `detail::render` draws them: a long note takes several rows.
pub fn detail_extent(app: &App, d: &DetailPage, inner: Rect, th: &Theme) -> (usize, usize) {
    let total = super::detail::wrapped(app, d, th, usize::from(inner.width)).len();
    (total, usize::from(inner.height).max(1))
}

/// The last first line of the detail on screen (`None` when no detail is shown).
pub fn detail_last_first(app: &App) -> Option<usize> {
    let Some(Page::Detail(d)) = app.page() else {
        return None;
    };
    let inner = super::list_area(app)?;
    let (total, h) = detail_extent(app, d, inner, &super::theme(app));
    Some(total.saturating_sub(h))
}

fn list(rows: ListRows, at: usize, of: usize) -> Option<(Position, Option<usize>)> {
    if of == 0 {
        return None;
    }
    let (above, below) = rows.more();
    let pos = Position {
        at: at.min(of - 1) + 1,
        of,
        above,
        below,
    };
    Some((pos, None))
}

/// The page's frame with the marks of `pos`.
pub fn marks<'a>(block: Block<'a>, pos: Position, shown: Option<usize>, th: &Theme) -> Block<'a> {
    let below = if pos.below {
        format!(" {}", th.more_marker(false))
    } else {
        String::new()
    };
    let bottom = format!(" {}{below} ", pos.label(shown));
    let block = block.title_bottom(Line::from(Span::styled(bottom, th.dim())).right_aligned());
    if pos.above {
        let top = format!(" {} ", th.more_marker(true));
        block.title_top(Line::from(Span::styled(top, th.dim())).right_aligned())
    } else {
        block
    }
}
