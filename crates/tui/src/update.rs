//! `update(state, message)`: the only place the console's state changes. Input arrives
//! as key messages and is turned into [`Action`]s through the key map; store results
//! arrive as messages from [`crate::task`]. Anything that needs I/O is returned as an
//! [`Effect`] for the task runner, so this module never blocks and is tested without a
//! terminal or a store.

use chrono::{DateTime, NaiveDate, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::action::Action;
use crate::app::{
    App, Data, DetailPage, Dialog, DialogKind, DialogState, Hit, Overlay, Page, SearchState,
    StatusLine, Target, Tone, View, filter_values, selectable,
};
use crate::error::TaskError;
use crate::i18n::{I18n, Lang, fill};
use crate::input::{Edit, TextInput};
use govcheck_domain::event::{Actor, Event, EventKind, Status};
use govcheck_domain::listing::{FindingSort, RegionSort, SortDir};
use govcheck_domain::text::sanitize;
use govcheck_formats::values::parse_date;

/// What happened.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// A bracketed paste: the text goes into the field with the focus whole (line
    /// breaks kept in a note) and never submits it; outside a field it is ignored, so
    /// pasted text is never taken as keys.
    Paste(String),
    Resize(u16, u16),
    /// A load finished: the data and the change token read just before it.
    Loaded(Result<(Data, u64), TaskError>),
    /// The background poll saw this change token.
    Token(u64),
    /// The store answered a write.
    Written {
        finding: String,
        kind: DialogKind,
        result: Result<u64, TaskError>,
    },
    /// Search results for a query generation.
    SearchDone {
        generation: u64,
        hits: Vec<Hit>,
        total: usize,
    },
    /// The mouse wheel turned (only when the mouse is enabled in config): positive is
    /// down. It moves the selection like the up/down actions, outside overlays.
    Scroll(i8),
    /// A left click at (column, row) of the screen (only when the mouse is enabled): on
    /// a list row it selects it; on the row already selected it opens it, as `Enter`
    /// does (so a double click opens).
    Click(u16, u16),
    /// The terminal input ended (the link dropped).
    InputClosed,
    /// An export finished: the path written, or the error.
    Exported(Result<String, TaskError>),
}

/// I/O for the task runner to start.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Load,
    /// Record a remediation event; the runner adds the time and the actor.
    Append {
        finding: String,
        kind: DialogKind,
        event: EventKind,
        note: Option<String>,
        version: u32,
    },
    Search {
        generation: u64,
        query: String,
    },
    Copy(String),
    /// Write the notice attachments as XLSX into the working directory.
    Export {
        file_name: String,
        attachments: Box<govcheck_domain::notice::attachments::Attachments>,
    },
    /// Write the whole notice as DOCX into the working directory.
    ExportDocx {
        file_name: String,
        document: Box<govcheck_domain::notice::document::NoticeDocument>,
    },
}

/// The result of one update: whether the screen must be redrawn, and what to start.
#[derive(Debug, Default)]
pub struct Outcome {
    pub redraw: bool,
    pub effects: Vec<Effect>,
}

impl Outcome {
    fn redraw() -> Outcome {
        Outcome {
            redraw: true,
            effects: Vec::new(),
        }
    }
    fn with(effect: Effect) -> Outcome {
        Outcome {
            redraw: true,
            effects: vec![effect],
        }
    }
}

pub fn update(app: &mut App, msg: Msg) -> Outcome {
    match msg {
        Msg::Key(k) if k.kind == KeyEventKind::Release => Outcome::default(),
        Msg::Key(k) => on_key(app, k),
        Msg::Paste(text) => paste(app, &text),
        Msg::Scroll(d) if app.overlay.is_none() => {
            apply(app, if d > 0 { Action::Down } else { Action::Up })
        }
        Msg::Scroll(_) => Outcome::default(),
        Msg::Click(x, y) => click(app, x, y),
        Msg::Resize(w, h) => {
            app.width = w;
            app.height = h;
            Outcome::redraw()
        }
        Msg::Loaded(Ok((data, token))) => {
            let regions_changed = app
                .registry()
                .is_none_or(|r| r.tree().len() != data.registry.tree().len());
            let known_round = app
                .round
                .as_deref()
                .is_some_and(|r| data.registry.round(r).is_some());
            if !known_round {
                app.round = data.registry.latest_round().map(|r| r.id.clone());
            }
            app.pending = data.pending.clone();
            app.data = Some(data);
            app.token = Some(token);
            app.loading = false;
            if regions_changed || app.stacks[0].is_empty() {
                app.reset_stacks();
            } else {
                app.refresh_pages();
            }
            if let Some(id) = app.reselect.take() {
                select_finding(app, &id);
            }
            Outcome::redraw()
        }
        Msg::Loaded(Err(e)) => {
            app.loading = false;
            tracing::error!(error = %e, "load failed");
            let text = format!("{}: {}", app.t("status.load_failed"), failure_text(app, &e));
            set_status(app, Tone::Error, text);
            Outcome::redraw()
        }
        Msg::Token(t) => {
            if app.token != Some(t) && !app.loading && app.data.is_some() {
                app.loading = true;
                Outcome {
                    redraw: false,
                    effects: vec![Effect::Load],
                }
            } else {
                Outcome::default()
            }
        }
        Msg::Written {
            finding,
            kind,
            result,
        } => {
            app.writes_in_flight = app.writes_in_flight.saturating_sub(1);
            let ours = matches!(&app.overlay, Some(Overlay::Dialog(d)) if d.finding == finding);
            match result {
                Ok(_) => {
                    if ours {
                        app.overlay = None;
                    }
                    let text = format!(
                        "{} {}: {}",
                        app.t(kind.key()),
                        finding,
                        app.t("status.done")
                    );
                    set_status(app, Tone::Done, text);
                    app.loading = true;
                    Outcome::with(Effect::Load)
                }
                // Stored in the outbox: done here, sent by itself later. Closed like a
                // success and marked pending, so nobody queues it a second time.
                Err(TaskError::Queued { path }) => {
                    tracing::info!(%finding, outbox = %path.display(), "action queued");
                    if ours {
                        app.overlay = None;
                    }
                    app.pending.insert(finding.clone());
                    let text = format!(
                        "{} {}: {}",
                        app.t(kind.key()),
                        finding,
                        app.t("status.queued")
                    );
                    set_status(app, Tone::Done, text);
                    app.loading = true;
                    Outcome::with(Effect::Load)
                }
                Err(e @ TaskError::Conflict { .. }) => {
                    tracing::warn!(%finding, error = %e, "write refused: conflict");
                    let text = conflict_text(app, &e);
                    let status = format!(
                        "{} {}: {text}  [{} {}]",
                        app.t(kind.key()),
                        finding,
                        app.keymap.label(Action::Reload),
                        app.t("dialog.reload")
                    );
                    if ours && let Some(Overlay::Dialog(d)) = &mut app.overlay {
                        d.state = DialogState::Conflict(text);
                    }
                    set_status(app, Tone::Error, status);
                    Outcome::redraw()
                }
                Err(e) => {
                    tracing::error!(%finding, error = %e, "write failed");
                    let text = failure_text(app, &e);
                    if ours && let Some(Overlay::Dialog(d)) = &mut app.overlay {
                        d.state = DialogState::Failed(text.clone());
                    }
                    let status = format!(
                        "{} {}: {} {text}",
                        app.t(kind.key()),
                        finding,
                        app.t("dialog.failed")
                    );
                    set_status(app, Tone::Error, status);
                    Outcome::redraw()
                }
            }
        }
        Msg::SearchDone {
            generation,
            hits,
            total,
        } => match &mut app.overlay {
            Some(Overlay::Search(s)) if s.generation == generation => {
                s.hits = hits;
                s.total = total;
                s.done = true;
                s.cursor = 0;
                Outcome::redraw()
            }
            _ => Outcome::default(),
        },
        Msg::InputClosed => {
            app.quit = true;
            Outcome::default()
        }
        Msg::Exported(Ok(path)) => {
            let text = format!("{}: {path}", app.t("status.exported"));
            set_status(app, Tone::Done, text);
            Outcome::redraw()
        }
        Msg::Exported(Err(e)) => {
            tracing::error!(error = %e, "export failed");
            let text = format!(
                "{}: {}",
                app.t("status.export_failed"),
                failure_text(app, &e)
            );
            set_status(app, Tone::Error, text);
            Outcome::redraw()
        }
    }
}

/// A task's failure in the interface language, with its cause. The cause of a store
/// error stays in the store's words: they name the file, line or field to fix.
pub fn failure_text(app: &App, e: &TaskError) -> String {
    match e {
        TaskError::Queued { .. } => app.t("status.queued").to_string(),
        TaskError::Conflict { .. } => conflict_text(app, e),
        TaskError::Unreachable { url, message } => fill(
            app.t("error.unreachable"),
            &[("url", url), ("cause", message)],
        ),
        TaskError::Refused {
            status,
            code,
            message,
        } => fill(
            app.t("error.refused"),
            &[
                ("status", &status.to_string()),
                ("code", code),
                ("cause", message),
            ],
        ),
        TaskError::Store(cause) => cause.clone(),
        TaskError::Task(cause) => fill(app.t("error.task"), &[("cause", cause)]),
    }
}

/// What a conflict says: who changed the finding, when (in the office's time zone)
/// and to what, so the supervisor knows what a reload will show.
pub fn conflict_text(app: &App, e: &TaskError) -> String {
    let TaskError::Conflict {
        finding,
        expected,
        actual,
        last,
    } = e
    else {
        return failure_text(app, e);
    };
    let what = match last {
        Some(l) => {
            let at =
                l.at.with_timezone(&app.tz)
                    .format("%m-%d %H:%M")
                    .to_string();
            let event = match &l.kind {
                EventKind::DeadlineExtended { to } => {
                    format!("{} -> {to}", app.t(&format!("ev.{}", l.kind.label())))
                }
                k => app.t(&format!("ev.{}", k.label())).to_string(),
            };
            fill(
                app.t("error.conflict_by"),
                &[
                    ("by", &l.by),
                    ("at", &at),
                    ("event", &event),
                    ("status", crate::view::status_label(app, l.status)),
                    ("version", &l.version.to_string()),
                ],
            )
        }
        None => fill(
            app.t("error.conflict_versions"),
            &[
                ("expected", &expected.to_string()),
                ("actual", &actual.to_string()),
            ],
        ),
    };
    let head = fill(app.t("error.conflict"), &[("finding", finding)]);
    format!("{head}{what}")
}

/// Put the cursor of the page on screen on finding `id` (a list of findings, or the
/// detail page that shows it); false when the page does not list it.
pub fn select_finding(app: &mut App, id: &str) -> bool {
    let Some(page) = app.page_mut() else {
        return false;
    };
    let found = match page {
        Page::Problems(p) => p
            .visible
            .iter()
            .position(|&i| p.rows.get(i).is_some_and(|r| r.id == id))
            .map(|pos| p.cursor = pos),
        Page::Deadlines(p) => selectable(&p.lines)
            .iter()
            .position(|&i| p.rows.get(i).is_some_and(|r| r.id == id))
            .map(|pos| p.cursor = pos),
        Page::Detail(d) => (d.finding.as_deref() == Some(id)).then_some(()),
        Page::Overview(_) | Page::Warnings(_) => None,
    };
    found.is_some()
}

/// A click: the row under it is found with the layout [`crate::view::render`] uses.
fn click(app: &mut App, x: u16, y: u16) -> Outcome {
    let Some(item) = crate::view::item_at(app, x, y) else {
        return Outcome::default();
    };
    if let Some(Overlay::Search(s)) = &mut app.overlay {
        if s.cursor != item {
            s.cursor = item;
            return Outcome::redraw();
        }
        let Some(hit) = s.hits.get(item).cloned() else {
            return Outcome::default();
        };
        app.overlay = None;
        open_hit(app, &hit);
        return Outcome::redraw();
    }
    let Some(page) = app.page_mut() else {
        return Outcome::default();
    };
    let cursor = cursor_mut(page);
    if *cursor == item {
        return apply(app, Action::Open);
    }
    *cursor = item;
    Outcome::redraw()
}

/// `e` on the overview: the attachments of its scope, built from the registry in hand;
/// the file is written by a task.
fn export(app: &mut App) -> Outcome {
    let Some((scope, round)) = export_scope(app) else {
        return Outcome::redraw();
    };
    let Some(reg) = app.registry() else {
        return Outcome::default();
    };
    match govcheck_domain::notice::attachments::from_registry(
        reg,
        &app.catalogue,
        &round,
        scope,
        app.as_of,
    ) {
        Ok(a) => {
            let file_name = format!("{round}-{}-通报附件.xlsx", reg.tree().get(scope).name);
            Outcome::with(Effect::Export {
                file_name,
                attachments: Box::new(a),
            })
        }
        Err(e) => {
            set_status(app, Tone::Error, e.to_string());
            Outcome::redraw()
        }
    }
}

/// `E` on the overview: the whole notice of its scope as a Word draft, built like `e`'s
/// attachments and written by a task.
fn export_docx(app: &mut App) -> Outcome {
    let Some((scope, round)) = export_scope(app) else {
        return Outcome::redraw();
    };
    let Some(reg) = app.registry() else {
        return Outcome::default();
    };
    match govcheck_domain::notice::document::from_registry(
        reg,
        &app.catalogue,
        &round,
        scope,
        app.as_of,
    ) {
        Ok(d) => {
            let file_name = format!("{round}-{}-通报.docx", reg.tree().get(scope).name);
            Outcome::with(Effect::ExportDocx {
                file_name,
                document: Box::new(d),
            })
        }
        Err(e) => {
            set_status(app, Tone::Error, e.to_string());
            Outcome::redraw()
        }
    }
}

/// The overview's scope and the round, or `None` (having said where exports are made)
/// anywhere else; `None` without a word before anything is loaded.
fn export_scope(app: &mut App) -> Option<(usize, String)> {
    let scope = match app.page() {
        Some(Page::Overview(p)) => p.scope,
        _ => {
            let text = app.t("status.export_overview_only").to_string();
            set_status(app, Tone::Info, text);
            return None;
        }
    };
    Some((scope, app.round.clone()?))
}

fn set_status(app: &mut App, tone: Tone, text: String) {
    app.status = Some(StatusLine {
        text: sanitize(&text),
        tone,
    });
}

fn is_ctrl(k: &KeyEvent, c: char) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char(c)
}

fn on_key(app: &mut App, k: KeyEvent) -> Outcome {
    if is_ctrl(&k, 'c') {
        app.quit = true;
        return Outcome::default();
    }
    match app.overlay.take() {
        Some(Overlay::Help) => Outcome::redraw(),
        Some(Overlay::Dialog(d)) => dialog_key(app, d, k),
        Some(Overlay::Command(c)) => command_key(app, c, k),
        Some(Overlay::Search(s)) => search_key(app, s, k),
        Some(Overlay::Filter(f)) => filter_key(app, f, k),
        None => match app.keymap.action(&k) {
            Some(a) => apply(app, a),
            None => Outcome::default(),
        },
    }
}

// ------------------------------------------------------------------- dialogs

fn dialog_key(app: &mut App, mut d: Dialog, k: KeyEvent) -> Outcome {
    if d.state == DialogState::Saving {
        // The write is under way: nothing may change it or hide its outcome.
        app.overlay = Some(Overlay::Dialog(d));
        return Outcome::default();
    }
    if matches!(d.state, DialogState::Conflict(_)) {
        return conflict_key(app, d, k);
    }
    match k.code {
        KeyCode::Esc => return Outcome::redraw(),
        KeyCode::Enter => return confirm(app, d),
        _ => match d.input.key(&k) {
            Edit::Changed => {}
            Edit::Moved => {
                app.overlay = Some(Overlay::Dialog(d));
                return Outcome::redraw();
            }
            Edit::Nothing | Edit::NotMine => {
                app.overlay = Some(Overlay::Dialog(d));
                return Outcome::default();
            }
        },
    }
    if matches!(d.state, DialogState::Failed(_)) {
        d.state = DialogState::Editing;
    }
    app.overlay = Some(Overlay::Dialog(d));
    Outcome::redraw()
}

/// A dialog whose write met a conflict: `Enter`, `r` or the reload key reload the
/// data and select the finding again; `Esc` closes; nothing sends the stale action.
fn conflict_key(app: &mut App, d: Dialog, k: KeyEvent) -> Outcome {
    let plain = !k
        .modifiers
        .intersects(KeyModifiers::ALT | KeyModifiers::CONTROL);
    let reload_key = matches!(k.code, KeyCode::Enter | KeyCode::Char('r' | 'R'));
    let reload = (plain && reload_key) || app.keymap.action(&k) == Some(Action::Reload);
    if reload {
        app.reselect = Some(d.finding);
        app.status = None;
        app.loading = true;
        return Outcome::with(Effect::Load);
    }
    if k.code == KeyCode::Esc {
        return Outcome::redraw();
    }
    app.overlay = Some(Overlay::Dialog(d));
    Outcome::default()
}

/// A moment used only to ask the domain whether an event may follow; the real time is
/// set by the task runner when the event is written.
fn probe_time() -> DateTime<chrono::FixedOffset> {
    DateTime::<Utc>::UNIX_EPOCH.fixed_offset()
}

fn confirm(app: &mut App, mut d: Dialog) -> Outcome {
    let text = d.input.text().trim().to_string();
    let (kind, note) = match d.kind {
        DialogKind::Verify => (EventKind::Verified, text),
        DialogKind::Reject => (EventKind::Rejected, text),
        DialogKind::Rectified => (EventKind::RectificationReported, text),
        DialogKind::Reopen => (EventKind::Reopened, text),
        DialogKind::Extend => {
            // A pasted note may follow the date on the next line.
            let (date, rest) = text
                .split_once(char::is_whitespace)
                .unwrap_or((text.as_str(), ""));
            match parse_date(date) {
                Some(to) => (EventKind::DeadlineExtended { to }, rest.trim().to_string()),
                None => {
                    d.state = DialogState::Failed(app.t("dialog.bad_date").to_string());
                    app.overlay = Some(Overlay::Dialog(d));
                    return Outcome::redraw();
                }
            }
        }
    };
    let note = (!note.is_empty()).then_some(note);
    let probe = Event {
        finding: d.finding.clone(),
        kind: kind.clone(),
        at: probe_time(),
        by: Actor::default(),
        note: note.clone(),
    };
    if let Some(reg) = app.registry()
        && let Some(i) = reg.finding_index(&d.finding)
        && let Err(e) = reg.state(i).check(&probe)
    {
        d.state = DialogState::Failed(e.to_string());
        app.overlay = Some(Overlay::Dialog(d));
        return Outcome::redraw();
    }
    d.state = DialogState::Saving;
    let effect = Effect::Append {
        finding: d.finding.clone(),
        kind: d.kind,
        event: kind,
        note,
        version: d.version,
    };
    app.overlay = Some(Overlay::Dialog(d));
    app.writes_in_flight += 1;
    Outcome::with(effect)
}

fn open_dialog(app: &mut App, kind: DialogKind) -> Outcome {
    let Some((_, Some(finding))) = selected(app) else {
        set_status(app, Tone::Info, app.t("status.no_finding").to_string());
        return Outcome::redraw();
    };
    if app.pending.contains(&finding) {
        let text = format!("{finding}: {}", app.t("status.pending_action"));
        set_status(app, Tone::Info, text);
        return Outcome::redraw();
    }
    let Some(reg) = app.registry() else {
        return Outcome::default();
    };
    let Some(i) = reg.finding_index(&finding) else {
        return Outcome::default();
    };
    let f = &reg.findings()[i];
    let st = reg.state(i);
    let account = reg
        .account(&f.account)
        .map_or_else(|| f.account.clone(), |a| a.name.clone());
    let problem = app
        .catalogue
        .get(&f.indicator)
        .map_or_else(|| f.indicator.clone(), |x| x.name.clone());
    // Ask the domain up front whether this action fits the finding's state, so the
    // supervisor is not asked for a note that would be refused anyway.
    let probe_kind = match kind {
        DialogKind::Verify => EventKind::Verified,
        DialogKind::Reject => EventKind::Rejected,
        DialogKind::Rectified => EventKind::RectificationReported,
        DialogKind::Reopen => EventKind::Reopened,
        DialogKind::Extend => EventKind::DeadlineExtended { to: NaiveDate::MAX },
    };
    let probe = Event {
        finding: finding.clone(),
        kind: probe_kind,
        at: probe_time(),
        by: Actor::default(),
        note: Some("-".into()),
    };
    if let Err(e) = st.check(&probe) {
        let text = e.to_string();
        set_status(app, Tone::Error, text);
        return Outcome::redraw();
    }
    let dialog = Dialog {
        kind,
        finding,
        account,
        problem,
        status: st.status,
        version: st.version,
        input: TextInput::multi_line(),
        state: DialogState::Editing,
    };
    app.overlay = Some(Overlay::Dialog(dialog));
    Outcome::redraw()
}

// ------------------------------------------------------------- command line

fn command_key(app: &mut App, mut c: TextInput, k: KeyEvent) -> Outcome {
    match k.code {
        KeyCode::Esc => return Outcome::redraw(),
        KeyCode::Enter => return run_command(app, c.text()),
        // Backspace on an empty line closes it, as in vi.
        KeyCode::Backspace if c.is_empty() => return Outcome::redraw(),
        KeyCode::Tab => {
            let done = complete_command(&mut c);
            app.overlay = Some(Overlay::Command(c));
            return if done {
                Outcome::redraw()
            } else {
                Outcome::default()
            };
        }
        _ => {}
    }
    let edit = c.key(&k);
    app.overlay = Some(Overlay::Command(c));
    match edit {
        Edit::Changed | Edit::Moved => Outcome::redraw(),
        Edit::Nothing | Edit::NotMine => Outcome::default(),
    }
}

/// The command-line commands, for `Tab` completion and the help.
pub const COMMANDS: [&str; 7] = ["as-of", "ascii", "help", "lang", "quit", "region", "round"];

/// `Tab` after `:`: complete the command name being typed (the word before the cursor,
/// when it is the first): to the only command it starts, else to the longest prefix
/// the candidates share. False when nothing changed.
pub fn complete_command(c: &mut TextInput) -> bool {
    let before = c.before().to_string();
    if before.contains(' ') {
        return false;
    }
    let matches: Vec<&str> = COMMANDS
        .iter()
        .copied()
        .filter(|cmd| cmd.starts_with(before.as_str()))
        .collect();
    let Some(first) = matches.first() else {
        return false;
    };
    let mut common = first.to_string();
    for m in &matches[1..] {
        while !m.starts_with(common.as_str()) {
            common.pop();
        }
    }
    let mut add: String = common.chars().skip(before.chars().count()).collect();
    if matches.len() == 1 && !c.text()[before.len()..].starts_with(' ') {
        add.push(' ');
    }
    if add.is_empty() {
        return false;
    }
    c.insert_str(&add)
}

/// A bracketed paste into the field with the focus (see [`Msg::Paste`]).
fn paste(app: &mut App, text: &str) -> Outcome {
    match app.overlay.take() {
        Some(Overlay::Dialog(mut d)) => {
            let editable = matches!(d.state, DialogState::Editing | DialogState::Failed(_));
            let changed = editable && d.input.insert_str(text);
            if changed {
                d.state = DialogState::Editing;
            }
            app.overlay = Some(Overlay::Dialog(d));
            Outcome {
                redraw: changed,
                effects: Vec::new(),
            }
        }
        Some(Overlay::Command(mut c)) => {
            let changed = c.insert_str(text);
            app.overlay = Some(Overlay::Command(c));
            Outcome {
                redraw: changed,
                effects: Vec::new(),
            }
        }
        Some(Overlay::Search(mut s)) => {
            if !s.editing || !s.input.insert_str(text) {
                app.overlay = Some(Overlay::Search(s));
                return Outcome::default();
            }
            let mut out = Outcome::redraw();
            query_changed(&mut s, &mut out);
            app.overlay = Some(Overlay::Search(s));
            out
        }
        other => {
            app.overlay = other;
            Outcome::default()
        }
    }
}

/// The search query changed: start a new generation (or clear the hits of an empty one).
fn query_changed(s: &mut SearchState, out: &mut Outcome) {
    s.generation += 1;
    s.cursor = 0;
    if s.input.text().trim().is_empty() {
        s.hits.clear();
        s.total = 0;
        s.done = true;
    } else {
        s.done = false;
        out.effects.push(Effect::Search {
            generation: s.generation,
            query: s.input.text().to_string(),
        });
    }
}

/// `:round 2022Q1`, `:region 舟山市`, `:lang en`, `:ascii on`, `:as-of 2022-04-30`, `:q`.
pub fn run_command(app: &mut App, line: &str) -> Outcome {
    let line = line.trim();
    let (cmd, arg) = line.split_once(' ').unwrap_or((line, ""));
    let arg = arg.trim();
    match cmd {
        "" => Outcome::redraw(),
        "q" | "quit" => {
            app.quit = true;
            Outcome::default()
        }
        "round" => {
            if app.registry().is_some_and(|r| r.round(arg).is_some()) {
                app.round = Some(arg.to_string());
                app.refresh_pages();
            } else {
                set_status(
                    app,
                    Tone::Error,
                    format!("{}: {arg}", app.t("status.no_round")),
                );
            }
            Outcome::redraw()
        }
        "region" => {
            let found = app.registry().map(|r| r.tree().resolve(arg));
            match found {
                Some(Ok(idx)) => open_region(app, idx),
                Some(Err(e)) => set_status(app, Tone::Error, e.to_string()),
                None => {}
            }
            Outcome::redraw()
        }
        "lang" => {
            match Lang::parse(arg) {
                Some(l) => {
                    app.opts.lang = l;
                    app.i18n = std::sync::Arc::new(I18n::new(l));
                }
                None => set_status(app, Tone::Error, format!("lang {arg}: zh | en")),
            }
            Outcome::redraw()
        }
        "ascii" => {
            app.opts.ascii = !matches!(arg, "off" | "no" | "false");
            Outcome::redraw()
        }
        "as-of" | "asof" => {
            match parse_date(arg) {
                Some(d) => {
                    app.as_of = d;
                    app.refresh_pages();
                }
                None => set_status(app, Tone::Error, app.t("dialog.bad_date").to_string()),
            }
            Outcome::redraw()
        }
        "help" => {
            app.overlay = Some(Overlay::Help);
            Outcome::redraw()
        }
        other => {
            let text = format!("{}: {other}", app.t("status.unknown_command"));
            set_status(app, Tone::Error, text);
            Outcome::redraw()
        }
    }
}

/// Show a region: its child regions, or its problem accounts when it has none.
fn open_region(app: &mut App, idx: usize) {
    let Some(reg) = app.registry() else { return };
    let leaf = reg.tree().children(idx).is_empty();
    let page = if leaf {
        app.problems_page(Some(idx))
    } else {
        app.overview_page(idx)
    };
    app.view = View::Overview;
    app.stacks[0].push(page);
}

// ------------------------------------------------------------------- search

fn search_key(app: &mut App, mut s: SearchState, k: KeyEvent) -> Outcome {
    let mut changed = false;
    match k.code {
        KeyCode::Esc => {
            if s.input.is_empty() {
                return Outcome::redraw();
            }
            s.input.clear();
            changed = true;
        }
        KeyCode::Enter => {
            if let Some(hit) = s.hits.get(s.cursor).cloned() {
                open_hit(app, &hit);
                return Outcome::redraw();
            }
        }
        KeyCode::Down => s.cursor = (s.cursor + 1).min(s.hits.len().saturating_sub(1)),
        KeyCode::Up => s.cursor = s.cursor.saturating_sub(1),
        KeyCode::PageDown => {
            let page = crate::view::search_page(app, &s);
            s.cursor = (s.cursor + page).min(s.hits.len().saturating_sub(1))
        }
        KeyCode::PageUp => s.cursor = s.cursor.saturating_sub(crate::view::search_page(app, &s)),
        _ if is_ctrl(&k, 'n') => s.cursor = (s.cursor + 1).min(s.hits.len().saturating_sub(1)),
        _ if is_ctrl(&k, 'p') => s.cursor = s.cursor.saturating_sub(1),
        _ => match s.input.key(&k) {
            Edit::Changed => changed = true,
            Edit::Moved => {}
            Edit::Nothing | Edit::NotMine => {
                app.overlay = Some(Overlay::Search(s));
                return Outcome::default();
            }
        },
    }
    let mut out = Outcome::redraw();
    if changed {
        query_changed(&mut s, &mut out);
    }
    app.overlay = Some(Overlay::Search(s));
    out
}

fn open_hit(app: &mut App, hit: &Hit) {
    match hit.target {
        Target::Region(r) => open_region(app, r),
        Target::Account(a) | Target::HostUnit(a) => {
            let Some(reg) = app.registry() else { return };
            let Some(acc) = reg.accounts().get(a) else {
                return;
            };
            let round = app.round.as_deref().unwrap_or("");
            let finding = reg
                .findings_of_account(&acc.id)
                .into_iter()
                .rev()
                .find(|&i| reg.findings()[i].round == round)
                .map(|i| reg.findings()[i].id.clone());
            let page = Page::Detail(DetailPage {
                account: acc.id.clone(),
                finding,
                scroll: 0,
            });
            app.stack_mut().push(page);
        }
    }
}

// ------------------------------------------------------------------ filters

fn filter_key(app: &mut App, field: usize, k: KeyEvent) -> Outcome {
    let step: i64 = match k.code {
        KeyCode::Esc | KeyCode::Enter => return Outcome::redraw(),
        KeyCode::Up => {
            app.overlay = Some(Overlay::Filter(field.saturating_sub(1)));
            return Outcome::redraw();
        }
        KeyCode::Down | KeyCode::Tab => {
            app.overlay = Some(Overlay::Filter((field + 1).min(2)));
            return Outcome::redraw();
        }
        KeyCode::Left => -1,
        KeyCode::Right | KeyCode::Char(' ') => 1,
        _ if app.keymap.action(&k) == Some(Action::Filter) => return Outcome::redraw(),
        _ => {
            app.overlay = Some(Overlay::Filter(field));
            return Outcome::default();
        }
    };
    let vals = filter_values(app, field);
    if let Some(Page::Problems(p)) = app.page_mut() {
        let cur = match field {
            0 => p.filter.status.map(|s| s.as_str().to_string()),
            1 => p.filter.indicator.clone(),
            _ => p.filter.platform.clone(),
        };
        let pos = vals.iter().position(|v| *v == cur).unwrap_or(0) as i64;
        let n = vals.len().max(1) as i64;
        let next = vals
            .get(((pos + step).rem_euclid(n)) as usize)
            .cloned()
            .flatten();
        match field {
            0 => p.filter.status = next.as_deref().and_then(Status::parse),
            1 => p.filter.indicator = next,
            _ => p.filter.platform = next,
        }
        p.cursor = 0;
    }
    app.refresh_pages();
    app.overlay = Some(Overlay::Filter(field));
    Outcome::redraw()
}

// ------------------------------------------------------------------ actions

/// The account and finding under the cursor, if any.
pub fn selected(app: &App) -> Option<(String, Option<String>)> {
    match app.page()? {
        Page::Problems(p) => {
            let r = p.rows.get(*p.visible.get(p.cursor)?)?;
            Some((r.account_id.clone(), Some(r.id.clone())))
        }
        Page::Deadlines(p) => {
            let r = p.rows.get(*selectable(&p.lines).get(p.cursor)?)?;
            Some((r.account_id.clone(), Some(r.id.clone())))
        }
        Page::Warnings(p) => Some((p.items.get(p.cursor)?.account.clone(), None)),
        Page::Detail(d) => Some((d.account.clone(), d.finding.clone())),
        Page::Overview(_) => None,
    }
}

fn list_len(page: &Page) -> usize {
    match page {
        Page::Overview(p) => p.visible.len(),
        Page::Problems(p) => p.visible.len(),
        Page::Deadlines(p) => selectable(&p.lines).len(),
        Page::Warnings(p) => p.items.len(),
        Page::Detail(_) => usize::MAX / 2,
    }
}

fn cursor_mut(page: &mut Page) -> &mut usize {
    match page {
        Page::Overview(p) => &mut p.cursor,
        Page::Problems(p) => &mut p.cursor,
        Page::Deadlines(p) => &mut p.cursor,
        Page::Warnings(p) => &mut p.cursor,
        Page::Detail(d) => &mut d.scroll,
    }
}

fn move_cursor(app: &mut App, f: impl Fn(usize, usize, usize) -> usize) -> Outcome {
    // A page is what the list shows, as laid out by the view.
    let h = crate::view::list_rows(app).map_or_else(|| app.list_height(), |r| r.capacity());
    let Some(page) = app.page_mut() else {
        return Outcome::default();
    };
    let len = list_len(page);
    let c = cursor_mut(page);
    let new = f(*c, len, h).min(len.saturating_sub(1));
    if new == *c {
        return Outcome::default();
    }
    *c = new;
    Outcome::redraw()
}

fn switch_view(app: &mut App, view: View) -> Outcome {
    let root = app.registry().map(|r| r.tree().root());
    let scope = app.scope().filter(|s| Some(*s) != root);
    app.view = view;
    let current = match app.stacks[view.index()].first() {
        Some(Page::Problems(p)) => Some(p.scope),
        Some(Page::Deadlines(p)) => Some(p.scope),
        Some(Page::Warnings(p)) => Some(p.scope),
        _ => None,
    };
    if current.is_some_and(|c| c != scope) {
        let page = match view {
            View::Problems => app.problems_page(scope),
            View::Deadlines => app.deadlines_page(scope),
            View::Warnings => app.warnings_page(scope),
            View::Overview => return Outcome::redraw(),
        };
        app.stacks[view.index()] = vec![page];
    }
    Outcome::redraw()
}

fn switch_round(app: &mut App, step: isize) -> Outcome {
    let Some(reg) = app.registry() else {
        return Outcome::default();
    };
    let rounds = reg.rounds();
    let pos = app
        .round
        .as_deref()
        .and_then(|r| rounds.iter().position(|x| x.id == r))
        .unwrap_or(0) as isize;
    let next = pos + step;
    if next < 0 || next as usize >= rounds.len() {
        let text = app.t("status.no_more_rounds").to_string();
        set_status(app, Tone::Info, text);
        return Outcome::redraw();
    }
    app.round = Some(rounds[next as usize].id.clone());
    app.refresh_pages();
    Outcome::redraw()
}

pub fn apply(app: &mut App, action: Action) -> Outcome {
    match action {
        Action::Up => move_cursor(app, |c, _, _| c.saturating_sub(1)),
        Action::Down => move_cursor(app, |c, _, _| c + 1),
        Action::PageUp => move_cursor(app, |c, _, h| c.saturating_sub(h)),
        Action::PageDown => move_cursor(app, |c, _, h| c + h),
        Action::Top => move_cursor(app, |_, _, _| 0),
        Action::Bottom => move_cursor(app, |_, len, _| len.saturating_sub(1)),
        Action::Open => open(app),
        Action::Back => {
            // A message too long for the status line is shown over the page: `Esc`
            // closes it before it goes back.
            if crate::view::message_panel(app, app.width).is_some() {
                app.status = None;
                Outcome::redraw()
            } else if app.stack().len() > 1 {
                app.stack_mut().pop();
                Outcome::redraw()
            } else if app.status.take().is_some() {
                Outcome::redraw()
            } else {
                Outcome::default()
            }
        }
        Action::Overview => switch_view(app, View::Overview),
        Action::Problems => switch_view(app, View::Problems),
        Action::Deadlines => switch_view(app, View::Deadlines),
        Action::Warnings => switch_view(app, View::Warnings),
        Action::NextView => {
            let next = View::ALL[(app.view.index() + 1) % View::ALL.len()];
            switch_view(app, next)
        }
        Action::PrevView => {
            let n = View::ALL.len();
            let prev = View::ALL[(app.view.index() + n - 1) % n];
            switch_view(app, prev)
        }
        Action::PrevRound => switch_round(app, -1),
        Action::NextRound => switch_round(app, 1),
        Action::Search => {
            app.overlay = Some(Overlay::Search(SearchState {
                editing: true,
                done: true,
                ..SearchState::default()
            }));
            Outcome::redraw()
        }
        Action::Filter => {
            if matches!(app.page(), Some(Page::Problems(_))) {
                app.overlay = Some(Overlay::Filter(0));
            } else {
                let text = app.t("status.filter_where").to_string();
                set_status(app, Tone::Info, text);
            }
            Outcome::redraw()
        }
        Action::Sort | Action::ReverseSort => {
            let reverse = action == Action::ReverseSort;
            match app.page_mut() {
                Some(Page::Overview(p)) => {
                    (p.sort, p.dir) = next_sort(&RegionSort::ALL, p.sort, p.dir, reverse);
                }
                Some(Page::Problems(p)) => {
                    (p.sort, p.dir) = next_sort(&FindingSort::ALL, p.sort, p.dir, reverse);
                }
                _ => return Outcome::default(),
            }
            app.refresh_pages();
            Outcome::redraw()
        }
        Action::ProblemsOnly => {
            app.problems_only = !app.problems_only;
            app.refresh_pages();
            Outcome::redraw()
        }
        Action::Verify => open_dialog(app, DialogKind::Verify),
        Action::Reject => open_dialog(app, DialogKind::Reject),
        Action::Rectified => open_dialog(app, DialogKind::Rectified),
        Action::Extend => open_dialog(app, DialogKind::Extend),
        Action::Reopen => open_dialog(app, DialogKind::Reopen),
        Action::Help => {
            app.overlay = Some(Overlay::Help);
            Outcome::redraw()
        }
        Action::Command => {
            app.overlay = Some(Overlay::Command(TextInput::one_line()));
            Outcome::redraw()
        }
        Action::Copy => {
            let Some((account, finding)) = selected(app) else {
                return Outcome::default();
            };
            let name = app
                .registry()
                .and_then(|r| r.account(&account))
                .map_or(account.clone(), |a| a.name.clone());
            let text = match finding {
                Some(f) => format!("{name} {f}"),
                None => name,
            };
            let plan = crate::clipboard::plan(app.opts.copy, app.opts.over_ssh, &text);
            let msg = format!("{}: {}", app.t(plan.label), plan.text);
            set_status(app, Tone::Info, msg);
            if plan.osc52 {
                Outcome::with(Effect::Copy(plan.text))
            } else {
                Outcome::redraw()
            }
        }
        Action::Export => export(app),
        Action::ExportDocx => export_docx(app),
        Action::Reload => {
            app.loading = true;
            Outcome::with(Effect::Load)
        }
        Action::Quit => {
            app.quit = true;
            Outcome::default()
        }
    }
}

/// `s`: the next column in its natural order; `S`: the same column the other way.
fn next_sort<T: Copy + PartialEq>(all: &[T], by: T, dir: SortDir, reverse: bool) -> (T, SortDir) {
    if reverse {
        return (by, dir.flip());
    }
    let i = all.iter().position(|s| *s == by).unwrap_or(0);
    (
        all.get((i + 1) % all.len().max(1)).copied().unwrap_or(by),
        SortDir::Natural,
    )
}

fn open(app: &mut App) -> Outcome {
    let Some(page) = app.page() else {
        return Outcome::default();
    };
    match page {
        Page::Overview(p) => {
            let Some(s) = &p.summary else {
                return Outcome::default();
            };
            let Some(row) = p.visible.get(p.cursor).and_then(|&i| s.rows.get(i)) else {
                return Outcome::default();
            };
            let target = row.region_idx;
            let scope = p.scope;
            match target {
                Some(r) => {
                    let leaf = app
                        .registry()
                        .is_some_and(|g| g.tree().children(r).is_empty());
                    let page = if leaf {
                        app.problems_page(Some(r))
                    } else {
                        app.overview_page(r)
                    };
                    app.stack_mut().push(page);
                }
                // The 本级 row: the accounts registered at the scope itself.
                None => {
                    let page = app.own_level_page(scope);
                    app.stack_mut().push(page);
                }
            }
            Outcome::redraw()
        }
        Page::Problems(_) | Page::Deadlines(_) | Page::Warnings(_) => {
            let Some((account, finding)) = selected(app) else {
                return Outcome::default();
            };
            app.stack_mut().push(Page::Detail(DetailPage {
                account,
                finding,
                scroll: 0,
            }));
            Outcome::redraw()
        }
        Page::Detail(_) => Outcome::default(),
    }
}
