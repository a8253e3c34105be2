//! The supervision console: `govcheck` with no arguments.
//!
//! Unidirectional data flow, as in the ratatui component template and gitui:
//! terminal input → [`action::Action`] (through the [`keymap`]) → [`update::update`]
//! changes the [`app::App`] state → [`view::render`], a pure function of the state.
//! Store reads and writes run as tokio tasks ([`task`]) whose results come back as
//! messages; the UI never blocks on I/O and redraws only when something changed, so an
//! idle console writes nothing to the terminal.

pub mod action;
pub mod app;
pub mod chase;
pub mod clipboard;
pub mod error;
pub mod i18n;
pub mod input;
pub mod keymap;
pub mod log;
pub mod marks;
pub mod nav;
pub mod rollup;
pub mod scroll;
pub mod task;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, bail};
use ratatui::crossterm::event::{self, Event};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use std::path::PathBuf;

use chrono::NaiveDate;
use chrono_tz::Tz;
use govcheck_domain::event::Actor;
use govcheck_domain::indicator::Catalogue;
use govcheck_settings::Settings;
use govcheck_store::RegistrySource;

use app::{App, Options};
use keymap::Keymap;
use task::Tasks;
use update::{Effect, Msg, update};

/// What the console opens with: gathered by the command line from the settings, the
/// flags and the environment, so the console knows nothing of how they were given.
#[derive(Debug, Clone)]
pub struct Launch {
    pub settings: Settings,
    /// The configuration file, re-read for the `[keys]` table's line numbers.
    pub config_path: PathBuf,
    pub catalogue: Catalogue,
    pub tz: Tz,
    pub as_of: NaiveDate,
    pub actor: Actor,
    /// Where the console's log goes.
    pub state_dir: PathBuf,
    /// Set when no store is configured and the demo was just created here for this
    /// user (a private copy): the console says how to open the shared store instead.
    pub first_run_demo: Option<PathBuf>,
}

/// Build the initial state from the configuration: the key map is checked here, so a
/// bad `[keys]` table stops the console before the terminal is touched.
pub fn initial_state(ctx: &Launch, source: &dyn RegistrySource) -> anyhow::Result<App> {
    let text = match std::fs::read_to_string(&ctx.config_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| ctx.config_path.display().to_string()),
    };
    let keymap = Keymap::with_overrides(&ctx.config_path, &text, &ctx.settings.keys)?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let opts = Options::from_settings(&ctx.settings, no_color);
    let mut app = App::new(
        opts,
        keymap,
        ctx.catalogue.clone(),
        ctx.tz,
        ctx.as_of,
        ctx.actor.clone(),
        source.describe(),
    );
    if let Some(dir) = &ctx.first_run_demo {
        let text = i18n::fill(
            app.t("nav.demo_first_run"),
            &[("path", &dir.display().to_string())],
        );
        app.status = Some(app::StatusLine {
            text: govcheck_domain::text::sanitize(&text),
            tone: app::Tone::Info,
        });
    }
    Ok(app)
}

/// Open the console on `source`; returns the exit code (129 after SIGHUP, 143 after
/// SIGTERM). `started` is when the process began: the log records how long the first
/// full frame took from there (what `benches/console_start.sh` reads).
pub fn run(ctx: &Launch, source: Arc<dyn RegistrySource>, started: Instant) -> anyhow::Result<i32> {
    let app = initial_state(ctx, source.as_ref())?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("the console needs a terminal; for scripts use the commands (`govcheck --help`)");
    }
    // Before the terminal is taken: a bad GOVCHECK_LOG is said on a usable screen.
    let filter = govcheck_logging::filter_from_env()?;
    // From here on the console's `tracing` events go to its log file, never the screen;
    // dropping `log` at the end of `run` writes what is still queued.
    let log = log::Log::open(&ctx.state_dir, ctx.tz, filter);
    log.install();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    // `log` outlives `rt` (dropped in reverse order): the runtime's last events are
    // written too.
    rt.block_on(event_loop(app, source, started))
}

/// Terminal events, read on a thread of their own (the read blocks), as messages.
fn spawn_input(tx: mpsc::UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match event::read() {
                Ok(Event::Key(k)) => Msg::Key(k),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(Event::Paste(text)) => Msg::Paste(text),
                Ok(Event::Mouse(m)) => match m.kind {
                    event::MouseEventKind::ScrollDown => Msg::Scroll(1),
                    event::MouseEventKind::ScrollUp => Msg::Scroll(-1),
                    event::MouseEventKind::Down(event::MouseButton::Left) => {
                        Msg::Click(m.column, m.row)
                    }
                    _ => continue,
                },
                Ok(_) => continue,
                Err(_) => Msg::InputClosed,
            };
            let closed = matches!(msg, Msg::InputClosed);
            if tx.send(msg).is_err() || closed {
                break;
            }
        }
    });
}

async fn event_loop(
    mut app: App,
    source: Arc<dyn RegistrySource>,
    started: Instant,
) -> anyhow::Result<i32> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut tasks = Tasks::new(tx.clone(), source.clone(), app.actor.clone(), app.tz);
    let mut hup = signal(SignalKind::hangup()).context("SIGHUP handler")?;
    let mut term_sig = signal(SignalKind::terminate()).context("SIGTERM handler")?;
    let mouse = app.opts.mouse;
    tracing::info!("console start on {}", source.describe());
    let mut term = terminal::enter(mouse).context("opening the terminal")?;
    if let Ok(size) = term.size() {
        app.width = size.width;
        app.height = size.height;
    }
    spawn_input(tx.clone());
    let poll = tasks.start_polling(task::POLL_EVERY);
    tasks.run(Effect::Load);

    let mut redraw = true;
    let mut code = 0;
    let mut timing = StartTiming::default();
    loop {
        if redraw {
            if let Err(e) = terminal::draw(&mut term, &app) {
                tracing::error!("terminal write failed, leaving: {e}");
                code = 1;
                break;
            }
            redraw = false;
            tasks.frame_drawn();
            timing.drawn(&app, started);
        }
        tokio::select! {
            m = rx.recv() => {
                let Some(m) = m else { break };
                redraw |= handle(&mut app, &mut tasks, m);
                // Coalesce a burst (key repeat, a load and a poll) into one frame.
                while let Ok(m) = rx.try_recv() {
                    redraw |= handle(&mut app, &mut tasks, m);
                }
            }
            _ = hup.recv() => {
                tracing::info!("SIGHUP: the terminal went away");
                code = 129;
                break;
            }
            _ = term_sig.recv() => {
                tracing::info!("SIGTERM");
                code = 143;
                break;
            }
        }
        if app.quit {
            break;
        }
    }
    poll.abort();
    tasks.finish_writes().await;
    terminal::restore(mouse);
    tracing::info!("console exit {code}");
    Ok(code)
}

/// Start-up milestones, each logged once, in milliseconds from process start: the
/// first frame with the registry's figures, and the one after the search index and
/// posts (phase two) arrived.
#[derive(Default)]
struct StartTiming {
    first_full: bool,
    complete: bool,
}

impl StartTiming {
    fn drawn(&mut self, app: &App, started: Instant) {
        let Some(data) = &app.data else { return };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let accounts = data.registry.accounts().len();
        if !self.first_full {
            self.first_full = true;
            tracing::info!("first full frame {ms:.0} ms after process start ({accounts} accounts)");
        }
        if data.complete && !self.complete {
            self.complete = true;
            tracing::info!("search index and posts on screen {ms:.0} ms after process start");
        }
    }
}

fn handle(app: &mut App, tasks: &mut Tasks, m: Msg) -> bool {
    match &m {
        Msg::Loaded(Ok((d, _))) => tasks.set_data(d),
        Msg::Loaded(Err(e)) => tracing::warn!("load failed: {e}"),
        Msg::Exported(Err(e)) => tracing::warn!("export failed: {e}"),
        Msg::Written {
            finding, result, ..
        } => tracing::info!("write {finding}: {result:?}"),
        _ => {}
    }
    let out = update(app, m);
    for e in out.effects {
        tasks.run(e);
    }
    out.redraw
}
