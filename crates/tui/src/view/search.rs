//! Search results: accounts, host units and regions matched by `domain::search`
//! (Chinese, full pinyin, initials, fuzzy), with the matched characters underlined.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::ListRows;
use super::table::{Cell, Col, header, row, widths};
use crate::app::{App, SearchState, Target};
use crate::theme::Theme;
use govcheck_domain::text::sanitize;

/// Where the hits are drawn: below the query line and the column titles.
pub fn list_rows(s: &SearchState, area: Rect) -> ListRows {
    ListRows::new(area, 2, 0, s.cursor, s.first, s.hits.len())
}

pub fn render(f: &mut Frame, app: &App, s: &SearchState, area: Rect, th: &Theme) {
    let Some(reg) = app.registry() else { return };
    // The query around its cursor, so a long one stays editable where the cursor is.
    let (query, cursor_col) = s
        .input
        .view(usize::from(area.width).saturating_sub(3), th.ascii);
    let prompt = format!("/ {}", sanitize(&query));
    let count = if s.done {
        format!("  {} {}", s.total, app.t("search.matches"))
    } else {
        format!("  {}", app.t("search.searching"))
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(prompt.clone(), th.heading()),
        Span::styled(count, th.dim()),
    ])];
    let cols = vec![
        Col::new(app.t("search.kind"), 4),
        Col::new(app.t("search.name"), 14).flex(),
        // One name on five platforms is five hits: the platform tells them apart.
        Col::new(app.t("col.platform"), 6).drop(1),
        Col::new(app.t("col.host_unit"), 12).flex().drop(2),
        Col::new(app.t("col.region"), 8).drop(1),
    ];
    let w = widths(&cols, usize::from(area.width));
    lines.push(header(&cols, &w, th.heading()));
    let rows = list_rows(s, area);
    let (h, off) = (rows.capacity(), rows.first);
    for (pos, hit) in s.hits.iter().enumerate().skip(off).take(h) {
        let sel = pos == s.cursor;
        let cells = match hit.target {
            Target::Account(i) | Target::HostUnit(i) => {
                let Some(a) = reg.accounts().get(i) else {
                    continue;
                };
                let region = reg.tree().get(reg.account_region(i)).name.clone();
                if matches!(hit.target, Target::Account(_)) {
                    vec![
                        Cell::new(app.t("search.account")),
                        Cell::new(&a.name).hl(hit.positions.clone()),
                        Cell::new(app.catalogue.short_platform(&a.platform)),
                        Cell::new(&a.host_unit),
                        Cell::new(region),
                    ]
                } else {
                    // A host unit runs several accounts: no one platform is its own.
                    vec![
                        Cell::new(app.t("search.unit")),
                        Cell::new(&a.host_unit).hl(hit.positions.clone()),
                        Cell::new(""),
                        Cell::new(&a.name),
                        Cell::new(region),
                    ]
                }
            }
            Target::Region(r) => {
                if r >= reg.tree().len() {
                    continue;
                }
                let parent = reg
                    .tree()
                    .parent(r)
                    .map(|p| reg.tree().get(p).name.clone())
                    .unwrap_or_default();
                vec![
                    Cell::new(app.t("search.region")),
                    Cell::new(&reg.tree().get(r).name).hl(hit.positions.clone()),
                    Cell::new(""),
                    Cell::new(""),
                    Cell::new(parent),
                ]
            }
        };
        let marker = if sel { ">" } else { " " };
        lines.push(row(
            &cols,
            &w,
            cells,
            marker,
            super::row_style(sel, th),
            th.matched(),
        ));
    }
    f.render_widget(Paragraph::new(lines), area);
    if s.editing {
        let x = area.x + (2 + cursor_col) as u16;
        f.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
    }
}
