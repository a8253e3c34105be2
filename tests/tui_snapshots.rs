//! The console's key screens compared with committed snapshots (tests/snapshots/), at
//! 80×24 and 120×40, on the embedded demo as of 2022-05-01: overview, problems list,
//! detail with history, deadlines, help and search. A change of layout shows as a diff
//! to review (`cargo insta review`, or INSTA_UPDATE=always once the change is meant);
//! .ci/run sets INSTA_UPDATE=no, so CI never accepts a screen by itself.
//!
//! And the capture in docs/console.md is the screen the console draws today.

mod common;

use chrono::DateTime;
use common::console::{Console, draw, key, open_finding, screen, search_for};
use govcheck::domain::event::{Actor, Event, EventKind};
use govcheck::store::RegistrySource;
use govcheck::tui::app::App;
use ratatui::crossterm::event::KeyCode;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// Snapshot the screen of `app` at both sizes as `<name>_<w>x<h>`.
fn snapshot(name: &str, app: &App) {
    for (w, h) in SIZES {
        let mut app = app.clone();
        let text = screen(&draw(&mut app, w, h));
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
    }
}

#[test]
fn overview() {
    snapshot("overview", &Console::demo().app);
}

#[test]
fn problems_list() {
    let mut c = Console::demo();
    key(&mut c.app, KeyCode::Char('2'));
    snapshot("problems", &c.app);
}

#[test]
fn deadlines_tab() {
    let mut c = Console::demo();
    key(&mut c.app, KeyCode::Char('3'));
    snapshot("deadlines", &c.app);
}

#[test]
fn help() {
    let mut c = Console::demo();
    key(&mut c.app, KeyCode::Char('?'));
    snapshot("help", &c.app);
}

/// 舟山医疗保障's finding after a supervisor recorded its rectification over SSH: the
/// history shows who, with OS user and SSH address, what, and the note.
#[test]
fn detail_with_history() {
    let mut c = Console::demo();
    let ev = Event {
        finding: "2022Q1-0008".into(),
        kind: EventKind::RectificationReported,
        at: DateTime::parse_from_rfc3339("2022-04-20T10:00:00+08:00").expect("t"),
        by: Actor {
            name: "张三".into(),
            os_user: Some("zs".into()),
            ssh_client: Some("10.1.2.3".into()),
            ..Actor::default()
        },
        note: Some("已恢复更新".into()),
    };
    c.store.append_events(vec![(ev, None)]).expect("append");
    c.reload();
    open_finding(&mut c.app, "舟山市", "2022Q1-0008");
    snapshot("detail", &c.app);
}

#[test]
fn search() {
    let mut c = Console::demo();
    search_for(&mut c.app, "zsyl");
    snapshot("search", &c.app);
}

/// The fenced block after `marker` in `doc`: its lines, and the byte range of its
/// body (between the fences) for rewriting it.
fn fenced_after(doc: &str, marker: &str) -> (Vec<String>, std::ops::Range<usize>) {
    let at = doc
        .find(marker)
        .unwrap_or_else(|| panic!("docs/console.md has no {marker}"));
    let open = at
        + doc[at..]
            .find("```text\n")
            .expect("a ```text block after the marker");
    let start = open + "```text\n".len();
    let end = start + doc[start..].find("```").expect("the block's closing fence");
    let body = &doc[start..end];
    (body.lines().map(str::to_string).collect(), start..end)
}

/// docs/console.md shows the overview at 80×24 as the console draws it: the block after
/// the marker comment is compared line by line (trailing blanks aside, which editors
/// strip). After a deliberate change of the overview, GOVCHECK_UPDATE_DOCS=1 rewrites
/// the block.
#[test]
fn the_capture_in_docs_console_md_is_the_screen_drawn() {
    const MARKER: &str =
        "<!-- capture: overview 80x24 as of 2022-05-01 (tests/tui_snapshots.rs) -->";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/console.md");
    let doc = std::fs::read_to_string(&path).expect("docs/console.md");
    let mut c = Console::demo();
    let drawn = common::console::lines(&draw(&mut c.app, 80, 24));
    let (shown, body) = fenced_after(&doc, MARKER);
    let trimmed =
        |v: &[String]| -> Vec<String> { v.iter().map(|l| l.trim_end().to_string()).collect() };
    if trimmed(&shown) != trimmed(&drawn) && std::env::var_os("GOVCHECK_UPDATE_DOCS").is_some() {
        let mut text = drawn.join("\n");
        text.push('\n');
        let mut new_doc = doc.clone();
        new_doc.replace_range(body, &text);
        std::fs::write(&path, new_doc).expect("rewrite docs/console.md");
        return;
    }
    assert_eq!(
        trimmed(&shown),
        trimmed(&drawn),
        "docs/console.md's capture differs from the screen drawn; after a deliberate \
         change, rerun with GOVCHECK_UPDATE_DOCS=1 to rewrite it"
    );
}
