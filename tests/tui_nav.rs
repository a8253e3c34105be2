//! The console's navigation and reading aids (#14 items 6, 7, 9, 10, 14, 15), on
//! ratatui's TestBackend at 80×24 and 120×40, in Chinese and English where text shows:
//! the deadlines tab counted per child region as the overview counts, which store is
//! open, scrolling by rows with the position shown, the selection kept by id when
//! someone else's change moves it, going up a scope on every tab, `:region` through the
//! search, the platform in search results, and pass rates marked without colour.

mod common;

use chrono::{DateTime, NaiveDate};
use common::console::{Console, draw, import_context, key, lines, options, search_for};
use govcheck::domain::event::Actor;
use govcheck::domain::indicator::Catalogue;
use govcheck::tui::app::{App, DeadlineLine, Page};
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
    let ictx = import_context(&cat);
    let ds = govcheck::synthetic::generate(6000, 7);
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
    // The round with the most findings: lists longer than a 120×40 screen.
    let round = {
        let reg = app.registry().expect("registry");
        let mut most: Vec<(usize, String)> = reg
            .rounds()
            .iter()
            .map(|r| {
                let n = reg.findings().iter().filter(|f| f.round == r.id).count();
                (n, r.id.clone())
            })
            .collect();
        most.sort();
        most.pop().expect("a round")
    };
    assert!(round.0 > 60, "{round:?}");
    run_command(&mut app, &format!("round {}", round.1));
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

/// The 地区 column names a 市本级 with its city (`舟山市/市本级`), at both sizes, on
/// the problems list (tab 2) and the deadlines (tab 3).
#[test]
fn the_region_column_of_the_finding_lists_is_unambiguous() {
    for tab in ['2', '3'] {
        let mut n = national();
        key(&mut n.app, KeyCode::Char(tab));
        let rows = match n.app.page() {
            Some(Page::Deadlines(p)) => &p.rows,
            Some(Page::Problems(p)) => &p.rows,
            _ => panic!("tab {tab} is a list of findings"),
        };
        let r = rows
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
                "tab {tab} {w}x{h}: {row:?} shows {first}"
            );
        }
    }
}

/// So does the early warnings' (tab 4): a region whose name is not unique shows with
/// the path that tells it apart.
#[test]
fn the_region_column_of_the_warnings_is_unambiguous() {
    let mut n = national();
    key(&mut n.app, KeyCode::Char('4'));
    let (at, label) = {
        let Some(Page::Warnings(p)) = n.app.page() else {
            panic!("warnings");
        };
        let reg = n.app.registry().expect("registry");
        let tree = reg.tree();
        p.items
            .iter()
            .enumerate()
            .map(|(i, w)| (i, reg.account_region(w.account_idx)))
            .find(|(_, r)| tree.distinct_name(*r) != tree.get(*r).name)
            .map(|(i, r)| (i, tree.distinct_name(r)))
            .expect("the dataset warns of an account in a region whose name is not unique")
    };
    assert!(label.contains('/'), "{label}");
    key(&mut n.app, KeyCode::Home);
    for _ in 0..at {
        key(&mut n.app, KeyCode::Down);
    }
    assert!(matches!(n.app.page(), Some(Page::Warnings(p)) if p.cursor == at));
    for (w, h) in SIZES {
        let s = shown(&n.app, "zh", w, h);
        let row = s
            .iter()
            .find(|l| l.starts_with("│>"))
            .unwrap_or_else(|| panic!("no selected row at {w}x{h}:\n{}", s.join("\n")));
        assert!(
            row.contains(label.as_str()),
            "{w}x{h}: {row:?} shows {label}"
        );
    }
}

// ------------------------------------------------------------------ item 14

/// Search results say on which platform each account is, by the catalogue's short
/// name: one name on five platforms is five distinguishable rows.
#[test]
fn search_results_have_a_platform_column() {
    let mut c = Console::demo();
    search_for(&mut c.app, "zsyl");
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

// ------------------------------------------------------------------ item 9

/// The rows of the list area (between the column titles and the bottom border).
fn list_lines(s: &[String]) -> Vec<String> {
    let n = s.len();
    s[5..n - 2].to_vec()
}

/// The bottom border of the page (the position marks).
fn bottom_border(s: &[String]) -> &str {
    &s[s.len() - 2]
}

/// Moving down past the last rows in view scrolls the list by one row, with context
/// rows below the selection, never a page; the position shows on the frame, and `↓`
/// while there is more below, `↑` once there is more above.
#[test]
fn lists_scroll_by_rows_and_show_the_position() {
    let mut n = national();
    key(&mut n.app, KeyCode::Char('2'));
    let len = match n.app.page() {
        Some(Page::Problems(p)) => p.visible.len(),
        other => panic!("problems: {other:?}"),
    };
    for lang in LANGS {
        for (w, h) in SIZES {
            let mut app = n.app.clone();
            run_command(&mut app, &format!("lang {lang}"));
            key(&mut app, KeyCode::Home);
            let rows = usize::from(h) - 7;
            let s = lines(&draw(&mut app, w, h));
            assert!(
                bottom_border(&s).contains(&format!(" 1/{len} ↓ ")),
                "{lang} {w}x{h}: {}",
                bottom_border(&s)
            );
            assert!(!s[3].ends_with("↑ ┐"), "nothing above: {}", s[3]);
            // Down to the last row that shows without scrolling (3 rows of context).
            for _ in 0..rows - 4 {
                key(&mut app, KeyCode::Down);
            }
            let before = list_lines(&lines(&draw(&mut app, w, h)));
            key(&mut app, KeyCode::Down);
            let s = lines(&draw(&mut app, w, h));
            let after = list_lines(&s);
            let strip = |l: &String| l.replacen("│>", "│ ", 1);
            let b: Vec<String> = before.iter().map(strip).collect();
            let a: Vec<String> = after.iter().map(strip).collect();
            assert_eq!(a[..rows - 1], b[1..], "{lang} {w}x{h}: scrolled by one row");
            let sel = after.iter().position(|l| l.starts_with("│>"));
            assert_eq!(
                sel,
                Some(rows - 4),
                "{lang} {w}x{h}: 3 rows below the selection"
            );
            assert!(
                s[3].ends_with(" ↑ ┐"),
                "{lang} {w}x{h}: more above: {}",
                s[3]
            );
            assert!(
                bottom_border(&s).contains(&format!(" {}/{len} ↓ ", rows - 2)),
                "{}",
                bottom_border(&s)
            );
        }
    }
}

/// At the end the last page is full (no blank rows while rows are hidden above), and
/// the position says so, without `↓`.
#[test]
fn the_last_page_of_a_list_is_full() {
    let mut n = national();
    key(&mut n.app, KeyCode::Char('2'));
    key(&mut n.app, KeyCode::End);
    let len = match n.app.page() {
        Some(Page::Problems(p)) => p.visible.len(),
        other => panic!("problems: {other:?}"),
    };
    for (w, h) in SIZES {
        let s = shown(&n.app, "zh", w, h);
        let rows = list_lines(&s);
        assert!(
            rows.iter().all(|l| !l.trim_matches(['│', ' ']).is_empty()),
            "{w}x{h}: no blank row:\n{}",
            s.join("\n")
        );
        assert!(rows.last().is_some_and(|l| l.starts_with("│>")), "{w}x{h}");
        assert!(bottom_border(&s).contains(&format!(" {len}/{len} ")));
        assert!(!bottom_border(&s).contains('↓'));
    }
    // ASCII mode marks with ^ and v.
    let mut app = n.app.clone();
    app.opts.ascii = true;
    key(&mut app, KeyCode::Up);
    let s = lines(&draw(&mut app, 80, 24));
    assert!(s[3].ends_with(" ^ +"), "{}", s[3]);
}

/// The deadlines tab and the detail show where they stand too: the 已复核 group below
/// the screen is announced by `↓`; a detail longer than the screen shows its lines.
#[test]
fn the_deadlines_tab_and_the_detail_show_more_below() {
    let mut n = national();
    key(&mut n.app, KeyCode::Char('3'));
    let of = match n.app.page() {
        Some(Page::Deadlines(p)) => govcheck::tui::app::selectable(&p.lines).len(),
        other => panic!("deadlines: {other:?}"),
    };
    for (w, h) in SIZES {
        let s = shown(&n.app, "en", w, h);
        assert!(
            bottom_border(&s).contains(&format!(" 1/{of} ↓ ")),
            "{w}x{h}"
        );
    }
    let mut c = Console::demo();
    common::console::open_finding(&mut c.app, "舟山市", "2022Q1-0008");
    let s = shown(&c.app, "zh", 80, 24);
    assert!(
        bottom_border(&s).contains(" 1-18/"),
        "{}",
        bottom_border(&s)
    );
    assert!(bottom_border(&s).contains(" ↓ "), "{}", bottom_border(&s));
    key(&mut c.app, KeyCode::End);
    let s = shown(&c.app, "zh", 80, 24);
    assert!(s[3].ends_with(" ↑ ┐"), "{}", s[3]);
    assert!(!bottom_border(&s).contains('↓'));
    // The first `Up` after `End` scrolls back a line (the scroll stops at the end).
    key(&mut c.app, KeyCode::Up);
    let s = shown(&c.app, "zh", 80, 24);
    assert!(bottom_border(&s).contains(" ↓ "), "{}", bottom_border(&s));
}

fn event(
    finding: &str,
    kind: govcheck::domain::event::EventKind,
) -> govcheck::domain::event::Event {
    govcheck::domain::event::Event {
        finding: finding.into(),
        kind,
        at: DateTime::parse_from_rfc3339("2022-04-30T10:42:00+08:00").expect("t"),
        by: Actor {
            name: "王芳".into(),
            ..Actor::default()
        },
        note: None,
    }
}

/// Another supervisor's change arrives as the poll sees it: a new change token, then
/// the load it asks for.
fn someone_else_changed(c: &mut Console, events: Vec<govcheck::domain::event::Event>) {
    use govcheck::store::RegistrySource;
    c.store
        .append_events(events.into_iter().map(|e| (e, None)).collect())
        .expect("append");
    let token = c.app.token.map_or(1, |t| t + 1);
    let out = update(&mut c.app, Msg::Token(token));
    assert!(out.effects.contains(&govcheck::tui::update::Effect::Load));
    c.reload();
}

/// When someone else's change moves the selected finding, the cursor stays on it and
/// the status line says where it is now; when it leaves the list, it says so.
#[test]
fn the_selection_follows_its_finding_and_says_when_someone_else_moved_it() {
    use govcheck::domain::event::EventKind as K;
    for (lang, word) in [("zh", "现在第"), ("en", "is now row")] {
        let mut c = Console::demo();
        run_command(&mut c.app, &format!("lang {lang}"));
        key(&mut c.app, KeyCode::Char('2'));
        common::console::select_finding(&mut c.app, "2022Q1-0008");
        let first = match c.app.page() {
            Some(Page::Problems(p)) => p.rows[p.visible[0]].id.clone(),
            other => panic!("problems: {other:?}"),
        };
        assert_ne!(first, "2022Q1-0008");
        // The first finding is closed by someone else: closed findings sort last.
        someone_else_changed(
            &mut c,
            vec![
                event(&first, K::RectificationReported),
                event(&first, K::Verified),
            ],
        );
        assert_eq!(
            common::console::selected_finding(&c.app).as_deref(),
            Some("2022Q1-0008")
        );
        for (w, h) in SIZES {
            let s = shown(&c.app, lang, w, h).join("\n");
            assert!(s.contains("2022Q1-0008"), "{lang} {w}x{h}:\n{s}");
            assert!(s.contains(word), "{lang} {w}x{h}:\n{s}");
        }
    }
    let mut c = Console::demo();
    key(&mut c.app, KeyCode::Char('2'));
    // Problems only, and the selected finding is closed by someone else: gone.
    key(&mut c.app, KeyCode::Char('p'));
    common::console::select_finding(&mut c.app, "2022Q1-0008");
    c.app.status = None;
    someone_else_changed(
        &mut c,
        vec![
            event("2022Q1-0008", K::RectificationReported),
            event("2022Q1-0008", K::Verified),
        ],
    );
    let text = c
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(
        text.contains("2022Q1-0008") && text.contains("已不在此列表中"),
        "{text:?}"
    );
}

/// On the overview the cursor stays on its region by code when a reload reorders the
/// rows (sorted by open findings, most first).
#[test]
fn the_overview_keeps_its_region_across_a_reload() {
    use govcheck::domain::event::EventKind as K;
    let mut c = Console::demo();
    common::console::select_region(&mut c.app, "台州市");
    for _ in 0..7 {
        // Sort by 待整改 (open), most first.
        key(&mut c.app, KeyCode::Char('s'));
        if matches!(c.app.page(), Some(Page::Overview(p))
            if p.sort == govcheck::domain::listing::RegionSort::Open)
        {
            break;
        }
    }
    common::console::select_region(&mut c.app, "台州市");
    // 舟山市's five findings all closed: it drops below 台州市.
    let mut evs = Vec::new();
    for id in [
        "2022Q1-0006",
        "2022Q1-0007",
        "2022Q1-0008",
        "2022Q1-0009",
        "2022Q1-0010",
    ] {
        evs.push(event(id, K::RectificationReported));
        evs.push(event(id, K::Verified));
    }
    c.app.status = None;
    someone_else_changed(&mut c, evs);
    assert_eq!(
        common::console::selected_region(&c.app).as_deref(),
        Some("台州市")
    );
}

// ------------------------------------------------------------------ item 10

fn crumb(app: &App, lang: &str, w: u16, h: u16) -> String {
    shown(app, lang, w, h)[2].clone()
}

/// `Esc` and `Backspace` on tabs 2–4 go up one scope level, as on the overview, and
/// the overview follows.
#[test]
fn esc_and_backspace_go_up_a_scope_on_every_tab() {
    for (tab, zh, en) in [
        ('2', "问题账号", "Problems"),
        ('3', "整改跟踪", "Deadlines"),
        ('4', "预警", "Warnings"),
    ] {
        for back in [KeyCode::Esc, KeyCode::Backspace] {
            let mut c = Console::demo();
            common::console::select_region(&mut c.app, "舟山市");
            key(&mut c.app, KeyCode::Enter);
            key(&mut c.app, KeyCode::Char(tab));
            for (w, h) in SIZES {
                assert!(crumb(&c.app, "zh", w, h).contains(&format!("浙江省 › 舟山市 › {zh}")));
            }
            key(&mut c.app, back);
            for (w, h) in SIZES {
                let z = crumb(&c.app, "zh", w, h);
                assert!(
                    z.starts_with(&format!(" 浙江省 › {zh} ")),
                    "{tab} {back:?} {w}x{h}: {z}"
                );
                let e = crumb(&c.app, "en", w, h);
                assert!(e.starts_with(&format!(" 浙江省 › {en} ")), "{e}");
            }
            key(&mut c.app, KeyCode::Char('1'));
            assert!(
                crumb(&c.app, "zh", 80, 24).starts_with(" 浙江省  "),
                "the overview followed"
            );
        }
    }
}

/// `:region` finds a region as the search does: pinyin, initials, part of the name;
/// several → the candidates; none → a message; a success clears the earlier error.
#[test]
fn region_command_goes_through_the_search() {
    for text in ["zhoushan", "zs", "舟山", "舟山市", "330900"] {
        let mut c = Console::demo();
        run_command(&mut c.app, &format!("region {text}"));
        assert!(c.app.status.is_none(), "{text}: {:?}", c.app.status);
        for (w, h) in SIZES {
            assert!(
                crumb(&c.app, "zh", w, h).starts_with(" 浙江省 › 舟山市"),
                "{text} {w}x{h}"
            );
        }
    }
    let mut c = Console::demo();
    run_command(&mut c.app, "region hz");
    let text = c
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(
        text.contains("浙江省/杭州市") && text.contains("浙江省/湖州市"),
        "{text}"
    );
    run_command(&mut c.app, "region xyzzy");
    let text = c
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(text.contains("没有地区匹配 xyzzy"), "{text}");
    run_command(&mut c.app, "lang en");
    run_command(&mut c.app, "region xyzzy");
    let text = c
        .app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(text.contains("No region matches xyzzy"), "{text}");
    run_command(&mut c.app, "region jh");
    assert!(c.app.status.is_none(), "{:?}", c.app.status);
    assert!(crumb(&c.app, "en", 80, 24).starts_with(" 浙江省 › 金华市"));
}

/// The detail's breadcrumb is where the account is, however it was reached.
#[test]
fn the_detail_breadcrumb_is_the_accounts_region() {
    let mut c = Console::demo();
    key(&mut c.app, KeyCode::Char('3'));
    common::console::select_finding(&mut c.app, "2022Q1-0008");
    key(&mut c.app, KeyCode::Enter);
    for lang in LANGS {
        for (w, h) in SIZES {
            let z = crumb(&c.app, lang, w, h);
            assert!(
                z.starts_with(" 浙江省 › 舟山市 › 舟山医疗保障"),
                "{lang} {w}x{h}: {z}"
            );
        }
    }
}

// ------------------------------------------------------------------ item 7

/// The breadcrumb line always says which store is open, shortened in the middle to
/// fit, and 演示数据 / demo on the demo.
#[test]
fn the_source_and_the_demo_are_always_shown() {
    let mut c = Console::demo();
    for (lang, demo) in [("zh", "[演示数据]"), ("en", "[demo]")] {
        for (w, h) in SIZES {
            let z = crumb(&c.app, lang, w, h);
            assert!(
                z.trim_end().ends_with(&format!("local: /tmp/demo {demo}")),
                "{lang} {w}x{h}: {z}"
            );
        }
    }
    c.app.source = format!("local: /srv/{}/govcheck/store", "各地市共享目录".repeat(8));
    for (w, h) in SIZES {
        let z = crumb(&c.app, "zh", w, h);
        assert!(z.contains("local: …"), "{w}x{h}: {z}");
        assert!(z.contains("/govcheck/store [演示数据]"), "{w}x{h}: {z}");
        assert_eq!(govcheck::domain::text::width(&z), usize::from(w), "{z}");
    }
    // A registry that is not the demo: no demo mark.
    c.app.demo_data = false;
    c.app.source = "registry: http://10.1.2.3:8080".into();
    let z = crumb(&c.app, "zh", 80, 24);
    assert!(
        z.trim_end().ends_with("registry: http://10.1.2.3:8080"),
        "{z}"
    );
}

/// The first time the console falls back to a private demo (no store configured), it
/// says how to open the shared store, whole (in the message panel at 80 columns).
#[test]
fn first_run_on_a_private_demo_says_how_to_reach_the_shared_store() {
    let c = Console::demo();
    let dir = c.dir.path().join("s");
    for (lang, words) in [
        ("zh", ["演示数据", "--data", "GOVCHECK_DATA_DIR", "source"]),
        ("en", ["demo", "--data", "GOVCHECK_DATA_DIR", "source"]),
    ] {
        let mut settings = govcheck::settings::Settings::defaults();
        settings.display.language = Lang::parse(lang).expect("lang");
        let launch = govcheck::tui::Launch {
            settings,
            config_path: c.dir.path().join("none.toml"),
            catalogue: Catalogue::builtin(),
            tz: chrono_tz::Asia::Shanghai,
            as_of: common::console::as_of(),
            actor: Actor::default(),
            state_dir: c.dir.path().join("state"),
            first_run_demo: Some(dir.clone()),
        };
        let mut app = govcheck::tui::initial_state(&launch, &c.store).expect("state");
        let loaded = govcheck::tui::task::load(&c.store).expect("load");
        update(&mut app, Msg::Loaded(Ok(loaded)));
        for (w, h) in SIZES {
            let s = lines(&draw(&mut app.clone(), w, h)).join("");
            let flat: String = s.split(['│', ' ']).collect();
            for word in words {
                assert!(flat.contains(word), "{lang} {w}x{h}: {word} in\n{s}");
            }
            assert!(flat.contains(&dir.display().to_string().replace(' ', "")));
        }
        // Not on a store chosen on purpose.
        let launch = govcheck::tui::Launch {
            first_run_demo: None,
            ..launch
        };
        let app = govcheck::tui::initial_state(&launch, &c.store).expect("state");
        assert!(app.status.is_none());
    }
}
