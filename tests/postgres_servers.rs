//! Two `govcheck serve` processes over one PostgreSQL database, driven by the real
//! client (`RemoteStore`) and plain HTTP: a change made through one is in the other's
//! change feed; two verifies of one finding at once through both, exactly one wins; a
//! server killed (SIGKILL) in the middle of a burst of writes loses none it
//! acknowledged; a revoked token is refused by both at once. And `govcheck migrate`
//! into PostgreSQL and back out keeps figures, histories and versions.
//!
//! Skipped (one line says so) unless `GOVCHECK_TEST_POSTGRES` names a server: see
//! tests/common/postgres.rs.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};

use chrono::DateTime;
use common::postgres as pg;
use common::server::{get, http, zhoushan_finding};
use common::{BIN, Sandbox};
use govcheck::domain::event::{Actor, Event, EventKind};
use govcheck::store::remote::RemoteStore;
use govcheck::store::{RegistrySource, StoreError};

/// A server over the database at `url`, killed when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(s: &Sandbox, database: &str) -> Served {
    let mut child = Command::new(BIN)
        .env("GOVCHECK_CONFIG_DIR", s.path("config"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn server");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the server said where it listens")
            .expect("line");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
    Served { child, url }
}

/// The demo, migrated into a fresh database, with a supervisor token for 舟山市 made in
/// it: (sandbox, database URL, token, a 舟山 finding).
fn shared() -> Option<(Sandbox, String, String, String)> {
    let url = pg::fresh_database()?;
    let s = Sandbox::new();
    s.demo();
    let id = zhoushan_finding(&s);
    let store = s.store();
    s.ok(&[
        "migrate",
        "--from",
        store.to_str().expect("path"),
        "--to",
        &url,
    ]);
    let tok = token(&s, &url, "张三", "supervisor", Some("舟山市"));
    Some((s, url, tok, id))
}

fn token(s: &Sandbox, url: &str, name: &str, role: &str, scope: Option<&str>) -> String {
    let mut args = vec![
        "token",
        "create",
        "--database",
        url,
        "--name",
        name,
        "--role",
        role,
    ];
    if let Some(sc) = scope {
        args.extend(["--scope", sc]);
    }
    s.ok(&args).trim().to_string()
}

fn event(id: &str, kind: EventKind, note: Option<&str>) -> Event {
    Event {
        finding: id.into(),
        kind,
        at: DateTime::parse_from_rfc3339("2022-04-01T09:00:00+08:00").expect("time"),
        by: Actor {
            name: "ignored: the server records the token's name".into(),
            ..Actor::default()
        },
        note: note.map(str::to_string),
    }
}

fn version(store: &RemoteStore, id: &str) -> u32 {
    let reg = store.load().expect("load").registry;
    reg.state(reg.finding_index(id).expect("finding")).version
}

#[test]
fn a_change_through_one_server_is_in_the_others_feed() {
    let Some((s, url, tok, id)) = shared() else {
        return;
    };
    let (a, b) = (serve(&s, &url), serve(&s, &url));
    let (_, health) = get(&format!("{}/api/v1/health", b.url), &tok);
    let since = health["seq"].as_u64().expect("seq");
    let through_a = RemoteStore::new(&a.url, &tok, None, &s.path("cache-a")).expect("client");
    let seen = version(&through_a, &id);
    through_a
        .append_events(vec![(
            event(&id, EventKind::RectificationReported, Some("已恢复更新")),
            Some(seen),
        )])
        .expect("through A");
    // B's change feed, waiting for news: it holds A's batch.
    let (status, feed) = get(
        &format!("{}/api/v1/changes?since={since}&wait=20", b.url),
        &tok,
    );
    assert_eq!(status, 200, "{feed}");
    assert!(
        feed["seq"].as_u64().expect("seq") > since && feed.to_string().contains(&id),
        "B's feed after {since}: {feed}"
    );
    let through_b = RemoteStore::new(&b.url, &tok, None, &s.path("cache-b")).expect("client");
    assert_eq!(version(&through_b, &id), seen + 1);
}

#[test]
fn concurrent_verifies_through_both_servers_exactly_one_wins() {
    let Some((s, url, tok, id)) = shared() else {
        return;
    };
    let (a, b) = (serve(&s, &url), serve(&s, &url));
    let seen = version(
        &RemoteStore::new(&a.url, &tok, None, &s.path("cache")).expect("client"),
        &id,
    );
    let gate = Arc::new(Barrier::new(2));
    let results: Vec<_> = [(&a.url, "cache-a"), (&b.url, "cache-b")]
        .into_iter()
        .map(|(server, cache)| {
            let store = RemoteStore::new(server, &tok, None, &s.path(cache)).expect("client");
            let (gate, id) = (gate.clone(), id.clone());
            std::thread::spawn(move || {
                store.load().expect("load");
                gate.wait();
                store.append_events(vec![(
                    event(&id, EventKind::RectificationReported, None),
                    Some(seen),
                )])
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(StoreError::Conflict { last: Some(_), .. }))),
        "the other is told it conflicts: {results:?}"
    );
    let fresh = RemoteStore::new(&b.url, &tok, None, &s.path("cache-c")).expect("client");
    assert_eq!(version(&fresh, &id), seen + 1);
}

#[test]
fn a_server_killed_in_a_burst_loses_nothing_it_acknowledged() {
    let Some((s, url, tok, id)) = shared() else {
        return;
    };
    let (mut a, b) = (serve(&s, &url), serve(&s, &url));
    let history = |server: &str| -> usize {
        let (status, f) = get(&format!("{server}/api/v1/findings/{id}"), &tok);
        assert_eq!(status, 200, "{f}");
        // The number of events (a burst has no reminders).
        usize::try_from(f["version"].as_u64().expect("version")).expect("version")
    };
    let before = history(&b.url);
    let endpoint = format!("{}/api/v1/findings/{id}/events", a.url);
    let (tok2, client) = (tok.clone(), http());
    let burst = std::thread::spawn(move || {
        let (mut acked, mut sent) = (0usize, 0usize);
        for i in 0..400 {
            // Each based on the version the one before made.
            let based_on = before + i;
            let body = if i % 2 == 0 {
                format!(r#"{{"kind":"rectification_reported","based_on":{based_on}}}"#)
            } else {
                format!(r#"{{"kind":"rejected","note":"仍未更新","based_on":{based_on}}}"#)
            };
            sent += 1;
            match client
                .post(&endpoint)
                .bearer_auth(&tok2)
                .header("content-type", "application/json")
                .body(body)
                .send()
            {
                Ok(r) if r.status().is_success() => acked += 1,
                Ok(r) => panic!("refused: {} {}", r.status(), r.text().unwrap_or_default()),
                Err(_) => break, // the server is gone
            }
        }
        (acked, sent)
    });
    // Kill A once it has acknowledged some of the burst.
    while !burst.is_finished() && history(&b.url) < before + 10 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    a.child.kill().expect("SIGKILL");
    let _ = a.child.wait();
    let (acked, sent) = burst.join().expect("burst");
    assert!(
        (10..400).contains(&acked),
        "killed mid-burst: {acked} of {sent}"
    );
    let after = history(&b.url) - before;
    // Every acknowledged write is there; at most the one in flight may be too.
    assert!(
        after == acked || after == acked + 1,
        "{acked} acknowledged, {after} recorded"
    );
}

#[test]
fn a_revoked_token_is_refused_by_both_servers_at_once() {
    let Some((s, url, _, _)) = shared() else {
        return;
    };
    let (a, b) = (serve(&s, &url), serve(&s, &url));
    let tok = token(&s, &url, "王芳", "viewer", None);
    for server in [&a.url, &b.url] {
        let (status, me) = get(&format!("{server}/api/v1/me"), &tok);
        assert_eq!((status, me["name"].as_str()), (200, Some("王芳")));
    }
    s.ok(&["token", "revoke", "--database", &url, "王芳"]);
    for server in [&a.url, &b.url] {
        let (status, body) = get(&format!("{server}/api/v1/me"), &tok);
        assert_eq!(status, 401, "{server}: {body}");
    }
    let listed = s.ok(&["token", "list", "--database", &url]);
    assert!(
        listed.contains("王芳") && listed.contains("张三"),
        "{listed}"
    );
}

#[test]
fn migrate_into_postgres_and_back_keeps_figures_histories_and_versions() {
    let Some(url) = pg::fresh_database() else {
        return;
    };
    let s = Sandbox::new();
    s.demo();
    let id = zhoushan_finding(&s);
    s.ok(&["rectified", &id]);
    s.ok(&["verify", &id, "--note", "复核通过"]);
    let summary = |data: &str| {
        let out = s
            .cmd()
            .args([
                "--data",
                data,
                "summary",
                "--round",
                "2022Q1",
                "--as-of",
                "2022-04-30",
            ])
            .args(["--format", "json"])
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let history = |data: &str| {
        let out = s
            .cmd()
            .args(["--data", data, "history", &id])
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let store = s.store();
    let store = store.to_str().expect("path");
    s.ok(&["migrate", "--from", store, "--to", &url]);
    // Into a database that holds a registry already: refused, nothing changed.
    let again = s
        .cmd()
        .args(["migrate", "--from", store, "--to", &url])
        .output()
        .expect("run");
    assert!(!again.status.success());
    let back_file = s.path("back.sqlite");
    let back_dir = s.path("back-store");
    for to in [&back_file, &back_dir] {
        s.ok(&[
            "migrate",
            "--from",
            &url,
            "--to",
            to.to_str().expect("path"),
        ]);
        let to = to.to_str().expect("path");
        assert_eq!(summary(to), summary(store), "{to}: the same figures");
        assert_eq!(history(to), history(store), "{to}: the same history");
    }
    // Versions and sequence numbers, through the library.
    let pg_store = govcheck::store::postgres::PgStore::open(&url).expect("open");
    let db = govcheck::store::sqlite::locate(&s.store()).expect("the demo's database");
    let local = govcheck::store::sqlite::SqliteStore::open(&db).expect("open");
    let (p, l) = (pg_store.load().expect("load"), local.load().expect("load"));
    assert_eq!(p.seq, l.seq);
    assert_eq!(
        govcheck::store::sqlite::convert::difference(&p.registry, &l.registry),
        None
    );
}

/// Runs without PostgreSQL: the choice between a tokens file and a database is checked
/// before anything is opened, with one message saying what to do.
#[test]
fn serve_takes_a_tokens_file_or_a_database_never_both() {
    let s = Sandbox::new();
    s.demo();
    let err = s.fails(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(err.contains("--tokens FILE is required"), "{err}");
    let tokens = s.path("tokens.json");
    let out = s
        .cmd()
        .args(["serve", "--listen", "127.0.0.1:0", "--tokens"])
        .arg(&tokens)
        .args(["--database", "postgres://gc@localhost/gc"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--tokens") && err.contains("--database"),
        "{err}"
    );
    let err = s.fails(&[
        "token",
        "create",
        "--database",
        "/not/a/url",
        "--name",
        "x",
        "--role",
        "viewer",
    ]);
    assert!(err.contains("postgres://"), "{err}");
}
