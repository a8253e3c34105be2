//! An import is all or nothing, whatever happens to the process: each write, fsync and
//! rename it makes fails in turn (injected with strace), and the process is killed at
//! many moments. After each, the store is exactly as before (the same recorded
//! contents) or holds the complete import; never the accounts without their posts.
//! The store is an SQLite registry (what `govcheck init` creates), and the import one
//! transaction; the journal store is no longer written by any command.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{BIN, Sandbox};
use govcheck::store::RegistrySource;
use govcheck::store::sqlite::{SqliteStore, locate};

/// The registry in `dir`.
fn open(dir: &Path) -> SqliteStore {
    let db = locate(dir).expect("an SQLite registry");
    SqliteStore::open(&db).expect("open the database")
}

/// What an import leaves, as the store's readers see it: accounts, findings and posts.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    seq: u64,
    accounts: usize,
    findings: usize,
    posts: Vec<(String, Vec<i64>)>,
}

fn seen(dir: &Path) -> Seen {
    let store = open(dir);
    let snap = store.load().expect("load");
    let mut posts: Vec<_> = store
        .posts()
        .expect("posts")
        .by_account
        .into_iter()
        .collect();
    posts.sort();
    Seen {
        seq: snap.seq,
        accounts: snap.registry.accounts().len(),
        findings: snap.registry.findings().len(),
        posts,
    }
}

/// Everything the store records (for the journal, its files' bytes after settling):
/// see [`common::contents`].
fn bytes(dir: &Path) -> Vec<u8> {
    common::contents(dir)
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

/// A store with one account and its posts, and import files that add accounts,
/// findings and posts (for new and old accounts).
fn setup(s: &Sandbox, accounts: usize) -> (PathBuf, Vec<String>) {
    s.ok(&["init", "--root-name", "浙江省", "--root-code", "330000"]);
    s.ok(&[
        "import",
        s.write(
            "first.csv",
            "id,name,platform,region,host_unit\nold-1,老账号,微信公众号,杭州市,杭州市某局\n",
        )
        .to_str()
        .expect("path"),
        s.write(
            "first-posts.csv",
            "account,published_at\nold-1,2025-09-01T09:00:00+08:00\n",
        )
        .to_str()
        .expect("path"),
    ]);
    let mut acc = String::from("id,name,platform,region,host_unit\n");
    let mut posts = String::from("account,published_at\nold-1,2025-09-10T09:00:00+08:00\n");
    for i in 0..accounts {
        acc.push_str(&format!("k-{i},账号{i},微信公众号,杭州市,杭州市某局{i}\n"));
        posts.push_str(&format!("k-{i},2025-09-{:02}T09:00:00+08:00\n", 1 + i % 28));
    }
    let rounds = "round,title,period_start,period_end,monitoring_point,mode,deadline\n\
                  2025Q3,第三季度,2025-07-01,2025-09-15,2025-09-15,full,2025-10-15\n";
    let findings = "round,account,problem\n2025Q3,k-0,出现严重表述错误\n";
    let files = [
        ("accounts.csv", acc.as_str()),
        ("posts.csv", posts.as_str()),
        ("rounds.csv", rounds),
        ("findings.csv", findings),
    ]
    .iter()
    .map(|(n, t)| s.write(n, t).display().to_string())
    .collect();
    let base = s.path("base");
    copy_dir(&s.store(), &base);
    assert!(locate(&base).is_some(), "init writes an SQLite registry");
    (base, files)
}

fn import_cmd(s: &Sandbox, store: &Path, files: &[String]) -> Command {
    let mut c = Command::new(BIN);
    c.env("GOVCHECK_CONFIG_DIR", s.path("config"))
        .env("USER", "tester")
        .arg("--data")
        .arg(store)
        .arg("import")
        .args(files)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Before, or complete; and a following writer finds a store it can write to, with
/// the same state.
fn assert_before_or_complete(
    dir: &Path,
    before: &Seen,
    before_bytes: &[u8],
    complete: &Seen,
    what: &str,
) {
    let now = seen(dir);
    if now == *before {
        // Exactly as before: the store still opens and takes a write (SQLite rolls
        // back a transaction left in its log), and records exactly what it did.
        open(dir)
            .append_posts(Default::default())
            .expect("a writer still writes");
        assert_eq!(bytes(dir), before_bytes, "{what}: files changed");
    } else {
        assert_eq!(now, *complete, "{what}: neither before nor complete");
    }
}

fn strace_available() -> bool {
    Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The import's one transaction fails at each write and fsync of the database and its
/// log; the database is as it was, and still opens and takes writes.
#[test]
fn an_import_into_sqlite_failing_at_each_write_and_fsync_changes_nothing() {
    if !strace_available() {
        eprintln!("skipped: strace not installed");
        return;
    }
    let s = Sandbox::new();
    let (base, files) = setup(&s, 50);
    let before = seen(&base);
    let before_bytes = bytes(&base);
    let full = s.path("full");
    copy_dir(&base, &full);
    assert!(
        import_cmd(&s, &full, &files)
            .status()
            .expect("run")
            .success()
    );
    let complete = seen(&full);
    assert!(complete.accounts > before.accounts && complete.posts.len() > before.posts.len());

    let work = s.path("work");
    let trace = s.path("trace");
    let mut failed_runs = 0;
    for calls in [
        "write,pwrite64,writev",
        "fsync,fdatasync",
        "rename,renameat,renameat2",
        "openat",
        "ftruncate",
    ] {
        for n in 1..200 {
            copy_dir(&base, &work);
            let mut c = Command::new("strace");
            c.arg("-f")
                .arg("-o")
                .arg(&trace)
                .arg("-e")
                .arg(format!("trace={calls}"))
                .arg("-e")
                .arg(format!("inject={calls}:error=EIO:when={n}"))
                .arg(BIN)
                .env("GOVCHECK_CONFIG_DIR", s.path("config"))
                .env("USER", "tester")
                .arg("--data")
                .arg(&work)
                .arg("import")
                .args(&files)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let ok = c.status().expect("strace").success();
            let log = std::fs::read_to_string(&trace).unwrap_or_default();
            if !log.contains("INJECTED") {
                break; // fewer than n such calls: every one has failed once
            }
            failed_runs += usize::from(!ok);
            let what = format!(
                "{calls} #{n} failing (import {})",
                if ok { "succeeded" } else { "failed" }
            );
            assert_before_or_complete(&work, &before, &before_bytes, &complete, &what);
            // A failed import wrote nothing, unless what failed was telling the user
            // (the summary on stdout, after the commit).
            let injected = log.lines().find(|l| l.contains("INJECTED")).unwrap_or("");
            let output = injected.contains("write(1,") || injected.contains("write(2,");
            if !ok && !output {
                assert_eq!(
                    seen(&work),
                    before,
                    "{what}: a failed import changed the store ({injected})"
                );
            }
        }
    }
    assert!(failed_runs > 0, "no injected fault made an import fail");
}

#[test]
fn an_import_into_sqlite_killed_at_any_moment_is_all_or_nothing() {
    let s = Sandbox::new();
    let (base, files) = setup(&s, 20_000);
    let before = seen(&base);
    let before_bytes = bytes(&base);
    let full = s.path("full");
    copy_dir(&base, &full);
    let started = std::time::Instant::now();
    assert!(
        import_cmd(&s, &full, &files)
            .status()
            .expect("run")
            .success()
    );
    let took = started.elapsed();
    let complete = seen(&full);

    let work = s.path("work");
    let steps = 12u32;
    for k in 0..=steps {
        copy_dir(&base, &work);
        let mut child = import_cmd(&s, &work, &files).spawn().expect("spawn");
        // Spread the kills over the whole import, and a little past it.
        std::thread::sleep(
            took.mul_f64(f64::from(k) / f64::from(steps) * 1.1) + Duration::from_millis(1),
        );
        let _ = child.kill();
        let _ = child.wait();
        let what = format!("killed after {k}/{steps} of an import");
        assert_before_or_complete(&work, &before, &before_bytes, &complete, &what);
    }
}
