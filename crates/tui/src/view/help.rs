//! The help overlay, generated from the key map in force, so it never disagrees with
//! what the keys do. The main layer and the `:` commands come first (one screen at
//! 80×24); each input layer (dialog, search, filters, command line, editing, viewer)
//! follows under its own heading, and the panel scrolls with the `[viewer]` keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::action::{Action, Layer};
use crate::app::App;
use crate::theme::Theme;
use govcheck_domain::text::{pad_right, truncate, width};

/// The main layer's keys, Ctrl-C and the `:` commands: (key, description).
pub fn lines(app: &App, th: &Theme) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Action::ALL
        .iter()
        .filter(|a| !app.keymap.keys(**a).is_empty())
        .map(|a| (app.keymap.label(*a), app.t(&a.help_key()).to_string()))
        .collect();
    out.push(("Ctrl-C".into(), app.t("help.ctrl_c").to_string()));
    // The command line's commands, one a row, so none is hidden in a cut description.
    out.extend(
        COMMANDS
            .iter()
            .map(|(usage, key)| (usage.to_string(), app.t(key).to_string())),
    );
    let _ = th;
    out
}

/// Each input layer with its bound keys: (heading, [(key, description)]).
pub fn layers(app: &App) -> Vec<(String, Vec<(String, String)>)> {
    Layer::ALL
        .into_iter()
        .filter(|l| *l != Layer::Main)
        .map(|l| {
            let items = l
                .actions()
                .iter()
                .map(|a| {
                    (
                        app.keymap.layer_label(l, a),
                        app.t(&l.help_key(a)).to_string(),
                    )
                })
                .filter(|(k, _)| !k.is_empty())
                .collect();
            (app.t(&l.title_key()).to_string(), items)
        })
        .collect()
}

/// The commands after `:` as the help lists them (usage, catalogue key); the names are
/// those [`crate::update::COMMANDS`] completes.
pub const COMMANDS: [(&str, &str); 6] = [
    (":round ID", "help.cmd_round"),
    (":region NAME", "help.cmd_region"),
    (":as-of DATE", "help.cmd_as_of"),
    (":lang zh|en", "help.cmd_lang"),
    (":ascii on|off", "help.cmd_ascii"),
    (":q", "help.cmd_quit"),
];

/// Widest description column wanted; on narrower terminals a description wraps onto
/// more lines of its row rather than being cut.
const DESC_W: usize = 34;

/// How the help is laid out on a screen: its rectangle and every line it has (more
/// than fit when the layers are included; the panel scrolls).
struct Layout {
    rect: Rect,
    lines: Vec<Line<'static>>,
    /// Lines the panel shows at once.
    room: usize,
}

fn layout(app: &App, area: Rect, th: &Theme) -> Layout {
    let items = lines(app, th);
    let layers = layers(app);
    // Border (2) and the footer with its blank line (2).
    let room = usize::from(area.height).saturating_sub(4).max(1);
    // Two columns when the main keys do not fit the height in one (80x24 holds them
    // in two), or when the screen is wide anyway.
    let two = items.len() > room || area.width >= 100;
    let cols = if two { 2 } else { 1 };
    // The keys' column is as wide as a section's widest key (a leading and a trailing
    // space), leaving the description at least a third of the column.
    let avail = usize::from(area.width).saturating_sub(2) / cols;
    let key_width = |items: &[(String, String)]| {
        items
            .iter()
            .map(|(k, _)| width(k) + 2)
            .max()
            .unwrap_or(0)
            .min(avail * 2 / 3)
    };
    // Each column is a key, a description and a separating space; the border is 2.
    // The panel is as wide as the main keys need; other sections share its columns.
    let main_key_w = key_width(&items).min(16);
    let per_col =
        (main_key_w + avail.saturating_sub(main_key_w + 1).clamp(1, DESC_W) + 1).min(avail.max(1));
    let w = per_col * cols + 2;
    let mut out: Vec<Line> = Vec::new();
    let section = |items: &[(String, String)], out: &mut Vec<Line<'static>>| {
        let key_w = key_width(items)
            .max(main_key_w)
            .min(per_col.saturating_sub(2));
        let col_w = per_col.saturating_sub(key_w + 1).max(1);
        let rows = items.len().div_ceil(cols);
        for r in 0..rows {
            // Each description of the row, wrapped to its column: the row is as tall
            // as its longest, so no description is cut (`:as-of` and the export keys
            // were, at 80 columns).
            let cells: Vec<Option<(&String, Vec<String>)>> = (0..cols)
                .map(|c| {
                    items
                        .get(c * rows + r)
                        .map(|(k, d)| (k, super::wrap_words(d, col_w)))
                })
                .collect();
            let height = cells
                .iter()
                .flatten()
                .map(|(_, d)| d.len())
                .max()
                .unwrap_or(1)
                .max(1);
            for line in 0..height {
                let mut spans = Vec::new();
                for (k, d) in cells.iter().flatten() {
                    let key = if line == 0 {
                        format!(" {k}")
                    } else {
                        String::new()
                    };
                    spans.push(Span::styled(pad_right(&key, key_w), th.heading()));
                    let text = d.get(line).map_or("", String::as_str);
                    spans.push(Span::raw(pad_right(text, col_w + 1)));
                }
                out.push(Line::from(spans));
            }
        }
    };
    section(&items, &mut out);
    for (title, items) in &layers {
        out.push(Line::from(Span::styled(
            truncate(&format!(" [{title}]"), w.saturating_sub(2)),
            th.title(),
        )));
        section(items, &mut out);
    }
    let h = out.len().min(room) + 4;
    Layout {
        rect: super::centered(
            area,
            u16::try_from(w).unwrap_or(u16::MAX),
            u16::try_from(h).unwrap_or(u16::MAX),
        ),
        lines: out,
        room,
    }
}

/// The furthest the help scrolls on the app's screen (its last line at the bottom).
pub fn max_scroll(app: &App) -> usize {
    let th = super::theme(app);
    let l = layout(app, Rect::new(0, 0, app.width, app.height), &th);
    l.lines.len().saturating_sub(l.room)
}

pub fn render(f: &mut Frame, app: &App, area: Rect, th: &Theme) {
    let Layout { rect, lines, room } = layout(app, area, th);
    let total = lines.len();
    let first = app.help_scroll.min(total.saturating_sub(room));
    let (inner, block) = super::popup(f, rect, app.t("view.help"), th);
    f.render_widget(block, rect);
    let mut shown: Vec<Line> = lines.into_iter().skip(first).take(room).collect();
    shown.push(Line::default());
    // Where the panel is, and how to see the rest: the layers' keys are below the
    // first screen.
    let footer = if total > room {
        crate::i18n::fill(
            app.t("help.more"),
            &[
                ("from", &(first + 1).to_string()),
                ("to", &(first + room).min(total).to_string()),
                ("total", &total.to_string()),
                (
                    "keys",
                    &app.keymap
                        .layer_label(Layer::Viewer, "page_down")
                        .to_string(),
                ),
            ],
        )
    } else {
        app.t("help.any_key").to_string()
    };
    shown.push(Line::from(Span::styled(
        truncate(&format!(" {footer}"), usize::from(inner.width)),
        th.dim(),
    )));
    f.render_widget(Paragraph::new(shown), inner);
}
