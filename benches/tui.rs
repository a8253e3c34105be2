//! Console speed over a large store (the 150,000-account synthetic national dataset):
//! load, first full frame, search keystroke to redrawn frame, bytes per selection move.
//!
//! ```sh
//! cargo run --release -- demo --accounts 150000 --out /tmp/gc150
//! GOVCHECK_BENCH_STORE=/tmp/gc150 cargo bench --bench tui
//! ```
//! Without `GOVCHECK_BENCH_STORE` it says so and exits.

/// The allocator of the `govcheck` binary, so the figures are the product's.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::Instant;

use chrono::NaiveDate;
use govcheck::domain::event::Actor;
use govcheck::domain::indicator::Catalogue;
use govcheck::store::{LocalStore, RegistrySource};
use govcheck::tui::app::{App, Options};
use govcheck::tui::keymap::Keymap;
use govcheck::tui::update::{Msg, update};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

#[derive(Clone, Default)]
struct Sink(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Deliver a search's answer to the console and draw the frame that shows it.
fn show_hits(
    app: &mut App,
    term: &mut Terminal<CrosstermBackend<Sink>>,
    generation: u64,
    hits: Vec<govcheck::tui::app::Hit>,
    total: usize,
) {
    update(
        app,
        Msg::SearchDone {
            generation,
            hits,
            total,
        },
    );
    term.draw(|f| govcheck::tui::view::render(f, app))
        .expect("draw");
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let Some(dir) = std::env::var_os("GOVCHECK_BENCH_STORE") else {
        eprintln!(
            "tui bench: set GOVCHECK_BENCH_STORE to a store (govcheck demo --accounts 150000 --out DIR)"
        );
        return;
    };
    let store = LocalStore::open(std::path::Path::new(&dir)).expect("store");
    // What the console does: phase one (registry) gives the first frame; phase two
    // (posts, search index) follows in the background.
    let t0 = Instant::now();
    let (first, token) = govcheck::tui::task::load_registry(&store).expect("load");
    let t_load = ms(t0);
    let t = Instant::now();
    let data = govcheck::tui::task::complete(&store, first.clone()).expect("complete");
    let t_rest = ms(t);
    println!(
        "phase one: load registry {t_load:.0} ms; phase two (posts, search index of {} names): {t_rest:.0} ms, after the first frame",
        data.index.entries.len()
    );
    // The documented defaults (Chinese, colour, Unicode borders, no mouse).
    let opts = Options::from_settings(&govcheck::settings::Settings::defaults(), false);
    let mut app = App::new(
        opts,
        Keymap::defaults(),
        Catalogue::builtin(),
        chrono_tz::Asia::Shanghai,
        NaiveDate::from_ymd_opt(2022, 5, 1).expect("date"),
        Actor::default(),
        store.describe(),
    );
    update(&mut app, Msg::Resize(120, 40));
    let t = Instant::now();
    update(&mut app, Msg::Loaded(Ok((first, token))));
    let t_pages = ms(t);
    let sink = Sink::default();
    // A fixed 120x40 viewport: with a fullscreen one every draw asks the terminal for
    // its size, and without a tty (a bench run from a script) crossterm answers by
    // spawning `tput cols` and `tput lines`, milliseconds the console (on a tty, one
    // ioctl) never pays.
    let mut term = Terminal::with_options(
        CrosstermBackend::new(sink.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 120, 40)),
        },
    )
    .expect("term");
    let t = Instant::now();
    term.draw(|f| govcheck::tui::view::render(f, &app))
        .expect("draw");
    println!(
        "derived pages (summaries, lists) {t_pages:.0} ms, first frame render {:.1} ms; \
         first full frame after start = {:.0} ms (store open and load to drawn frame, in process)",
        ms(t),
        t_load + t_pages + ms(t)
    );
    update(&mut app, Msg::Loaded(Ok((data.clone(), token))));

    // Selection move on the problems list.
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('2'), KeyModifiers::NONE)),
    );
    term.draw(|f| govcheck::tui::view::render(f, &app))
        .expect("draw");
    sink.0.borrow_mut().clear();
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)),
    );
    let t = Instant::now();
    term.draw(|f| govcheck::tui::view::render(f, &app))
        .expect("draw");
    println!(
        "selection move: {} bytes written, {:.2} ms (120x40)",
        sink.0.borrow().len(),
        ms(t)
    );

    // Search keystrokes: match all names, then draw the result frame.
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)),
    );
    // Each query several times (the machine is noisy), from a frame that shows
    // something else, so every run redraws the whole result list.
    const RUNS: usize = 7;
    let mut worst: f64 = 0.0;
    for q in ["z", "zs", "zsy", "zsyl", "舟山", "tzsf", "gongan", "xx县"] {
        let mut matched = Vec::with_capacity(RUNS);
        let mut framed = Vec::with_capacity(RUNS);
        let mut count = 0;
        for _ in 0..RUNS {
            let generation = match &app.overlay {
                Some(govcheck::tui::app::Overlay::Search(s)) => s.generation,
                _ => 0,
            };
            update(
                &mut app,
                Msg::SearchDone {
                    generation,
                    hits: Vec::new(),
                    total: 0,
                },
            );
            term.draw(|f| govcheck::tui::view::render(f, &app))
                .expect("draw");
            let t = Instant::now();
            let (hits, total) = govcheck::tui::task::search(&data.index, &data.registry, q);
            matched.push(ms(t));
            show_hits(&mut app, &mut term, generation, hits, total);
            framed.push(ms(t));
            count = total;
        }
        matched.sort_by(f64::total_cmp);
        framed.sort_by(f64::total_cmp);
        let max = framed[RUNS - 1];
        worst = worst.max(max);
        println!(
            "search {q:>8}: {count:>6} matches, match median {:.1} ms, to frame median {:.1} / min {:.1} / max {max:.1} ms ({RUNS} runs)",
            matched[RUNS / 2],
            framed[RUNS / 2],
            framed[0],
        );
    }
    println!("worst whole query at once (pasted) to frame: {worst:.1} ms");

    // Typing: one character per keystroke, each searching among what the previous
    // keystroke matched (as the console does), to its redrawn frame.
    let mut worst_typed: f64 = 0.0;
    for word in ["gongan", "zsyl", "tzsf", "xx县", "舟山医"] {
        let prefixes: Vec<String> = (1..=word.chars().count())
            .map(|n| word.chars().take(n).collect())
            .collect();
        let mut per_key: Vec<Vec<f64>> = vec![Vec::with_capacity(RUNS); prefixes.len()];
        for _ in 0..RUNS {
            let mut previous = None;
            for (k, q) in prefixes.iter().enumerate() {
                let generation = match &app.overlay {
                    Some(govcheck::tui::app::Overlay::Search(s)) => s.generation,
                    _ => 0,
                };
                let t = Instant::now();
                let (hits, total, next) =
                    govcheck::tui::task::search_from(&data.index, q, previous.as_ref());
                show_hits(&mut app, &mut term, generation, hits, total);
                per_key[k].push(ms(t));
                previous = Some(next);
            }
        }
        let mut line = format!("typing {word:>8}:");
        for (q, times) in prefixes.iter().zip(per_key.iter_mut()) {
            times.sort_by(f64::total_cmp);
            let max = times[RUNS - 1];
            worst_typed = worst_typed.max(max);
            line.push_str(&format!(" {q} {:.1}/{max:.1}", times[RUNS / 2]));
        }
        println!("{line} ms (median/max of {RUNS} runs per keystroke)");
    }
    println!("worst search keystroke to frame, typing: {worst_typed:.1} ms");

    // The same names through Debian's fzf, if installed.
    let names: Vec<String> = data
        .index
        .entries
        .iter()
        .map(|(t, _)| match *t {
            govcheck::tui::app::Target::Account(i) => data.registry.accounts()[i].name.clone(),
            govcheck::tui::app::Target::HostUnit(i) => {
                data.registry.accounts()[i].host_unit.clone()
            }
            govcheck::tui::app::Target::Region(r) => data.registry.tree().get(r).name.clone(),
        })
        .collect();
    let list = std::env::temp_dir().join("govcheck-bench-names.txt");
    std::fs::write(&list, names.join("\n")).expect("names");
    // fzf is run directly (not through a shell pipe, whose status would hide a missing
    // fzf) and its output lines counted here; exit 1 means "no match", not failure.
    for q in ["z", "zs", "zsyl", "舟山", "gongan"] {
        let Ok(input) = std::fs::File::open(&list) else {
            println!("fzf: cannot reopen {}", list.display());
            return;
        };
        let t = Instant::now();
        let out = std::process::Command::new("fzf")
            .args(["--filter", q])
            .stdin(input)
            .output();
        let took = ms(t);
        match out {
            Ok(o) if matches!(o.status.code(), Some(0 | 1)) => println!(
                "fzf --filter {q:>8}: {} matches, {took:.1} ms",
                o.stdout.iter().filter(|&&b| b == b'\n').count()
            ),
            Ok(o) => println!("fzf --filter {q:>8}: failed ({})", o.status),
            Err(e) => {
                println!("fzf not available ({e}); `apt-get install fzf` to compare");
                return;
            }
        }
    }
}
