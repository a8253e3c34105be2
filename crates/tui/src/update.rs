//! `update(state, message)`: the only place the console's state changes. Input arrives
//! as key messages and is turned into [`Action`]s through the key map; store results
//! arrive as messages from [`crate::task`]. Anything that needs I/O is returned as an
//! [`Effect`] for the task runner, so this module never blocks and is tested without a
//! terminal or a store.

use chrono::{DateTime, NaiveDate, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::action::{
    Action, CommandAction, DialogAction, EditAction, FilterAction, SearchAction, ViewerAction,
};
use crate::app::{
    App, Data, DetailPage, Dialog, DialogKind, DialogState, ExportKind, Hit, NotesState, Overlay,
    Page, SearchState, StatusLine, Target, Tone, View, filter_values, selectable,
};
use crate::error::TaskError;
use crate::i18n::{I18n, Lang, fill};
use crate::input::{Edit, TextInput};
use govcheck_domain::event::{Actor, Event, EventKind, Status, TransitionError};
use govcheck_domain::listing::{FindingSort, RegionSort, SortDir, WarningSort};
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
    /// The store answered every event of a batch (marked findings).
    BatchWritten(crate::chase::BatchResult),
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
    /// Write the notice attachments as XLSX into the working directory, unless the
    /// file exists (the task answers [`TaskError::Exists`] and the console asks).
    Export {
        file_name: String,
        attachments: Box<govcheck_domain::notice::attachments::Attachments>,
    },
    /// As [`Effect::Export`], replacing an existing file: the supervisor confirmed it.
    ExportReplacing {
        file_name: String,
        attachments: Box<govcheck_domain::notice::attachments::Attachments>,
    },
    /// Record one event per marked finding, each on its own (one may fail, the others
    /// land); answered by one [`Msg::BatchWritten`].
    AppendBatch {
        kind: DialogKind,
        event: EventKind,
        note: Option<String>,
        targets: Vec<crate::marks::Target>,
    },
    /// Write the chasing list (催办清单) as CSV into the working directory.
    ExportChase {
        file_name: String,
        rows: Vec<govcheck_domain::chase::ChaseRow>,
        /// Replace an existing file: the supervisor confirmed it.
        overwrite: bool,
    },
    /// Write the whole notice as DOCX into the working directory.
    ExportDocx {
        file_name: String,
        document: Box<govcheck_domain::notice::document::NoticeDocument>,
        /// Replace an existing file: the supervisor confirmed it.
        overwrite: bool,
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
    // What the navigation aids need around a message: whether a load came from
    // someone else's change, and the selection before a reload (see `crate::nav`).
    let before = crate::nav::before(
        app,
        matches!(msg, Msg::Written { .. }),
        matches!(msg, Msg::Loaded(Ok(_))),
    );
    let out = step(app, msg);
    crate::nav::after(app, before, out.effects.contains(&Effect::Load));
    crate::nav::follow(app);
    out
}

fn step(app: &mut App, msg: Msg) -> Outcome {
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
            // Someone else acted on a finding in view: say who, when and what.
            let others = app.data.as_ref().and_then(|old| {
                let me = data.identity.as_deref().unwrap_or(&app.actor.name);
                crate::chase::others_acted(app, &old.registry, &data.registry, me)
            });
            if let Some(text) = others {
                // After an outcome of ours (saved, refused), both stay on the line.
                match app.status.take() {
                    Some(s) if s.tone != Tone::Info => {
                        set_status(app, s.tone, format!("{} · {text}", s.text));
                    }
                    _ => set_status(app, Tone::Info, text),
                }
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
            if std::mem::take(&mut app.reload_asked) {
                let text = fill(app.t("status.reloaded"), &[("source", &app.source)]);
                set_status(app, Tone::Done, text);
            }
            Outcome::redraw()
        }
        Msg::Loaded(Err(e)) => {
            app.loading = false;
            app.reload_asked = false;
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
        Msg::Exported(Err(TaskError::Exists { path })) => {
            tracing::info!(path = %path.display(), "export target exists: asking");
            app.overlay = Some(Overlay::Overwrite(path.display().to_string()));
            Outcome::redraw()
        }
        Msg::BatchWritten(r) => {
            app.writes_in_flight = app.writes_in_flight.saturating_sub(1);
            for (id, e) in &r.failed {
                tracing::warn!(finding = %id, error = %e, "marked write failed");
            }
            let failed: std::collections::BTreeSet<&str> =
                r.failed.iter().map(|(id, _)| id.as_str()).collect();
            // What landed is unmarked; what failed stays marked, to try again.
            app.marks.ids.retain(|id| failed.contains(id.as_str()));
            let tone = if r.failed.is_empty() {
                Tone::Done
            } else {
                Tone::Error
            };
            let text = batch_text(app, &r);
            set_status(app, tone, text);
            app.loading = true;
            Outcome::with(Effect::Load)
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

/// The status line of a batch: how many landed and which failed, with why.
fn batch_text(app: &App, r: &crate::chase::BatchResult) -> String {
    let mut t = fill(
        app.t("chase.batch_done"),
        &[
            ("action", app.t(r.kind.key())),
            ("done", &r.done.to_string()),
            ("failed", &r.failed.len().to_string()),
        ],
    );
    for (id, e) in &r.failed {
        t.push_str(&format!("; {id}: {}", failure_text(app, e)));
    }
    t
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
        TaskError::Transition(t) => transition_text(app, t),
        TaskError::Io {
            path,
            kind,
            message,
        } => fill(
            app.t("error.io"),
            &[
                ("path", &path.display().to_string()),
                ("what", io_kind_text(app, *kind)),
                ("cause", message),
            ],
        ),
        TaskError::Exists { path } => fill(
            app.t("error.exists"),
            &[("path", &path.display().to_string())],
        ),
        TaskError::Store(cause) => cause.clone(),
        TaskError::Task(cause) => fill(app.t("error.task"), &[("cause", cause)]),
    }
}

/// A file failure's kind in the interface language (the system's own words follow).
fn io_kind_text(app: &App, kind: std::io::ErrorKind) -> &str {
    use std::io::ErrorKind as K;
    app.t(match kind {
        K::PermissionDenied => "error.io_permission",
        K::NotFound => "error.io_not_found",
        K::StorageFull => "error.io_full",
        K::ReadOnlyFilesystem => "error.io_read_only",
        K::AlreadyExists => "error.io_exists",
        _ => "error.io_other",
    })
}

/// Why the domain refused an action, in the interface language: the rule lives in
/// the domain ([`govcheck_domain::event::FindingState::check`]); this only says it.
pub fn transition_text(app: &App, e: &TransitionError) -> String {
    let event = |label: &str| app.t(&format!("ev.{label}")).to_string();
    match e {
        TransitionError::NotAllowed {
            finding,
            status,
            event: ev,
        } => {
            let status = Status::parse(status).map_or_else(
                || status.to_string(),
                |s| crate::view::status_label(app, s).to_string(),
            );
            fill(
                app.t("error.not_allowed"),
                &[
                    ("finding", finding),
                    ("status", &status),
                    ("event", &event(ev)),
                ],
            )
        }
        TransitionError::ReasonRequired { event: ev } => {
            fill(app.t("error.reason_required"), &[("event", &event(ev))])
        }
        TransitionError::NotLater { to, current } => fill(
            app.t("error.not_later"),
            &[("to", &to.to_string()), ("current", &current.to_string())],
        ),
        TransitionError::AlreadyReported(f) => {
            fill(app.t("error.already_reported"), &[("finding", f)])
        }
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
    export_with(app, false)
}

/// The export's file exists: the dialog's confirm key (or `y`) replaces it, any other
/// key leaves it as it is. The same export is built again, now replacing.
fn overwrite_key(app: &mut App, path: String, k: KeyEvent) -> Outcome {
    let yes = app.keymap.dialog(&k) == Some(DialogAction::Confirm)
        || matches!(k.code, KeyCode::Char('y' | 'Y'));
    if yes {
        return match app.last_export {
            ExportKind::Notice => export_docx_with(app, true),
            ExportKind::Attachments | ExportKind::Chase => export_with(app, true),
        };
    }
    let text = fill(app.t("status.not_overwritten"), &[("path", &path)]);
    set_status(app, Tone::Info, text);
    Outcome::redraw()
}

fn export_with(app: &mut App, overwrite: bool) -> Outcome {
    // The deadlines tab: the chasing list of its scope, as `govcheck chase` writes.
    if let Some(Page::Deadlines(p)) = app.page() {
        let scope = p.scope;
        app.last_export = ExportKind::Chase;
        return match crate::chase::export_rows(app, scope) {
            Some((file_name, rows)) => Outcome::with(Effect::ExportChase {
                file_name,
                rows,
                overwrite,
            }),
            None => Outcome::default(),
        };
    }
    let Some((scope, round)) = export_scope(app) else {
        return Outcome::redraw();
    };
    app.last_export = ExportKind::Attachments;
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
            let attachments = Box::new(a);
            Outcome::with(if overwrite {
                Effect::ExportReplacing {
                    file_name,
                    attachments,
                }
            } else {
                Effect::Export {
                    file_name,
                    attachments,
                }
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
    export_docx_with(app, false)
}

fn export_docx_with(app: &mut App, overwrite: bool) -> Outcome {
    app.last_export = ExportKind::Notice;
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
                overwrite,
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

/// Show a message on the status line (a panel when it is too long). Every error shown
/// is logged too, so what a supervisor saw can be found afterwards.
fn set_status(app: &mut App, tone: Tone, text: String) {
    if tone == Tone::Error {
        tracing::warn!(message = %text, "shown as an error");
    }
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
        Some(Overlay::Help) => help_key(app, k),
        Some(Overlay::Notes(n)) => notes_key(app, n, k),
        Some(Overlay::Dialog(d)) => dialog_key(app, d, k),
        Some(Overlay::Command(c)) => command_key(app, c, k),
        Some(Overlay::Search(s)) => search_key(app, s, k),
        Some(Overlay::Filter(f)) => filter_key(app, f, k),
        Some(Overlay::Overwrite(path)) => overwrite_key(app, path, k),
        None => match app.keymap.action(&k) {
            // The next action clears the last message (Back closes it first, and the
            // action sets its own when it has one to say).
            Some(a) if a != Action::Back => {
                let had = app.status.take().is_some();
                let mut out = apply(app, a);
                out.redraw |= had;
                out
            }
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
    match app.keymap.dialog(&k) {
        Some(DialogAction::Cancel) => {
            app.marks.batch = None;
            return Outcome::redraw();
        }
        Some(DialogAction::Confirm) => return confirm(app, d),
        Some(DialogAction::Channel) if d.kind == DialogKind::Remind => {
            app.marks.next_channel();
            app.overlay = Some(Overlay::Dialog(d));
            return Outcome::redraw();
        }
        // Reload only means something after a conflict; otherwise the key types.
        Some(DialogAction::Reload | DialogAction::Channel) | None => {
            match edit(app, &mut d.input, &k) {
                Edit::Changed => {}
                Edit::Moved => {
                    app.overlay = Some(Overlay::Dialog(d));
                    return Outcome::redraw();
                }
                Edit::Nothing | Edit::NotMine => {
                    app.overlay = Some(Overlay::Dialog(d));
                    return Outcome::default();
                }
            }
        }
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
    let action = app.keymap.dialog(&k);
    let reload = matches!(action, Some(DialogAction::Reload | DialogAction::Confirm))
        || app.keymap.action(&k) == Some(Action::Reload);
    if reload {
        app.reselect = Some(d.finding);
        app.status = None;
        app.loading = true;
        app.reload_asked = true;
        return Outcome::with(Effect::Load);
    }
    if action == Some(DialogAction::Cancel) {
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
        DialogKind::Remind => (EventKind::reminded(app.marks.channel()), text),
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
    // Marked findings: one event each, each checked by the store on its own.
    if let Some(targets) = app.marks.batch.take() {
        d.state = DialogState::Saving;
        app.overlay = Some(Overlay::Dialog(d));
        app.writes_in_flight += 1;
        return Outcome::with(Effect::AppendBatch {
            kind: d_kind(app),
            event: kind,
            note,
            targets,
        });
    }
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
        tracing::info!(finding = %d.finding, error = %e, "action refused by the state rule");
        d.state = DialogState::Failed(transition_text(app, &e));
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

/// The kind of the dialog on screen (a batch's answer names it).
fn d_kind(app: &App) -> DialogKind {
    match &app.overlay {
        Some(Overlay::Dialog(d)) => d.kind,
        _ => DialogKind::Verify,
    }
}

/// `v` or the remind key with findings marked: one dialog for all of them.
fn open_batch_dialog(app: &mut App, kind: DialogKind) -> Outcome {
    let targets = crate::chase::targets(app);
    let Some(first) = targets.first() else {
        return Outcome::default();
    };
    let ids: Vec<&str> = targets.iter().map(|t| t.finding.as_str()).collect();
    let status = app
        .registry()
        .and_then(|r| r.finding_index(&first.finding).map(|i| r.state(i).status))
        .unwrap_or(Status::Open);
    let dialog = Dialog {
        kind,
        finding: first.finding.clone(),
        account: format!("{} {}", targets.len(), app.t("chase.findings")),
        problem: ids.join(" "),
        status,
        version: first.version,
        input: TextInput::multi_line(),
        state: DialogState::Editing,
    };
    app.marks.batch = Some(targets);
    app.overlay = Some(Overlay::Dialog(dialog));
    Outcome::redraw()
}

fn open_dialog(app: &mut App, kind: DialogKind) -> Outcome {
    if matches!(kind, DialogKind::Verify | DialogKind::Remind) && !app.marks.ids.is_empty() {
        return open_batch_dialog(app, kind);
    }
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
        DialogKind::Remind => EventKind::reminded(app.marks.channel()),
    };
    let probe = Event {
        finding: finding.clone(),
        kind: probe_kind,
        at: probe_time(),
        by: Actor::default(),
        note: Some("-".into()),
    };
    if let Err(e) = st.check(&probe) {
        let text = transition_text(app, &e);
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

/// A key in a text field: the key map's `[input]` layer, else the key types itself.
fn edit(app: &App, input: &mut TextInput, k: &KeyEvent) -> Edit {
    match app.keymap.edit(k) {
        Some(a) => input.apply(a),
        None => input.type_key(k),
    }
}

/// Where a scrollable panel's `[viewer]` key moves its first line to (`page` lines a
/// screen); `None` for close, and for a key the layer does not bind.
fn scrolled(action: Option<ViewerAction>, at: usize, page: usize) -> Option<usize> {
    let page = page.max(1);
    Some(match action? {
        ViewerAction::Up => at.saturating_sub(1),
        ViewerAction::Down => at.saturating_add(1),
        ViewerAction::PageUp => at.saturating_sub(page),
        ViewerAction::PageDown => at.saturating_add(page),
        ViewerAction::Top => 0,
        ViewerAction::Bottom => usize::MAX / 2,
        ViewerAction::Close => return None,
    })
}

/// The help scrolls with the `[viewer]` keys (the input layers' keys follow the main
/// ones); any other key closes it, as it always has.
fn help_key(app: &mut App, k: KeyEvent) -> Outcome {
    let page = usize::from(app.height.saturating_sub(6));
    match scrolled(app.keymap.viewer(&k), app.help_scroll, page) {
        Some(at) => {
            app.help_scroll = at.min(crate::view::help::max_scroll(app));
            app.overlay = Some(Overlay::Help);
            Outcome::redraw()
        }
        None => {
            app.help_scroll = 0;
            Outcome::redraw()
        }
    }
}

/// The note viewer: the `[viewer]` keys scroll, close (or `Back`) closes.
fn notes_key(app: &mut App, mut n: NotesState, k: KeyEvent) -> Outcome {
    let page = usize::from(app.height.saturating_sub(6));
    match scrolled(app.keymap.viewer(&k), n.scroll, page) {
        Some(at) => {
            n.scroll = at.min(crate::view::detail::notes_max_scroll(app, &n));
            app.overlay = Some(Overlay::Notes(n));
            Outcome::redraw()
        }
        None if app.keymap.viewer(&k) == Some(ViewerAction::Close)
            || app.keymap.action(&k) == Some(Action::Back) =>
        {
            Outcome::redraw()
        }
        None => {
            app.overlay = Some(Overlay::Notes(n));
            Outcome::default()
        }
    }
}

// ------------------------------------------------------------- command line

fn command_key(app: &mut App, mut c: TextInput, k: KeyEvent) -> Outcome {
    match app.keymap.command(&k) {
        Some(CommandAction::Cancel) => return Outcome::redraw(),
        Some(CommandAction::Run) => return run_command(app, c.text()),
        Some(CommandAction::Complete) => {
            let done = complete_command(&mut c);
            app.overlay = Some(Overlay::Command(c));
            return if done {
                Outcome::redraw()
            } else {
                Outcome::default()
            };
        }
        None => {}
    }
    // Backspace on an empty line closes it, as in vi.
    if c.is_empty() && app.keymap.edit(&k) == Some(EditAction::Backspace) {
        return Outcome::redraw();
    }
    let edit = edit(app, &mut c, &k);
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
                let text = fill(app.t("status.round_set"), &[("round", arg)]);
                set_status(app, Tone::Done, text);
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
            match crate::nav::find_region(app, arg) {
                Ok(idx) => {
                    // Found: the error of an earlier attempt is no longer true.
                    app.status = None;
                    open_region(app, idx);
                }
                Err(text) => set_status(app, Tone::Error, text),
            }
            Outcome::redraw()
        }
        "lang" => {
            match Lang::parse(arg) {
                Some(l) => {
                    app.opts.lang = l;
                    app.i18n = std::sync::Arc::new(I18n::new(l));
                }
                None => {
                    let text = fill(app.t("status.bad_lang"), &[("lang", arg)]);
                    set_status(app, Tone::Error, text)
                }
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
                    let text = fill(app.t("status.as_of_set"), &[("date", &d.to_string())]);
                    set_status(app, Tone::Done, text);
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
    let last = s.hits.len().saturating_sub(1);
    match app.keymap.search(&k) {
        Some(SearchAction::Clear) => {
            if s.input.is_empty() {
                return Outcome::redraw();
            }
            s.input.clear();
            changed = true;
        }
        Some(SearchAction::Open) => {
            if let Some(hit) = s.hits.get(s.cursor).cloned() {
                open_hit(app, &hit);
                return Outcome::redraw();
            }
        }
        Some(SearchAction::Down) => s.cursor = (s.cursor + 1).min(last),
        Some(SearchAction::Up) => s.cursor = s.cursor.saturating_sub(1),
        Some(SearchAction::PageDown) => {
            let page = crate::view::search_page(app, &s);
            s.cursor = (s.cursor + page).min(last)
        }
        Some(SearchAction::PageUp) => {
            s.cursor = s.cursor.saturating_sub(crate::view::search_page(app, &s))
        }
        None => match edit(app, &mut s.input, &k) {
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
                other: 0,
            });
            app.stack_mut().push(page);
        }
    }
}

// ------------------------------------------------------------------ filters

fn filter_key(app: &mut App, field: usize, k: KeyEvent) -> Outcome {
    let step: i64 = match app.keymap.filter(&k) {
        Some(FilterAction::Done) => return Outcome::redraw(),
        Some(FilterAction::PrevField) => {
            app.overlay = Some(Overlay::Filter(field.saturating_sub(1)));
            return Outcome::redraw();
        }
        Some(FilterAction::NextField) => {
            app.overlay = Some(Overlay::Filter((field + 1).min(2)));
            return Outcome::redraw();
        }
        Some(FilterAction::PrevValue) => -1,
        Some(FilterAction::NextValue) => 1,
        None if app.keymap.action(&k) == Some(Action::Filter) => return Outcome::redraw(),
        None => {
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
            } else if crate::nav::scope_up(app) || app.status.take().is_some() {
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
            // The column's name and whether it now ascends, for the message.
            let (col, asc) = match app.page_mut() {
                Some(Page::Overview(p)) => {
                    (p.sort, p.dir) = next_sort(&RegionSort::ALL, p.sort, p.dir, reverse);
                    (p.sort.name(), p.sort.ascending(p.dir))
                }
                Some(Page::Problems(p)) => {
                    (p.sort, p.dir) = next_sort(&FindingSort::ALL, p.sort, p.dir, reverse);
                    (p.sort.name(), p.sort.ascending(p.dir))
                }
                Some(Page::Deadlines(p)) => {
                    (p.sort, p.dir) = next_sort(&FindingSort::ALL, p.sort, p.dir, reverse);
                    (p.sort.name(), p.sort.ascending(p.dir))
                }
                Some(Page::Warnings(p)) => {
                    (p.sort, p.dir) = next_sort(&WarningSort::ALL, p.sort, p.dir, reverse);
                    (p.sort.name(), p.sort.ascending(p.dir))
                }
                Some(Page::Detail(_)) | None => {
                    let text = app.t("status.sort_where").to_string();
                    set_status(app, Tone::Info, text);
                    return Outcome::redraw();
                }
            };
            app.refresh_pages();
            let marker = crate::view::theme(app).sort_marker(asc);
            let text = fill(
                app.t("status.sorted"),
                &[("col", app.t(&format!("col.{col}"))), ("dir", marker)],
            );
            set_status(app, Tone::Info, text);
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
        Action::Remind => open_dialog(app, DialogKind::Remind),
        Action::Mark => mark(app),
        Action::Help => {
            app.help_scroll = 0;
            app.overlay = Some(Overlay::Help);
            Outcome::redraw()
        }
        Action::Notes => {
            let Some((_, Some(finding))) = selected(app) else {
                set_status(app, Tone::Info, app.t("status.no_finding").to_string());
                return Outcome::redraw();
            };
            app.overlay = Some(Overlay::Notes(NotesState { finding, scroll: 0 }));
            Outcome::redraw()
        }
        Action::Command => {
            app.overlay = Some(Overlay::Command(TextInput::one_line()));
            Outcome::redraw()
        }
        Action::Copy => {
            let text = match (selected(app), app.page()) {
                (Some((account, finding)), page) => {
                    let a = app.registry().and_then(|r| r.account(&account));
                    let phone = a.and_then(|a| a.phone.clone());
                    let name = a.map_or(account.clone(), |a| a.name.clone());
                    match (finding, page) {
                        // The detail is where a supervisor picks up the phone: `y` copies it.
                        (_, Some(Page::Detail(_))) if phone.is_some() => phone.unwrap_or_default(),
                        (Some(f), _) => format!("{name} {f}"),
                        (None, _) => name,
                    }
                }
                // The overview: the selected region's row as the notice prints it.
                (None, Some(Page::Overview(p))) => {
                    let Some(row) = p
                        .summary
                        .as_ref()
                        .and_then(|s| p.visible.get(p.cursor).and_then(|&i| s.rows.get(i)))
                    else {
                        return Outcome::default();
                    };
                    fill(
                        app.t("status.copy_region"),
                        &[
                            ("region", &row.region),
                            ("total", &row.total.to_string()),
                            ("inspected", &row.inspected.to_string()),
                            ("problems", &row.problems.to_string()),
                            ("rate", &row.pass_rate.to_string()),
                        ],
                    )
                }
                (None, _) => {
                    let text = app.t("status.nothing_to_copy").to_string();
                    set_status(app, Tone::Info, text);
                    return Outcome::redraw();
                }
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
            app.reload_asked = true;
            let text = app.t("status.reloading").to_string();
            set_status(app, Tone::Info, text);
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
                other: 0,
            }));
            Outcome::redraw()
        }
        // The selected finding of another round.
        Page::Detail(d) => {
            let Some(reg) = app.registry() else {
                return Outcome::default();
            };
            let others = crate::chase::other_findings(reg, &d.account, d.finding.as_deref());
            let Some(&i) = others.get(d.other) else {
                return Outcome::default();
            };
            let page = Page::Detail(DetailPage {
                account: d.account.clone(),
                finding: Some(reg.findings()[i].id.clone()),
                scroll: 0,
                other: 0,
            });
            app.stack_mut().push(page);
            Outcome::redraw()
        }
    }
}

/// Space: mark or unmark the selected finding of a list and move on; in the detail,
/// select the next of the account's findings in other rounds (Enter opens it).
fn mark(app: &mut App) -> Outcome {
    if let Some(Page::Detail(d)) = app.page() {
        let n = app.registry().map_or(0, |r| {
            crate::chase::other_findings(r, &d.account, d.finding.as_deref()).len()
        });
        if let Some(Page::Detail(d)) = app.page_mut() {
            d.other = if n == 0 { 0 } else { (d.other + 1) % n };
        }
        return Outcome::redraw();
    }
    if !matches!(app.page(), Some(Page::Problems(_) | Page::Deadlines(_))) {
        return Outcome::default();
    }
    let Some((_, Some(finding))) = selected(app) else {
        return Outcome::default();
    };
    let on = app.marks.toggle(&finding);
    let text = format!(
        "{finding} {} ({} {})",
        app.t(if on { "chase.marked" } else { "chase.unmarked" }),
        app.marks.ids.len(),
        app.t("chase.findings")
    );
    set_status(app, Tone::Info, text);
    apply(app, Action::Down);
    Outcome::redraw()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Options;
    use crate::keymap::Keymap;
    use govcheck_domain::indicator::Catalogue;
    use govcheck_store::demo::create_demo_store;
    use govcheck_store::import::ImportContext;

    /// The demo, loaded into a console with key map `km`, at 80×24.
    pub(crate) fn demo_app(km: Keymap, lang: Lang) -> (tempfile::TempDir, App) {
        let dir = tempfile::tempdir().expect("tempdir");
        let cat = Catalogue::builtin();
        let ictx = ImportContext {
            catalogue: &cat,
            tz: chrono_tz::Asia::Shanghai,
            actor: Actor {
                name: "演示".into(),
                ..Actor::default()
            },
            now: DateTime::parse_from_rfc3339("2022-03-27T09:00:00+08:00").expect("time"),
            reported_at: None,
        };
        let (store, _) = create_demo_store(&dir.path().join("s"), &ictx).expect("demo");
        let opts = Options {
            lang,
            ascii: false,
            color: false,
            mouse: false,
            copy: govcheck_settings::CopyMode::Auto,
            over_ssh: false,
            due_soon_days: 3,
            good_rate: 100.0,
            warn_rate: 99.0,
            warn_after_days: 10,
        };
        let mut app = App::new(
            opts,
            km,
            cat,
            chrono_tz::Asia::Shanghai,
            NaiveDate::from_ymd_opt(2022, 5, 1).expect("date"),
            Actor::default(),
            "local: /tmp/demo".into(),
        );
        let loaded = crate::task::load(&store).expect("load");
        update(&mut app, Msg::Loaded(Ok(loaded)));
        (dir, app)
    }

    pub(crate) fn user_keymap(text: &str) -> Keymap {
        let cfg: toml::Table = toml::from_str(text).expect("toml");
        let keys = cfg["keys"].as_table().expect("keys").clone();
        Keymap::with_overrides(std::path::Path::new("config.toml"), text, &keys).expect("valid")
    }

    /// The detail of finding `id`, as Enter on its row opens it.
    pub(crate) fn open_detail(app: &mut App, id: &str) {
        let account = app
            .registry()
            .and_then(|r| r.finding_index(id).map(|i| r.findings()[i].account.clone()))
            .expect("finding");
        app.stack_mut().push(Page::Detail(DetailPage {
            account,
            finding: Some(id.into()),
            scroll: 0,
            other: 0,
        }));
    }

    pub(crate) fn press(app: &mut App, code: KeyCode, m: KeyModifiers) -> Outcome {
        update(app, Msg::Key(KeyEvent::new(code, m)))
    }

    #[test]
    fn a_remapped_dialog_key_confirms_and_the_default_one_no_longer_does() {
        let km = user_keymap("[keys.dialog]\nconfirm = [\"Ctrl-s\"]\ncancel = [\"Ctrl-g\"]\n");
        let (_dir, mut app) = demo_app(km, Lang::Zh);
        open_detail(&mut app, "2022Q1-0008");
        press(&mut app, KeyCode::Char('r'), KeyModifiers::NONE);
        assert!(matches!(app.overlay, Some(Overlay::Dialog(_))), "r opens");
        for c in "ok".chars() {
            press(&mut app, KeyCode::Char(c), KeyModifiers::NONE);
        }
        // Enter and Esc are no longer the dialog's: nothing is sent, nothing closes.
        let out = press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        assert!(out.effects.is_empty(), "{:?}", out.effects);
        press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
        assert!(
            matches!(app.overlay, Some(Overlay::Dialog(_))),
            "Esc unbound"
        );
        let out = press(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert!(
            matches!(
                out.effects.as_slice(),
                [Effect::Append { finding, note: Some(n), event: EventKind::RectificationReported, .. }]
                    if finding == "2022Q1-0008" && n == "ok"
            ),
            "{:?}",
            out.effects
        );
    }

    #[test]
    fn remapped_keys_reach_the_search_the_filters_the_command_line_and_editing() {
        let km = user_keymap(
            "[keys.search_box]\nopen = [\"Ctrl-o\"]\n[keys.command_line]\nrun = [\"Ctrl-j\"]\n\
             [keys.text_field]\nhome = [\"Ctrl-t\"]\n[keys.filter_box]\ndone = [\"q\"]\n",
        );
        let (_dir, mut app) = demo_app(km, Lang::Zh);
        // Command line: Ctrl-t goes home (editing layer), Ctrl-j runs.
        press(&mut app, KeyCode::Char(':'), KeyModifiers::NONE);
        for c in "2022-04-01".chars() {
            press(&mut app, KeyCode::Char(c), KeyModifiers::NONE);
        }
        press(&mut app, KeyCode::Char('t'), KeyModifiers::CONTROL);
        for c in "as-of ".chars() {
            press(&mut app, KeyCode::Char(c), KeyModifiers::NONE);
        }
        press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        assert!(
            matches!(app.overlay, Some(Overlay::Command(_))),
            "Enter unbound"
        );
        press(&mut app, KeyCode::Char('j'), KeyModifiers::CONTROL);
        assert_eq!(app.as_of, NaiveDate::from_ymd_opt(2022, 4, 1).expect("d"));
        assert!(app.overlay.is_none());
        // Filters: `q` is done.
        press(&mut app, KeyCode::Char('2'), KeyModifiers::NONE);
        press(&mut app, KeyCode::Char('f'), KeyModifiers::NONE);
        assert!(matches!(app.overlay, Some(Overlay::Filter(0))));
        press(&mut app, KeyCode::Char('q'), KeyModifiers::NONE);
        assert!(app.overlay.is_none());
        assert!(!app.quit);
        // Search: Ctrl-o opens, Enter types nothing and opens nothing.
        press(&mut app, KeyCode::Char('/'), KeyModifiers::NONE);
        update(
            &mut app,
            Msg::SearchDone {
                generation: 0,
                hits: Vec::new(),
                total: 0,
            },
        );
        let Some(Overlay::Search(s)) = &mut app.overlay else {
            panic!("search open");
        };
        let reg = app.data.as_ref().expect("data").registry.clone();
        let acc = reg.account_index(&reg.findings()[0].account).expect("acc");
        s.hits = vec![Hit {
            target: Target::Account(acc),
            score: 1,
            positions: Vec::new(),
        }];
        press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        assert!(
            matches!(app.overlay, Some(Overlay::Search(_))),
            "Enter unbound"
        );
        press(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
        assert!(app.overlay.is_none());
        assert!(matches!(app.page(), Some(Page::Detail(_))));
    }

    /// The screen as text at `w`×`h`, drawn as the console draws it.
    pub(crate) fn screen(app: &mut App, w: u16, h: u16) -> String {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        update(app, Msg::Resize(w, h));
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        t.draw(|f| crate::view::render(f, app)).expect("draw");
        let buf = t.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..h {
            let mut skip = 0;
            for x in 0..w {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let sym = buf.cell((x, y)).map_or(" ", |c| c.symbol());
                skip = govcheck_domain::text::width(sym).saturating_sub(1);
                out.push_str(sym);
            }
            out.push('\n');
        }
        out
    }

    /// Record `event` in the console's copy of the registry, as a reload would show it.
    fn record(app: &mut App, kind: EventKind, note: &str) {
        let data = app.data.as_mut().expect("data");
        let mut reg = (*data.registry).clone();
        reg.apply_all([govcheck_domain::registry::Change::Event(Event {
            finding: "2022Q1-0008".into(),
            kind,
            at: DateTime::parse_from_rfc3339("2022-04-20T10:00:00+08:00").expect("time"),
            by: Actor {
                name: "李四".into(),
                ..Actor::default()
            },
            note: Some(note.into()),
        })])
        .expect("event fits");
        data.registry = std::sync::Arc::new(reg);
        app.refresh_pages();
    }

    fn status(app: &App) -> String {
        app.status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }

    fn key(app: &mut App, c: char) -> Outcome {
        press(app, KeyCode::Char(c), KeyModifiers::NONE)
    }

    /// Item 2: a long note is never cut: the detail wraps it, `n` shows it whole.
    #[test]
    fn a_long_note_wraps_in_the_detail_and_reads_whole_in_the_note_viewer() {
        let note = format!(
            "主办单位报送：{}。结尾标记END",
            "已恢复更新并补发近两周内容".repeat(12)
        );
        for lang in [Lang::Zh, Lang::En] {
            for (w, h) in [(80, 24), (120, 40)] {
                let (_dir, mut app) = demo_app(Keymap::defaults(), lang);
                record(&mut app, EventKind::RectificationReported, &note);
                open_detail(&mut app, "2022Q1-0008");
                press(&mut app, KeyCode::End, KeyModifiers::NONE);
                let s = screen(&mut app, w, h);
                let joined: String = s.split_whitespace().collect::<String>().replace('│', "");
                assert!(
                    joined.contains("结尾标记END"),
                    "{lang:?} {w}x{h}: the note's end\n{s}"
                );
                let body_cut = s
                    .lines()
                    .filter(|l| l.starts_with('│'))
                    .any(|l| l.contains('…'));
                assert!(!body_cut, "{lang:?} {w}x{h}: nothing cut\n{s}");
                key(&mut app, 'n');
                assert!(
                    matches!(app.overlay, Some(Overlay::Notes(_))),
                    "n opens the viewer"
                );
                let mut seen = String::new();
                for _ in 0..20 {
                    let s = screen(&mut app, w, h);
                    seen.push_str(&s.split_whitespace().collect::<String>().replace('│', ""));
                    press(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
                }
                assert!(seen.contains("主办单位报送："), "{lang:?} {w}x{h}\n{seen}");
                assert!(seen.contains("结尾标记END"), "{lang:?} {w}x{h}\n{seen}");
                assert!(seen.contains("李四"), "{seen}");
                press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
                assert!(app.overlay.is_none(), "Esc closes the viewer");
                assert!(
                    matches!(app.page(), Some(Page::Detail(_))),
                    "and stays on the detail"
                );
            }
        }
    }

    /// Item 3: the domain's refusals are said in the interface language.
    #[test]
    fn refusals_and_file_errors_are_said_in_the_interface_language() {
        let (_dir, mut app) = demo_app(Keymap::defaults(), Lang::Zh);
        open_detail(&mut app, "2022Q1-0008");
        key(&mut app, 'x');
        assert_eq!(
            status(&app),
            "问题 2022Q1-0008 当前为待整改，不能记录“退回”"
        );
        record(&mut app, EventKind::RectificationReported, "已整改");
        key(&mut app, 'x');
        assert!(matches!(app.overlay, Some(Overlay::Dialog(_))));
        press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        let Some(Overlay::Dialog(d)) = &app.overlay else {
            panic!("dialog stays open");
        };
        assert_eq!(d.state, DialogState::Failed("退回须填写理由".into()));
        for (w, h) in [(80, 24), (120, 40)] {
            let s = screen(&mut app, w, h);
            assert!(s.contains("退回须填写理由"), "{w}x{h}\n{s}");
            assert!(!s.contains("needs a reason"), "{s}");
        }
        let io = TaskError::Io {
            path: "/srv/out/2022Q1.xlsx".into(),
            kind: std::io::ErrorKind::PermissionDenied,
            message: "Permission denied (os error 13)".into(),
        };
        let text = failure_text(&app, &io);
        assert!(
            text.contains("/srv/out/2022Q1.xlsx") && text.contains("没有写入权限"),
            "{text}"
        );
        let (_dir, mut en) = demo_app(Keymap::defaults(), Lang::En);
        open_detail(&mut en, "2022Q1-0008");
        key(&mut en, 'x');
        assert_eq!(
            status(&en),
            "finding 2022Q1-0008 is open: cannot record rejected"
        );
    }

    /// Item 12: keys that do something say so; the next action clears the message;
    /// sorting works on the deadlines and warnings tabs and keeps the selection.
    #[test]
    fn keys_say_what_they_did_and_sorting_keeps_the_selection() {
        for lang in [Lang::Zh, Lang::En] {
            let (_dir, mut app) = demo_app(Keymap::defaults(), lang);
            let copied = app.t("status.copied").to_string();
            let sorted_word = app.t("label.sort").to_string();
            key(&mut app, 'y');
            let said = status(&app);
            assert!(said.contains("省本级") || said.contains(&copied), "{said}");
            assert!(said.contains("100.00%"), "the row's figures: {said}");
            key(&mut app, 'j');
            assert!(app.status.is_none(), "the next action clears the message");
            // Deadlines: sort, and the cursor stays on the same finding.
            key(&mut app, '3');
            key(&mut app, 'j');
            key(&mut app, 'j');
            let before = selected(&app).and_then(|(_, f)| f).expect("a finding");
            key(&mut app, 's');
            assert!(!status(&app).is_empty(), "s says how it sorted");
            assert_eq!(selected(&app).and_then(|(_, f)| f), Some(before.clone()));
            key(&mut app, 'S');
            assert_eq!(selected(&app).and_then(|(_, f)| f), Some(before));
            for (w, h) in [(80, 24), (120, 40)] {
                let s = screen(&mut app, w, h);
                assert!(s.contains(&sorted_word), "{lang:?} {w}x{h}\n{s}");
            }
            // Warnings: `s` sorts (or says nothing to sort when empty) and says so.
            key(&mut app, '4');
            key(&mut app, 's');
            assert!(!status(&app).is_empty());
            // Ctrl-r: says it reloads, then that it did.
            let out = press(&mut app, KeyCode::Char('r'), KeyModifiers::CONTROL);
            assert!(out.effects.contains(&Effect::Load));
            let loaded = app.data.clone().expect("data");
            let token = app.token.unwrap_or(0);
            update(&mut app, Msg::Loaded(Ok((loaded, token))));
            assert!(
                status(&app).contains("local: /tmp/demo"),
                "{}",
                status(&app)
            );
            // :as-of says the new day.
            run_command(&mut app, "as-of 2022-04-01");
            assert!(status(&app).contains("2022-04-01"), "{}", status(&app));
        }
    }

    /// "The file exists; replace it?" answered `y` repeats the export that asked, now
    /// replacing: the .docx after `E`, the chasing list after `e` on the deadlines tab
    /// (not the attachments, which `e` on the overview writes).
    #[test]
    fn replacing_a_file_repeats_the_export_that_asked() {
        let (_dir, mut app) = demo_app(Keymap::defaults(), Lang::Zh);
        let exists = |p: &str| {
            Msg::Exported(Err(TaskError::Exists {
                path: std::path::PathBuf::from(p),
            }))
        };
        let out = key(&mut app, 'E');
        assert!(
            matches!(
                out.effects.as_slice(),
                [Effect::ExportDocx {
                    overwrite: false,
                    ..
                }]
            ),
            "{:?}",
            out.effects
        );
        update(&mut app, exists("/w/2022Q1-浙江省-通报.docx"));
        let out = key(&mut app, 'y');
        assert!(
            matches!(
                out.effects.as_slice(),
                [Effect::ExportDocx {
                    overwrite: true,
                    ..
                }]
            ),
            "{:?}",
            out.effects
        );
        key(&mut app, '3');
        let out = key(&mut app, 'e');
        assert!(
            matches!(
                out.effects.as_slice(),
                [Effect::ExportChase {
                    overwrite: false,
                    ..
                }]
            ),
            "{:?}",
            out.effects
        );
        update(&mut app, exists("/w/2022Q1-浙江省-催办清单.csv"));
        assert!(matches!(app.overlay, Some(Overlay::Overwrite(_))));
        let out = key(&mut app, 'y');
        assert!(
            matches!(
                out.effects.as_slice(),
                [Effect::ExportChase {
                    overwrite: true,
                    ..
                }]
            ),
            "{:?}",
            out.effects
        );
    }

    /// Item 16: no raw English in the Chinese interface; 完成率 on the overview; the
    /// export asks before it replaces a file; verifying an open finding says so.
    #[test]
    fn chinese_values_completion_and_asking_before_overwriting() {
        let (_dir, mut app) = demo_app(Keymap::defaults(), Lang::Zh);
        for (w, h) in [(80, 24), (120, 40)] {
            let s = screen(&mut app, w, h);
            // 完成率 is the first column to go on a narrow screen.
            assert!(w < 120 || s.contains("完成率"), "{w}x{h}\n{s}");
            assert!(s.contains("问题数计账号"), "{w}x{h}\n{s}");
        }
        open_detail(&mut app, "2022Q1-0008");
        for (w, h) in [(80, 24), (120, 40)] {
            let s = screen(&mut app, w, h);
            assert!(
                s.contains("运营中") && !s.contains("operating"),
                "{w}x{h}\n{s}"
            );
        }
        key(&mut app, 'v');
        let s = screen(&mut app, 80, 24);
        assert!(s.contains("尚未报送整改"), "{s}");
        press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
        // Export: the file exists, so the console asks; `n` keeps it, `y` replaces it.
        update(
            &mut app,
            Msg::Exported(Err(TaskError::Exists {
                path: "/w/2022Q1-浙江省-通报附件.xlsx".into(),
            })),
        );
        assert!(matches!(app.overlay, Some(Overlay::Overwrite(_))));
        for (w, h) in [(80, 24), (120, 40)] {
            let s = screen(&mut app, w, h);
            assert!(s.contains("已存在"), "{w}x{h}\n{s}");
        }
        let out = key(&mut app, 'n');
        assert!(out.effects.is_empty());
        assert!(status(&app).contains("未导出"), "{}", status(&app));
        app.stack_mut().truncate(1);
        update(
            &mut app,
            Msg::Exported(Err(TaskError::Exists {
                path: "/w/x.xlsx".into(),
            })),
        );
        let out = key(&mut app, 'y');
        assert!(
            matches!(out.effects.as_slice(), [Effect::ExportReplacing { .. }]),
            "{:?}",
            out.effects
        );
        let out = key(&mut app, 'e');
        assert!(
            matches!(out.effects.as_slice(), [Effect::Export { .. }]),
            "e alone never replaces: {:?}",
            out.effects
        );
    }
}
