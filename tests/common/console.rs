//! The console on ratatui's TestBackend, for the render and snapshot tests: the
//! embedded Zhejiang 2022 Q1 demo as of 2022-05-01, the screen as text, and moving the
//! selection to a row named by what it holds (a region, a finding id) rather than by
//! a count of `j` presses, so a test does not silently pick another row when the
//! demo's order changes.

use chrono::{DateTime, NaiveDate};
use govcheck::domain::event::Actor;
use govcheck::domain::indicator::Catalogue;
use govcheck::domain::text::width;
use govcheck::store::LocalStore;
use govcheck::store::demo::create_demo_store;
use govcheck::store::import::ImportContext;
use govcheck::tui::app::{App, Options, Page};
use govcheck::tui::i18n::Lang;
use govcheck::tui::keymap::Keymap;
use govcheck::tui::update::{Msg, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The day every console test looks from (`--as-of 2022-05-01`, as in docs/console.md).
pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 5, 1).expect("date")
}

pub fn options(lang: Lang) -> Options {
    Options {
        lang,
        ascii: false,
        color: true,
        mouse: false,
        copy: govcheck::settings::CopyMode::Auto,
        over_ssh: false,
        due_soon_days: 3,
        good_rate: 100.0,
        warn_rate: 99.0,
        warn_after_days: 10,
    }
}

/// The demo store in a temporary directory, and a console loaded from it.
pub struct Console {
    pub dir: tempfile::TempDir,
    pub store: LocalStore,
    pub app: App,
}

/// How the console tests' stores are built: by 演示, at a fixed time in the office's
/// zone, as `govcheck init --demo` would.
pub fn import_context(cat: &Catalogue) -> ImportContext<'_> {
    ImportContext {
        catalogue: cat,
        tz: chrono_tz::Asia::Shanghai,
        actor: Actor {
            name: "演示".into(),
            ..Actor::default()
        },
        now: DateTime::parse_from_rfc3339("2022-03-27T09:00:00+08:00").expect("time"),
        reported_at: None,
    }
}

/// Open the search, type `query` and deliver its results, as the search task would.
pub fn search_for(app: &mut App, query: &str) {
    key(app, KeyCode::Char('/'));
    keys(app, query);
    let generation = match &app.overlay {
        Some(govcheck::tui::app::Overlay::Search(s)) => s.generation,
        other => panic!("not searching: {other:?}"),
    };
    let (hits, total) = {
        let d = app.data.as_ref().expect("data");
        govcheck::tui::task::search(&d.index, &d.registry, query)
    };
    update(
        app,
        Msg::SearchDone {
            generation,
            hits,
            total,
        },
    );
}

impl Console {
    /// The demo, created as `govcheck init --demo` would at a fixed time, opened in
    /// Chinese with the default keys by user `zhangsan`. The status line names the
    /// source as docs/console.md's `govcheck --data /tmp/demo` shows it, not the
    /// temporary directory, so the screens do not depend on where the store is.
    pub fn demo() -> Console {
        let dir = tempfile::tempdir().expect("tempdir");
        let cat = Catalogue::builtin();
        let ictx = import_context(&cat);
        let (store, _) = create_demo_store(&dir.path().join("s"), &ictx).expect("demo store");
        let mut app = App::new(
            options(Lang::Zh),
            Keymap::defaults(),
            cat,
            chrono_tz::Asia::Shanghai,
            as_of(),
            Actor {
                name: "zhangsan".into(),
                ..Actor::default()
            },
            "local: /tmp/demo".into(),
        );
        let loaded = govcheck::tui::task::load(&store).expect("load");
        update(&mut app, Msg::Loaded(Ok(loaded)));
        Console { dir, store, app }
    }

    /// Read the store again, as the console does when it changed.
    pub fn reload(&mut self) {
        let loaded = govcheck::tui::task::load(&self.store).expect("load");
        update(&mut self.app, Msg::Loaded(Ok(loaded)));
    }
}

pub fn key(app: &mut App, code: KeyCode) -> govcheck::tui::update::Outcome {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

pub fn draw(app: &mut App, w: u16, h: u16) -> Buffer {
    update(app, Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| govcheck::tui::view::render(f, app))
        .expect("draw");
    t.backend().buffer().clone()
}

/// The screen as text, one string per row, wide characters once (their trailing cell
/// skipped), so each row's display width is the terminal width.
pub fn lines(buf: &Buffer) -> Vec<String> {
    let w = usize::from(buf.area.width);
    buf.content()
        .chunks(w)
        .map(|row| {
            let mut s = String::new();
            let mut skip = 0;
            for c in row {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                s.push_str(c.symbol());
                skip = width(c.symbol()).saturating_sub(1);
            }
            s
        })
        .collect()
}

pub fn screen(buf: &Buffer) -> String {
    lines(buf).join("\n")
}

/// The region (as printed: `舟山市`, `浙江省本级`) under the overview's cursor.
pub fn selected_region(app: &App) -> Option<String> {
    match app.page()? {
        Page::Overview(p) => {
            let row = *p.visible.get(p.cursor)?;
            Some(p.summary.as_ref()?.rows.get(row)?.region.clone())
        }
        _ => None,
    }
}

/// The finding under the cursor of a list (problems, deadlines) or the detail.
pub fn selected_finding(app: &App) -> Option<String> {
    govcheck::tui::update::selected(app).and_then(|(_, finding)| finding)
}

/// Move the selection with the keys a user would press (to the top, then down a row
/// at a time) until `wanted` says the row is the one; panics, naming what was passed,
/// when no row of the list is.
fn move_to(app: &mut App, what: &str, wanted: impl Fn(&App) -> bool) {
    key(app, KeyCode::Home);
    let mut passed = Vec::new();
    // Longer than any list of the demo; a list that ends stops the cursor, and the
    // repeated row below ends the search.
    for _ in 0..10_000 {
        if wanted(app) {
            return;
        }
        let here = (selected_region(app), selected_finding(app));
        if passed.last() == Some(&here) {
            break;
        }
        passed.push(here);
        key(app, KeyCode::Down);
    }
    panic!("no row is {what}; the rows were {passed:?}");
}

/// Select the overview's row of `region` (as printed).
pub fn select_region(app: &mut App, region: &str) {
    move_to(app, region, |a| {
        selected_region(a).as_deref() == Some(region)
    });
}

/// Select the row of finding `id` in the list shown.
pub fn select_finding(app: &mut App, id: &str) {
    move_to(app, id, |a| selected_finding(a).as_deref() == Some(id));
}

/// Drill into `region` from the overview and open finding `id` from its list: the
/// detail page with the finding's history.
pub fn open_finding(app: &mut App, region: &str, id: &str) {
    select_region(app, region);
    key(app, KeyCode::Enter);
    select_finding(app, id);
    key(app, KeyCode::Enter);
    assert!(
        matches!(app.page(), Some(Page::Detail(d)) if d.finding.as_deref() == Some(id)),
        "{id} did not open: {:?}",
        app.page()
    );
}
