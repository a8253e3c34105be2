//! 预警: accounts drifting towards the two-week line (`domain::rules::early_warnings`),
//! so they can be chased before the monitoring point.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::ListRows;
use super::table::{Cell, Col, header, row, widths};
use crate::app::{App, WarningsPage};
use crate::theme::Theme;

/// Where the warnings are drawn: below the column titles.
pub fn list_rows(p: &WarningsPage, area: Rect) -> ListRows {
    ListRows::new(area, 1, 0, p.cursor, p.first, p.items.len())
}

pub fn render(f: &mut Frame, app: &App, p: &WarningsPage, area: Rect, th: &Theme) {
    let Some(reg) = app.registry() else { return };
    let rows = list_rows(p, area);
    let (h, off) = (rows.capacity(), rows.first);
    // Each shown row's region with enough of its path to be unambiguous (舟山市/市本级,
    // not 市本级), and room for the longest of them before the names shrink.
    let regions: Vec<String> = p
        .items
        .iter()
        .skip(off)
        .take(h)
        .map(|wn| reg.tree().distinct_name(reg.account_region(wn.account_idx)))
        .collect();
    let cols = vec![
        Col::new(app.t("col.account"), 12).flex(),
        Col::new(
            app.t("col.region"),
            crate::rollup::widest(&regions).clamp(6, super::problems::REGION_MAX),
        )
        .drop(3),
        Col::new(app.t("col.host_unit"), 10).flex().drop(4),
        Col::new(app.t("col.last_post"), 10),
        Col::new(app.t("col.silent_days"), 6).right(),
        Col::new(app.t("col.fails_on"), 10),
    ];
    let w = widths(&cols, usize::from(area.width));
    let mut lines: Vec<Line> = vec![header(&cols, &w, th.heading())];
    for ((pos, wn), region) in p.items.iter().enumerate().skip(off).take(h).zip(regions) {
        let sel = pos == p.cursor;
        let a = &reg.accounts()[wn.account_idx];
        let never = app.t("label.never");
        let cells = vec![
            Cell::new(&a.name),
            Cell::new(&region),
            Cell::new(&a.host_unit),
            Cell::new(
                wn.last_post
                    .map_or_else(|| never.to_string(), |d| d.to_string()),
            ),
            Cell::new(wn.silent_days.map_or_else(|| "-".into(), |d| d.to_string())),
            // No fail day: it never posted, so it fails at any check already.
            Cell::styled(
                wn.fails_on
                    .map_or_else(|| app.t("label.no_posts").to_string(), |d| d.to_string()),
                if wn.fails_at_point {
                    th.bad()
                } else {
                    th.warn()
                },
            ),
        ];
        let marker = format!(
            "{}{}",
            if sel { ">" } else { " " },
            if wn.fails_at_point { "!" } else { " " }
        );
        lines.push(row(
            &cols,
            &w,
            cells,
            &marker,
            super::row_style(sel, th),
            th.matched(),
        ));
    }
    if p.items.is_empty() {
        // Posts arrive after the first frame; until then "no warnings" would be wrong.
        let complete = app.data.as_ref().is_some_and(|d| d.complete);
        let msg = if complete {
            "msg.no_warnings"
        } else {
            "msg.loading"
        };
        lines.push(Line::from(format!("  {}", app.t(msg))));
    }
    f.render_widget(Paragraph::new(lines), area);
}
