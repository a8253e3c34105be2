//! `govcheck migrate`: a journal store moves into an SQLite database and back with
//! the same figures, histories and versions; an existing target is refused and a
//! failed move leaves nothing behind. An old journal store is refused by every other
//! command with how to migrate it, and left unchanged.

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

/// `store` (an SQLite registry, as every new store is) into an old journal store
/// directory, then that into a new SQLite registry in a directory of its own and into
/// one beside the old files (`--to` the same directory): the same everywhere.
fn there_and_back(s: &Sandbox, store: &Path) {
    let old = s.path("old");
    let new = s.path("new");
    let original = database(&store.join("registry.sqlite"));
    s.ok(&[
        "migrate",
        "--from",
        store.to_str().expect("path"),
        "--to",
        old.to_str().expect("path"),
    ]);
    assert_same(&original, &journal(&old));
    let out = s.ok(&[
        "migrate",
        "--from",
        old.to_str().expect("path"),
        "--to",
        new.to_str().expect("path"),
    ]);
    assert!(out.contains("batches"), "{out}");
    assert_same(&original, &database(&new.join("registry.sqlite")));
    s.ok(&[
        "migrate",
        "--from",
        old.to_str().expect("path"),
        "--to",
        old.to_str().expect("path"),
    ]);
    assert_same(&original, &database(&old.join("registry.sqlite")));
    assert_same(&original, &journal(&old));
}

/// The demo, as `govcheck init --demo` writes it (SQLite), moved into an old journal
/// store directory at `old`: what an office upgrading from a journal store has.
fn old_store(s: &Sandbox, old: &Path) {
    s.demo();
    s.ok(&[
        "migrate",
        "--from",
        s.store().to_str().expect("path"),
        "--to",
        old.to_str().expect("path"),
    ]);
    assert!(old.join("store.json").is_file() && !old.join("registry.sqlite").exists());
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
    let db = SqliteStore::open(&s.path("new").join("registry.sqlite")).expect("open");
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
    assert!(out.join("registry.sqlite").is_file(), "written as SQLite");
    there_and_back(&s, &out);
}

#[test]
fn an_existing_target_is_refused_and_left_as_it_is() {
    let s = Sandbox::new();
    let old = s.path("old");
    old_store(&s, &old);
    let db = s.path("registry.sqlite");
    std::fs::write(&db, b"someone's file").expect("write");
    let err = s.fails(&[
        "migrate",
        "--from",
        old.to_str().expect("path"),
        "--to",
        db.to_str().expect("path"),
    ]);
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(std::fs::read(&db).expect("read"), b"someone's file");
    // A directory already holding a registry.sqlite: refused, as it was.
    let dir = s.path("full");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("registry.sqlite"), b"another").expect("write");
    let err = s.fails(&[
        "migrate",
        "--from",
        old.to_str().expect("path"),
        "--to",
        dir.to_str().expect("path"),
    ]);
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(
        std::fs::read(dir.join("registry.sqlite")).expect("read"),
        b"another"
    );
    // Back to a directory that holds something: refused too.
    std::fs::remove_file(&db).expect("rm");
    s.ok(&[
        "migrate",
        "--from",
        old.to_str().expect("path"),
        "--to",
        db.to_str().expect("path"),
    ]);
    let err = s.fails(&[
        "migrate",
        "--from",
        db.to_str().expect("path"),
        "--to",
        old.to_str().expect("path"),
    ]);
    assert!(err.contains("not empty"), "{err}");
    // Migrated already: a second `--to` the same directory says so.
    s.ok(&[
        "migrate",
        "--from",
        old.to_str().expect("path"),
        "--to",
        old.to_str().expect("path"),
    ]);
    let err = s.fails(&[
        "migrate",
        "--from",
        old.to_str().expect("path"),
        "--to",
        old.to_str().expect("path"),
    ]);
    assert!(err.contains("nothing to migrate"), "{err}");
}

#[test]
fn a_move_that_fails_leaves_nothing_behind() {
    let s = Sandbox::new();
    let old = s.path("old");
    old_store(&s, &old);
    // Posts that do not read: the move stops, with where.
    let posts = old.join("posts.tsv");
    let mut text = std::fs::read_to_string(&posts).expect("posts");
    text.push_str("acct\tnot-a-time\n");
    std::fs::write(&posts, text).expect("write");
    let target = s.path("out").join("registry.sqlite");
    let err = s.fails(&[
        "migrate",
        "--from",
        old.to_str().expect("path"),
        "--to",
        target.to_str().expect("path"),
    ]);
    assert!(err.contains("posts.tsv"), "{err}");
    assert!(!target.exists(), "no database");
    let left: Vec<_> = std::fs::read_dir(s.path("out"))
        .map(|d| d.map(|e| e.expect("entry").file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "no temporary file left: {left:?}");
    // The same directory: nothing left beside the old files either.
    let before = files_of(&old);
    let err = s.fails(&[
        "migrate",
        "--from",
        old.to_str().expect("path"),
        "--to",
        old.to_str().expect("path"),
    ]);
    assert!(err.contains("posts.tsv"), "{err}");
    assert_eq!(files_of(&old), before, "the old store as it was");
}

/// Every file in `dir` with its bytes, sorted by name.
fn files_of(dir: &Path) -> Vec<(std::ffi::OsString, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| {
            let e = e.expect("entry");
            (e.file_name(), std::fs::read(e.path()).expect("read"))
        })
        .collect();
    out.sort();
    out
}

/// An old journal store is refused by every command but `migrate`, with one message
/// naming what it is and the exact command that moves it; its files are byte for byte
/// as they were. After `migrate --from DIR --to DIR`, the same commands work on the
/// database beside the old files.
#[test]
fn an_old_journal_store_is_refused_with_how_to_migrate_it_and_left_unchanged() {
    let s = Sandbox::new();
    let old = s.path("old");
    old_store(&s, &old);
    let expected = s.ok(&["summary", "--round", "2022Q1", "--format", "csv"]);
    let accounts = s.write(
        "accounts.csv",
        "id,name,platform,region,host_unit\nn-1,新账号,微信公众号,杭州市,杭州市某局\n",
    );
    let accounts = accounts.to_str().expect("path");
    let notice = s.write("notice.csv", "地区,应检查数,合格数\n杭州市,1,1\n");
    let notice = notice.to_str().expect("path");
    let tokens = s.path("tokens.json");
    let tokens = tokens.to_str().expect("path");
    let before = files_of(&old);
    let commands: &[&[&str]] = &[
        &["summary", "--round", "2022Q1"],
        &["rounds"],
        &["accounts"],
        &["findings", "--round", "2022Q1"],
        &["history", "2022Q1-0006"],
        &["verify", "2022Q1-0006"],
        &["rectified", "2022Q1-0006"],
        &["remind", "2022Q1-0006", "--channel", "phone"],
        &["chase", "--round", "2022Q1"],
        &["warnings", "--round", "2022Q1"],
        &["import", accounts],
        &["check", "--round", "2022Q1"],
        &["notice", "import", "--round", "2022Q1", notice],
        &["notice", "check", "--round", "2022Q1"],
        &["init"],
        &["init", "--demo"],
        &["serve", "--listen", "127.0.0.1:0", "--tokens", tokens],
        &[
            "token",
            "create",
            "--tokens",
            tokens,
            "--name",
            "王芳",
            "--role",
            "supervisor",
            "--scope",
            "杭州市",
        ],
        &[],
    ];
    let migrate = format!(
        "govcheck migrate --from {} --to {}",
        old.display(),
        old.display()
    );
    for args in commands {
        let out = s
            .cmd()
            .arg("--data")
            .arg(&old)
            .args(*args)
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        // One line (serve warns first that its new tokens file is empty).
        let lines = err.lines().filter(|l| !l.contains(" warning: ")).count();
        assert_eq!(lines, 1, "{args:?}: one line: {err}");
        assert!(
            err.contains("old journal format") && err.contains(&migrate),
            "{args:?}: {err}"
        );
        assert_eq!(files_of(&old), before, "{args:?} changed the old store");
    }
    // Moved beside the old files: the database is used, the old files stay as they were.
    let out = s.ok(&[
        "migrate",
        "--from",
        old.to_str().expect("path"),
        "--to",
        old.to_str().expect("path"),
    ]);
    assert!(out.contains("registry.sqlite"), "{out}");
    let mut data = s.cmd();
    data.arg("--data").arg(&old);
    let out = data
        .args(["summary", "--round", "2022Q1", "--format", "csv"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    let out = s
        .cmd()
        .arg("--data")
        .arg(&old)
        .args(["rectified", "2022Q1-0006", "--note", "数据库里记录"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut after = files_of(&old);
    after.retain(|(name, _)| !name.to_string_lossy().starts_with("registry.sqlite"));
    assert_eq!(after, before, "the old files are a backup, never written");
}

/// `--data FILE.sqlite` or a directory holding `registry.sqlite` opens the database:
/// the same figures either way, remediation and the rules recorded in it.
#[test]
fn the_commands_work_on_a_migrated_database() {
    let s = Sandbox::new();
    let old = s.path("old");
    old_store(&s, &old);
    let dir = s.path("db");
    std::fs::create_dir(&dir).expect("mkdir");
    let db = dir.join("registry.sqlite");
    s.ok(&[
        "migrate",
        "--from",
        old.to_str().expect("path"),
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
    let from_store = run(&s.store(), &summary);
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
    let before = s.contents();
    run(&db, &["rectified", "2022Q1-0006", "--note", "数据库里记录"]);
    let history = run(&dir, &["history", "2022Q1-0006"]);
    assert!(history.contains("数据库里记录"), "{history}");
    assert_eq!(s.contents(), before, "the other store is not written");
    run(&db, &["check", "--round", "2022Q1"]);
}

/// `serve --data DIR` with the database in DIR: the remote client reads the same
/// figures and its remediation lands in the database, with who as the server saw them.
#[test]
fn the_server_serves_a_migrated_database() {
    let s = Sandbox::new();
    let old = s.path("old");
    old_store(&s, &old);
    let expected = s.ok(&["summary", "--round", "2022Q1", "--format", "csv"]);
    // The data directory now holds the database made from the journal store only.
    std::fs::remove_dir_all(s.store()).expect("rm");
    s.ok(&[
        "migrate",
        "--from",
        old.to_str().expect("path"),
        "--to",
        s.store().to_str().expect("path"),
    ]);
    let inside = s.store().join("registry.sqlite");
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
