//! 整改跟踪: findings grouped by `domain::listing::DeadlineGroup` (overdue, due soon,
//! this week, later, awaiting review, closed), each group with its count per region,
//! so the week's chasing list fits one screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::ListRows;
use super::table::{header, row, widths};
use crate::app::{App, DeadlineLine, DeadlinesPage};
use crate::theme::Theme;
use govcheck_domain::listing::DeadlineGroup;
use govcheck_domain::text::{sanitize, truncate};

pub fn group_label(app: &App, g: DeadlineGroup) -> String {
    match g {
        DeadlineGroup::Overdue => app.t("group.overdue").to_string(),
        DeadlineGroup::DueSoon => app
            .t("group.due_soon")
            .replace("{n}", &app.opts.due_soon_days.to_string()),
        DeadlineGroup::ThisWeek => app.t("group.this_week").to_string(),
        DeadlineGroup::Later => app.t("group.later").to_string(),
        DeadlineGroup::AwaitingReview => app.t("group.awaiting_review").to_string(),
        DeadlineGroup::Closed => app.t("group.closed").to_string(),
    }
}

/// Where the group headings and findings are drawn (below the column titles), paged
/// so that the selected finding's line shows.
pub fn list_rows(p: &DeadlinesPage, area: Rect) -> ListRows {
    let mut sel_line = 0;
    let mut k = 0;
    for (li, l) in p.lines.iter().enumerate() {
        if let DeadlineLine::Row(_) = l {
            if k == p.cursor {
                sel_line = li;
            }
            k += 1;
        }
    }
    ListRows::new(area, 1, 0, sel_line, p.first, p.lines.len())
}

/// The finding (index among the selectable rows, the cursor's unit) on line `line`;
/// `None` for a group heading or past the end.
pub fn item_of_line(p: &DeadlinesPage, line: usize) -> Option<usize> {
    match p.lines.get(line)? {
        DeadlineLine::Heading { .. } => None,
        DeadlineLine::Row(_) => Some(
            p.lines[..line]
                .iter()
                .filter(|l| matches!(l, DeadlineLine::Row(_)))
                .count(),
        ),
    }
}

pub fn render(f: &mut Frame, app: &App, p: &DeadlinesPage, area: Rect, th: &Theme) {
    let cols = super::problems::columns(app, p.days_width, p.region_width);
    let w = widths(&cols, usize::from(area.width));
    let mut lines: Vec<Line> = vec![header(&cols, &w, th.heading())];
    let rows = list_rows(p, area);
    let (h, off) = (rows.capacity(), rows.first);
    let mut k = p.lines[..off.min(p.lines.len())]
        .iter()
        .filter(|l| matches!(l, DeadlineLine::Row(_)))
        .count();
    for l in p.lines.iter().skip(off).take(h) {
        match l {
            DeadlineLine::Heading {
                group,
                count,
                regions,
            } => {
                let per: Vec<String> = regions
                    .iter()
                    .map(|(n, c)| format!("{} {c}", sanitize(n)))
                    .collect();
                let text = format!("{} ({count})  {}", group_label(app, *group), per.join(", "));
                let style = if *group == DeadlineGroup::Overdue {
                    th.bad()
                } else {
                    th.heading()
                };
                lines.push(Line::from(Span::styled(
                    truncate(&text, usize::from(area.width)),
                    style,
                )));
            }
            DeadlineLine::Row(i) => {
                let r = &p.rows[*i];
                let sel = k == p.cursor;
                k += 1;
                let region = p.regions.get(*i).unwrap_or(&r.region);
                let cells = super::problems::finding_cells(app, r, region, th);
                lines.push(row(
                    &cols,
                    &w,
                    cells,
                    &crate::chase::list_marker(app, sel, r),
                    super::row_style(sel, th),
                    th.matched(),
                ));
            }
        }
    }
    if p.lines.is_empty() {
        lines.push(Line::from(format!("  {}", app.t("msg.no_findings"))));
    }
    f.render_widget(Paragraph::new(lines), area);
}
