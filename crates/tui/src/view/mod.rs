//! Rendering: a pure function of [`App`]. Nothing here reads files, the clock or the
//! terminal, so every screen is tested on ratatui's `TestBackend`. The frame is: a title
//! line (round, window, mode, as-of day), the view tabs, the breadcrumb, the page, and a
//! status line.

pub mod deadlines;
pub mod detail;
pub mod dialog;
pub mod help;
pub mod overview;
pub mod position;
pub mod problems;
pub mod search;
pub mod table;
pub mod warnings;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::app::{App, Overlay, Page, SearchState, Tone, View};
use super::theme::Theme;
use govcheck_domain::event::Status;
use govcheck_domain::listing::{FindingSort, SortDir, WarningSort};
use govcheck_domain::text::{sanitize, truncate, width};

/// Smallest usable terminal; below it a message says so instead of a broken layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

pub fn theme(app: &App) -> Theme {
    Theme {
        color: app.opts.color,
        ascii: app.opts.ascii,
    }
}

pub fn render(f: &mut Frame, app: &App) {
    let area = f.area();
    let th = theme(app);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "{} ({}x{} < {}x{})",
            app.t("msg.too_small"),
            area.width,
            area.height,
            MIN_WIDTH,
            MIN_HEIGHT
        );
        let lines: Vec<Line> = textwrap_cells(&msg, usize::from(area.width.max(1)))
            .into_iter()
            .map(Line::from)
            .collect();
        f.render_widget(Paragraph::new(lines).style(th.bad()), area);
        ascii_only(f, &th);
        return;
    }
    let [title, tabs, crumb, body, status] = areas(area);
    f.render_widget(Paragraph::new(title_line(app, &th, title.width)), title);
    f.render_widget(Paragraph::new(tabs_line(app, &th)), tabs);
    f.render_widget(Paragraph::new(crumb_line(app, &th, crumb.width)), crumb);

    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(th.border())
        .border_style(th.dim())
        .title(Span::styled(
            format!(
                " {} ",
                truncate(&page_title(app), usize::from(body.width.saturating_sub(4)))
            ),
            th.heading(),
        ));
    let inner = page_area(body);
    let block = match position::of(app, inner, &th) {
        Some((pos, shown)) if app.data.is_some() => position::marks(block, pos, shown, &th),
        _ => block,
    };
    f.render_widget(block, body);

    if let Some(Overlay::Search(s)) = &app.overlay {
        search::render(f, app, s, inner, &th);
    } else if app.data.is_none() {
        let key = if app.loading {
            "msg.loading"
        } else {
            "msg.no_data"
        };
        f.render_widget(Paragraph::new(app.t(key)), inner);
    } else {
        match app.page() {
            Some(Page::Overview(p)) => overview::render(f, app, p, inner, &th),
            Some(Page::Problems(p)) => problems::render(f, app, p, inner, &th),
            Some(Page::Deadlines(p)) => deadlines::render(f, app, p, inner, &th),
            Some(Page::Warnings(p)) => warnings::render(f, app, p, inner, &th),
            Some(Page::Detail(p)) => detail::render(f, app, p, inner, &th),
            None => f.render_widget(Paragraph::new(app.t("msg.no_rounds")), inner),
        }
    }

    match &app.overlay {
        Some(Overlay::Help) => help::render(f, app, area, &th),
        Some(Overlay::Notes(n)) => detail::render_notes(f, app, n, area, &th),
        Some(Overlay::Dialog(d)) => dialog::render(f, app, d, area, &th),
        Some(Overlay::Filter(field)) => dialog::render_filter(f, app, *field, area, &th),
        Some(Overlay::Overwrite(path)) => dialog::render_overwrite(f, app, path, area, &th),
        _ => {}
    }
    if let Some(lines) = message_panel(app, area.width) {
        message(f, app, &lines, body, status, &th);
    }
    status_line(f, app, status, &th);
    ascii_only(f, &th);
}

/// What ASCII mode draws for `…`: U+2026 is East Asian ambiguous, two cells wide on
/// many zh_CN terminals, so a cut name would push the rest of its row right.
pub const ASCII_ELLIPSIS: &str = "~";

/// ASCII mode's promise, kept in one place for every screen: the `…` that cut text
/// ends with (from any truncation, in any view) becomes [`ASCII_ELLIPSIS`], one cell
/// for one cell, so no layout changes.
fn ascii_only(f: &mut Frame, th: &Theme) {
    if !th.ascii {
        return;
    }
    for cell in f.buffer_mut().content.iter_mut() {
        if cell.symbol() == "…" {
            cell.set_symbol(ASCII_ELLIPSIS);
        }
    }
}

/// The status message wrapped to the screen's width, when it does not fit on the status
/// line (`cols` wide): it is then drawn whole in a panel above the status line rather
/// than cut, since the end of an error is where its cause is. `None` while an overlay
/// is open (a dialog shows its own outcome whole) or when the message fits.
pub fn message_panel(app: &App, cols: u16) -> Option<Vec<String>> {
    if app.overlay.is_some() {
        return None;
    }
    let s = app.status.as_ref()?;
    let cols = usize::from(cols);
    let avail = cols.saturating_sub(width(&status_right(app, cols)));
    if width(&format!(" {}", s.text)) <= avail {
        return None;
    }
    Some(wrap_words(&s.text, cols.saturating_sub(2).max(1)))
}

/// The panel of [`message_panel`]: the width of the screen, its bottom on the status
/// line, as tall as the message (at most the page's height).
fn message(f: &mut Frame, app: &App, lines: &[String], body: Rect, status: Rect, th: &Theme) {
    let want = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let h = want.min(body.height);
    let rect = Rect {
        x: body.x,
        y: status.y.saturating_sub(h),
        width: body.width,
        height: h,
    };
    let title = match app.status.as_ref().map(|s| s.tone) {
        Some(Tone::Error) => app.t("status.error_title"),
        _ => app.t("status.message_title"),
    };
    let (inner, block) = popup(f, rect, title, th);
    let block = block.title_bottom(Span::styled(
        format!(" {} ", app.t("status.message_keys")),
        th.dim(),
    ));
    f.render_widget(block, rect);
    let style = status_style(app, th);
    let text: Vec<Line> = lines
        .iter()
        .map(|l| Line::from(Span::styled(l.clone(), style)))
        .collect();
    f.render_widget(Paragraph::new(text), inner);
}

/// Punctuation a line may not start with (Chinese line breaking: a closing bracket or
/// a comma stays with the character before it).
const NO_LINE_START: &str = "）》」』】〕，。、；：！？)]},.;:!?";

/// Split text into lines of at most `cols` cells, between words where it can (a word
/// wider than a line, or a run of CJK text, is split between characters, never before
/// a closing bracket or a comma).
pub fn wrap_words(text: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(1);
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_inclusive(' ') {
        // The line as it stands (its trailing space included) and the word after it.
        let fits = width(&line) + width(word.trim_end()) <= cols;
        if !line.is_empty() && !fits && width(word.trim_end()) <= cols {
            out.push(line.trim_end().to_string());
            line.clear();
        }
        for ch in word.chars() {
            let w = width(ch.encode_utf8(&mut [0; 4]));
            if width(&line) + w > cols && !(ch == ' ' && width(&line) == cols) {
                // The character before a closing mark goes down with it.
                let last = line.chars().last().filter(|l| {
                    NO_LINE_START.contains(ch)
                        && line.chars().count() > 1
                        && width(l.encode_utf8(&mut [0; 4])) + w <= cols
                });
                let carried = last.and_then(|_| line.pop());
                out.push(line.trim_end().to_string());
                line.clear();
                line.extend(carried);
            }
            if ch == ' ' && width(&line) >= cols {
                continue;
            }
            line.push(ch);
        }
    }
    if !line.trim_end().is_empty() || out.is_empty() {
        out.push(line.trim_end().to_string());
    }
    out
}

/// The frame's parts, top to bottom: title, view tabs, breadcrumb, page (with its
/// border) and status line. Shared by [`render`] and [`item_at`], so a click lands on
/// the row that was drawn there.
pub fn areas(area: Rect) -> [Rect; 5] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Inside the page's border.
pub fn page_area(body: Rect) -> Rect {
    Block::default().borders(Borders::ALL).inner(body)
}

/// Where a list's rows are drawn: the rectangle below its header(s), and the index of
/// the line drawn on its first row (lists scroll by rows, see [`crate::scroll`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListRows {
    pub area: Rect,
    pub first: usize,
    /// Lines in the list (headings included).
    pub len: usize,
}

impl ListRows {
    /// `len` lines in the rows below `headers` header lines of `inner`, scrolled from
    /// `first` (the first line shown before) so that line `selected` shows with some
    /// context; `footers` lines stay free at the bottom.
    pub fn new(
        inner: Rect,
        headers: u16,
        footers: u16,
        selected: usize,
        first: usize,
        len: usize,
    ) -> ListRows {
        let height = inner.height.saturating_sub(headers + footers).max(1);
        let area = Rect {
            x: inner.x,
            y: inner.y.saturating_add(headers),
            width: inner.width,
            height: height.min(inner.height.saturating_sub(headers)),
        };
        ListRows {
            area,
            first: crate::scroll::first_line(first, selected, usize::from(area.height), len),
            len,
        }
    }

    /// Are lines hidden above or below?
    pub fn more(&self) -> (bool, bool) {
        (self.first > 0, self.first + self.capacity() < self.len)
    }

    /// Rows the list shows at once (the page size).
    pub fn capacity(&self) -> usize {
        usize::from(self.area.height).max(1)
    }

    /// The list line drawn at screen position (`x`, `y`), if any.
    pub fn line_at(&self, x: u16, y: u16) -> Option<usize> {
        let a = self.area;
        let inside = x >= a.x && x < a.right() && y >= a.y && y < a.bottom();
        inside.then(|| self.first + usize::from(y - a.y))
    }
}

/// The rows of the list on screen (the search results over a page, else the page's
/// own list), computed from the state alone exactly as [`render`] lays them out.
pub fn list_rows(app: &App) -> Option<ListRows> {
    let inner = list_area(app)?;
    match &app.overlay {
        Some(Overlay::Search(s)) => return Some(search::list_rows(s, inner)),
        Some(_) => return None,
        None => {}
    }
    match app.page()? {
        Page::Overview(p) => Some(overview::list_rows(p, inner)),
        Page::Problems(p) => Some(problems::list_rows(p, inner)),
        Page::Deadlines(p) => Some(deadlines::list_rows(p, inner)),
        Page::Warnings(p) => Some(warnings::list_rows(p, inner)),
        Page::Detail(_) => None,
    }
}

/// Inside the page's border on a screen of the app's size; `None` when the screen is
/// too small to draw a page.
pub fn list_area(app: &App) -> Option<Rect> {
    if app.width < MIN_WIDTH || app.height < MIN_HEIGHT {
        return None;
    }
    let [_, _, _, body, _] = areas(Rect::new(0, 0, app.width, app.height));
    Some(page_area(body))
}

/// Rows the search results show at once (their page size), for `PgUp` / `PgDn` while
/// the search state is out of the app being updated.
pub fn search_page(app: &App, s: &SearchState) -> usize {
    list_area(app).map_or_else(
        || app.list_height(),
        |inner| search::list_rows(s, inner).capacity(),
    )
}

/// The list item (the value the page's cursor takes) drawn at screen position
/// (`x`, `y`): a row of the search results or of the page's list, or `None` for
/// headers, borders, group headings and empty space. What a mouse click selects.
pub fn item_at(app: &App, x: u16, y: u16) -> Option<usize> {
    let line = list_rows(app)?.line_at(x, y)?;
    let len = match &app.overlay {
        Some(Overlay::Search(s)) => s.hits.len(),
        _ => match app.page()? {
            Page::Overview(p) => p.visible.len(),
            Page::Problems(p) => p.visible.len(),
            Page::Deadlines(p) => return deadlines::item_of_line(p, line),
            Page::Warnings(p) => p.items.len(),
            Page::Detail(_) => 0,
        },
    };
    (line < len).then_some(line)
}

/// Split text into lines of at most `cols` cells (for short messages).
fn textwrap_cells(text: &str, cols: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    for ch in text.chars() {
        let cur = out.last_mut().map_or(0, |l| width(l));
        if cur + width(ch.encode_utf8(&mut [0; 4])) > cols {
            out.push(String::new());
        }
        if let Some(l) = out.last_mut() {
            l.push(ch);
        }
    }
    out
}

fn title_line(app: &App, th: &Theme, cols: u16) -> Line<'static> {
    let mut text = String::from(" govcheck ");
    if let (Some(reg), Some(id)) = (app.registry(), app.round.as_deref())
        && let Some(r) = reg.round(id)
    {
        let mode = match r.mode {
            govcheck_domain::round::RoundMode::Full => app.t("round.full"),
            govcheck_domain::round::RoundMode::Sample => app.t("round.sample"),
        };
        // The facts first (id, window, mode): the long official title is cut at 80.
        text.push_str(&format!(
            "[{}] {} {}~{} {}  {}",
            r.id,
            app.t("round.window"),
            r.period_start,
            r.period_end,
            mode,
            sanitize(&r.title),
        ));
    }
    let right = format!("  {} {} ", app.t("round.as_of"), app.as_of);
    let avail = usize::from(cols).saturating_sub(width(&right));
    let left = truncate(&text, avail);
    let pad = avail.saturating_sub(width(&left));
    Line::from(vec![
        Span::styled(left, th.title()),
        Span::raw(" ".repeat(pad)),
        Span::styled(right, th.heading()),
    ])
}

fn tabs_line(app: &App, th: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (i, v) in View::ALL.iter().enumerate() {
        let label = format!("{} {}", i + 1, app.t(v.key()));
        if *v == app.view {
            spans.push(Span::styled(format!("[{label}]"), th.selected()));
        } else {
            spans.push(Span::styled(format!(" {label} "), th.plain()));
        }
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(
        format!(
            " {}",
            if app.problems_only {
                app.t("flag.problems_only")
            } else {
                ""
            }
        ),
        th.warn(),
    ));
    Line::from(spans)
}

/// `浙江省 › 舟山市 › 舟山医疗保障`: where the user is in the page stack.
pub fn crumbs(app: &App) -> Vec<String> {
    let Some(reg) = app.registry() else {
        return Vec::new();
    };
    let tree = reg.tree();
    let mut out: Vec<String> = Vec::new();
    let chain_of = |idx: usize| -> Vec<String> {
        tree.chain(idx)
            .into_iter()
            .map(|i| tree.get(i).name.clone())
            .collect()
    };
    for p in app.stack() {
        match p {
            Page::Overview(o) => out = chain_of(o.scope),
            Page::Problems(q) => {
                out = q.scope.map_or_else(|| chain_of(tree.root()), chain_of);
                if q.own_level {
                    out.push(app.t("label.own_level").to_string());
                }
                out.push(app.t("view.problems").to_string());
            }
            Page::Deadlines(q) => {
                out = q.scope.map_or_else(|| chain_of(tree.root()), chain_of);
                out.push(app.t("view.deadlines").to_string());
            }
            Page::Warnings(q) => {
                out = q.scope.map_or_else(|| chain_of(tree.root()), chain_of);
                out.push(app.t("view.warnings").to_string());
            }
            // Where the account is (its region's path), not how it was reached.
            Page::Detail(d) => {
                if let Some(i) = reg.account_index(&d.account) {
                    out = chain_of(reg.account_region(i));
                }
                out.push(
                    reg.account(&d.account)
                        .map_or(d.account.clone(), |a| a.name.clone()),
                );
            }
        }
    }
    out
}

/// The breadcrumb, and at the right which store is open (always: a path or a
/// registry URL shortened in the middle to fit) with 演示数据 on the demo.
fn crumb_line(app: &App, th: &Theme, cols: u16) -> Line<'static> {
    let cols = usize::from(cols);
    let demo = if app.demo_data {
        format!("[{}] ", app.t("nav.demo"))
    } else {
        String::new()
    };
    // The source gets up to half the line; the breadcrumb the rest.
    let room = (cols / 2).saturating_sub(width(&demo) + 2).max(8);
    let source = format!(" {} ", shorten_middle(&sanitize(&app.source), room));
    let avail = cols.saturating_sub(width(&source) + width(&demo));
    let text = format!(" {}", sanitize(&crumbs(app).join(th.crumb_sep())));
    let left = truncate(&text, avail);
    let pad = avail.saturating_sub(width(&left));
    Line::from(vec![
        Span::styled(left, th.heading()),
        Span::raw(" ".repeat(pad)),
        Span::styled(source, th.dim()),
        Span::styled(demo, th.warn()),
    ])
}

/// `text` in at most `cols` cells: whole when it fits, else its kind (`local: `,
/// `registry: `) and the end of the path or URL, the middle replaced by `…` (the end
/// of a path names the store; its start is the same on every host).
pub fn shorten_middle(text: &str, cols: usize) -> String {
    if width(text) <= cols {
        return text.to_string();
    }
    let (kind, rest) = match text.split_once(": ") {
        Some((k, r)) if width(k) + 2 + 4 <= cols => (format!("{k}: "), r),
        _ => (String::new(), text),
    };
    let budget = cols.saturating_sub(width(&kind) + 1);
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for ch in rest.chars().rev() {
        let w = width(ch.encode_utf8(&mut [0; 4]));
        if used + w > budget {
            break;
        }
        used += w;
        tail.push(ch);
    }
    let tail: String = tail.into_iter().rev().collect();
    format!("{kind}…{tail}")
}

fn page_title(app: &App) -> String {
    let th = theme(app);
    match app.page() {
        Some(Page::Overview(p)) => {
            // Which columns count accounts and which findings (完成率 is a column).
            format!(
                "{}  [{}]  ({} {} {})",
                app.t("view.overview"),
                app.t("label.units"),
                app.t("label.sort"),
                app.t(&format!("col.{}", p.sort.name())),
                th.sort_marker(p.sort.ascending(p.dir))
            )
        }
        Some(Page::Problems(p)) => {
            let mut t = format!(
                "{} {}  ({} {} {})",
                app.t("view.problems"),
                p.visible.len(),
                app.t("label.sort"),
                app.t(&format!("col.{}", p.sort.name())),
                th.sort_marker(p.sort.ascending(p.dir))
            );
            if p.filter != Default::default() {
                t.push_str(&format!("  [{}]", app.t("label.filtered")));
            }
            t
        }
        // The default orders say nothing; a chosen one is named as on the other lists.
        Some(Page::Deadlines(p))
            if (p.sort, p.dir) == (FindingSort::Deadline, SortDir::Natural) =>
        {
            app.t("view.deadlines").to_string()
        }
        Some(Page::Deadlines(p)) => format!(
            "{}  ({} {} {})",
            app.t("view.deadlines"),
            app.t("label.sort"),
            app.t(&format!("col.{}", p.sort.name())),
            th.sort_marker(p.sort.ascending(p.dir))
        ),
        Some(Page::Warnings(p)) if (p.sort, p.dir) == (WarningSort::Silent, SortDir::Natural) => {
            format!("{} {}", app.t("view.warnings"), p.items.len())
        }
        Some(Page::Warnings(p)) => format!(
            "{} {}  ({} {} {})",
            app.t("view.warnings"),
            p.items.len(),
            app.t("label.sort"),
            app.t(&format!("col.{}", p.sort.name())),
            th.sort_marker(p.sort.ascending(p.dir))
        ),
        Some(Page::Detail(_)) => app.t("view.detail").to_string(),
        None => String::new(),
    }
}

/// The style of the status message, by its tone.
fn status_style(app: &App, th: &Theme) -> Style {
    match app.status.as_ref().map(|s| s.tone) {
        Some(Tone::Info) | None => th.plain(),
        Some(Tone::Done) => th.done(),
        Some(Tone::Error) => th.bad(),
    }
}

/// The right part of the status line (who, where, offline and refused markers), on a
/// line `cols` wide.
fn status_right(app: &App, cols: usize) -> String {
    let (source, stale) = status_parts(app);
    if (width(&source) + width(&stale)) * 3 > cols * 2 {
        stale
    } else {
        format!("{source}{stale}")
    }
}

/// `(who, stale)`: who we are recorded as; the offline and refused markers. Where the
/// data comes from is on the breadcrumb line, always, so it is not repeated here.
fn status_parts(app: &App) -> (String, String) {
    let data = app.data.as_ref();
    let who = data
        .and_then(|d| d.identity.clone())
        .unwrap_or_else(|| app.actor.name.clone());
    // Offline is never hidden: it decides whether what the screen shows is current.
    let stale = data
        .and_then(|d| d.stale_since)
        .map(|at| {
            format!(
                " [{} {}] ",
                app.t("status.offline_cached"),
                at.format("%m-%d %H:%M")
            )
        })
        .unwrap_or_default();
    // Refused offline actions stay on screen until dismissed: each is a verify or a
    // rejection the supervisor believes was recorded.
    let refused = data.map_or(0, |d| d.refused_offline);
    let stale = if refused > 0 {
        format!("{stale} [{refused} {}] ", app.t("status.refused_offline"))
    } else {
        stale
    };
    (format!(" {} ", sanitize(&who)), stale)
}

fn status_line(f: &mut Frame, app: &App, area: Rect, th: &Theme) {
    if let Some(Overlay::Command(c)) = &app.overlay {
        let (shown, col) = c.view(usize::from(area.width).saturating_sub(2), th.ascii);
        let text = format!(":{}", sanitize(&shown));
        let x = u16::try_from(col + 1).unwrap_or(u16::MAX);
        f.render_widget(Paragraph::new(text), area);
        f.set_cursor_position((area.x + x.min(area.width.saturating_sub(1)), area.y));
        return;
    }
    let cols = usize::from(area.width);
    let stale = status_parts(app).1;
    // A message too long for this line is in the panel above it.
    let (text, style) = match &app.status {
        Some(s) if message_panel(app, area.width).is_none() => {
            (s.text.clone(), status_style(app, th))
        }
        _ => (String::new(), th.dim()),
    };
    let right = status_right(app, cols);
    let avail = cols.saturating_sub(width(&right));
    let text = if text.is_empty() {
        hints(app, avail.saturating_sub(1))
    } else {
        text
    };
    let left = truncate(&format!(" {text}"), avail);
    let pad = avail.saturating_sub(width(&left));
    let line = Line::from(vec![
        Span::styled(left, style),
        Span::raw(" ".repeat(pad)),
        Span::styled(right, if stale.is_empty() { th.dim() } else { th.bad() }),
    ]);
    f.render_widget(Paragraph::new(line), area);
}

/// The most useful keys for the page, from the key map in force, in at most `cols`
/// cells: hints are dropped from the end until they fit, but the help key's always
/// stays, since it is the way to every other key.
pub fn hints(app: &App, cols: usize) -> String {
    use super::action::Action as A;
    let km = &app.keymap;
    let pick: &[A] = match app.page() {
        Some(Page::Overview(_)) => &[
            A::Open,
            A::Back,
            A::Sort,
            A::ProblemsOnly,
            A::Search,
            A::Help,
            A::Quit,
        ],
        Some(Page::Detail(_)) => &[
            A::Verify,
            A::Reject,
            A::Rectified,
            A::Extend,
            A::Notes,
            A::Back,
            A::Help,
        ],
        _ => &[
            A::Open,
            A::Verify,
            A::Filter,
            A::Sort,
            A::Search,
            A::Help,
            A::Quit,
        ],
    };
    let mut shown: Vec<(A, String)> = pick
        .iter()
        .filter(|a| !km.keys(**a).is_empty())
        .map(|a| {
            // Help's first key only: `?/F1` would spend cells the other hints need.
            let k = if *a == A::Help {
                km.keys(*a).first().map(|k| k.label()).unwrap_or_default()
            } else {
                km.label(*a)
            };
            (*a, format!("{k} {}", app.t(&format!("hint.{}", a.name()))))
        })
        .collect();
    let joined = |v: &[(A, String)]| {
        v.iter()
            .map(|(_, s)| s.as_str())
            .collect::<Vec<_>>()
            .join("  ")
    };
    while width(&joined(&shown)) > cols {
        match shown.iter().rposition(|(a, _)| *a != A::Help) {
            Some(i) => {
                shown.remove(i);
            }
            None => break,
        }
    }
    joined(&shown)
}

/// Status words in the interface language.
pub fn status_label(app: &App, s: Status) -> &str {
    app.t(match s {
        Status::Open => "st.open",
        Status::Rectified => "st.rectified",
        Status::Verified => "st.verified",
        Status::Waived => "st.waived",
    })
}

/// A centred rectangle for popups, clamped to the screen.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// A bordered popup with the screen under it cleared.
pub fn popup<'a>(f: &mut Frame, area: Rect, title: &str, th: &Theme) -> (Rect, Block<'a>) {
    // A wide (CJK) character just left of the panel covers the panel's first column
    // too: the terminal would draw it over the border (and a buffer-built screen hides
    // the border). Blank it. On the right edge the panel's Clear already blanks a
    // wide character that starts inside it, with the cell it covers.
    let buf = f.buffer_mut();
    let bounds = buf.area;
    for y in area.top()..area.bottom().min(bounds.bottom()) {
        if area.x > bounds.x
            && let Some(c) = buf.cell_mut((area.x - 1, y))
            && width(c.symbol()) > 1
        {
            c.set_symbol(" ");
        }
    }
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(th.border())
        .title(Span::styled(format!(" {title} "), th.heading()));
    (block.inner(area), block)
}

/// Style for the selection marker and row.
pub fn row_style(selected: bool, th: &Theme) -> Style {
    if selected {
        th.selected()
    } else {
        Style::new()
    }
}

#[cfg(test)]
mod wrap_tests {
    use super::wrap_words;
    use govcheck_domain::text::width;

    #[test]
    fn wrapping_keeps_every_character_and_no_line_is_wider_than_asked() {
        let texts = [
            "",
            "short",
            "a word-that-is-longer-than-a-line and more",
            "读取失败：/srv/govcheck/store/journal.jsonl, line 12: 校验和不符",
            "two  spaces   and trailing   ",
        ];
        for text in texts {
            for cols in [1, 2, 5, 11, 78] {
                let lines = wrap_words(text, cols);
                assert!(!lines.is_empty());
                for l in &lines {
                    assert!(width(l) <= cols.max(2), "{text:?} at {cols}: {l:?}");
                }
                let strip = |s: &str| s.split_whitespace().collect::<String>();
                assert_eq!(strip(&lines.concat()), strip(text), "{text:?} at {cols}");
            }
        }
        assert_eq!(wrap_words("ab cd ef", 5), vec!["ab cd", "ef"]);
        // A word that fits only without the space before it goes to the next line
        // whole (it was split: "Reject (reaso" / "n required)").
        assert_eq!(
            wrap_words("Reject (reason required)", 13),
            vec!["Reject", "(reason", "required)"]
        );
        // A closing bracket never starts a line: the character before it comes along.
        assert_eq!(wrap_words("退回（需理由）", 12), vec!["退回（需理", "由）"]);
    }
}
