//! One suite of store contract tests, run against every engine the registry can live
//! in: the journal store (`LocalStore`), the SQLite store (`SqliteStore`) and the
//! PostgreSQL store (`PgStore`, when `GOVCHECK_TEST_POSTGRES` names a server; else its
//! half prints that it was skipped and passes). Each case
//! is a function of an [`Engine`] (how to create, open, sabotage and crash a store of
//! that engine); `engines!` runs it once per engine, so PostgreSQL joins by adding one
//! constructor.
//!
//! The cases: the demo's figures and histories are the same in every engine (and stay
//! the same after the same remediation); a write based on a stale version is a conflict
//! that names the last change and writes nothing; an import whose posts cannot be
//! stored writes nothing at all; two writers in two threads lose nothing and exactly
//! one of two writes based on the same version wins; a process killed in the middle of
//! a write leaves the committed state, which the next writer extends.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Barrier};

use chrono::{DateTime, FixedOffset, NaiveDate};
use govcheck::domain::event::{Actor, Event, EventKind, FindingState};
use govcheck::domain::figures::{Summary, summarize};
use govcheck::domain::indicator::Catalogue;
use govcheck::domain::region::Region;
use govcheck::domain::registry::Registry;
use govcheck::store::demo;
use govcheck::store::import::{ImportContext, SourceFile};
use govcheck::store::postgres::PgStore;
use govcheck::store::sqlite::SqliteStore;
use govcheck::store::{LocalStore, RegistrySource, ServedStore, StoreError};

mod common;

use common::postgres as pg;

type Store = Box<dyn ServedStore>;

/// How a suite case makes and breaks a store of one engine.
struct Engine {
    name: &'static str,
    /// Create a store under `dir` with `root` as its region tree's root.
    create: fn(&Path, Region, &Actor, DateTime<FixedOffset>) -> Result<Store, StoreError>,
    /// Open the store created under `dir` (a second handle, as another process would).
    open: fn(&Path) -> Result<Store, StoreError>,
    /// Make the next write of posts fail (and nothing else).
    break_posts: fn(&Path),
    /// Undo [`Engine::break_posts`].
    mend_posts: fn(&Path),
    /// Start writing an event to `finding` and stop before it is committed, as a
    /// process killed at that moment leaves it.
    leave_uncommitted: fn(&Path, &str),
}

fn journal_dir(dir: &Path) -> PathBuf {
    dir.join("store")
}

fn sqlite_file(dir: &Path) -> PathBuf {
    dir.join(govcheck::store::sqlite::FILE)
}

/// The next journal batch's pending posts file, made a directory: its write fails.
fn journal_pending_posts(dir: &Path) -> PathBuf {
    let store = LocalStore::open(&journal_dir(dir)).expect("open");
    let seq = govcheck::store::RegistrySource::load(&store)
        .expect("load")
        .seq;
    journal_dir(dir).join(format!("posts.tsv.pending-{}", seq + 1))
}

const JOURNAL: Engine = Engine {
    name: "journal",
    create: |dir, root, actor, now| {
        Ok(Box::new(LocalStore::create(
            &journal_dir(dir),
            root,
            actor,
            now,
        )?))
    },
    open: |dir| Ok(Box::new(LocalStore::open(&journal_dir(dir))?)),
    break_posts: |dir| std::fs::create_dir(journal_pending_posts(dir)).expect("mkdir"),
    mend_posts: |dir| std::fs::remove_dir(journal_pending_posts(dir)).expect("rmdir"),
    leave_uncommitted: |dir, finding| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(journal_dir(dir).join("journal.jsonl"))
            .expect("journal");
        // Half a line: the batch's newline and the rest never reached the disk.
        write!(
            f,
            "00000000 {{\"seq\":99,\"changes\":[{{\"op\":\"event\",\"finding\":\"{finding}\""
        )
        .expect("write");
        f.sync_all().expect("sync");
    },
};

const SQLITE: Engine = Engine {
    name: "sqlite",
    create: |dir, root, actor, now| {
        Ok(Box::new(SqliteStore::create(
            &sqlite_file(dir),
            root,
            actor,
            now,
        )?))
    },
    open: |dir| Ok(Box::new(SqliteStore::open(&sqlite_file(dir))?)),
    break_posts: |dir| {
        raw(dir)
            .execute_batch(
                "CREATE TRIGGER broken_posts BEFORE INSERT ON posts \
                 BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END;",
            )
            .expect("trigger");
    },
    mend_posts: |dir| {
        raw(dir)
            .execute_batch("DROP TRIGGER broken_posts")
            .expect("drop trigger");
    },
    leave_uncommitted: |dir, finding| {
        let conn = raw(dir);
        conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
        conn.execute_batch(
            "INSERT INTO batches (seq, at, by_name, changes) \
             VALUES ((SELECT MAX(seq) + 1 FROM batches), '2022-04-01T10:00:00+08:00', 'ghost', '[]')",
        )
        .expect("batch");
        conn.execute(
            "INSERT INTO events (id, finding, kind, at, by_name, batch) \
             VALUES ((SELECT MAX(id) + 1 FROM events), ?1, 'verified', \
             '2022-04-01T10:00:00+08:00', 'ghost', (SELECT MAX(seq) FROM batches))",
            [finding],
        )
        .expect("event");
        // The process dies here: no COMMIT, no ROLLBACK, no close.
        std::process::abort();
    },
};

/// The database a PostgreSQL case's store lives in: made fresh by `create`, its URL
/// kept in the case's directory for `open` and the crash child.
fn pg_url(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("postgres-url")).expect("the case's database")
}

const POSTGRES: Engine = Engine {
    name: "postgres",
    create: |dir, root, actor, now| {
        let url = pg::fresh_database().expect("a PostgreSQL server");
        std::fs::write(dir.join("postgres-url"), &url).expect("write url");
        Ok(Box::new(PgStore::create(&url, root, actor, now)?))
    },
    open: |dir| Ok(Box::new(PgStore::open(&pg_url(dir))?)),
    break_posts: |dir| {
        pg::exec(
            &pg_url(dir),
            "CREATE FUNCTION broken_posts() RETURNS trigger AS $$ BEGIN \
             RAISE EXCEPTION 'disk full (test)'; END; $$ LANGUAGE plpgsql; \
             CREATE TRIGGER broken_posts BEFORE INSERT ON posts \
             FOR EACH ROW EXECUTE PROCEDURE broken_posts();",
        );
    },
    mend_posts: |dir| {
        pg::exec(&pg_url(dir), "DROP TRIGGER broken_posts ON posts");
    },
    leave_uncommitted: |dir, finding| {
        let url = pg_url(dir);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(conn);
            client
                .batch_execute(&format!(
                    "BEGIN; \
                     INSERT INTO batches (seq, at, by_name, changes) \
                     VALUES ((SELECT MAX(seq) + 1 FROM batches), '2022-04-01T10:00:00+08:00', 'ghost', '[]'); \
                     INSERT INTO events (id, finding, kind, at, by_name, batch) \
                     VALUES ((SELECT MAX(id) + 1 FROM events), '{finding}', 'verified', \
                     '2022-04-01T10:00:00+08:00', 'ghost', (SELECT MAX(seq) FROM batches));"
                ))
                .await
                .expect("uncommitted writes");
            // The process dies here: no COMMIT, no ROLLBACK, no close.
            std::process::abort();
        })
    },
};

/// The PostgreSQL engine when a test server is configured (see tests/common/postgres.rs).
fn postgres() -> Option<&'static Engine> {
    pg::server().map(|_| &POSTGRES)
}

/// A plain connection to the SQLite store's file, for breaking it.
fn raw(dir: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(sqlite_file(dir)).expect("raw open");
    c.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy");
    c
}

macro_rules! engines {
    ($($case:ident),* $(,)?) => {
        mod journal {
            $(#[test] fn $case() { super::$case(&super::JOURNAL) })*
        }
        mod sqlite {
            $(#[test] fn $case() { super::$case(&super::SQLITE) })*
        }
        mod postgres {
            $(#[test] fn $case() {
                if let Some(engine) = super::postgres() {
                    super::$case(engine)
                }
            })*
        }
    };
}

engines!(
    demo_figures_and_histories_match_the_journal,
    a_stale_version_is_a_conflict_naming_the_last_change,
    a_fresh_handle_writes_and_reads_one_finding_as_the_whole_registry_would,
    an_import_whose_posts_fail_writes_nothing,
    two_writers_lose_nothing_and_one_wins_a_version,
    a_write_killed_midway_leaves_the_committed_state,
);

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("time")
}

fn actor(name: &str) -> Actor {
    Actor {
        name: name.into(),
        os_user: Some("tester".into()),
        ..Actor::default()
    }
}

fn ctx(cat: &Catalogue) -> ImportContext<'_> {
    ImportContext {
        catalogue: cat,
        tz: chrono_tz::Asia::Shanghai,
        actor: demo::demo_actor(&actor("演示")),
        now: t("2022-03-27T09:00:00+08:00"),
        reported_at: t("2022-03-27T09:00:00+08:00").into(),
    }
}

/// A store of `engine` holding the demo.
fn demo_store(engine: &Engine, dir: &Path) -> Store {
    let cat = Catalogue::builtin();
    let c = ctx(&cat);
    let store = (engine.create)(dir, demo::root_region(), &c.actor, c.now).expect("create");
    store.import(&demo::demo_files(), &c).expect("demo import");
    store
}

fn event(finding: &str, kind: EventKind, by: &str, at: &str, note: Option<&str>) -> Event {
    Event {
        finding: finding.into(),
        kind,
        at: t(at),
        by: actor(by),
        note: note.map(str::to_string),
    }
}

/// The same remediation, recorded in any store.
fn remediate(store: &dyn ServedStore) {
    let steps = [
        event(
            "2022Q1-0001",
            EventKind::RectificationReported,
            "张三",
            "2022-04-01T09:00:00+08:00",
            Some("已恢复更新"),
        ),
        event(
            "2022Q1-0001",
            EventKind::Verified,
            "李四",
            "2022-04-02T10:42:00+08:00",
            Some("复核通过"),
        ),
        event(
            "2022Q1-0002",
            EventKind::RectificationReported,
            "张三",
            "2022-04-01T09:05:00+08:00",
            None,
        ),
        event(
            "2022Q1-0002",
            EventKind::Rejected,
            "李四",
            "2022-04-03T11:00:00+08:00",
            Some("仍未更新"),
        ),
        event(
            "2022Q1-0003",
            EventKind::DeadlineExtended {
                to: NaiveDate::from_ymd_opt(2022, 5, 10).expect("date"),
            },
            "李四",
            "2022-04-04T08:00:00+08:00",
            Some("延期"),
        ),
        event(
            "2022Q1-0004",
            EventKind::Waived,
            "李四",
            "2022-04-05T08:00:00+08:00",
            Some("账号已关停"),
        ),
    ];
    for e in steps {
        store.append_events(vec![(e, None)]).expect("append");
    }
}

/// What must be equal between engines: the summary of the demo round, and every
/// finding with its derived state and its whole history.
#[derive(Debug, PartialEq)]
struct Seen {
    summary: Summary,
    findings: Vec<(String, FindingState, Vec<Event>)>,
    accounts: usize,
    rounds: Vec<String>,
    posts: usize,
}

fn seen(store: &dyn ServedStore) -> Seen {
    let reg: Registry = store.load().expect("load").registry;
    let cat = Catalogue::builtin();
    let summary = summarize(
        &reg,
        &cat,
        demo::ROUND_ID,
        reg.tree().root(),
        NaiveDate::from_ymd_opt(2022, 4, 30).expect("date"),
    )
    .expect("summary");
    Seen {
        summary,
        findings: reg
            .findings()
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.clone(), reg.state(i).clone(), reg.history(i).to_vec()))
            .collect(),
        accounts: reg.accounts().len(),
        rounds: reg.rounds().iter().map(|r| r.id.clone()).collect(),
        posts: store.posts().expect("posts").len(),
    }
}

fn demo_figures_and_histories_match_the_journal(engine: &Engine) {
    let (a, b) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let reference = demo_store(&JOURNAL, a.path());
    let store = demo_store(engine, b.path());
    let before = seen(&*store);
    assert_eq!(
        before,
        seen(&*reference),
        "{}: the demo as imported",
        engine.name
    );
    assert_eq!(
        before.summary.total.problems, 14,
        "the demo's 14 problem accounts"
    );
    remediate(&*reference);
    remediate(&*store);
    let after = seen(&*store);
    assert_eq!(
        after,
        seen(&*reference),
        "{}: after remediation",
        engine.name
    );
    assert_ne!(
        after.findings, before.findings,
        "the remediation was recorded"
    );
    // Another process opening the store reads the same (from the tables, not a cache).
    let reopened = (engine.open)(b.path()).expect("open");
    assert_eq!(seen(&*reopened), after, "{}: reopened", engine.name);
    assert_eq!(
        reopened.load().expect("load").seq,
        reference.load().expect("load").seq,
        "{}: the same number of batches",
        engine.name
    );
}

fn a_stale_version_is_a_conflict_naming_the_last_change(engine: &Engine) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = demo_store(engine, dir.path());
    let id = "2022Q1-0006";
    let version = |s: &dyn ServedStore| {
        let reg = s.load().expect("load").registry;
        reg.state(reg.finding_index(id).expect("finding")).version
    };
    let seen_version = version(&*store);
    // A second handle (another process) that has read the finding too.
    let other = (engine.open)(dir.path()).expect("open");
    assert_eq!(version(&*other), seen_version);
    let first = event(
        id,
        EventKind::RectificationReported,
        "王芳",
        "2022-04-01T10:42:00+08:00",
        None,
    );
    store
        .append_events(vec![(first, Some(seen_version))])
        .expect("the first writer");
    let seq = store.load().expect("load").seq;
    // The second handle writes based on the version both saw.
    let late = event(
        id,
        EventKind::Waived,
        "张三",
        "2022-04-01T10:43:00+08:00",
        Some("关停"),
    );
    match other.append_events(vec![(late, Some(seen_version))]) {
        Err(StoreError::Conflict {
            finding,
            expected,
            actual,
            last: Some(last),
        }) => {
            assert_eq!(
                (finding.as_str(), expected, actual),
                (id, seen_version, seen_version + 1)
            );
            assert_eq!(last.by, "王芳");
            assert_eq!(last.kind, EventKind::RectificationReported);
            assert_eq!(last.at, t("2022-04-01T10:42:00+08:00"));
            assert_eq!(last.version, seen_version + 1);
        }
        other => panic!(
            "{}: expected a conflict with its last change, got {other:?}",
            engine.name
        ),
    }
    assert_eq!(other.load().expect("load").seq, seq, "nothing was written");
    assert_eq!(version(&*other), seen_version + 1);
}

/// A one-shot command's handle (it has loaded nothing) writes by reading only the
/// findings it touches: the version check, the transition rules and the conflict's
/// last change are the same as against the whole registry, and `load_part` shows a
/// finding exactly as `load` does (on SQLite, holding nothing else but the rounds).
fn a_fresh_handle_writes_and_reads_one_finding_as_the_whole_registry_would(engine: &Engine) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = demo_store(engine, dir.path());
    remediate(&*store);
    let id = "2022Q1-0006";
    let whole = store.load().expect("load").registry;
    let idx = whole.finding_index(id).expect("finding");
    let version = whole.state(idx).version;

    let fresh = (engine.open)(dir.path()).expect("open");
    let part = fresh.load_part(&[id, "no-such-finding"]).expect("part");
    let pidx = part.registry.finding_index(id).expect("the finding");
    assert_eq!(part.registry.findings()[pidx], whole.findings()[idx]);
    assert_eq!(part.registry.history(pidx), whole.history(idx));
    assert_eq!(part.registry.state(pidx), whole.state(idx));
    assert_eq!(part.registry.last_change(pidx), whole.last_change(idx));
    assert_eq!(part.registry.rounds(), whole.rounds());
    let account = &whole.findings()[idx].account;
    assert_eq!(part.registry.account(account), whole.account(account));
    assert_eq!(part.seq, store.load().expect("load").seq);
    if engine.name == "sqlite" {
        assert_eq!(
            part.registry.findings().len(),
            1,
            "only the finding asked for"
        );
        assert_eq!(part.registry.accounts().len(), 1, "only its account");
    }

    // A stale version: a conflict naming the last change, nothing written.
    let seq = part.seq;
    let fresh = (engine.open)(dir.path()).expect("open");
    let late = event(
        id,
        EventKind::Reopened,
        "张三",
        "2022-04-03T10:00:00+08:00",
        None,
    );
    match fresh.append_events(vec![(late, Some(version.saturating_sub(1)))]) {
        Err(StoreError::Conflict {
            actual,
            last: Some(last),
            ..
        }) => {
            assert_eq!(actual, version);
            assert_eq!(Some(*last), whole.last_change(idx));
        }
        other => panic!("{}: expected a conflict, got {other:?}", engine.name),
    }
    // A transition the state does not allow, and an unknown finding: refused.
    let fresh = (engine.open)(dir.path()).expect("open");
    let status = whole.state(idx).status;
    let not_allowed = event(
        id,
        EventKind::Rejected,
        "张三",
        "2022-04-03T10:00:00+08:00",
        None,
    );
    assert!(
        matches!(
            fresh.append_events(vec![(not_allowed, None)]),
            Err(StoreError::Rejected(_))
        ),
        "{}: a reject without a reason in status {status:?}",
        engine.name
    );
    let unknown = event(
        "2022Q1-9999",
        EventKind::Verified,
        "张三",
        "2022-04-03T10:00:00+08:00",
        None,
    );
    assert!(matches!(
        fresh.append_events(vec![(unknown, None)]),
        Err(StoreError::Rejected(_))
    ));
    assert_eq!(
        (engine.open)(dir.path())
            .expect("open")
            .load()
            .expect("load")
            .seq,
        seq,
        "nothing was written"
    );
    // And one that may follow lands, with the version after it.
    let fresh = (engine.open)(dir.path()).expect("open");
    let remind = event(
        "2022Q1-0010",
        EventKind::reminded(govcheck::domain::event::Channel::Phone),
        "张三",
        "2022-04-03T10:00:00+08:00",
        None,
    );
    assert_eq!(
        fresh.append_events(vec![(remind, None)]).expect("remind"),
        seq + 1
    );
    let after = (engine.open)(dir.path())
        .expect("open")
        .load()
        .expect("load");
    let i = after
        .registry
        .finding_index("2022Q1-0010")
        .expect("finding");
    assert!(matches!(
        after.registry.history(i).last().map(|e| &e.kind),
        Some(EventKind::Reminded { .. })
    ));
}

fn small_files(accounts: usize, bad_post: bool) -> Vec<SourceFile> {
    let mut acc = String::from("id,name,platform,region,host_unit\n");
    let mut posts = String::from("account,published_at\n");
    for i in 0..accounts {
        acc.push_str(&format!("k-{i},账号{i},微信公众号,杭州市,杭州市某局{i}\n"));
        posts.push_str(&format!("k-{i},2022-03-{:02}T09:00:00+08:00\n", 1 + i % 28));
    }
    if bad_post {
        posts.push_str("k-0,not a time\n");
    }
    vec![
        SourceFile {
            path: "accounts.csv".into(),
            bytes: acc.into_bytes(),
        },
        SourceFile {
            path: "posts.csv".into(),
            bytes: posts.into_bytes(),
        },
    ]
}

fn an_import_whose_posts_fail_writes_nothing(engine: &Engine) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = demo_store(engine, dir.path());
    let cat = Catalogue::builtin();
    let c = ctx(&cat);
    let before = seen(&*store);
    let seq = store.load().expect("load").seq;
    let posts_bytes = store.posts_bytes().expect("posts");

    // The posts cannot be stored (a full disk, a broken file system).
    (engine.break_posts)(dir.path());
    let err = store.import(&small_files(50, false), &c);
    assert!(err.is_err(), "{}: the import must fail", engine.name);
    (engine.mend_posts)(dir.path());
    let reader = (engine.open)(dir.path()).expect("open");
    for s in [&store, &reader] {
        assert_eq!(
            s.load().expect("load").seq,
            seq,
            "{}: no batch",
            engine.name
        );
        assert_eq!(seen(&**s), before, "{}: no account, no post", engine.name);
        assert_eq!(s.posts_bytes().expect("posts"), posts_bytes);
    }

    // A post that does not read: refused with where, nothing written.
    let err = store
        .import(&small_files(50, true), &c)
        .expect_err("a bad post");
    assert!(err.to_string().contains("posts.csv"), "{err}");
    assert_eq!(seen(&*reader), before, "{}: still nothing", engine.name);

    // Mended, the same files import whole: accounts and posts together.
    let report = store.import(&small_files(50, false), &c).expect("import");
    assert_eq!((report.accounts, report.posts_added), (50, 50));
    let after = seen(&*reader);
    assert_eq!(after.accounts, before.accounts + 50);
    assert_eq!(after.posts, before.posts + 50);
}

fn two_writers_lose_nothing_and_one_wins_a_version(engine: &Engine) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = demo_store(engine, dir.path());
    let reg = store.load().expect("load").registry;
    let version = |reg: &Registry, id: &str| reg.state(reg.finding_index(id).expect("id")).version;
    let start = [
        version(&reg, "2022Q1-0008"),
        version(&reg, "2022Q1-0009"),
        version(&reg, "2022Q1-0010"),
    ];
    drop(store);
    const ROUNDS: usize = 10;
    let gate = Arc::new(Barrier::new(2));
    let dir_path = dir.path().to_path_buf();
    let open = engine.open;
    let writers: Vec<_> = [("张三", "2022Q1-0008"), ("李四", "2022Q1-0009")]
        .into_iter()
        .map(|(who, own)| {
            let (gate, dir) = (Arc::clone(&gate), dir_path.clone());
            std::thread::spawn(move || {
                let store = open(&dir).expect("open");
                // Each has read the registry (as a console has) before either writes.
                store.load().expect("load");
                gate.wait();
                // Both at once, based on the same version of one finding.
                let contested = event(
                    "2022Q1-0010",
                    EventKind::RectificationReported,
                    who,
                    "2022-04-01T09:00:00+08:00",
                    None,
                );
                let won = store.append_events(vec![(contested, Some(start[2]))]);
                // Then many writes of its own, interleaved with the other's.
                for i in 0..ROUNDS {
                    let kind = if i % 2 == 0 {
                        EventKind::RectificationReported
                    } else {
                        EventKind::Rejected
                    };
                    let e = event(own, kind, who, "2022-04-02T09:00:00+08:00", Some("来回"));
                    store.append_events(vec![(e, None)]).expect("own write");
                }
                won
            })
        })
        .collect();
    let results: Vec<_> = writers
        .into_iter()
        .map(|w| w.join().expect("writer thread"))
        .collect();
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{}: exactly one wins: {results:?}", engine.name);
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(StoreError::Conflict { last: Some(_), .. }))),
        "{}: the other is told it conflicts: {results:?}",
        engine.name
    );
    let reg = (engine.open)(dir.path())
        .expect("open")
        .load()
        .expect("load")
        .registry;
    assert_eq!(
        version(&reg, "2022Q1-0008"),
        start[0] + ROUNDS as u32,
        "{}",
        engine.name
    );
    assert_eq!(
        version(&reg, "2022Q1-0009"),
        start[1] + ROUNDS as u32,
        "{}",
        engine.name
    );
    assert_eq!(
        version(&reg, "2022Q1-0010"),
        start[2] + 1,
        "{}",
        engine.name
    );
}

/// The child half of [`a_write_killed_midway_leaves_the_committed_state`]: run by the
/// test binary itself, it writes one event, commits it, then dies in the middle of the
/// next write.
#[test]
fn crash_child() {
    let (Ok(engine), Ok(dir)) = (
        std::env::var("CONTRACT_CRASH_ENGINE"),
        std::env::var("CONTRACT_CRASH_DIR"),
    ) else {
        return; // Not a child: nothing to do.
    };
    let engine = [&JOURNAL, &SQLITE, &POSTGRES]
        .into_iter()
        .find(|e| e.name == engine)
        .expect("engine");
    let dir = PathBuf::from(dir);
    let store = (engine.open)(&dir).expect("open");
    let e = event(
        "2022Q1-0011",
        EventKind::RectificationReported,
        "张三",
        "2022-04-01T09:00:00+08:00",
        None,
    );
    store
        .append_events(vec![(e, None)])
        .expect("committed write");
    (engine.leave_uncommitted)(&dir, "2022Q1-0011");
    // The process ends without closing anything.
    std::process::abort();
}

fn a_write_killed_midway_leaves_the_committed_state(engine: &Engine) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = demo_store(engine, dir.path());
    let before = store.load().expect("load");
    let idx = before
        .registry
        .finding_index("2022Q1-0011")
        .expect("finding");
    let v = before.registry.state(idx).version;
    drop(store);
    let status = Command::new(std::env::current_exe().expect("exe"))
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env("CONTRACT_CRASH_ENGINE", engine.name)
        .env("CONTRACT_CRASH_DIR", dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("child");
    assert!(!status.success(), "the child was killed");
    let store = (engine.open)(dir.path()).expect("reopen after the crash");
    let after = store.load().expect("load");
    assert_eq!(
        after.seq,
        before.seq + 1,
        "{}: the committed write only",
        engine.name
    );
    let history = after.registry.history(idx);
    assert_eq!(after.registry.state(idx).version, v + 1);
    assert!(
        history.iter().all(|e| e.by.name != "ghost"),
        "{}: nothing uncommitted",
        engine.name
    );
    // The next writer carries on from the committed state.
    let e = event(
        "2022Q1-0011",
        EventKind::Verified,
        "李四",
        "2022-04-02T09:00:00+08:00",
        None,
    );
    store
        .append_events(vec![(e, Some(v + 1))])
        .expect("write after the crash");
    let reg = (engine.open)(dir.path())
        .expect("open")
        .load()
        .expect("load")
        .registry;
    assert_eq!(reg.state(idx).version, v + 2);
}

// ------------------------------------------------------------ the SQLite engine only

/// The SQL govcheck runs against its databases (the SQLite and PostgreSQL stores' code
/// and the migrations), with string continuations and runs of white space folded, upper case.
fn sqlite_sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/store");
    let mut out = Vec::new();
    let mut dirs = vec![
        root.join("src/sqlite"),
        root.join("src/postgres"),
        root.join("migrations"),
        root.join("migrations-postgres"),
    ];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                let text = std::fs::read_to_string(&p).expect("read");
                let folded = text
                    .replace("\\\n", " ")
                    .replace('\\', " ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_uppercase();
                out.push((p, folded));
            }
        }
    }
    assert!(out.len() >= 5, "found the sources: {out:?}");
    out
}

/// No code path changes or removes an event or a batch: the history is append-only.
#[test]
fn no_statement_updates_or_deletes_an_event() {
    for (path, sql) in sqlite_sources() {
        for table in ["EVENTS", "BATCHES"] {
            for verb in [
                format!("UPDATE {table} "),
                format!("DELETE FROM {table}"),
                format!("REPLACE INTO {table}"),
                format!("DROP TABLE {table}"),
                format!("ALTER TABLE {table}"),
            ] {
                assert!(!sql.contains(&verb), "{}: {verb}", path.display());
            }
            // An insert into the history never turns into an update on a conflict.
            let insert = format!("INSERT INTO {table} (");
            for (at, _) in sql.match_indices(&insert) {
                let statement = &sql[at..sql[at..].find('"').map_or(sql.len(), |e| at + e)];
                assert!(
                    !statement.contains("ON CONFLICT"),
                    "{}: {statement}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn the_database_refuses_to_change_an_event() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = demo_store(&SQLITE, dir.path());
    let before = seen(&*store);
    let conn = raw(dir.path());
    for sql in [
        "UPDATE events SET note = 'rewritten'",
        "DELETE FROM events",
        "UPDATE batches SET by_name = 'someone else'",
        "DELETE FROM batches",
    ] {
        let err = conn.execute_batch(sql).expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    drop(conn);
    assert_eq!(seen(&*(SQLITE.open)(dir.path()).expect("open")), before);
}

#[test]
fn a_database_newer_than_the_binary_is_refused_naming_the_versions() {
    let dir = tempfile::tempdir().expect("tmp");
    drop(demo_store(&SQLITE, dir.path()));
    raw(dir.path())
        .execute_batch(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) \
             VALUES (99, 'future', '2030-01-01T00:00:00Z', '0')",
        )
        .expect("a future migration");
    let err = SqliteStore::open(&sqlite_file(dir.path())).expect_err("newer");
    let supported = govcheck::store::sqlite::migrate::latest();
    assert!(
        matches!(err, StoreError::NewerFormat { found: 99, supported: s, .. } if s == supported),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("99") && text.contains(&format!("format {supported}")),
        "{text}"
    );
}

#[test]
fn an_sqlite_file_that_is_not_a_registry_is_left_alone() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = sqlite_file(dir.path());
    let c = rusqlite::Connection::open(&file).expect("create");
    c.execute_batch("CREATE TABLE theirs (x INTEGER)")
        .expect("table");
    drop(c);
    let before = std::fs::read(&file).expect("read");
    let err = SqliteStore::open(&file).expect_err("not ours");
    assert!(matches!(err, StoreError::NotAStore(_)), "{err:?}");
    assert_eq!(
        std::fs::read(&file).expect("read"),
        before,
        "not one table added"
    );
    let err = SqliteStore::create(
        &file,
        demo::root_region(),
        &actor("x"),
        t("2022-03-27T09:00:00+08:00"),
    )
    .expect_err("not over it");
    assert!(matches!(err, StoreError::NotEmpty(_)), "{err:?}");
}

// -------------------------------------------------------- the PostgreSQL engine only

#[test]
fn postgres_refuses_to_change_an_event() {
    let Some(engine) = postgres() else { return };
    let dir = tempfile::tempdir().expect("tmp");
    let store = demo_store(engine, dir.path());
    let before = seen(&*store);
    let url = pg_url(dir.path());
    for sql in [
        "UPDATE events SET note = 'rewritten'",
        "DELETE FROM events",
        "TRUNCATE events CASCADE",
        "UPDATE batches SET by_name = 'someone else'",
        "DELETE FROM batches",
        "TRUNCATE batches CASCADE",
    ] {
        let err = pg::try_exec(&url, sql).expect_err(sql);
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(seen(&*(engine.open)(dir.path()).expect("open")), before);
}

/// The store's calls block on a runtime of its own: they must work from a plain thread
/// (the CLI), from a runtime's worker thread and from `spawn_blocking` (the server),
/// on both kinds of runtime, and dropping the store on a runtime thread must not panic.
#[test]
fn postgres_store_works_inside_and_outside_a_runtime() {
    let Some(engine) = postgres() else { return };
    let dir = tempfile::tempdir().expect("tmp");
    drop(demo_store(engine, dir.path()));
    let url = pg_url(dir.path());
    let store = Arc::new(PgStore::open(&url).expect("open"));
    let seq = store.load().expect("from a plain thread").seq;
    let step = |s: &PgStore, n: u32| {
        let e = event(
            "2022Q1-0012",
            if n.is_multiple_of(2) {
                EventKind::RectificationReported
            } else {
                EventKind::Rejected
            },
            "张三",
            "2022-04-01T09:00:00+08:00",
            Some("来回"),
        );
        s.append_events(vec![(e, None)]).expect("append")
    };
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let s = Arc::clone(&store);
    let got = current.block_on(async move { step(&s, 0) });
    assert_eq!(got, seq + 1, "on a current-thread runtime");
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    let (s1, s2) = (Arc::clone(&store), Arc::clone(&store));
    let (a, b) = multi.block_on(async move {
        let a = tokio::spawn(async move { step(&s1, 1) })
            .await
            .expect("worker");
        let b = tokio::task::spawn_blocking(move || step(&s2, 2))
            .await
            .expect("blocking");
        (a, b)
    });
    assert_eq!(
        (a, b),
        (seq + 2, seq + 3),
        "on a worker and in spawn_blocking"
    );
    assert_eq!(store.change_token().expect("token"), seq + 3);
    // The last handle dropped on a runtime thread.
    multi.block_on(async move {
        tokio::spawn(async move { drop(store) })
            .await
            .expect("dropped on a worker");
    });
    let reopened = PgStore::open(&url).expect("open");
    let reg = reopened.load().expect("load").registry;
    let idx = reg.finding_index("2022Q1-0012").expect("finding");
    assert_eq!(
        reg.history(idx)
            .iter()
            .filter(|e| e.by.name == "张三")
            .count(),
        3
    );
}

/// A database that is not (yet) a registry is refused with how to fill it; one holding
/// someone else's tables is never given ours.
#[test]
fn postgres_refuses_an_empty_or_foreign_database() {
    if postgres().is_none() {
        return;
    }
    let url = pg::fresh_database().expect("database");
    let err = PgStore::open(&url).expect_err("empty");
    assert!(err.to_string().contains("govcheck migrate"), "{err}");
    let theirs = pg::fresh_database().expect("database");
    pg::exec(&theirs, "CREATE TABLE theirs (x INTEGER)");
    let err = PgStore::open(&theirs).expect_err("foreign");
    assert!(err.to_string().contains("not a govcheck registry"), "{err}");
    pg::exec(&theirs, "SELECT x FROM theirs");
    let err = pg::try_exec(&theirs, "SELECT * FROM batches").expect_err("no table of ours");
    assert!(err.contains("batches"), "{err}");
}
