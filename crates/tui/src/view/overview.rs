//! 总体情况: the per-region table of the round for one scope, straight from
//! `domain::figures::summarize`, with the trend against the previous round.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::ListRows;
use super::table::{Cell, Col, MARKER, header, row, widths};
use crate::app::{App, OverviewPage};
use crate::theme::Theme;
use govcheck_domain::figures::{RegionFigures, Summary};
use govcheck_domain::listing::RegionSort;
use govcheck_domain::text::{sanitize, truncate};

const BAR: usize = 10;

pub fn columns(app: &App) -> Vec<Col> {
    vec![
        Col::new(app.t("col.region"), 8).flex(),
        Col::new(app.t("col.total"), 6).right(),
        Col::new(app.t("col.inspected"), 6).right().drop(3),
        Col::new(app.t("col.problems"), 5).right(),
        Col::new(app.t("col.pass_rate"), 8).right(),
        Col::new("", BAR).drop(5),
        Col::new(app.t("col.trend"), 6).right().drop(4),
        Col::new(app.t("col.open"), 6).right(),
        Col::new(app.t("col.rectified"), 6).right().drop(2),
        Col::new(app.t("col.verified"), 6).right().drop(1),
        Col::new(app.t("col.overdue"), 4).right(),
        // 完成率 as the CLI summary prints it; the first to go on a narrow screen.
        Col::new(app.t("col.completion"), 7).right().drop(6),
    ]
}

/// The column of [`columns`] a sort orders by.
pub fn sort_column(by: RegionSort) -> usize {
    match by {
        RegionSort::Registry => 0,
        RegionSort::Total => 1,
        RegionSort::Inspected => 2,
        RegionSort::Problems => 3,
        RegionSort::PassRate => 4,
        RegionSort::Open => 7,
        RegionSort::Rectified => 8,
        RegionSort::Verified => 9,
        RegionSort::Overdue => 10,
    }
}

/// Where a pass rate stands against the configured thresholds (presentation only: the
/// rate itself comes from the domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLevel {
    None,
    Good,
    Warn,
    /// Below `display.warn_rate`: red, and marked (`▼`) so it shows without colour.
    Below,
}

pub fn rate_level(app: &App, r: &RegionFigures) -> RateLevel {
    match r.pass_rate.basis_points() {
        None => RateLevel::None,
        Some(bp) if (bp as f64) >= app.opts.good_rate * 100.0 => RateLevel::Good,
        Some(bp) if (bp as f64) < app.opts.warn_rate * 100.0 => RateLevel::Below,
        Some(_) => RateLevel::Warn,
    }
}

fn rate_style(level: RateLevel, th: &Theme) -> Style {
    match level {
        RateLevel::None => th.dim(),
        RateLevel::Good => th.good(),
        RateLevel::Warn => th.warn(),
        RateLevel::Below => th.bad(),
    }
}

/// The pass rate with its mark: one cell after the `%`, blank unless the rate is below
/// the warning threshold, so the figures stay aligned.
fn rate_text(r: &RegionFigures, level: RateLevel, th: &Theme) -> String {
    let mark = if level == RateLevel::Below {
        th.below_mark()
    } else {
        " "
    };
    format!(
        "{}{mark}",
        r.pass_rate.percent().unwrap_or_else(|| "-".into())
    )
}

fn trend(r: &RegionFigures, prev: Option<&Summary>) -> String {
    let before = prev.and_then(|p| {
        if r.region_idx.is_none() && r.code.is_empty() {
            Some(&p.total)
        } else {
            p.rows
                .iter()
                .find(|x| x.code == r.code && x.region == r.region)
        }
    });
    match (
        r.pass_rate.basis_points(),
        before.and_then(|b| b.pass_rate.basis_points()),
    ) {
        (Some(now), Some(then)) => {
            let d = now as i64 - then as i64;
            let sign = if d > 0 {
                "+"
            } else if d < 0 {
                "-"
            } else {
                ""
            };
            format!("{sign}{}.{:02}", d.abs() / 100, d.abs() % 100)
        }
        _ => "-".into(),
    }
}

/// The pass-rate bar, `BAR` cells for 100%, in eighths of a cell rounded down: full
/// only when every inspected account passed, and 97.69% (78 eighths) visibly short of it. ASCII mode rounds down
/// to whole cells.
pub fn bar(r: &RegionFigures, th: &Theme) -> String {
    if r.pass_rate.basis_points().is_none() {
        return String::new();
    }
    // Rounded down from the exact fraction, not from the printed rate: 1 − 1/30000
    // prints 100.00% but is not a full bar.
    let eighths = ((r.pass_rate.fraction() * (BAR * 8) as f64).floor() as usize).min(BAR * 8);
    let (full, part) = (eighths / 8, eighths % 8);
    let mut s: String = std::iter::repeat_n(th.bar_fill(), full).collect();
    let mut used = full;
    if let Some(c) = th.bar_part(part) {
        s.push(c);
        used += 1;
    }
    s.extend(std::iter::repeat_n(th.bar_empty(), BAR - used));
    s
}

fn cells(app: &App, r: &RegionFigures, prev: Option<&Summary>, th: &Theme) -> Vec<Cell> {
    let level = rate_level(app, r);
    let rs = rate_style(level, th);
    let over = if r.overdue > 0 { th.bad() } else { th.plain() };
    vec![
        Cell::new(&r.region),
        Cell::new(r.total.to_string()),
        Cell::new(r.inspected.to_string()),
        Cell::new(r.problems.to_string()),
        Cell::styled(rate_text(r, level, th), rs),
        Cell::styled(bar(r, th), rs),
        Cell::new(trend(r, prev)),
        Cell::new(r.open.to_string()),
        Cell::new(r.rectified.to_string()),
        Cell::new(r.verified.to_string()),
        Cell::styled(r.overdue.to_string(), over),
        Cell::new(r.completion.to_string()),
    ]
}

/// Where the region rows are drawn: below the column titles, above the total row (and
/// the notice check's line when it found something).
pub fn list_rows(p: &OverviewPage, area: Rect) -> ListRows {
    let footers = 1 + u16::from(!p.discrepancies.is_empty());
    ListRows::new(area, 1, footers, p.cursor, p.first, p.visible.len())
}

pub fn render(f: &mut Frame, app: &App, p: &OverviewPage, area: Rect, th: &Theme) {
    let Some(s) = &p.summary else {
        f.render_widget(Paragraph::new(app.t("msg.no_rounds")), area);
        return;
    };
    let mut cols = columns(app);
    let at = sort_column(p.sort);
    if let Some(c) = cols.get_mut(at) {
        *c = c.clone().sorted(th.sort_marker(p.sort.ascending(p.dir)));
    }
    let w = widths(&cols, usize::from(area.width));
    let mut lines: Vec<Line> = vec![header(&cols, &w, th.heading())];
    let extra = usize::from(!p.discrepancies.is_empty());
    let rows = list_rows(p, area);
    let (h, off) = (rows.capacity(), rows.first);
    for (pos, &i) in p.visible.iter().enumerate().skip(off).take(h) {
        let r = &s.rows[i];
        let sel = pos == p.cursor;
        let marker = format!(
            "{}{}",
            if sel { ">" } else { " " },
            if r.overdue > 0 { "!" } else { " " }
        );
        lines.push(row(
            &cols,
            &w,
            cells(app, r, p.previous.as_ref(), th),
            &marker,
            super::row_style(sel, th),
            th.matched(),
        ));
    }
    if p.visible.is_empty() {
        lines.push(Line::from(format!(
            "{}{}",
            " ".repeat(MARKER),
            app.t("msg.nothing_open")
        )));
    }
    while lines.len() < usize::from(area.height).saturating_sub(1 + extra) {
        lines.push(Line::default());
    }
    if let Some(first) = p.discrepancies.first() {
        let more = p.discrepancies.len() - 1;
        let text = if more > 0 {
            format!(
                " ! {}: {first} ({} {more})",
                app.t("status.notice_check"),
                app.t("status.more")
            )
        } else {
            format!(" ! {}: {first}", app.t("status.notice_check"))
        };
        lines.push(Line::styled(
            truncate(&sanitize(&text), usize::from(area.width)),
            th.bad(),
        ));
    }
    let mut total = s.total.clone();
    total.region = app.t("label.total").to_string();
    lines.push(row(
        &cols,
        &w,
        cells(app, &total, p.previous.as_ref(), th),
        "",
        th.heading(),
        th.matched(),
    ));
    f.render_widget(Paragraph::new(lines), area);
}
