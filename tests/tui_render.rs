//! Rendering tests of every console screen and dialog on ratatui's TestBackend, at
//! 80×24 and 120×40, on the embedded Zhejiang 2022 Q1 demo: CJK alignment by display
//! width, NO_COLOR, ASCII mode, the too-small message, and that data text is shown as
//! text (no escape sequence reaches the terminal). Rows are chosen by what they hold
//! (tests/common/console.rs), not by a count of `j` presses.

mod common;

use chrono::{DateTime, NaiveDate};
use common::console::{
    draw, import_context, key, keys, lines, open_finding, screen, select_finding, select_region,
    selected_region,
};
use govcheck::domain::event::{Actor, Event, EventKind};
use govcheck::domain::indicator::Catalogue;
use govcheck::domain::text::width;
use govcheck::store::demo::create_demo_store;
use govcheck::store::{LocalStore, RegistrySource};
use govcheck::tui::app::{App, Options, Overlay, Page, View};
use govcheck::tui::i18n::Lang;
use govcheck::tui::keymap::Keymap;
use govcheck::tui::update::{Effect, Msg, update};
use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};

struct Fixture {
    _dir: tempfile::TempDir,
    store: LocalStore,
    app: App,
}

fn opts(lang: Lang, color: bool, ascii: bool) -> Options {
    Options {
        lang,
        ascii,
        color,
        mouse: false,
        copy: govcheck::settings::CopyMode::Auto,
        over_ssh: false,
        due_soon_days: 3,
        good_rate: 100.0,
        warn_rate: 99.0,
        warn_after_days: 10,
    }
}

fn fixture_with(o: Options, keymap: Keymap) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let cat = Catalogue::builtin();
    let ictx = import_context(&cat);
    let (store, _) = create_demo_store(&dir.path().join("s"), &ictx).expect("demo store");
    let mut app = App::new(
        o,
        keymap,
        cat,
        chrono_tz::Asia::Shanghai,
        NaiveDate::from_ymd_opt(2022, 5, 1).expect("date"),
        Actor {
            name: "测试员".into(),
            ..Actor::default()
        },
        store.describe(),
    );
    let loaded = govcheck::tui::task::load(&store).expect("load");
    update(&mut app, Msg::Loaded(Ok(loaded)));
    Fixture {
        _dir: dir,
        store,
        app,
    }
}

fn fixture() -> Fixture {
    fixture_with(opts(Lang::Zh, true, false), Keymap::defaults())
}

fn assert_rows_fit(buf: &Buffer) {
    for (i, l) in lines(buf).iter().enumerate() {
        assert_eq!(
            width(l),
            usize::from(buf.area.width),
            "row {i} is not {} cells wide: {l:?}",
            buf.area.width
        );
    }
}

/// A writer whose bytes the test can read while the backend owns it.
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

impl Sink {
    fn len(&self) -> usize {
        self.0.borrow().len()
    }
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

#[test]
fn overview_shows_round_scope_and_figures() {
    for (w, h) in SIZES {
        let mut fx = fixture();
        let buf = draw(&mut fx.app, w, h);
        let s = screen(&buf);
        assert!(s.contains("总体情况"), "{s}");
        assert!(s.contains("2022Q1"), "{s}");
        assert!(s.contains("浙江省"), "{s}");
        assert!(s.contains("舟山市"), "{s}");
        assert!(s.contains("97.69%"), "{s}");
        assert!(s.contains("99.73%"), "total row: {s}");
        assert!(
            s.contains("合格率") && s.contains("待整改") && s.contains("逾期"),
            "{s}"
        );
        assert_rows_fit(&buf);
        // Right-aligned rates end in the same column on every row (CJK region names
        // before them are measured by display width).
        let ends: Vec<usize> = lines(&buf)
            .iter()
            .filter_map(|l| l.find('%').map(|b| width(&l[..b])))
            .collect();
        assert!(ends.len() >= 13, "{ends:?}");
        assert!(ends.windows(2).all(|p| p[0] == p[1]), "{ends:?}\n{s}");
    }
}

#[test]
fn overview_capture_for_docs() {
    let mut fx = fixture();
    let buf = draw(&mut fx.app, 80, 24);
    let text = screen(&buf);
    // docs/console.md's capture is compared with the screen (and rewritten with
    // GOVCHECK_UPDATE_DOCS=1) by tests/tui_snapshots.rs; this writes the screen of
    // this fixture to target/ with GOVCHECK_WRITE_CAPTURE=1.
    if std::env::var_os("GOVCHECK_WRITE_CAPTURE").is_some() {
        std::fs::write("target/overview-80x24.txt", format!("{text}\n")).expect("write");
    }
    assert!(text.lines().count() == 24);
}

#[test]
fn drill_into_leaf_region_lists_its_problem_accounts() {
    for (w, h) in SIZES {
        let mut fx = fixture();
        select_region(&mut fx.app, "舟山市");
        key(&mut fx.app, KeyCode::Enter);
        let buf = draw(&mut fx.app, w, h);
        let s = screen(&buf);
        assert!(matches!(fx.app.page(), Some(Page::Problems(_))), "{s}");
        assert!(s.contains("舟山医疗保障"), "{s}");
        assert!(s.contains("舟山市"), "breadcrumb: {s}");
        assert!(s.contains("-4"), "days left negative: {s}");
        assert!(s.contains("逾期"), "{s}");
        assert!(!s.contains("金华"), "scope is 舟山市 only: {s}");
        assert_rows_fit(&buf);
        // The selected row carries a marker and reverse video, not only colour.
        let row = lines(&buf)
            .into_iter()
            .position(|l| l.contains("舟山医疗保障"))
            .expect("row");
        let first = buf.cell((1, row as u16)).expect("cell");
        assert_eq!(first.symbol(), ">");
        assert!(first.modifier.contains(Modifier::REVERSED));
        // Esc goes back up with the cursor where it was.
        key(&mut fx.app, KeyCode::Esc);
        assert!(matches!(fx.app.page(), Some(Page::Overview(_))));
        assert_eq!(selected_region(&fx.app).as_deref(), Some("舟山市"));
    }
}

#[test]
fn problems_and_deadlines_views() {
    for (w, h) in SIZES {
        let mut fx = fixture();
        key(&mut fx.app, KeyCode::Char('2'));
        assert_eq!(fx.app.view, View::Problems);
        let buf = draw(&mut fx.app, w, h);
        let s = screen(&buf);
        assert!(s.contains("问题账号 14"), "{s}");
        assert!(s.contains("台州司法"), "{s}");
        assert_rows_fit(&buf);

        key(&mut fx.app, KeyCode::Char('3'));
        let buf = draw(&mut fx.app, w, h);
        let s = screen(&buf);
        assert!(s.contains("逾期 (14)"), "{s}");
        assert!(s.contains("舟山市 5"), "counts per region: {s}");
        assert_rows_fit(&buf);

        key(&mut fx.app, KeyCode::Char('4'));
        let buf = draw(&mut fx.app, w, h);
        assert!(screen(&buf).contains("预警"));
        assert_rows_fit(&buf);
    }
}

#[test]
fn detail_shows_registry_finding_and_history() {
    for (w, h) in SIZES {
        let mut fx = fixture();
        open_finding(&mut fx.app, "舟山市", "2022Q1-0008");
        let buf = draw(&mut fx.app, w, h);
        let s = screen(&buf);
        assert!(matches!(fx.app.page(), Some(Page::Detail(_))), "{s}");
        assert!(s.contains("舟山医疗保障"), "{s}");
        assert!(s.contains("2022Q1-0008"), "{s}");
        assert!(s.contains("整改记录"), "{s}");
        assert!(s.contains("通报"), "{s}");
        assert!(s.contains("微信公众号"), "{s}");
        assert_rows_fit(&buf);
    }
}

#[test]
fn help_is_generated_from_the_keymap() {
    let text = "[keys]\ndown = [\"n\"]\n";
    let table: toml::Table = toml::from_str(text).expect("toml");
    let keys_t = table["keys"].as_table().expect("keys").clone();
    let km = Keymap::with_overrides(std::path::Path::new("c.toml"), text, &keys_t).expect("km");
    let mut fx = fixture_with(opts(Lang::Zh, true, false), km);
    key(&mut fx.app, KeyCode::Char('?'));
    assert!(matches!(fx.app.overlay, Some(Overlay::Help)));
    for (w, h) in SIZES {
        let buf = draw(&mut fx.app, w, h);
        let s = screen(&buf);
        assert!(s.contains("Up/k"), "{s}");
        assert!(s.contains("下移"), "{s}");
        let down = lines(&buf)
            .into_iter()
            .find(|l| l.contains("下移"))
            .expect("down line");
        assert!(down.contains(" n ") && !down.contains("j"), "{down}");
        assert_rows_fit(&buf);
    }
}

#[test]
fn verify_dialog_and_its_states() {
    for (w, h) in SIZES {
        let mut fx = fixture();
        select_region(&mut fx.app, "舟山市");
        key(&mut fx.app, KeyCode::Enter);
        select_finding(&mut fx.app, "2022Q1-0008");
        key(&mut fx.app, KeyCode::Char('v'));
        // The note field has the focus: `q` and `j` are text, not quit or move.
        keys(&mut fx.app, "已恢复更新 qj");
        let buf = draw(&mut fx.app, w, h);
        let s = screen(&buf);
        assert!(s.contains("复核通过"), "{s}");
        assert!(s.contains("舟山医疗保障"), "{s}");
        assert!(s.contains("监测点前两周未更新"), "{s}");
        assert!(s.contains("已恢复更新 qj"), "{s}");
        assert!(!fx.app.quit);
        assert_rows_fit(&buf);
        let out = key(&mut fx.app, KeyCode::Enter);
        assert!(matches!(
            out.effects.as_slice(),
            [Effect::Append { finding, version: 1, .. }] if finding == "2022Q1-0008"
        ));
        let s = screen(&draw(&mut fx.app, w, h));
        assert!(
            s.contains("正在保存"),
            "not done before the store says so: {s}"
        );
        assert!(!s.contains("已保存"), "{s}");
        // A refusal is shown and the note kept.
        update(
            &mut fx.app,
            Msg::Written {
                finding: "2022Q1-0008".into(),
                kind: govcheck::tui::app::DialogKind::Verify,
                result: Err(govcheck::tui::error::TaskError::Store(
                    "finding 2022Q1-0008 changed meanwhile".into(),
                )),
            },
        );
        let s = screen(&draw(&mut fx.app, w, h));
        assert!(
            s.contains("未保存") && s.contains("changed meanwhile"),
            "{s}"
        );
        assert!(s.contains("已恢复更新 qj"), "{s}");
    }
}

#[test]
fn reject_requires_a_reason() {
    let mut fx = fixture();
    // Record a reported rectification first so rejecting is allowed.
    let ev = Event {
        finding: "2022Q1-0008".into(),
        kind: EventKind::RectificationReported,
        at: DateTime::parse_from_rfc3339("2022-04-20T10:00:00+08:00").expect("t"),
        by: Actor::default(),
        note: None,
    };
    fx.store.append_events(vec![(ev, None)]).expect("append");
    let loaded = govcheck::tui::task::load(&fx.store).expect("load");
    update(&mut fx.app, Msg::Loaded(Ok(loaded)));
    select_region(&mut fx.app, "舟山市");
    key(&mut fx.app, KeyCode::Enter);
    select_finding(&mut fx.app, "2022Q1-0008");
    key(&mut fx.app, KeyCode::Char('x'));
    let out = key(&mut fx.app, KeyCode::Enter);
    assert!(out.effects.is_empty());
    let s = screen(&draw(&mut fx.app, 80, 24));
    assert!(s.contains("理由"), "{s}");
    // The domain's refusal in the interface language (#14 item 3), not its English.
    assert!(s.contains("退回须填写理由"), "{s}");
}

#[test]
fn no_color_uses_reverse_and_markers_only() {
    let mut fx = fixture_with(opts(Lang::Zh, false, false), Keymap::defaults());
    select_region(&mut fx.app, "舟山市");
    for (w, h) in SIZES {
        let buf = draw(&mut fx.app, w, h);
        for c in buf.content() {
            assert!(
                c.fg == Color::Reset && c.bg == Color::Reset,
                "colour used under NO_COLOR: {c:?}"
            );
        }
        let s = screen(&buf);
        let sel = lines(&buf)
            .into_iter()
            .find(|l| l.contains("舟山市") && l.contains('>'))
            .expect("selected row marked");
        assert!(sel.contains(">!"), "overdue marker: {sel}\n{s}");
    }
}

#[test]
fn ascii_mode_draws_no_ambiguous_glyphs() {
    let mut fx = fixture_with(opts(Lang::Zh, true, true), Keymap::defaults());
    // The overview, 舟山市's list, its first finding's detail, the help.
    let setups: [fn(&mut App); 4] = [
        |_| {},
        |app| {
            select_region(app, "舟山市");
            key(app, KeyCode::Enter);
        },
        |app| open_finding(app, "舟山市", "2022Q1-0008"),
        |app| {
            key(app, KeyCode::Char('?'));
        },
    ];
    for setup in setups {
        let mut app = fx.app.clone();
        setup(&mut app);
        for (w, h) in SIZES {
            let buf = draw(&mut app, w, h);
            for c in buf.content() {
                for ch in c.symbol().chars() {
                    assert!(
                        ch.is_ascii() || width(c.symbol()) == 2 || ch == '…',
                        "non-ASCII narrow glyph {ch:?} in ASCII mode\n{}",
                        screen(&buf)
                    );
                }
            }
        }
    }
    let _ = &mut fx;
}

#[test]
fn too_small_is_a_message_not_a_panic() {
    let mut fx = fixture();
    for (w, h) in [(40, 10), (59, 24), (80, 11), (1, 1), (10, 3)] {
        let buf = draw(&mut fx.app, w, h);
        let s = screen(&buf);
        if w >= 20 {
            assert!(s.contains("太小"), "{w}x{h}: {s}");
        }
    }
}

#[test]
fn english_option() {
    let mut fx = fixture_with(opts(Lang::En, true, false), Keymap::defaults());
    let s = screen(&draw(&mut fx.app, 120, 40));
    assert!(s.contains("Overview") && s.contains("Pass"), "{s}");
    assert!(s.contains("舟山市"), "data stays as it is: {s}");
}

#[test]
fn notes_with_escape_sequences_are_shown_as_text() {
    let mut fx = fixture();
    let ev = Event {
        finding: "2022Q1-0008".into(),
        kind: EventKind::RectificationReported,
        at: DateTime::parse_from_rfc3339("2022-04-20T10:00:00+08:00").expect("t"),
        by: Actor {
            name: "他人\x1b[31m".into(),
            ..Actor::default()
        },
        note: Some("\x1b]0;pwned\x07已整改\x1b[2J".into()),
    };
    fx.store.append_events(vec![(ev, None)]).expect("append");
    let loaded = govcheck::tui::task::load(&fx.store).expect("load");
    update(&mut fx.app, Msg::Loaded(Ok(loaded)));
    open_finding(&mut fx.app, "舟山市", "2022Q1-0008");
    let buf = draw(&mut fx.app, 120, 40);
    let s = screen(&buf);
    assert!(s.contains("已整改"), "{s}");
    assert!(!s.contains('\x1b') && !s.contains('\x07'), "{s:?}");
    // Through a real backend too: the bytes sent hold no ESC from data.
    let sink = Sink::default();
    let mut t = Terminal::new(CrosstermBackend::new(sink.clone())).expect("t");
    t.draw(|f| govcheck::tui::view::render(f, &fx.app))
        .expect("draw");
    let out = String::from_utf8_lossy(&sink.take()).to_string();
    assert!(
        !out.contains("\x1b]0;pwned"),
        "OSC from data reached the terminal"
    );
    assert!(!out.contains("\x1b[2J"));
}

#[test]
fn search_results_are_highlighted() {
    let mut fx = fixture();
    key(&mut fx.app, KeyCode::Char('/'));
    let out = {
        keys(&mut fx.app, "zsy");
        key(&mut fx.app, KeyCode::Char('l'))
    };
    let (generation, query) = match out.effects.as_slice() {
        [Effect::Search { generation, query }] => (*generation, query.clone()),
        other => panic!("{other:?}"),
    };
    assert_eq!(query, "zsyl");
    let data = fx.app.data.clone().expect("data");
    let (hits, total) = govcheck::tui::task::search(&data.index, &data.registry, &query);
    // An older generation's answer is dropped (latest wins).
    update(
        &mut fx.app,
        Msg::SearchDone {
            generation: generation - 1,
            hits: Vec::new(),
            total: 0,
        },
    );
    update(
        &mut fx.app,
        Msg::SearchDone {
            generation,
            hits,
            total,
        },
    );
    for (w, h) in SIZES {
        let buf = draw(&mut fx.app, w, h);
        let s = screen(&buf);
        assert!(s.contains("舟山医疗保障"), "{s}");
        let row = lines(&buf)
            .into_iter()
            .position(|l| l.contains("舟山医疗保障"))
            .expect("hit row");
        let underlined = buf
            .content()
            .chunks(usize::from(w))
            .nth(row)
            .expect("row")
            .iter()
            .filter(|c| c.modifier.contains(Modifier::UNDERLINED))
            .count();
        assert!(underlined >= 4, "matched chars highlighted: {underlined}");
        assert_rows_fit(&buf);
    }
    key(&mut fx.app, KeyCode::Enter);
    assert!(matches!(fx.app.page(), Some(Page::Detail(_))));
}

#[test]
fn selection_move_writes_little_and_idle_writes_nothing() {
    let mut fx = fixture();
    keys(&mut fx.app, "2");
    update(&mut fx.app, Msg::Resize(120, 40));
    let sink = Sink::default();
    let mut t = Terminal::new(CrosstermBackend::new(sink.clone())).expect("t");
    t.draw(|f| govcheck::tui::view::render(f, &fx.app))
        .expect("draw");
    let first = sink.take().len();
    t.draw(|f| govcheck::tui::view::render(f, &fx.app))
        .expect("draw");
    let again = sink.take();
    assert!(
        again.len() < 32,
        "an unchanged frame sends (almost) nothing: {:?}",
        String::from_utf8_lossy(&again)
    );
    let out = key(&mut fx.app, KeyCode::Char('j'));
    assert!(out.redraw);
    t.draw(|f| govcheck::tui::view::render(f, &fx.app))
        .expect("draw");
    let moved = sink.len();
    eprintln!("first frame {first} bytes, selection move {moved} bytes at 120x40");
    assert!(moved < 2048, "{moved} bytes");
    // A poll that sees the same change token changes nothing and draws nothing.
    let token = fx.app.token.expect("token");
    let out = update(&mut fx.app, Msg::Token(token));
    assert!(!out.redraw && out.effects.is_empty());
    let out = update(&mut fx.app, Msg::Token(token + 1));
    assert_eq!(out.effects, vec![Effect::Load]);
}

#[test]
fn refresh_keeps_the_cursor_on_the_same_finding() {
    let mut fx = fixture();
    key(&mut fx.app, KeyCode::Char('2'));
    keys(&mut fx.app, "jjj");
    let before = govcheck::tui::update::selected(&fx.app).expect("sel");
    // Another supervisor verifies the finding above; the list re-sorts (closed last).
    let other = match fx.app.page() {
        Some(Page::Problems(p)) => p.rows[p.visible[0]].id.clone(),
        _ => panic!(),
    };
    let ev = Event {
        finding: other,
        kind: EventKind::Verified,
        at: DateTime::parse_from_rfc3339("2022-04-20T10:00:00+08:00").expect("t"),
        by: Actor::default(),
        note: None,
    };
    fx.store.append_events(vec![(ev, None)]).expect("append");
    let loaded = govcheck::tui::task::load(&fx.store).expect("load");
    update(&mut fx.app, Msg::Loaded(Ok(loaded)));
    assert_eq!(govcheck::tui::update::selected(&fx.app), Some(before));
}

#[test]
fn command_line_switches_region() {
    let mut fx = fixture();
    key(&mut fx.app, KeyCode::Char(':'));
    keys(&mut fx.app, "region 舟山市");
    let s = screen(&draw(&mut fx.app, 80, 24));
    assert!(s.contains(":region 舟山市"), "{s}");
    key(&mut fx.app, KeyCode::Enter);
    let s = screen(&draw(&mut fx.app, 80, 24));
    assert!(s.contains("舟山医疗保障"), "{s}");
}

#[test]
fn a_stale_cached_registry_says_so_with_its_age_and_identity() {
    let mut f = fixture();
    if let Some(d) = f.app.data.as_mut() {
        d.stale_since = Some(DateTime::parse_from_rfc3339("2022-04-30T17:05:00+08:00").expect("t"));
        d.identity = Some("张三 (supervisor, 舟山市)".into());
    }
    let buf = draw(&mut f.app, 120, 40);
    let last = lines(&buf).last().cloned().unwrap_or_default();
    assert!(last.contains("[离线，缓存于 04-30 17:05]"), "{last}");
    assert_rows_fit(&buf);
    // Who we are on the status line; where the data comes from once, on the
    // breadcrumb line, not repeated beside it.
    f.app.source = "http://reg:8080".into();
    let buf = draw(&mut f.app, 120, 40);
    let shown = lines(&buf);
    let last = shown.last().cloned().unwrap_or_default();
    assert!(last.contains("张三 (supervisor, 舟山市)"), "{last}");
    assert!(!last.contains("http://reg:8080"), "{last}");
    assert_eq!(
        shown
            .iter()
            .filter(|l| l.contains("http://reg:8080"))
            .count(),
        1,
        "{shown:?}"
    );
    assert!(last.contains("[离线，缓存于 04-30 17:05]"), "{last}");
    // At 80 columns the offline marker still shows.
    let buf = draw(&mut f.app, 80, 24);
    let last = lines(&buf).last().cloned().unwrap_or_default();
    assert!(last.contains("离线"), "{last}");
}

#[test]
fn refused_offline_actions_stay_on_the_status_line() {
    let mut f = fixture();
    let buf = draw(&mut f.app, 120, 40);
    let last = lines(&buf).last().cloned().unwrap_or_default();
    assert!(!last.contains("被拒绝"), "{last}");
    if let Some(d) = f.app.data.as_mut() {
        d.refused_offline = 2;
    }
    for (w, h) in [(120, 40), (80, 24)] {
        let buf = draw(&mut f.app, w, h);
        let last = lines(&buf).last().cloned().unwrap_or_default();
        assert!(last.contains("[2 项离线操作被拒绝"), "{w}x{h}: {last}");
        assert_rows_fit(&buf);
    }
}

#[test]
fn overview_shows_the_notice_check_and_e_exports_its_attachments() {
    let mut f = fixture();
    let text = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("data/demo/zhejiang-2022q1")
                .join(name),
        )
        .expect("fixture")
    };
    let grids = vec![
        (
            std::path::Path::new("a1.csv"),
            govcheck::formats::notice::read::read_grids(
                std::path::Path::new("a1.csv"),
                &text("attachment1.csv"),
            )
            .expect("a1"),
        ),
        (
            std::path::Path::new("a2.csv"),
            govcheck::formats::notice::read::read_grids(
                std::path::Path::new("a2.csv"),
                &text("attachment2.csv"),
            )
            .expect("a2"),
        ),
    ];
    let notice = govcheck::formats::notice::read::parse_notice("2022Q1", &grids).expect("notice");
    f.store
        .commit(
            &Actor::default(),
            DateTime::parse_from_rfc3339("2022-04-01T09:00:00+08:00").expect("t"),
            |_| Ok(vec![govcheck::domain::registry::Change::Notice(notice)]),
        )
        .expect("store the notice");
    let loaded = govcheck::tui::task::load(&f.store).expect("load");
    update(&mut f.app, Msg::Loaded(Ok(loaded)));
    for (w, h) in [(80, 24), (120, 40)] {
        let buf = draw(&mut f.app, w, h);
        let s = screen(&buf);
        assert!(
            s.contains("! 通报核对: arithmetic 总计: 合格率 published 99.71%"),
            "{s}"
        );
        assert_rows_fit(&buf);
    }
    let out = key(&mut f.app, KeyCode::Char('e'));
    let Some(Effect::Export {
        file_name,
        attachments,
    }) = out.effects.first()
    else {
        panic!("no export effect: {:?}", out.effects);
    };
    assert_eq!(file_name, "2022Q1-浙江省-通报附件.xlsx");
    assert_eq!(
        attachments.table1.last().map(|r| r[5].as_str()),
        Some("99.73%")
    );
    assert_eq!(attachments.table2.len(), 14);
    // Anywhere but the overview, `e` says where to use it and exports nothing.
    key(&mut f.app, KeyCode::Char('2'));
    assert!(key(&mut f.app, KeyCode::Char('e')).effects.is_empty());
}

#[test]
fn one_letter_answers_and_prefiltering_give_the_same_hits_as_a_full_scan() {
    let f = fixture();
    let data = f.app.data.as_ref().expect("loaded");
    assert_eq!(data.index.by_letter.len(), 26, "computed after load");
    let plain = govcheck::tui::task::build_index(&data.registry);
    for q in [
        "z", "Z", "zs", "zsyl", "tzsf", "zhoushan", "舟山", "s", " j", "jh", "12", "app", "q",
    ] {
        let fast = govcheck::tui::task::search(&data.index, &data.registry, q);
        let full = govcheck::tui::task::search(&plain, &data.registry, q);
        assert_eq!(fast.1, full.1, "total for {q:?}");
        let key = |h: &govcheck::tui::app::Hit| {
            (
                std::cmp::Reverse(h.score),
                format!("{:?}", h.target),
                h.positions.clone(),
            )
        };
        let mut a: Vec<_> = fast.0.iter().map(key).collect();
        let mut b: Vec<_> = full.0.iter().map(key).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "hits for {q:?}");
    }
}

#[test]
fn typing_narrows_each_keystroke_to_the_last_matches_with_the_same_hits() {
    let f = fixture();
    let data = f.app.data.as_ref().expect("loaded");
    let key = |h: &govcheck::tui::app::Hit| {
        (
            std::cmp::Reverse(h.score),
            format!("{:?}", h.target),
            h.positions.clone(),
        )
    };
    // Typed one character at a time, with a backspace and a retyped start in between.
    for typed in [
        vec!["z", "zs", "zsy", "zsyl"],
        vec!["t", "tz", "tzs", "tzsf", "tzs", "tzsf"],
        vec!["舟", "舟山", "舟山医"],
        vec!["g", "go", "gon", "gong", "gonga", "gongan"],
        vec!["1", "12", "j", "jh"],
    ] {
        let mut previous = None;
        for q in typed {
            let (hits, total, next) =
                govcheck::tui::task::search_from(&data.index, q, previous.as_ref());
            let (full_hits, full_total) =
                govcheck::tui::task::search(&data.index, &data.registry, q);
            assert_eq!(total, full_total, "total for {q:?}");
            assert_eq!(next.all.len(), total, "every match kept for the next key");
            let mut a: Vec<_> = hits.iter().map(key).collect();
            let mut b: Vec<_> = full_hits.iter().map(key).collect();
            a.sort();
            b.sort();
            assert_eq!(a, b, "hits for {q:?}");
            previous = Some(next);
        }
    }
}

#[test]
fn the_mouse_wheel_moves_the_selection_but_not_inside_a_dialog() {
    let mut f = fixture();
    let cursor = |app: &App| match app.page() {
        Some(Page::Overview(p)) => p.cursor,
        _ => usize::MAX,
    };
    assert_eq!(cursor(&f.app), 0);
    update(&mut f.app, Msg::Scroll(1));
    update(&mut f.app, Msg::Scroll(1));
    assert_eq!(cursor(&f.app), 2);
    update(&mut f.app, Msg::Scroll(-1));
    assert_eq!(cursor(&f.app), 1);
    key(&mut f.app, KeyCode::Char('?'));
    update(&mut f.app, Msg::Scroll(1));
    assert!(
        matches!(f.app.overlay, Some(Overlay::Help)),
        "the wheel leaves overlays alone"
    );
    assert_eq!(cursor(&f.app), 1);
}

#[test]
fn copy_shows_what_it_copied_and_sends_osc52_unless_told_not_to() {
    use govcheck::settings::CopyMode;
    for (mode, ssh, osc52, label) in [
        (CopyMode::Auto, true, true, "已复制:"),
        (CopyMode::Auto, false, true, "已复制（如未生效请选中）:"),
        (CopyMode::Osc52, false, true, "已复制:"),
        (CopyMode::Status, true, false, "请选中复制:"),
    ] {
        let mut o = opts(Lang::Zh, true, false);
        o.copy = mode;
        o.over_ssh = ssh;
        let mut f = fixture_with(o, Keymap::defaults());
        key(&mut f.app, KeyCode::Char('2'));
        let out = key(&mut f.app, KeyCode::Char('y'));
        let copies: Vec<&String> = out
            .effects
            .iter()
            .filter_map(|e| match e {
                Effect::Copy(t) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(copies.len(), usize::from(osc52), "{mode:?} ssh={ssh}");
        let status = f
            .app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default();
        assert!(status.starts_with(label), "{mode:?} ssh={ssh}: {status}");
        // The status line names the account and the finding id.
        let Some(Page::Problems(p)) = f.app.page() else {
            panic!("problems page");
        };
        let row = &p.rows[p.visible[p.cursor]];
        assert!(
            status.contains(&row.account) && status.contains(&row.id),
            "{status}"
        );
        if let Some(t) = copies.first() {
            assert_eq!(**t, format!("{} {}", row.account, row.id));
        }
    }
}

#[test]
fn s_sorts_by_the_next_column_and_shift_s_reverses_it_with_the_direction_shown() {
    use govcheck::domain::listing::{RegionSort, SortDir};
    let totals = |app: &App| match app.page() {
        Some(Page::Overview(p)) => {
            let s = p.summary.as_ref().expect("summary");
            p.visible
                .iter()
                .map(|&i| s.rows[i].total)
                .collect::<Vec<_>>()
        }
        _ => panic!("overview"),
    };
    for ascii in [false, true] {
        let mut f = fixture_with(opts(Lang::Zh, true, ascii), Keymap::defaults());
        let (down, up) = if ascii { ("v", "^") } else { ("↓", "↑") };
        let s = screen(&draw(&mut f.app, 80, 24));
        assert!(
            s.contains(&format!("地区{up}")),
            "registry order ascends:\n{s}"
        );
        key(&mut f.app, KeyCode::Char('s'));
        let buf = draw(&mut f.app, 80, 24);
        let s = screen(&buf);
        assert!(s.contains(&format!("{down}总量")), "{s}");
        assert!(!s.contains(&format!("地区{up}")), "one marker only:\n{s}");
        assert_rows_fit(&buf);
        let t = totals(&f.app);
        assert!(t.windows(2).all(|w| w[0] >= w[1]), "most first: {t:?}");
        key(&mut f.app, KeyCode::Char('S'));
        let s = screen(&draw(&mut f.app, 80, 24));
        assert!(s.contains(&format!("{up}总量")), "{s}");
        let r = totals(&f.app);
        assert!(r.windows(2).all(|w| w[0] <= w[1]), "reversed: {r:?}");
        match f.app.page() {
            Some(Page::Overview(p)) => {
                assert_eq!((p.sort, p.dir), (RegionSort::Total, SortDir::Reversed));
            }
            _ => panic!("overview"),
        }
        // `s` moves on to the next column in its natural order.
        key(&mut f.app, KeyCode::Char('s'));
        match f.app.page() {
            Some(Page::Overview(p)) => {
                assert_eq!((p.sort, p.dir), (RegionSort::Inspected, SortDir::Natural));
            }
            _ => panic!("overview"),
        }
    }
    // The problems list: by deadline, soonest first, by default; S reverses it.
    let mut f = fixture();
    key(&mut f.app, KeyCode::Char('2'));
    let s = screen(&draw(&mut f.app, 120, 40));
    assert!(s.contains("↑"), "{s}");
    let days = |app: &App| match app.page() {
        Some(Page::Problems(p)) => p
            .visible
            .iter()
            .filter_map(|&i| p.rows[i].days_left)
            .collect::<Vec<_>>(),
        _ => panic!("problems"),
    };
    let d = days(&f.app);
    assert!(d.len() > 3 && d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
    key(&mut f.app, KeyCode::Char('S'));
    let d = days(&f.app);
    assert!(d.windows(2).all(|w| w[0] >= w[1]), "{d:?}");
    assert!(screen(&draw(&mut f.app, 120, 40)).contains("↓"));
}

/// The screen row whose text contains `needle`.
fn row_of(buf: &Buffer, needle: &str) -> u16 {
    let i = lines(buf)
        .iter()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not on screen:\n{}", screen(buf)));
    u16::try_from(i).expect("row")
}

#[test]
fn a_click_selects_the_row_drawn_there_and_a_second_click_opens_it() {
    let mut f = fixture();
    let overview_cursor = |app: &App| match app.page() {
        Some(Page::Overview(p)) => p.cursor,
        _ => usize::MAX,
    };
    for (w, h) in SIZES {
        let mut app = f.app.clone();
        let buf = draw(&mut app, w, h);
        // The column titles, the border and the total row select nothing.
        for y in [row_of(&buf, "总量"), row_of(&buf, "总计"), 3, h - 1] {
            let out = update(&mut app, Msg::Click(10, y));
            assert!(!out.redraw && overview_cursor(&app) == 0, "row {y}");
        }
        let y = row_of(&buf, "舟山市");
        update(&mut app, Msg::Click(10, y));
        assert_eq!(overview_cursor(&app), 9);
        // The marker moved to the clicked row.
        let buf = draw(&mut app, w, h);
        assert_eq!(buf.cell((1, y)).map(|c| c.symbol()), Some(">"));
        // Clicking the selected row drills in, like Enter (舟山市 is a leaf).
        update(&mut app, Msg::Click(10, y));
        assert!(matches!(app.page(), Some(Page::Problems(p)) if p.scope.is_some()));
        let buf = draw(&mut app, w, h);
        let y = row_of(&buf, "舟山医疗保障");
        update(&mut app, Msg::Click(30, y));
        update(&mut app, Msg::Click(30, y));
        assert!(
            matches!(app.page(), Some(Page::Detail(_))),
            "{}",
            screen(&buf)
        );
    }
    // On a later page the click maps through the page offset: at 80x14 the overview
    // shows 5 regions a page.
    let buf = draw(&mut f.app, 80, 14);
    keys(&mut f.app, "jjjjjj");
    let buf2 = draw(&mut f.app, 80, 14);
    assert_ne!(screen(&buf), screen(&buf2), "second page");
    let y = row_of(&buf2, "金华市");
    update(&mut f.app, Msg::Click(5, y));
    assert_eq!(overview_cursor(&f.app), 7, "{}", screen(&buf2));
    // Search results too.
    key(&mut f.app, KeyCode::Char('/'));
    keys(&mut f.app, "zs");
    let (hits, total) = {
        let d = f.app.data.as_ref().expect("data");
        govcheck::tui::task::search(&d.index, &d.registry, "zs")
    };
    let generation = match &f.app.overlay {
        Some(Overlay::Search(s)) => s.generation,
        _ => panic!("search"),
    };
    update(
        &mut f.app,
        Msg::SearchDone {
            generation,
            hits,
            total,
        },
    );
    let buf = draw(&mut f.app, 120, 40);
    let y = row_of(&buf, "/ zs") + 3;
    update(&mut f.app, Msg::Click(20, y));
    match &f.app.overlay {
        Some(Overlay::Search(s)) => assert_eq!(s.cursor, 1),
        _ => panic!("still searching"),
    }
    update(&mut f.app, Msg::Click(20, y));
    assert!(f.app.overlay.is_none(), "the second click opens the hit");
}

/// 上海市 › 黄浦区 › 南京东路街道, with a finding on an account of the town and one on an
/// account registered at 黄浦区 itself (so 黄浦区's table has a 本级 row).
fn own_level_app() -> App {
    use govcheck::domain::account::{Account, AccountStatus};
    use govcheck::domain::finding::Finding;
    use govcheck::domain::region::Region;
    use govcheck::domain::registry::{Change, Registry};
    use govcheck::domain::round::{Round, RoundMode};
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let region = |code: &str, name: &str, parent: Option<&str>| {
        Change::Region(Region {
            code: code.into(),
            name: name.into(),
            parent: parent.map(Into::into),
        })
    };
    let account = |id: &str, name: &str, region: &str| {
        Change::Account(Account {
            id: id.into(),
            name: name.into(),
            platform: "微博".into(),
            region: region.into(),
            host_unit: format!("{name}主办"),
            supervisor_unit: None,
            status: AccountStatus::Operating,
            opened_on: None,
            closed_on: None,
            synthetic: true,
            contact: None,
            phone: None,
        })
    };
    let finding = |id: &str, account: &str| {
        [
            Change::Finding(Finding {
                id: id.into(),
                round: "R1".into(),
                account: account.into(),
                indicator: "nm.untimely".into(),
                problem: None,
                note: None,
                source: Default::default(),
                deadline: None,
                points: None,
            }),
            Change::Event(Event {
                finding: id.into(),
                kind: EventKind::Reported,
                at: DateTime::parse_from_rfc3339("2025-08-20T10:00:00+08:00").expect("t"),
                by: Actor::default(),
                note: None,
            }),
        ]
    };
    let mut changes = vec![
        region("310000", "上海市", None),
        region("310101", "黄浦区", Some("310000")),
        region("310101001", "南京东路街道", Some("310101")),
        account("a1", "黄浦发布", "310101001"),
        account("a2", "黄浦教育", "310101"),
        Change::Round(Round {
            id: "R1".into(),
            title: "R1".into(),
            period_start: day("2025-07-01"),
            period_end: day("2025-08-14"),
            monitoring_point: day("2025-08-14"),
            mode: RoundMode::Full,
            deadline: Some(day("2025-09-01")),
            note: None,
        }),
    ];
    changes.extend(finding("R1-0001", "a1"));
    changes.extend(finding("R1-0002", "a2"));
    let mut reg = Registry::new();
    reg.apply_all(changes).expect("registry");
    let mut app = App::new(
        opts(Lang::Zh, true, false),
        Keymap::defaults(),
        Catalogue::builtin(),
        chrono_tz::Asia::Shanghai,
        day("2025-08-20"),
        Actor::default(),
        "test".into(),
    );
    let data = govcheck::tui::app::Data {
        registry: std::sync::Arc::new(reg),
        posts: Default::default(),
        index: Default::default(),
        seq: 0,
        stale_since: None,
        identity: None,
        refused_offline: 0,
        pending: Default::default(),
        complete: true,
    };
    update(&mut app, Msg::Loaded(Ok((data, 1))));
    app
}

#[test]
fn enter_on_the_own_level_row_lists_only_that_levels_accounts() {
    let mut app = own_level_app();
    // 上海市 › 黄浦区: the town's row, then 黄浦区本级.
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Down);
    let own_findings = match app.page() {
        Some(Page::Overview(p)) => {
            let s = p.summary.as_ref().expect("summary");
            let row = &s.rows[p.visible[p.cursor]];
            assert_eq!(row.region, "黄浦区本级");
            assert_eq!(s.total.findings, 2);
            row.findings as usize
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(own_findings, 1);
    key(&mut app, KeyCode::Enter);
    let ids = |app: &App| match app.page() {
        Some(Page::Problems(p)) => p.rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        ids(&app),
        ["R1-0002"],
        "黄浦区's own account only, not the town's"
    );
    let s = screen(&draw(&mut app, 80, 24));
    assert!(s.contains("上海市 › 黄浦区 › 本级 › 问题账号"), "{s}");
    assert!(s.contains("黄浦教育") && !s.contains("黄浦发布"), "{s}");
    // A refresh keeps it to the own level.
    keys(&mut app, "pp");
    assert_eq!(ids(&app), ["R1-0002"]);
    // Back on the district, its town row still drills into the town.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Enter);
    assert_eq!(ids(&app), ["R1-0001"]);
}

/// Every page of the open help at `w`×`h`, paging down with `PgDn` (the help scrolls:
/// with every input layer it is longer than a screen), then back to its top.
fn help_pages(app: &mut govcheck::tui::app::App, w: u16, h: u16) -> String {
    let mut all = String::new();
    for _ in 0..8 {
        all.push_str(&screen(&draw(app, w, h)));
        key(app, KeyCode::PageDown);
    }
    key(app, KeyCode::Home);
    assert!(
        matches!(app.overlay, Some(Overlay::Help)),
        "paging keeps the help open"
    );
    all
}

#[test]
fn help_shows_every_binding_at_80x24_in_both_languages() {
    for lang in [Lang::Zh, Lang::En] {
        let mut f = fixture_with(opts(lang, true, false), Keymap::defaults());
        key(&mut f.app, KeyCode::Char('?'));
        for (w, h) in [(80, 24), (60, 24), (120, 40)] {
            let buf = draw(&mut f.app, w, h);
            assert_rows_fit(&buf);
            let s = help_pages(&mut f.app, w, h);
            for a in govcheck::tui::action::Action::ALL {
                // Every description is on screen, whole: its start and its end (a long
                // one wraps onto more lines of its row; none is cut).
                let d = f.app.t(&a.help_key()).to_string();
                let head: String = d.chars().take(4).collect();
                let tail: String = d
                    .chars()
                    .skip(d.chars().count().saturating_sub(2))
                    .collect();
                assert!(
                    s.contains(&head) && s.contains(&tail),
                    "{lang:?} {w}x{h}: {a:?} ({d}) missing or cut\n{s}"
                );
            }
            assert!(!s.contains('…'), "{lang:?} {w}x{h}: nothing is cut\n{s}");
            assert!(s.contains("Ctrl-C"), "{s}");
            assert!(
                s.contains(" S "),
                "the new reverse-sort key is listed:\n{s}"
            );
        }
    }
}

/// `PgDn` moves the selection a page down; the list scrolls by rows to show it with
/// context below it (#14 item 9: never a page jump).
#[test]
fn page_down_moves_a_page_and_keeps_rows_below_the_selection() {
    let mut f = fixture();
    // The overview at 80x14 shows 6 regions at once: `PgDn` selects the 7th, on the
    // 4th row, with 2 rows of context below it.
    draw(&mut f.app, 80, 14);
    key(&mut f.app, KeyCode::PageDown);
    let buf = draw(&mut f.app, 80, 14);
    let header = row_of(&buf, "总量");
    assert_eq!(
        buf.cell((1, header + 4)).map(|c| c.symbol()),
        Some(">"),
        "{}",
        screen(&buf)
    );
    // Search results (two lines of prompt and titles above them).
    key(&mut f.app, KeyCode::Char('/'));
    keys(&mut f.app, "z");
    let (hits, total) = {
        let d = f.app.data.as_ref().expect("data");
        govcheck::tui::task::search(&d.index, &d.registry, "z")
    };
    assert!(hits.len() > 40, "enough hits for two pages at 80x24");
    let generation = match &f.app.overlay {
        Some(Overlay::Search(s)) => s.generation,
        _ => panic!("search"),
    };
    update(
        &mut f.app,
        Msg::SearchDone {
            generation,
            hits,
            total,
        },
    );
    draw(&mut f.app, 80, 24);
    key(&mut f.app, KeyCode::PageDown);
    let buf = draw(&mut f.app, 80, 24);
    let titles = row_of(&buf, "/ z") + 1;
    // 16 hits a page: the 17th is selected, with 3 rows of context below it.
    assert_eq!(
        buf.cell((1, titles + 13)).map(|c| c.symbol()),
        Some(">"),
        "{}",
        screen(&buf)
    );
}

// ------------------------------------------------ store outcomes across the task boundary

use govcheck::tui::app::DialogKind;
use govcheck::tui::error::TaskError;

/// The local store as a registry that is offline with `pending` waiting in its outbox.
struct Outboxed<'a> {
    inner: &'a LocalStore,
    pending: std::collections::BTreeSet<String>,
}

impl RegistrySource for Outboxed<'_> {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn load(&self) -> Result<govcheck::store::Snapshot, govcheck::store::StoreError> {
        self.inner.load()
    }
    fn change_token(&self) -> Result<u64, govcheck::store::StoreError> {
        self.inner.change_token()
    }
    fn append_events(
        &self,
        _: Vec<(Event, Option<u32>)>,
    ) -> Result<u64, govcheck::store::StoreError> {
        Err(govcheck::store::StoreError::Queued {
            path: "/cache/outbox.jsonl".into(),
        })
    }
    fn posts(&self) -> Result<govcheck::domain::rules::Posts, govcheck::store::StoreError> {
        self.inner.posts()
    }
    fn pending_findings(&self) -> std::collections::BTreeSet<String> {
        self.pending.clone()
    }
}

/// The problems view with the cursor on finding `id`.
fn on_finding(app: &mut App, id: &str) {
    key(app, KeyCode::Char('2'));
    assert!(
        govcheck::tui::update::select_finding(app, id),
        "{id} is listed"
    );
    assert_eq!(
        govcheck::tui::update::selected(app).and_then(|(_, f)| f),
        Some(id.to_string())
    );
}

/// The rows of the screen that hold `needle`.
fn rows_with(buf: &Buffer, needle: &str) -> Vec<String> {
    lines(buf)
        .into_iter()
        .filter(|l| l.contains(needle))
        .collect()
}

#[test]
fn a_queued_action_closes_its_dialog_reads_as_queued_and_is_not_offered_again() {
    let mut fx = fixture();
    let id = "2022Q1-0008";
    on_finding(&mut fx.app, id);
    key(&mut fx.app, KeyCode::Char('v'));
    keys(&mut fx.app, "已恢复更新");
    let out = key(&mut fx.app, KeyCode::Enter);
    let [Effect::Append { .. }] = out.effects.as_slice() else {
        panic!("{:?}", out.effects)
    };
    // What the task runner sends back for an offline registry: the store's own error.
    let offline = Outboxed {
        inner: &fx.store,
        pending: [id.to_string()].into(),
    };
    let result = offline.append_events(Vec::new()).map_err(TaskError::from);
    update(
        &mut fx.app,
        Msg::Written {
            finding: id.into(),
            kind: DialogKind::Verify,
            result,
        },
    );
    assert!(fx.app.overlay.is_none(), "closed as for a success");
    let buf = draw(&mut fx.app, 80, 24);
    let s = screen(&buf);
    assert!(s.contains("已存入待发送队列，联网后自动发送"), "{s}");
    assert!(
        !s.contains("未保存"),
        "a queued action is not a failure: {s}"
    );
    let row = rows_with(&buf, "舟山医疗保障");
    assert!(row.iter().any(|r| r.contains("待发送")), "{row:?}\n{s}");
    assert_rows_fit(&buf);
    // Not offered again: no dialog, a message saying why.
    for k in ['v', 'x', 'r', 'd', 'o'] {
        let out = key(&mut fx.app, KeyCode::Char(k));
        assert!(fx.app.overlay.is_none(), "{k} opened a dialog");
        assert!(out.effects.is_empty());
    }
    let s = screen(&draw(&mut fx.app, 80, 24));
    assert!(s.contains("已有一项操作在待发送队列中"), "{s}");
    // The reload (offline: the cached copy and the outbox) keeps it pending...
    let loaded = govcheck::tui::task::load(&offline).expect("load");
    update(&mut fx.app, Msg::Loaded(Ok(loaded)));
    key(&mut fx.app, KeyCode::Char('v'));
    assert!(fx.app.overlay.is_none(), "still queued");
    let s = screen(&draw(&mut fx.app, 120, 40));
    assert!(s.contains("待发送"), "{s}");
    // ...until the outbox is sent: then the finding can be acted on again.
    let loaded = govcheck::tui::task::load(&fx.store).expect("load");
    update(&mut fx.app, Msg::Loaded(Ok(loaded)));
    key(&mut fx.app, KeyCode::Char('v'));
    assert!(
        matches!(&fx.app.overlay, Some(Overlay::Dialog(d)) if d.finding == id),
        "offered again once sent"
    );
}

#[test]
fn a_conflict_says_who_changed_the_finding_when_and_to_what_and_offers_a_reload() {
    let id = "2022Q1-0008";
    let reload_keys = [
        KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
        KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE),
        KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL),
    ];
    for reload in reload_keys {
        let mut fx = fixture();
        on_finding(&mut fx.app, id);
        key(&mut fx.app, KeyCode::Char('v'));
        keys(&mut fx.app, "已恢复更新");
        let out = key(&mut fx.app, KeyCode::Enter);
        let [Effect::Append { version, .. }] = out.effects.as_slice() else {
            panic!("{:?}", out.effects)
        };
        // 王芳 verified it meanwhile.
        let theirs = Event {
            finding: id.into(),
            kind: EventKind::Verified,
            at: DateTime::parse_from_rfc3339("2022-04-30T10:42:00+08:00").expect("t"),
            by: Actor {
                name: "王芳".into(),
                ..Actor::default()
            },
            note: None,
        };
        fx.store
            .append_events(vec![(theirs.clone(), Some(*version))])
            .expect("theirs");
        let ours = Event {
            by: fx.app.actor.clone(),
            ..theirs
        };
        let result = fx
            .store
            .append_events(vec![(ours, Some(*version))])
            .map_err(TaskError::from);
        assert!(
            matches!(result, Err(TaskError::Conflict { .. })),
            "{result:?}"
        );
        update(
            &mut fx.app,
            Msg::Written {
                finding: id.into(),
                kind: DialogKind::Verify,
                result,
            },
        );
        let buf = draw(&mut fx.app, 80, 24);
        let s = screen(&buf);
        assert!(
            joined_within(&buf, DIALOG_INNER).contains(
                "问题2022Q1-0008已被他人修改：王芳已于04-3010:42复核通过，现为已复核（版本2）"
            ),
            "{s}"
        );
        assert!(s.contains("Enter / r 重新载入"), "{s}");
        assert!(s.contains("已恢复更新"), "the note stays on screen: {s}");
        assert_rows_fit(&buf);
        // The reload key reloads; nothing resends the stale action.
        let out = update(&mut fx.app, Msg::Key(reload));
        assert_eq!(out.effects, vec![Effect::Load], "{reload:?}");
        assert!(fx.app.overlay.is_none());
        // Another row selected meanwhile; the reload puts the cursor back on the finding.
        key(&mut fx.app, KeyCode::Char('g'));
        let loaded = govcheck::tui::task::load(&fx.store).expect("load");
        update(&mut fx.app, Msg::Loaded(Ok(loaded)));
        assert_eq!(
            govcheck::tui::update::selected(&fx.app).and_then(|(_, f)| f),
            Some(id.to_string())
        );
        let buf = draw(&mut fx.app, 80, 24);
        let row = rows_with(&buf, "舟山医疗保障");
        assert!(row.iter().any(|r| r.contains("已复核")), "{row:?}");
    }
}

/// The columns inside the remediation dialog at 80 columns (70 wide, centred).
const DIALOG_INNER: std::ops::Range<u16> = 6..74;

/// The text of columns `cols` of the screen, row after row, with spaces and box lines
/// taken out: what a message wrapped over several rows there reads as once joined.
fn joined_within(buf: &Buffer, cols: std::ops::Range<u16>) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in cols.clone() {
            if let Some(c) = buf.cell((x, y)) {
                out.push_str(c.symbol());
            }
        }
    }
    out.chars()
        .filter(|c| !c.is_whitespace() && !"│─┌┐└┘".contains(*c))
        .collect()
}

fn joined(buf: &Buffer) -> String {
    joined_within(buf, 0..buf.area.width)
}

#[test]
fn a_long_error_is_shown_whole_at_80x24() {
    let cause = "/srv/govcheck/exports/2022Q1/浙江省/舟山市/2022Q1-浙江省-通报附件.xlsx: \
                 Permission denied (os error 13); the working directory is read-only, \
                 start govcheck from a directory you may write to, or give the export a \
                 directory with its --out flag from the command line (govcheck notice export); \
                 nothing was written";
    let want: String = cause.chars().filter(|c| !c.is_whitespace()).collect();
    let mut fx = fixture();
    let depth = fx.app.stack().len();
    update(
        &mut fx.app,
        Msg::Exported(Err(TaskError::Store(cause.into()))),
    );
    let buf = draw(&mut fx.app, 80, 24);
    let s = screen(&buf);
    assert!(s.contains("导出失败"), "{s}");
    assert!(joined(&buf).contains(&want), "cut:\n{s}");
    assert_rows_fit(&buf);
    // Esc closes the message (and does not go back a page).
    key(&mut fx.app, KeyCode::Esc);
    assert!(fx.app.status.is_none());
    assert_eq!(fx.app.stack().len(), depth);
    // In a dialog, the refusal is shown whole too.
    on_finding(&mut fx.app, "2022Q1-0008");
    key(&mut fx.app, KeyCode::Char('v'));
    key(&mut fx.app, KeyCode::Enter);
    update(
        &mut fx.app,
        Msg::Written {
            finding: "2022Q1-0008".into(),
            kind: DialogKind::Verify,
            result: Err(TaskError::Store(cause.into())),
        },
    );
    let buf = draw(&mut fx.app, 80, 24);
    let s = screen(&buf);
    assert!(s.contains("未保存"), "{s}");
    assert!(
        joined_within(&buf, DIALOG_INNER).contains(&want),
        "cut:\n{s}"
    );
    assert!(s.contains("Enter 重试"), "{s}");
    assert_rows_fit(&buf);
}

#[test]
fn a_registry_out_of_reach_reports_the_actions_in_its_outbox_as_pending() {
    let cache = tempfile::tempdir().expect("tempdir");
    // Nothing listens on port 1: the connection is refused at once.
    let remote =
        govcheck::store::remote::RemoteStore::new("http://127.0.0.1:1", "t", None, cache.path())
            .expect("client");
    assert!(remote.pending_findings().is_empty());
    let ev = Event {
        finding: "2022Q1-0008".into(),
        kind: EventKind::Verified,
        at: DateTime::parse_from_rfc3339("2022-04-30T10:42:00+08:00").expect("t"),
        by: Actor::default(),
        note: None,
    };
    let queued = remote
        .append_events(vec![(ev, Some(1))])
        .map_err(TaskError::from);
    assert!(
        matches!(queued, Err(TaskError::Queued { .. })),
        "{queued:?}"
    );
    assert_eq!(
        remote.pending_findings(),
        ["2022Q1-0008".to_string()].into()
    );
}

// ------------------------------------------------- #14: pasting and editing notes

/// The cursor the frame leaves on screen (where the terminal's cursor is drawn).
fn cursor_of(app: &mut App, w: u16, h: u16) -> (u16, u16) {
    update(app, Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| govcheck::tui::view::render(f, app))
        .expect("draw");
    let p = t.get_cursor_position().expect("cursor");
    (p.x, p.y)
}

#[test]
fn a_pasted_multi_line_note_goes_into_the_field_whole_and_does_not_submit() {
    for lang in [Lang::Zh, Lang::En] {
        for (w, h) in SIZES {
            let mut fx = fixture_with(opts(lang, true, false), Keymap::defaults());
            on_finding(&mut fx.app, "2022Q1-0008");
            key(&mut fx.app, KeyCode::Char('r'));
            keys(&mut fx.app, "主办单位");
            let out = update(
                &mut fx.app,
                Msg::Paste("已恢复更新\r\n3月28日起每周发布\n附截图".into()),
            );
            assert!(out.effects.is_empty(), "a paste never submits: {out:?}");
            let Some(Overlay::Dialog(d)) = &fx.app.overlay else {
                panic!("the dialog stays open after a paste");
            };
            assert_eq!(
                d.input.text(),
                "主办单位已恢复更新\n3月28日起每周发布\n附截图"
            );
            let buf = draw(&mut fx.app, w, h);
            let s = screen(&buf);
            assert!(s.contains("⏎3月28日起"), "line breaks marked: {s}");
            assert_rows_fit(&buf);
            // Enter then records the whole note, line breaks and all.
            let out = key(&mut fx.app, KeyCode::Enter);
            assert!(
                matches!(out.effects.as_slice(),
                    [Effect::Append { note: Some(n), .. }] if n.ends_with("每周发布\n附截图")),
                "{out:?}"
            );
        }
    }
}

#[test]
fn a_paste_outside_a_field_is_ignored_and_one_line_fields_get_spaces() {
    let mut fx = fixture();
    let before = fx.app.view;
    let out = update(&mut fx.app, Msg::Paste("q\n2\n".into()));
    assert!(!fx.app.quit && fx.app.view == before && out.effects.is_empty());
    key(&mut fx.app, KeyCode::Char('/'));
    let out = update(&mut fx.app, Msg::Paste("舟山\n医疗".into()));
    assert!(
        matches!(out.effects.as_slice(), [Effect::Search { query, .. }] if query == "舟山 医疗"),
        "{out:?}"
    );
    key(&mut fx.app, KeyCode::Esc);
    key(&mut fx.app, KeyCode::Esc);
    key(&mut fx.app, KeyCode::Char(':'));
    update(&mut fx.app, Msg::Paste("round\n2022Q1".into()));
    let Some(Overlay::Command(c)) = &fx.app.overlay else {
        panic!("command line open");
    };
    assert_eq!(c.text(), "round 2022Q1");
}

#[test]
fn the_note_is_edited_in_the_middle_with_the_cursor_at_its_display_column() {
    for lang in [Lang::Zh, Lang::En] {
        for (w, h) in SIZES {
            let mut fx = fixture_with(opts(lang, true, false), Keymap::defaults());
            on_finding(&mut fx.app, "2022Q1-0008");
            key(&mut fx.app, KeyCode::Char('v'));
            keys(&mut fx.app, "已恢复更新");
            let (x_end, y) = cursor_of(&mut fx.app, w, h);
            key(&mut fx.app, KeyCode::Left);
            key(&mut fx.app, KeyCode::Left);
            let (x, y2) = cursor_of(&mut fx.app, w, h);
            assert_eq!((x_end - x, y2), (4, y), "two CJK chars = four columns");
            keys(&mut fx.app, "正常");
            key(&mut fx.app, KeyCode::Home);
            keys(&mut fx.app, "经核");
            key(&mut fx.app, KeyCode::End);
            key(&mut fx.app, KeyCode::Backspace);
            let s = screen(&draw(&mut fx.app, w, h));
            assert!(s.contains("经核已恢复正常更"), "{s}");
            // Ctrl-w deletes the word before the cursor, Ctrl-u the whole start.
            keys(&mut fx.app, " ok");
            update(
                &mut fx.app,
                Msg::Key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL)),
            );
            let Some(Overlay::Dialog(d)) = &fx.app.overlay else {
                panic!("dialog open");
            };
            assert_eq!(d.input.text(), "经核已恢复正常更 ");
        }
    }
}

// ------------------------------------------------- #14: ASCII mode never draws `…`

#[test]
fn ascii_mode_never_draws_the_ambiguous_ellipsis() {
    for lang in [Lang::Zh, Lang::En] {
        let fx = fixture_with(opts(lang, false, true), Keymap::defaults());
        let setups: [fn(&mut App); 4] = [
            |_| {},
            |app| {
                key(app, KeyCode::Char('2'));
            },
            |app| {
                key(app, KeyCode::Char('3'));
            },
            |app| open_finding(app, "舟山市", "2022Q1-0008"),
        ];
        let mut cut = false;
        for setup in setups {
            let mut app = fx.app.clone();
            setup(&mut app);
            for (w, h) in SIZES.into_iter().chain([(60, 12)]) {
                let buf = draw(&mut app, w, h);
                let s = screen(&buf);
                assert!(!s.contains('…'), "U+2026 in ASCII mode at {w}x{h}:\n{s}");
                cut |= s.contains('~');
            }
        }
        assert!(cut, "some text was cut, and marked with ~");
        // The same screens outside ASCII mode still mark a cut with `…`.
        let mut app = fixture_with(opts(lang, false, false), Keymap::defaults()).app;
        key(&mut app, KeyCode::Char('2'));
        let s = screen(&draw(&mut app, 60, 12));
        assert!(s.contains('…'), "{s}");
    }
}

// ------------------------------------------------- #14: keys are discoverable

#[test]
fn the_hints_keep_the_help_key_at_80_columns_on_every_page() {
    for lang in [Lang::Zh, Lang::En] {
        let fx = fixture_with(opts(lang, true, false), Keymap::defaults());
        let setups: [fn(&mut App); 4] = [
            |_| {},
            |app| {
                key(app, KeyCode::Char('2'));
            },
            |app| {
                key(app, KeyCode::Char('3'));
            },
            |app| open_finding(app, "舟山市", "2022Q1-0008"),
        ];
        for setup in setups {
            let mut app = fx.app.clone();
            setup(&mut app);
            for (w, h) in SIZES {
                let buf = draw(&mut app, w, h);
                let last = lines(&buf).pop().unwrap_or_default();
                let help = app.t("hint.help").to_string();
                assert!(
                    last.contains(&format!("? {help}")),
                    "{w}x{h}: the help key is on the hints line: {last:?}"
                );
                assert!(!last.contains('…'), "no hint is cut: {last:?}");
            }
        }
    }
}

#[test]
fn the_help_lists_every_command_whole_and_f1_and_shift_tab_work() {
    for lang in [Lang::Zh, Lang::En] {
        let mut fx = fixture_with(opts(lang, true, false), Keymap::defaults());
        update(
            &mut fx.app,
            Msg::Key(KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE)),
        );
        assert!(
            matches!(fx.app.overlay, Some(Overlay::Help)),
            "F1 opens help"
        );
        for (w, h) in SIZES {
            let buf = draw(&mut fx.app, w, h);
            let s = help_pages(&mut fx.app, w, h);
            for (usage, k) in govcheck::tui::view::help::COMMANDS {
                assert!(s.contains(usage), "{w}x{h}: {usage} listed\n{s}");
                if w >= 120 {
                    let desc = fx.app.t(k).to_string();
                    assert!(s.contains(&desc), "{w}x{h}: {desc} whole\n{s}");
                }
            }
            assert!(s.contains("Shift-Tab") && s.contains("?/F1"), "{s}");
            assert_rows_fit(&buf);
        }
        key(&mut fx.app, KeyCode::Esc);
        // Shift-Tab: the view before, wrapping from the first to the last.
        assert_eq!(fx.app.view, View::Overview);
        update(
            &mut fx.app,
            Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        );
        assert_eq!(fx.app.view, View::Warnings);
        update(
            &mut fx.app,
            Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        );
        assert_eq!(fx.app.view, View::Deadlines);
    }
}

#[test]
fn tab_after_colon_completes_the_command_name() {
    let mut fx = fixture();
    key(&mut fx.app, KeyCode::Char(':'));
    keys(&mut fx.app, "as");
    key(&mut fx.app, KeyCode::Tab);
    let text = |app: &App| match &app.overlay {
        Some(Overlay::Command(c)) => c.text().to_string(),
        _ => panic!("command line open"),
    };
    // `as` starts `as-of` and `ascii`: their common part only.
    assert_eq!(text(&fx.app), "as");
    keys(&mut fx.app, "-");
    key(&mut fx.app, KeyCode::Tab);
    assert_eq!(text(&fx.app), "as-of ");
    keys(&mut fx.app, "2022-04-30");
    key(&mut fx.app, KeyCode::Enter);
    assert_eq!(fx.app.as_of.to_string(), "2022-04-30");
    key(&mut fx.app, KeyCode::Char(':'));
    keys(&mut fx.app, "reg");
    key(&mut fx.app, KeyCode::Tab);
    assert_eq!(text(&fx.app), "region ");
    for (w, h) in SIZES {
        let s = screen(&draw(&mut fx.app, w, h));
        assert!(
            s.lines().last().unwrap_or("").starts_with(":region "),
            "{s}"
        );
    }
}

// ------------------------------------------------- #14: the columns that matter

/// Days left and status are never cut, at 80 and 120 columns, in both languages, on
/// the problems and the deadlines tabs; names shrink instead and platforms show their
/// short names.
#[test]
fn days_left_and_status_are_never_cut_and_platforms_are_short() {
    for lang in [Lang::Zh, Lang::En] {
        let mut fx = fixture_with(opts(lang, false, false), Keymap::defaults());
        let ev = Event {
            finding: "2022Q1-0008".into(),
            kind: EventKind::RectificationReported,
            at: DateTime::parse_from_rfc3339("2022-04-20T10:00:00+08:00").expect("t"),
            by: Actor::default(),
            note: None,
        };
        fx.store.append_events(vec![(ev, None)]).expect("append");
        let loaded = govcheck::tui::task::load(&fx.store).expect("load");
        update(&mut fx.app, Msg::Loaded(Ok(loaded)));
        // Four and a half years on: days left of -1681 and more.
        govcheck::tui::update::run_command(&mut fx.app, "as-of 2026-12-01");
        let rectified = fx.app.t("st.rectified").to_string();
        let overdue = fx.app.t("st.overdue").to_string();
        for tab in ['2', '3'] {
            key(&mut fx.app, KeyCode::Char(tab));
            for (w, h) in SIZES {
                let buf = draw(&mut fx.app, w, h);
                let s = screen(&buf);
                assert_rows_fit(&buf);
                let late: Vec<String> = rows_with(&buf, &overdue)
                    .into_iter()
                    .filter(|l| l.starts_with("│ !") || l.starts_with("│>!"))
                    .collect();
                assert!(!late.is_empty(), "{w}x{h} tab {tab}: overdue rows\n{s}");
                for l in &late {
                    assert!(
                        l.split_whitespace()
                            .any(|t| t.starts_with("-16") && t.len() == 5),
                        "{w}x{h} tab {tab}: days left whole: {l:?}\n{s}"
                    );
                    assert!(!l.contains(&format!("{overdue}…")), "{l:?}");
                }
                let review = rows_with(&buf, "2022Q1-0008");
                let review = if review.is_empty() {
                    rows_with(&buf, "舟山医疗保障")
                } else {
                    review
                };
                assert!(
                    review.iter().any(|l| l.contains(&rectified)),
                    "{w}x{h} tab {tab}: {rectified} whole\n{s}"
                );
                assert!(s.contains("微信 "), "{w}x{h}: short platform\n{s}");
                assert!(!s.contains("微信公众号"), "{w}x{h}: short platform\n{s}");
            }
        }
    }
}

#[test]
fn an_extension_takes_its_date_and_a_pasted_note_on_the_next_line() {
    let mut fx = fixture();
    on_finding(&mut fx.app, "2022Q1-0008");
    key(&mut fx.app, KeyCode::Char('d'));
    update(
        &mut fx.app,
        Msg::Paste("2022-05-10\n主办单位申请延期".into()),
    );
    let out = key(&mut fx.app, KeyCode::Enter);
    assert!(
        matches!(out.effects.as_slice(),
            [Effect::Append { note: Some(n), .. }] if n == "主办单位申请延期"),
        "{out:?}"
    );
}
