//! 问题账号: the findings in scope from `domain::listing::findings`, sorted by deadline
//! (days left negative = overdue, marked `!` and with the word, not only a colour).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::ListRows;
use super::table::{Cell, Col, MARKER, header, row, widths};
use crate::app::{App, ProblemsPage};
use crate::theme::Theme;
use govcheck_domain::listing::{FindingRow, FindingSort};
use govcheck_domain::text::width;

/// The columns of a list of findings. Days left and status are never cut (a cut
/// `-1681` reads as `-16`, a cut 已整改待复核 as 已整): the status column is as wide as
/// its widest word in the interface language and days left as its widest figure
/// (`days_width`); the names (problem, account, host unit) shrink instead, and the
/// platform shows its short name (微信, 头条) from the catalogue. The region asks for
/// room for its longest label (`region_width`, up to [`REGION_MAX`]) before the names.
pub fn columns(app: &App, days_width: usize, region_width: usize) -> Vec<Col> {
    let status_w = [
        "st.open",
        "st.rectified",
        "st.verified",
        "st.waived",
        "st.overdue",
        "st.pending",
    ]
    .iter()
    .map(|k| width(app.t(k)))
    .max()
    .unwrap_or(0);
    vec![
        Col::new(app.t("col.problem"), 10).flex(),
        Col::new(app.t("col.region"), region_width.clamp(6, REGION_MAX)).drop(3),
        Col::new(app.t("col.platform"), 6).drop(4),
        Col::new(app.t("col.account"), 12).flex(),
        Col::new(app.t("col.host_unit"), 10).flex().drop(5),
        Col::new(app.t("col.deadline"), 10).drop(2),
        Col::new(app.t("col.days_left"), 4).right().keep(days_width),
        Col::new(app.t("col.status"), 6).keep(status_w),
        // When the host unit was last chased (催办, month-day): the first to go when
        // the screen is narrow; the detail always has it whole.
        Col::new(app.t("col.last_reminded"), 5).drop(6),
    ]
}

/// The most cells the 地区 column asks for (`舟山市/市本级` is 13).
pub const REGION_MAX: usize = 16;

/// The column of [`columns`] a sort orders by.
pub fn sort_column(by: FindingSort) -> usize {
    match by {
        FindingSort::Indicator => 0,
        FindingSort::Region => 1,
        FindingSort::Account => 3,
        FindingSort::Deadline => 5,
        FindingSort::Status => 7,
    }
}

/// Cells shared by the problems and deadline views. `region` is the row's region as
/// the page labelled it (with enough of its path to be unambiguous).
pub fn finding_cells(app: &App, r: &FindingRow, region: &str, th: &Theme) -> Vec<Cell> {
    let days = r.days_left.map_or_else(|| "-".into(), |d| d.to_string());
    // An action waiting in the outbox shows until it is sent (not offered again).
    let status = if app.pending.contains(&r.id) {
        Cell::styled(app.t("st.pending"), th.warn())
    } else if r.overdue {
        Cell::styled(app.t("st.overdue"), th.bad())
    } else {
        Cell::new(super::status_label(app, r.status))
    };
    vec![
        Cell::new(&r.problem),
        Cell::new(region),
        Cell::new(app.catalogue.short_platform(&r.platform)),
        Cell::new(&r.account),
        Cell::new(&r.host_unit),
        Cell::new(r.deadline.map_or_else(|| "-".into(), |d| d.to_string())),
        Cell::styled(days, if r.overdue { th.bad() } else { th.plain() }),
        status,
        Cell::new(r.last_reminded.map_or_else(
            || "-".into(),
            |t| t.with_timezone(&app.tz).format("%m-%d").to_string(),
        )),
    ]
}

pub fn marker(sel: bool, r: &FindingRow) -> String {
    format!(
        "{}{}",
        if sel { ">" } else { " " },
        if r.overdue { "!" } else { " " }
    )
}

/// Where the findings are drawn: below the column titles.
pub fn list_rows(p: &ProblemsPage, area: Rect) -> ListRows {
    ListRows::new(area, 1, 0, p.cursor, p.first, p.visible.len())
}

pub fn render(f: &mut Frame, app: &App, p: &ProblemsPage, area: Rect, th: &Theme) {
    let mut cols = columns(app, p.days_width, p.region_width);
    let at = sort_column(p.sort);
    if let Some(c) = cols.get_mut(at) {
        *c = c.clone().sorted(th.sort_marker(p.sort.ascending(p.dir)));
    }
    let w = widths(&cols, usize::from(area.width));
    let mut lines: Vec<Line> = vec![header(&cols, &w, th.heading())];
    let rows = list_rows(p, area);
    let (h, off) = (rows.capacity(), rows.first);
    for (pos, &i) in p.visible.iter().enumerate().skip(off).take(h) {
        let r = &p.rows[i];
        let sel = pos == p.cursor;
        lines.push(row(
            &cols,
            &w,
            finding_cells(app, r, p.regions.get(i).unwrap_or(&r.region), th),
            &crate::chase::list_marker(app, sel, r),
            super::row_style(sel, th),
            th.matched(),
        ));
    }
    if p.visible.is_empty() {
        lines.push(Line::from(format!(
            "{}{}",
            " ".repeat(MARKER),
            app.t("msg.no_findings")
        )));
    }
    f.render_widget(Paragraph::new(lines), area);
}
