//! The registry server and its client: the same figures as a local store, live change
//! feed, a killed server, working offline from the cache with the outbox flushed on
//! return, TLS and connection limits, end to end on loopback; conflicts, access control
//! and bad requests through the router in-process (tests/common/router.rs).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::router::App;
use common::server::*;
use common::{BIN, Sandbox};
use serde_json::{Value, json};

#[test]
fn the_same_figures_as_the_local_store() {
    let (s, _sup, viewer, _) = setup();
    let srv = start(&s, "127.0.0.1:0");
    let local = s.ok(&["summary", "--round", "2022Q1", "--format", "csv"]);
    let out = remote(
        &s,
        &srv.url,
        &viewer,
        &["summary", "--round", "2022Q1", "--format", "csv"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), local);
    let f_local = s.ok(&[
        "findings",
        "--round",
        "2022Q1",
        "--region",
        "舟山市",
        "--format",
        "csv",
        "--as-of",
        "2022-05-01",
    ]);
    let out = remote(
        &s,
        &srv.url,
        &viewer,
        &[
            "findings",
            "--round",
            "2022Q1",
            "--region",
            "舟山市",
            "--format",
            "csv",
            "--as-of",
            "2022-05-01",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), f_local);
    let (st, v) = get(
        &format!("{}/api/v1/rounds/2022Q1/summary", srv.url),
        &viewer,
    );
    assert_eq!(st, 200);
    assert_eq!(v["total"]["pass_rate"], "99.73%");
    let (st, v) = get(
        &format!("{}/api/v1/accounts?search=zsyl&per_page=5", srv.url),
        &viewer,
    );
    assert_eq!(st, 200);
    assert_eq!(v["items"][0]["name"], "舟山医疗保障", "{v}");
}

#[test]
fn a_verify_reaches_another_clients_change_feed() {
    let (s, sup, viewer, _) = setup();
    let srv = start(&s, "127.0.0.1:0");
    let id = zhoushan_finding(&s);
    let (_, h) = get(&format!("{}/api/v1/health", srv.url), "");
    let seq = h["seq"].as_u64().expect("seq");
    let url = format!("{}/api/v1/changes?since={seq}&wait=20", srv.url);
    let watcher = std::thread::spawn(move || get(&url, &viewer));
    std::thread::sleep(Duration::from_millis(300));
    let out = remote(&s, &srv.url, &sup, &["verify", &id, "--note", "远程复核"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (st, feed) = watcher.join().expect("watcher");
    assert_eq!(st, 200);
    let change = &feed["batches"][0]["changes"][0];
    assert_eq!(change["finding"], id.as_str(), "{feed}");
    assert_eq!(change["kind"], "verified");
    assert_eq!(change["by"]["name"], "张三");
    assert_eq!(change["note"], "远程复核");
    // The local store holds it too, with who and the note.
    let hist = s.ok(&["history", &id, "--format", "csv"]);
    assert!(
        hist.lines()
            .last()
            .is_some_and(|l| l.contains(",verified,张三,") && l.contains(",远程复核,")),
        "{hist}"
    );
}

#[test]
fn concurrent_verifies_exactly_one_wins() {
    let (s, sup, _, _) = setup();
    let app = App::threaded(&s);
    let id = zhoushan_finding(&s);
    let path = format!("/api/v1/findings/{id}/events");
    let body = json!({"kind": "verified", "based_on": 1}).to_string();
    let both = [0, 1].map(|_| {
        let req = common::router::request("POST", &path, &sup, Some(&body));
        app.rt.spawn(app.serve(req))
    });
    let mut codes: Vec<u16> = app.rt.block_on(async {
        let mut codes = Vec::new();
        for one in both {
            codes.push(one.await.expect("served").0.as_u16());
        }
        codes
    });
    codes.sort_unstable();
    assert_eq!(codes, vec![201, 409]);
    // The loser is told the current state.
    let (st, v) = app.post(&path, &sup, &body);
    assert_eq!(st, 409);
    assert_eq!(v["error"]["code"], "conflict");
    assert_eq!(v["error"]["detail"]["status"], "verified");
    assert_eq!(v["error"]["detail"]["version"], 2);
}

/// A reminder (催办) through the API: recorded with its channel and who the server
/// saw, status and version unchanged, so a verify based on the version seen before it
/// still lands; a reminder without a channel is 400, on a closed finding 422.
#[test]
fn a_reminder_through_the_api_changes_neither_status_nor_version() {
    let (s, sup, viewer, _) = setup();
    let app = App::over(&s);
    let id = zhoushan_finding(&s);
    let path = format!("/api/v1/findings/{id}/events");
    let remind =
        json!({"kind": "reminded", "channel": "phone", "note": "已电话催办", "based_on": 1})
            .to_string();
    let (st, _) = app.post(&path, &viewer, &remind);
    assert_eq!(st, 403, "a viewer reads only");
    let (st, v) = app.post(&path, &sup, &remind);
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["finding"]["status"], "open");
    assert_eq!(v["finding"]["version"], 1);
    let last = &v["finding"]["events"][1];
    assert_eq!(last["kind"], "reminded");
    assert_eq!(last["channel"], "phone");
    assert_eq!(last["note"], "已电话催办");
    assert_eq!(last["by"]["name"], "张三", "{last}");
    let (st, v) = app.get("/api/v1/findings?round=2022Q1&per_page=1000", &sup);
    assert_eq!(st, 200);
    let row = v["items"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["id"] == id.as_str()))
        .expect("row");
    assert!(row["last_reminded"].is_string(), "{row}");

    let (st, v) = app.post(
        &path,
        &sup,
        &json!({"kind": "reminded", "based_on": 1}).to_string(),
    );
    assert_eq!(st, 400, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("channel"))
    );
    // Based on the version seen before the reminder: still 1, so it lands.
    let (st, v) = app.post(
        &path,
        &sup,
        &json!({"kind": "verified", "based_on": 1}).to_string(),
    );
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["finding"]["version"], 2);
    let (st, v) = app.post(
        &path,
        &sup,
        &json!({"kind": "reminded", "channel": "message", "based_on": 2}).to_string(),
    );
    assert_eq!(st, 422, "{v}");
}

/// A reminder has no version to conflict on, so a resend whose answer was lost would
/// be recorded twice: the request key it carries makes the second one a no-op, answered
/// 201 like the first, even after the finding moved on.
#[test]
fn a_reminder_resent_with_its_key_is_recorded_once() {
    let (s, sup, _, _) = setup();
    let app = App::over(&s);
    let id = zhoushan_finding(&s);
    let path = format!("/api/v1/findings/{id}/events");
    let reminders = |v: &serde_json::Value| {
        v["finding"]["events"]
            .as_array()
            .map_or(0, |e| e.iter().filter(|e| e["kind"] == "reminded").count())
    };
    let remind = |key: &str, based_on: u32| {
        json!({"kind": "reminded", "channel": "phone", "note": "已电话催办",
               "based_on": based_on, "request": key})
        .to_string()
    };
    let (st, v) = app.post(&path, &sup, &remind("0f3a-k1", 1));
    assert_eq!(st, 201, "{v}");
    assert_eq!(reminders(&v), 1);
    assert_eq!(v["finding"]["events"][1]["request"], "0f3a-k1");
    let (st, v) = app.post(&path, &sup, &remind("0f3a-k1", 1));
    assert_eq!(st, 201, "a resend is answered as the first was: {v}");
    assert_eq!(reminders(&v), 1, "and recorded once");
    // The finding moves on: the resend is still the reminder already recorded, while a
    // new reminder based on the old version is a conflict like any other event.
    let (st, v) = app.post(
        &path,
        &sup,
        &json!({"kind": "rectification_reported", "based_on": 1}).to_string(),
    );
    assert_eq!(st, 201, "{v}");
    let (st, v) = app.post(&path, &sup, &remind("0f3a-k1", 1));
    assert_eq!(st, 201, "{v}");
    assert_eq!(reminders(&v), 1);
    let (st, v) = app.post(&path, &sup, &remind("0f3a-k2", 1));
    assert_eq!(st, 409, "{v}");
    let (st, v) = app.post(&path, &sup, &remind("0f3a-k2", 2));
    assert_eq!(st, 201, "{v}");
    assert_eq!(reminders(&v), 2);
    assert_eq!(v["finding"]["version"], 2);
    for bad in ["", "has space", &"k".repeat(65), "换行\n"] {
        let (st, v) = app.post(&path, &sup, &remind(bad, 2));
        assert_eq!(st, 400, "{bad:?}: {v}");
    }
}

/// A write that cannot get the store (an import holds it) is answered 503 `busy` before
/// the request could time out, and is then never made: no "failed" that landed anyway.
#[test]
fn a_write_behind_a_long_import_is_refused_busy_and_not_made() {
    let (s, sup, _, _) = setup();
    // The write waits longer than the idle limit: a connection the server keeps
    // waiting is not cut for the client's silence.
    let srv = start_with(
        &s,
        "127.0.0.1:0",
        &["--lock-wait", "3", "--idle-timeout", "1"],
    );
    let id = zhoushan_finding(&s);
    let url = format!("{}/api/v1/findings/{id}/events", srv.url);
    let body = json!({"kind": "verified", "based_on": 1, "note": "复核通过"}).to_string();
    let journal_before = s.contents();
    // Another writer (here the test, as `govcheck import` on the host would) holds the
    // database's write lock.
    let lock = rusqlite::Connection::open(s.store().join("registry.sqlite")).expect("open");
    lock.execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    // 503 from the lock wait (3 s here): not 408 from the request timeout, nor a
    // connection closed by the idle limit (1 s).
    let (st, v) = post(&url, &sup, &body);
    assert_eq!(st, 503, "{v}");
    assert_eq!(v["error"]["code"], "busy");
    std::thread::sleep(Duration::from_millis(300));
    lock.execute_batch("ROLLBACK").expect("release");
    drop(lock);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(s.contents(), journal_before, "nothing was written");
    // Once the store is free, the same request goes through.
    let (st, v) = post(&url, &sup, &body);
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["finding"]["status"], "verified");
}

#[test]
fn tokens_roles_and_scopes() {
    let (s, sup, viewer, admin) = setup();
    let app = App::over(&s);
    let zs = zhoushan_finding(&s);
    let other = s
        .ok(&[
            "findings",
            "--round",
            "2022Q1",
            "--region",
            "金华市",
            "--format",
            "csv",
        ])
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').next().map(String::from))
        .expect("金华 finding");
    let ev = |id: &str| {
        (
            format!("/api/v1/findings/{id}/events"),
            json!({"kind": "rectification_reported", "based_on": 1}).to_string(),
        )
    };
    assert_eq!(app.get("/api/v1/regions", "").0, 401);
    assert_eq!(app.get("/api/v1/regions", "gct_forged").0, 401);
    assert_eq!(app.get("/api/v1/regions", &viewer).0, 200);
    let (u, b) = ev(&zs);
    let (st, v) = app.post(&u, &viewer, &b);
    assert_eq!((st, v["error"]["code"].as_str()), (403, Some("forbidden")));
    let (u, b) = ev(&other);
    let (st, v) = app.post(&u, &sup, &b);
    assert_eq!(st, 403, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("舟山市")),
        "{v}"
    );
    assert_eq!(
        app.get(&format!("/api/v1/findings/{other}"), &sup).0,
        200,
        "reads are not scoped"
    );
    let (u, b) = ev(&zs);
    assert_eq!(app.post(&u, &sup, &b).0, 201);
    let (u, b) = ev(&other);
    assert_eq!(app.post(&u, &admin, &b).0, 201);
    let (st, me) = app.get("/api/v1/me", &sup);
    assert_eq!(
        (st, me["role"].as_str(), me["scope"].as_str()),
        (200, Some("supervisor"), Some("舟山市"))
    );
    // Revoked tokens stop working at the next start (and at once: tests/server_auth.rs).
    s.ok(&[
        "token",
        "revoke",
        "--tokens",
        s.path("tokens.json").to_str().expect("p"),
        "李四",
    ]);
    drop(app);
    let app = App::over(&s);
    assert_eq!(app.get("/api/v1/regions", &viewer).0, 401);
}

#[test]
fn bad_requests_get_clear_4xx_and_change_nothing() {
    let (s, sup, viewer, _) = setup();
    let app = App::over(&s);
    let id = zhoushan_finding(&s);
    let before = s.contents();
    let url = format!("/api/v1/findings/{id}/events");
    let cases: Vec<(&str, String, u16, &str)> = vec![
        ("malformed", "{\"kind\": ".into(), 400, "bad_request"),
        (
            "unknown field",
            json!({"kind": "verified", "based_on": 1, "colour": "red"}).to_string(),
            400,
            "bad_request",
        ),
        (
            "missing version",
            json!({"kind": "verified"}).to_string(),
            400,
            "bad_request",
        ),
        (
            "unknown kind",
            json!({"kind": "approved", "based_on": 1}).to_string(),
            400,
            "bad_request",
        ),
        (
            "reported is not appendable",
            json!({"kind": "reported", "based_on": 1}).to_string(),
            400,
            "bad_request",
        ),
        (
            "reject without reason",
            json!({"kind": "rejected", "based_on": 1}).to_string(),
            422,
            "not_allowed",
        ),
        (
            "oversized",
            json!({"kind": "verified", "based_on": 1, "note": "长".repeat(40_000)}).to_string(),
            413,
            "payload_too_large",
        ),
    ];
    for (what, body, status, code) in cases {
        let (st, v) = app.post(&url, &sup, &body);
        assert_eq!(st, status, "{what}: {v}");
        assert_eq!(v["error"]["code"], code, "{what}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}"
        );
    }
    let (st, v) = app.post(
        "/api/v1/findings/2022Q1-9999/events",
        &sup,
        &json!({"kind": "verified", "based_on": 0}).to_string(),
    );
    assert_eq!((st, v["error"]["code"].as_str()), (404, Some("not_found")));
    for (path, status) in [
        ("/api/v1/findings?round=2022Q1&per_page=1000000", 400),
        ("/api/v1/findings?round=2022Q1&per_page=0", 400),
        ("/api/v1/findings?round=2022Q1&status=done", 400),
        ("/api/v1/findings?round=2022Q1&bogus=1", 400),
        ("/api/v1/findings", 400),
        ("/api/v1/findings?round=2099Q9", 404),
        ("/api/v1/rounds/2099Q9/summary", 404),
        ("/api/v1/findings/nope", 404),
        ("/api/v1/accounts?region=火星市", 400),
        ("/api/v1/nothing-here", 404),
    ] {
        let (st, v) = app.get(path, &viewer);
        assert_eq!(st, status, "{path}: {v}");
        assert!(v["error"]["code"].is_string(), "{path}: {v}");
    }
    let (st, v) = app.get("/api/v1/findings?round=2022Q1&per_page=2&page=3", &viewer);
    assert_eq!(
        (st, v["items"].as_array().map(Vec::len), v["total"].as_u64()),
        (200, Some(2), Some(14))
    );
    assert_eq!(before, s.contents(), "no bad request wrote anything");
}

#[test]
fn a_killed_server_loses_nothing_it_acknowledged() {
    let (s, sup, _, _) = setup();
    let mut srv = start(&s, "127.0.0.1:0");
    let ids: Vec<String> = s
        .ok(&[
            "findings",
            "--round",
            "2022Q1",
            "--region",
            "舟山市",
            "--format",
            "csv",
        ])
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next().map(String::from))
        .collect();
    let mut acknowledged = Vec::new();
    for id in &ids {
        let (st, _) = post(
            &format!("{}/api/v1/findings/{id}/events", srv.url),
            &sup,
            &json!({"kind": "rectification_reported", "based_on": 1}).to_string(),
        );
        assert_eq!(st, 201);
        acknowledged.push(id.clone());
    }
    // SIGKILL: no graceful shutdown.
    let _ = srv.child.kill();
    let _ = srv.child.wait();
    let srv = start(&s, "127.0.0.1:0");
    let (_, v) = get(
        &format!("{}/api/v1/findings?round=2022Q1&status=rectified", srv.url),
        &sup,
    );
    let got: Vec<String> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str().map(String::from))
        .collect();
    assert_eq!(got, acknowledged);
}

#[test]
fn offline_from_the_cache_and_the_outbox_flushed_on_return() {
    let (s, sup, _, _) = setup();
    let listen = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").to_string()
    };
    let srv = start(&s, &listen);
    let url = srv.url.clone();
    let online = remote(
        &s,
        &url,
        &sup,
        &["summary", "--round", "2022Q1", "--format", "csv"],
    );
    assert!(online.status.success());
    drop(srv);
    // Server down: the cached copy, marked stale.
    let out = remote(
        &s,
        &url,
        &sup,
        &["summary", "--round", "2022Q1", "--format", "csv"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, online.stdout);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cached at"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // An action offline is kept in the outbox, not lost and not reported as done.
    let id = zhoushan_finding(&s);
    let out = remote(&s, &url, &sup, &["verify", &id, "--note", "离线复核"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("outbox"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !s.ok(&["history", &id, "--format", "csv"])
            .contains("离线复核")
    );
    // A second offline action, on a finding someone else acts on meanwhile: it will
    // conflict when sent, and must then be listed, not dropped.
    let other = s
        .ok(&[
            "findings",
            "--round",
            "2022Q1",
            "--region",
            "舟山市",
            "--format",
            "csv",
        ])
        .lines()
        .nth(2)
        .and_then(|l| l.split(',').next())
        .expect("a second 舟山 finding")
        .to_string();
    let out = remote(&s, &url, &sup, &["verify", &other, "--note", "离线复核二"]);
    assert_eq!(out.status.code(), Some(1));
    s.ok(&["rectified", &other, "--note", "主办单位已报送"]);
    let out = remote(&s, &url, &sup, &["outbox", "--format", "csv"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains(&format!("pending,{id},verified,离线复核,"))
            && listed.contains(&format!("pending,{other},verified,离线复核二,")),
        "{listed}"
    );
    // A line this version cannot read (as a newer govcheck might queue) waits with them.
    let outbox = std::fs::read_dir(s.path("cache").join("registry"))
        .expect("registry cache")
        .map(|e| e.expect("entry").path().join("outbox.jsonl"))
        .find(|p| p.exists())
        .expect("an outbox");
    let future = r#"{"format":2,"action":"from a newer govcheck"}"#;
    let mut text = std::fs::read_to_string(&outbox).expect("outbox");
    text.push_str(future);
    text.push('\n');
    std::fs::write(&outbox, text).expect("write outbox");
    // Back online: the next load sends it.
    let _srv = start(&s, &listen);
    let out = remote(
        &s,
        &url,
        &sup,
        &[
            "findings", "--round", "2022Q1", "--status", "verified", "--format", "csv",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&id),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let hist = s.ok(&["history", &id, "--format", "csv"]);
    assert!(
        hist.contains(",verified,张三,") && hist.contains("离线复核"),
        "{hist}"
    );
    // The conflicting one was refused: said on stderr, listed until dismissed, and not
    // written over the other supervisor's action.
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("govcheck outbox"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hist = s.ok(&["history", &other, "--format", "csv"]);
    assert!(!hist.contains("离线复核二"), "{hist}");
    let out = remote(&s, &url, &sup, &["outbox", "--format", "csv"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(!listed.contains("pending,"), "{listed}");
    // The unreadable line was neither sent nor dropped, and is mentioned.
    let kept = std::fs::read_to_string(&outbox).expect("outbox");
    assert_eq!(kept, format!("{future}\n"));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 line(s) of the outbox"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        listed.contains(&format!("refused,{other},verified,离线复核二,"))
            && listed.contains("changed meanwhile"),
        "{listed}"
    );
    let out = remote(&s, &url, &sup, &["outbox", "--dismiss"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("dismissed 1"));
    let out = remote(&s, &url, &sup, &["outbox", "--format", "csv"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        1,
        "header only"
    );
}

#[test]
fn the_openapi_description_matches_the_routes() {
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json"))
            .expect("spec"),
    )
    .expect("json");
    let mut documented: Vec<(String, String)> = spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .expect("ops")
                .keys()
                .map(move |m| (m.clone(), p.clone()))
        })
        .collect();
    documented.sort();
    let mut served: Vec<(String, String)> = govcheck::server::api::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    served.sort();
    assert_eq!(documented, served);
    // And every listed route really is served (not the JSON 404 of the fallback).
    let (s, _, _, admin) = setup();
    let srv = start(&s, "127.0.0.1:0");
    for (m, p) in govcheck::server::api::ROUTES {
        let path = p
            .replace("{id}", "2022Q1-0001")
            .replace("/rounds/2022Q1-0001", "/rounds/2022Q1");
        let url = format!("{}{path}", srv.url);
        let r = match *m {
            "get" => http().get(&url),
            _ => http()
                .post(&url)
                .header("content-type", "application/json")
                .body("{}"),
        }
        .bearer_auth(&admin)
        .send()
        .expect("send");
        let status = r.status().as_u16();
        let v: Value = r.json().unwrap_or(Value::Null);
        assert!(
            !(status == 404
                && v["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("no such endpoint"))),
            "{m} {path}"
        );
        assert_ne!(status, 405, "{m} {path}");
    }
}

/// An intranet PKI in miniature: a CA, and a certificate it issued for the loopback
/// server. Returns the CA's PEM, the server's chain PEM and its key PEM.
fn intranet_pki() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "省政务服务网 测试 CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("key");
    let params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("params");
    let cert = params.signed_by(&key, &issuer).expect("cert");
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

/// Direct TLS: the server presents a certificate from the office's own CA; the CLI
/// trusts it through --ca-file and gets the same figures as over plain HTTP. A client
/// without that CA is refused, and a certificate that cannot be used stops the start
/// with a message naming the file.
#[test]
fn direct_tls_with_an_intranet_ca() {
    let (s, _sup, viewer, _) = setup();
    let (ca, chain, key) = intranet_pki();
    std::fs::write(s.path("ca.pem"), ca).expect("write");
    std::fs::write(s.path("server.pem"), chain).expect("write");
    std::fs::write(s.path("server.key"), key).expect("write");
    let cert_path = s.path("server.pem");
    let key_path = s.path("server.key");
    let srv = start_with(
        &s,
        "127.0.0.1:0",
        &[
            "--tls-cert",
            cert_path.to_str().expect("utf8"),
            "--tls-key",
            key_path.to_str().expect("utf8"),
        ],
    );
    assert!(srv.url.starts_with("https://127.0.0.1:"), "{}", srv.url);
    let ca_path = s.path("ca.pem");
    let summary = ["summary", "--round", "2022Q1", "--format", "csv"];
    let local = s.ok(&summary);
    let mut args = vec!["--ca-file", ca_path.to_str().expect("utf8")];
    args.extend(summary);
    let out = remote(&s, &srv.url, &viewer, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), local);

    // A client that connects and never starts its handshake holds up nobody.
    let addr = srv.url.trim_start_matches("https://").to_string();
    let _silent = std::net::TcpStream::connect(&addr).expect("connect");
    let out = remote(&s, &srv.url, &viewer, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Without the CA the certificate cannot be verified: no figures, a clear failure.
    let plain = http()
        .get(format!("{}/api/v1/health", srv.url))
        .send()
        .map(|r| r.status().as_u16());
    assert!(
        plain.is_err(),
        "an unknown CA must not be trusted: {plain:?}"
    );

    // A key file that holds no key: one message naming it, non-zero exit.
    std::fs::write(s.path("bad.key"), "not a key\n").expect("write");
    let bad_key = s.path("bad.key");
    let out = Command::new(BIN)
        .env("GOVCHECK_CONFIG_DIR", s.path("config"))
        .arg("--data")
        .arg(s.store())
        .args(["serve", "--listen", "127.0.0.1:0", "--tokens"])
        .arg(s.path("tokens.json"))
        .arg("--tls-cert")
        .arg(&cert_path)
        .arg("--tls-key")
        .arg(&bad_key)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.key"), "{err}");
}

/// A client that opens a connection and sends nothing, or half a request, is
/// disconnected after the idle limit; everyone else is served meanwhile.
#[test]
fn silent_and_half_sent_connections_are_closed() {
    use std::io::{Read, Write};
    let (s, _sup, viewer, _) = setup();
    let srv = start_with(&s, "127.0.0.1:0", &["--idle-timeout", "1"]);
    let addr = srv.url.trim_start_matches("http://").to_string();
    let mut silent = std::net::TcpStream::connect(&addr).expect("connect");
    let mut half = std::net::TcpStream::connect(&addr).expect("connect");
    half.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
        .expect("write");
    let (status, _) = get(&format!("{}/api/v1/health", srv.url), &viewer);
    assert_eq!(status, 200);
    // A long-polling client is answered before the idle limit could cut it.
    let started = std::time::Instant::now();
    let (status, v) = get(
        &format!("{}/api/v1/changes?since=999999&wait=5", srv.url),
        &viewer,
    );
    assert_eq!(status, 200, "{v}");
    // Capped at half the idle limit (0.5 s here), not the 5 s asked for: the margin
    // tells the cap from the asked-for wait however loaded the machine is.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the wait is capped by the idle limit, not the 5 s asked for"
    );
    for conn in [&mut silent, &mut half] {
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let started = std::time::Instant::now();
        let mut buf = [0u8; 64];
        // Closed by the server: end of stream (or a reset), well before our own 10 s.
        let n = conn.read(&mut buf).unwrap_or(0);
        assert_eq!(n, 0, "{:?}", String::from_utf8_lossy(&buf[..n]));
        assert!(started.elapsed() < Duration::from_secs(8));
    }
}

/// One address cannot hold more than its share of connections: the one over the cap is
/// closed at once, and when one of its connections closes, the next is served.
#[test]
fn connections_from_one_address_are_capped() {
    use std::io::Read;
    let (s, _sup, viewer, _) = setup();
    let srv = start_with(&s, "127.0.0.1:0", &["--max-per-peer", "2"]);
    let addr = srv.url.trim_start_matches("http://").to_string();
    let first = std::net::TcpStream::connect(&addr).expect("connect");
    let _second = std::net::TcpStream::connect(&addr).expect("connect");
    let mut third = std::net::TcpStream::connect(&addr).expect("connect");
    third
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut buf = [0u8; 16];
    match third.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("the connection over the cap must be closed, got {other:?}"),
    }
    drop(first);
    // The server notices the close when it next reads: give it a moment.
    std::thread::sleep(Duration::from_millis(300));
    let (status, v) = get(&format!("{}/api/v1/health", srv.url), &viewer);
    assert_eq!(status, 200, "{v}");
}

/// A client that has a copy fetches only what changed since (proved with the checksum
/// of its last batch); when the server's database was restored from a backup, its copy
/// is refused and it fetches everything afresh, ending with the server's figures.
#[test]
fn clients_fetch_only_changes_and_refetch_after_a_restore() {
    let (s, sup, viewer, _) = setup();
    let db = s.store().join("registry.sqlite");
    let backup = std::fs::read(&db).expect("the database, as a backup");
    let listen = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").to_string()
    };
    let srv = start(&s, &listen);
    let findings = [
        "findings",
        "--round",
        "2022Q1",
        "--format",
        "csv",
        "--as-of",
        "2022-05-01",
    ];
    let first = remote(&s, &srv.url, &viewer, &findings);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(srv.requests("GET /api/v1/checkpoint"), 1);

    // Another supervisor verifies; the next command fetches the change, not the registry.
    let id = zhoushan_finding(&s);
    let (st, _) = post(
        &format!("{}/api/v1/findings/{id}/events", srv.url),
        &sup,
        &json!({"kind": "verified", "based_on": 1, "note": "复核通过"}).to_string(),
    );
    assert_eq!(st, 201);
    let second = remote(&s, &srv.url, &viewer, &findings);
    assert!(second.status.success());
    assert_eq!(
        srv.requests("GET /api/v1/checkpoint"),
        1,
        "no second checkpoint"
    );
    assert_eq!(
        String::from_utf8_lossy(&second.stdout),
        s.ok(&findings),
        "the change reached the client"
    );
    assert_ne!(first.stdout, second.stdout);

    // The server's database is restored from the backup and someone records something
    // else: same sequence numbers, other batches. The client's copy must not be extended.
    drop(srv);
    std::fs::write(&db, &backup).expect("restore");
    for log in ["registry.sqlite-wal", "registry.sqlite-shm"] {
        let _ = std::fs::remove_file(s.store().join(log));
    }
    s.ok(&["rectified", &id, "--note", "恢复后"]);
    let srv = start(&s, &listen);
    let third = remote(&s, &srv.url, &viewer, &findings);
    assert!(
        third.status.success(),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    assert_eq!(
        srv.requests("GET /api/v1/changes 409"),
        1,
        "the stale copy was refused"
    );
    assert_eq!(
        srv.requests("GET /api/v1/checkpoint"),
        1,
        "then fetched afresh"
    );
    assert_eq!(String::from_utf8_lossy(&third.stdout), s.ok(&findings));
}

/// An admin imports registry files from their own host; the server applies them as the
/// local import does. Anyone else is refused, and a bad file is refused with its file,
/// line and field, changing nothing.
#[test]
fn an_admin_imports_over_the_api() {
    let (s, sup, _, admin) = setup();
    let srv = start(&s, "127.0.0.1:0");
    // Larger than the 64 KiB other requests may send: imports have a limit of their own.
    let mut accounts = String::from(
        "id,name,platform,region,host_unit\nzs-new-1,舟山新区发布,微信,舟山市,舟山市新闻办\n",
    );
    for i in 0..1500 {
        accounts.push_str(&format!(
            "zs-filler-{i},舟山测试账号{i},微博,舟山市,舟山市某局{i}\n"
        ));
    }
    assert!(accounts.len() > 64 * 1024);
    let good = s.write("new-accounts.csv", &accounts);
    let bad = s.write(
        "bad-accounts.csv",
        "id,name,platform,region,host_unit,status\nzs-new-2,x,微信,舟山市,某局,maybe\n",
    );
    let before = s.contents();

    let out = remote(&s, &srv.url, &sup, &["import", good.to_str().expect("p")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("403") && err.contains("admin"), "{err}");

    let out = remote(&s, &srv.url, &admin, &["import", bad.to_str().expect("p")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad-accounts.csv") && err.contains("line 2") && err.contains("field status"),
        "{err}"
    );
    assert_eq!(before, s.contents(), "refused imports change nothing");

    let out = remote(&s, &srv.url, &admin, &["import", good.to_str().expect("p")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("new-accounts.csv (accounts, 1501 rows)") && said.contains("1501 account(s)"),
        "{said}"
    );
    let acc = s.ok(&["accounts", "--region", "舟山市", "--format", "csv"]);
    assert!(acc.contains("zs-new-1,舟山新区发布"), "{acc}");
    let last = common::open_store(&s.store())
        .batches_since(0)
        .expect("batches")
        .pop()
        .expect("a batch");
    assert!(last.by.name.contains("省办"), "recorded as the admin");

    // The server refuses by itself too, whatever the client checked.
    let (st, v) = post(&format!("{}/api/v1/import", srv.url), &sup, "{}");
    assert_eq!(st, 403, "{v}");
    // Not a form upload at all: 400, with what was expected.
    let (st, v) = post(&format!("{}/api/v1/import", srv.url), &admin, "{}");
    assert_eq!(st, 400, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("multipart"),
        "{v}"
    );
}

/// A self-signed CA (certificate only), standing in for an intranet CA.
const INTRANET_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBnjCCAUWgAwIBAgIUP9GdGsJujvfByQqms6K0dxMB86QwCgYIKoZIzj0EAwIw
JDEiMCAGA1UEAwwZZ292Y2hlY2sgdGVzdCBpbnRyYW5ldCBDQTAgFw0yNjExMjIy
MDQxNDdaGA8yMTI2MTAyOTIwNDE0N1owJDEiMCAGA1UEAwwZZ292Y2hlY2sgdGVz
dCBpbnRyYW5ldCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABHD/dD3Q/k1o
UINvwBBlKmgiTkf8kEckNx5Sq52oUe5LFzDWBqaGu3oDWLTRpl9ONHqSELJHMmlW
3hSmA+rdq66jUzBRMB0GA1UdDgQWBBQ/MucSwChTvCo0twzS/9cQEigDpDAfBgNV
HSMEGDAWgBQ/MucSwChTvCo0twzS/9cQEigDpDAPBgNVHRMBAf8EBTADAQH/MAoG
CCqGSM49BAMCA0cAMEQCIDYad7M8CiFq5XC6JGkEiGFoZhxy3NJfL69vHOnSDXJI
AiB+qMyc2a/4HzrKr8khDH4ge4qCJJSjnDRJ1grqcGWGuw==
-----END CERTIFICATE-----
";

/// A host without any CA bundle (an intranet host, the static binary in an empty root):
/// `SSL_CERT_FILE` points at an empty file, which is then the only bundle tried.
fn without_ca_bundle(s: &Sandbox, tok: &str) -> Command {
    let empty = s.write("no-certs.pem", "");
    let mut c = s.cmd();
    c.env("SSL_CERT_FILE", empty).env("GOVCHECK_TOKEN", tok);
    c
}

#[test]
fn a_plain_http_registry_needs_no_ca_bundle() {
    let (s, _, viewer, _) = setup();
    let srv = start(&s, "127.0.0.1:0");
    assert!(srv.url.starts_with("http://"), "{}", srv.url);
    let out = without_ca_bundle(&s, &viewer)
        .arg("--registry")
        .arg(&srv.url)
        .args(["summary", "--round", "2022Q1", "--format", "csv"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).ends_with("总计,5189,5189,14,99.73%\n"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn an_https_registry_without_any_ca_says_what_was_tried() {
    let s = Sandbox::new();
    let out = without_ca_bundle(&s, "t0ken")
        .args([
            "--registry",
            "https://127.0.0.1:9",
            "summary",
            "--round",
            "2022Q1",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot verify https://127.0.0.1:9"), "{err}");
    assert!(err.contains("no CA certificates on this host"), "{err}");
    assert!(
        err.contains("no-certs.pem (no usable certificate)"),
        "{err}"
    );
    assert!(err.contains("--ca-file"), "{err}");
    assert_eq!(err.lines().count(), 1, "one clear error: {err}");
}

#[test]
fn an_intranet_ca_file_is_enough_for_https() {
    let s = Sandbox::new();
    let ca = s.write("intranet-ca.pem", INTRANET_CA);
    // The client is built from the CA file alone; port 9 (discard) is closed here, so the
    // error is the connection, not the trust set-up.
    let out = without_ca_bundle(&s, "t0ken")
        .args(["--registry", "https://127.0.0.1:9", "--ca-file"])
        .arg(&ca)
        .args(["summary", "--round", "2022Q1"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(!err.contains("CA certificates"), "{err}");
    assert!(err.contains("unreachable"), "{err}");
    // A file that holds no certificate is named as such.
    let bad = s.write("not-a-cert.pem", "hello\n");
    let out = without_ca_bundle(&s, "t0ken")
        .args(["--registry", "https://127.0.0.1:9", "--ca-file"])
        .arg(&bad)
        .args(["summary", "--round", "2022Q1"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not-a-cert.pem: no PEM certificate"), "{err}");
}
