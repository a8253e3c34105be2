//! `govcheck migrate`: a journal store moves into an SQLite database and back with
//! the same figures, histories and versions; an existing target is refused and a
//! failed move leaves nothing behind.

mod common;

use std::path::Path;

use chrono::NaiveDate;
use common::Sandbox;
use govcheck::domain::figures::summarize;
use govcheck::domain::indicator::Catalogue;
use govcheck::domain::registry::Registry;
use govcheck::store::sqlite::SqliteStore;
use govcheck::store::sqlite::convert::difference;
use govcheck::store::{LocalStore, RegistrySource, Snapshot};

fn journal(dir: &Path) -> (Snapshot, Vec<(String, Vec<i64>)>) {
    let s = LocalStore::open(dir).expect("open store");
    (s.load().expect("load"), sorted_posts(&s))
}

fn database(file: &Path) -> (Snapshot, Vec<(String, Vec<i64>)>) {
    let s = SqliteStore::open(file).expect("open database");
    (s.load().expect("load"), sorted_posts(&s))
}

fn sorted_posts(s: &dyn RegistrySource) -> Vec<(String, Vec<i64>)> {
    let mut p: Vec<_> = s.posts().expect("posts").by_account.into_iter().collect();
    p.sort();
    p
}

/// Every round's summary, every finding's state and history, the batch count, posts.
fn assert_same(a: &(Snapshot, Vec<(String, Vec<i64>)>), b: &(Snapshot, Vec<(String, Vec<i64>)>)) {
    assert_eq!(a.0.seq, b.0.seq, "the same batches");
    assert_eq!(difference(&a.0.registry, &b.0.registry), None);
    let cat = Catalogue::builtin();
    let day = NaiveDate::from_ymd_opt(2030, 1, 1).expect("day");
    let figures = |r: &Registry| {
        r.rounds()
            .iter()
            .map(|round| summarize(r, &cat, &round.id, r.tree().root(), day).expect("summary"))
            .collect::<Vec<_>>()
    };
    let (fa, fb) = (figures(&a.0.registry), figures(&b.0.registry));
    assert!(!fa.is_empty(), "there are rounds to compare");
    assert_eq!(fa, fb, "the same figures");
    let versions = |r: &Registry| {
        (0..r.findings().len())
            .map(|i| (r.findings()[i].id.clone(), r.state(i).version))
            .collect::<Vec<_>>()
    };
    assert_eq!(versions(&a.0.registry), versions(&b.0.registry));
    assert!(
        a.1 == b.1,
        "the same posts ({} and {} accounts)",
        a.1.len(),
        b.1.len()
    );
}

fn there_and_back(s: &Sandbox, store: &Path) {
    let db = s.path("registry.sqlite");
    let back = s.path("back");
    let out = s.ok(&[
        "migrate",
        "--from",
        store.to_str().expect("path"),
        "--to",
        db.to_str().expect("path"),
    ]);
    assert!(out.contains("batches"), "{out}");
    let original = journal(store);
    assert_same(&original, &database(&db));
    s.ok(&[
        "migrate",
        "--from",
        db.to_str().expect("path"),
        "--to",
        back.to_str().expect("path"),
    ]);
    assert_same(&original, &journal(&back));
}

#[test]
fn the_demo_with_its_history_moves_to_sqlite_and_back_unchanged() {
    let s = Sandbox::new();
    s.demo();
    s.ok(&[
        "rectified",
        "2022Q1-0006",
        "--note",
        "主办单位报送已恢复更新",
    ]);
    s.ok(&["verify", "2022Q1-0006", "--note", "复核通过"]);
    s.ok(&["rectified", "2022Q1-0007"]);
    s.ok(&["reject", "2022Q1-0007", "--reason", "仍未更新"]);
    s.ok(&["extend", "2022Q1-0008", "--to", "2022-05-10"]);
    s.ok(&["waive", "2022Q1-0009", "--reason", "账号已关停"]);
    there_and_back(&s, &s.store());
    let db = SqliteStore::open(&s.path("registry.sqlite")).expect("open");
    let history = db.history("2022Q1-0006").expect("history");
    let kinds: Vec<_> = history.iter().map(|e| e.kind.label()).collect();
    assert_eq!(kinds, ["reported", "rectification_reported", "verified"]);
    assert_eq!(
        history[2].by.os_user.as_deref(),
        Some("tester"),
        "who, as recorded"
    );
}

#[test]
fn a_synthetic_national_sample_moves_unchanged() {
    let s = Sandbox::new();
    let out = s.path("national");
    s.ok(&[
        "demo",
        "--accounts",
        "2000",
        "--out",
        out.to_str().expect("path"),
    ]);
    there_and_back(&s, &out);
}

#[test]
fn an_existing_target_is_refused_and_left_as_it_is() {
    let s = Sandbox::new();
    s.demo();
    let db = s.path("registry.sqlite");
    std::fs::write(&db, b"someone's file").expect("write");
    let err = s.fails(&[
        "migrate",
        "--from",
        s.store().to_str().expect("path"),
        "--to",
        db.to_str().expect("path"),
    ]);
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(std::fs::read(&db).expect("read"), b"someone's file");
    // Back to a directory that holds something: refused too.
    std::fs::remove_file(&db).expect("rm");
    s.ok(&[
        "migrate",
        "--from",
        s.store().to_str().expect("path"),
        "--to",
        db.to_str().expect("path"),
    ]);
    let err = s.fails(&[
        "migrate",
        "--from",
        db.to_str().expect("path"),
        "--to",
        s.store().to_str().expect("path"),
    ]);
    assert!(err.contains("not empty"), "{err}");
}

#[test]
fn a_move_that_fails_leaves_nothing_behind() {
    let s = Sandbox::new();
    s.demo();
    // Posts that do not read: the move stops, with where.
    let posts = s.store().join("posts.tsv");
    let mut text = std::fs::read_to_string(&posts).expect("posts");
    text.push_str("acct\tnot-a-time\n");
    std::fs::write(&posts, text).expect("write");
    let target = s.path("out").join("registry.sqlite");
    let err = s.fails(&[
        "migrate",
        "--from",
        s.store().to_str().expect("path"),
        "--to",
        target.to_str().expect("path"),
    ]);
    assert!(err.contains("posts.tsv"), "{err}");
    assert!(!target.exists(), "no database");
    let left: Vec<_> = std::fs::read_dir(s.path("out"))
        .map(|d| d.map(|e| e.expect("entry").file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "no temporary file left: {left:?}");
}

/// `--data FILE.sqlite` (or a directory holding `registry.sqlite` and no journal)
/// opens the database: the same figures as the store it came from, remediation
/// recorded in it; the store directory stays the default and is not touched.
#[test]
fn the_commands_work_on_a_migrated_database() {
    let s = Sandbox::new();
    s.demo();
    let store = s.store();
    let dir = s.path("db");
    std::fs::create_dir(&dir).expect("mkdir");
    let db = dir.join("registry.sqlite");
    s.ok(&[
        "migrate",
        "--from",
        store.to_str().expect("path"),
        "--to",
        db.to_str().expect("path"),
    ]);
    let run = |data: &Path, args: &[&str]| {
        let out = s
            .cmd()
            .arg("--data")
            .arg(data)
            .args(args)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf8")
    };
    let summary = ["summary", "--round", "2022Q1", "--format", "csv"];
    let from_store = run(&store, &summary);
    assert!(
        from_store.contains("总计,5189,5189,14,99.73%"),
        "{from_store}"
    );
    assert_eq!(run(&db, &summary), from_store);
    assert_eq!(
        run(&dir, &summary),
        from_store,
        "a directory holding the database"
    );
    let journal_before = s.contents();
    run(&db, &["rectified", "2022Q1-0006", "--note", "数据库里记录"]);
    let history = run(&dir, &["history", "2022Q1-0006"]);
    assert!(history.contains("数据库里记录"), "{history}");
    assert_eq!(
        s.contents(),
        journal_before,
        "the store directory is not written"
    );
    let store_history = run(&store, &["history", "2022Q1-0006"]);
    assert!(!store_history.contains("数据库里记录"), "{store_history}");
    // What does not work on a database yet says so, and changes nothing.
    let out = s
        .cmd()
        .arg("--data")
        .arg(&db)
        .args(["check", "--round", "2022Q1"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("an SQLite registry"), "{err}");
}

/// `serve --data DIR` with the database in DIR: the remote client reads the same
/// figures and its remediation lands in the database, with who as the server saw them.
#[test]
fn the_server_serves_a_migrated_database() {
    let s = Sandbox::new();
    s.demo();
    let expected = s.ok(&["summary", "--round", "2022Q1", "--format", "csv"]);
    let db = s.path("registry.sqlite");
    s.ok(&[
        "migrate",
        "--from",
        s.store().to_str().expect("path"),
        "--to",
        db.to_str().expect("path"),
    ]);
    // The data directory now holds the database only.
    std::fs::rename(s.store(), s.path("journal-store")).expect("move the journal away");
    std::fs::create_dir(s.store()).expect("mkdir");
    let inside = s.store().join("registry.sqlite");
    std::fs::rename(&db, &inside).expect("move the database in");
    let tok = common::server::token(&s, "王芳", "supervisor", None);
    let server = common::server::start(&s, "127.0.0.1:0");
    let out = common::server::remote(
        &s,
        &server.url,
        &tok,
        &["summary", "--round", "2022Q1", "--format", "csv"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    let out = common::server::remote(&s, &server.url, &tok, &["rectified", "2022Q1-0006"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(server);
    let history = SqliteStore::open(&inside)
        .expect("open")
        .history("2022Q1-0006")
        .expect("history");
    let last = history.last().expect("an event");
    assert_eq!(last.kind.label(), "rectification_reported");
    assert_eq!(last.by.name, "王芳", "the token's holder");
    assert!(last.by.peer.is_some(), "the address the server saw");
}
