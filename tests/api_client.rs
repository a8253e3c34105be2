//! The registry client reads the server's answers as the API's wire types
//! (crates/api): a conflict's version and who changed the finding come from the error's
//! typed detail, never from its message, and an answer that is not the type is an
//! error naming the endpoint, never a silent default.

mod common;

use std::io::{Read, Write};

use common::server::*;
use govcheck::api::snapshot::{self, RegistrySnapshot};
use govcheck::domain::event::{Actor, Event, EventKind};
use govcheck::store::checkpoint;
use govcheck::store::remote::RemoteStore;
use govcheck::store::{RegistrySource, StoreError};

fn event(finding: &str, kind: EventKind) -> Event {
    Event {
        finding: finding.to_string(),
        kind,
        at: chrono::Utc::now().fixed_offset(),
        by: Actor {
            name: "张三".into(),
            ..Actor::default()
        },
        note: None,
    }
}

#[test]
fn a_conflict_reaches_the_client_with_the_version_and_who_changed_it() {
    let (s, sup, _, _) = setup();
    let srv = start(&s, "127.0.0.1:0");
    let id = zhoushan_finding(&s);
    let store = RemoteStore::new(&srv.url, &sup, None, &s.path("client-cache")).expect("client");
    let snap = store.load().expect("load");
    let idx = snap.registry.finding_index(&id).expect("finding");
    let seen = snap.registry.state(idx).version;
    store
        .append_events(vec![(
            event(&id, EventKind::RectificationReported),
            Some(seen),
        )])
        .expect("first write");
    // A second client still at the version it saw.
    let again = store.append_events(vec![(event(&id, EventKind::Verified), Some(seen))]);
    match again {
        Err(StoreError::Conflict {
            finding,
            expected,
            actual,
            last: Some(last),
        }) => {
            assert_eq!(finding, id);
            assert_eq!(expected, seen);
            assert_eq!(actual, seen + 1);
            assert_eq!(last.version, seen + 1);
            assert_eq!(last.kind, EventKind::RectificationReported);
            assert_eq!(last.by, "张三");
            assert_eq!(last.status, govcheck::domain::event::Status::Rectified);
        }
        other => panic!("expected a conflict with who changed it: {other:?}"),
    }
}

/// A one-connection HTTP server answering every request with `body` (status 200).
fn answer_once_with(body: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for conn in listener.incoming().take(4) {
            let Ok(mut conn) = conn else { return };
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn an_answer_that_is_not_the_api_type_is_an_error_naming_the_endpoint() {
    let s = common::Sandbox::new();
    // `seq` is not a number: today's client took that as 0 and carried on.
    let url = answer_once_with(r#"{"status":"ok","seq":"seven","format":1}"#);
    let store = RemoteStore::new(&url, "gct_x", None, &s.path("cache")).expect("client");
    match store.change_token() {
        Err(StoreError::Other(message)) => {
            assert!(message.contains("/api/v1/health"), "{message}");
            assert!(message.contains("malformed"), "{message}");
        }
        other => panic!("expected an error naming the endpoint: {other:?}"),
    }
}

/// A reminder queued offline carries the key the client gave it, so when it is sent
/// twice (the first answer lost and the outbox kept it) the registry records it once.
#[test]
fn a_reminder_sent_twice_from_the_outbox_is_recorded_once() {
    let (s, sup, _, _) = setup();
    let listen = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").to_string()
    };
    let srv = start(&s, &listen);
    let url = srv.url.clone();
    let cache = s.path("client-cache");
    let store = RemoteStore::new(&url, &sup, None, &cache).expect("client");
    store.load().expect("load");
    let id = zhoushan_finding(&s);
    drop(srv);
    let remind = EventKind::reminded(govcheck::domain::event::Channel::Phone);
    match store.append_events(vec![(event(&id, remind), None)]) {
        Err(StoreError::Queued { .. }) => {}
        other => panic!("expected the reminder queued: {other:?}"),
    }
    let outbox = std::fs::read_dir(cache.join("registry"))
        .expect("registry cache")
        .map(|e| e.expect("entry").path().join("outbox.jsonl"))
        .find(|p| p.exists())
        .expect("an outbox");
    let line = std::fs::read_to_string(&outbox).expect("outbox");
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("\"request\":\""),
        "the key is queued with it: {line}"
    );
    // As if the first send reached the registry but its answer did not come back.
    std::fs::write(&outbox, format!("{line}{line}")).expect("twice");
    let _srv = start(&s, &listen);
    let report = store.flush_outbox().expect("flush");
    assert_eq!((report.sent, report.refused.len()), (2, 0), "{report:?}");
    let snap = store.load().expect("load");
    let idx = snap.registry.finding_index(&id).expect("finding");
    let reminded: Vec<_> = snap
        .registry
        .history(idx)
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Reminded { .. }))
        .collect();
    assert_eq!(reminded.len(), 1, "{reminded:?}");
    let key = reminded[0].kind.request().expect("a key");
    assert!(
        key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key}"
    );
}

/// A one-connection-at-a-time HTTP server answering every request (up to four) with
/// `body` as `content_type`.
fn answer_with(content_type: &'static str, body: Vec<u8>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for conn in listener.incoming().take(4) {
            let Ok(mut conn) = conn else { return };
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(&body);
        }
    });
    url
}

/// A server still sending the local checkpoint codec (an older govcheck) or a snapshot
/// of a newer format is refused with one message saying which side to update, and the
/// client keeps nothing of it.
#[test]
fn a_checkpoint_of_an_older_server_or_a_newer_snapshot_is_refused_saying_what_to_update() {
    let s = common::Sandbox::new();
    let url = answer_with("application/octet-stream", b"GCCKPT03\0\0\0\0".to_vec());
    let store = RemoteStore::new(&url, "gct_x", None, &s.path("cache")).expect("client");
    match store.load() {
        Err(StoreError::Other(message)) => {
            assert!(message.contains("older govcheck"), "{message}");
            assert!(message.contains("/api/v1/checkpoint"), "{message}");
        }
        other => panic!("expected the old server named: {:?}", other.err()),
    }

    let mut newer = vec![snapshot::FORMAT as u8 + 1];
    newer.extend_from_slice(&[0; 16]);
    let url = answer_with(snapshot::MEDIA_TYPE, newer);
    let store = RemoteStore::new(&url, "gct_x", None, &s.path("cache")).expect("client");
    match store.load() {
        Err(StoreError::Other(message)) => {
            assert!(message.contains("update govcheck"), "{message}");
        }
        other => panic!("expected a request to update: {:?}", other.err()),
    }
    assert!(
        cached_copies(&s.path("cache")).is_empty(),
        "nothing cached of a refused answer"
    );
}

/// The files named `name` under the client's cache root (one directory per server).
fn cached(root: &std::path::Path, name: &str) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(root.join("registry"))
        .map(|dirs| {
            dirs.filter_map(Result::ok)
                .map(|d| d.path().join(name))
                .filter(|p| p.exists())
                .collect()
        })
        .unwrap_or_default()
}

fn cached_copies(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    cached(root, "registry.snapshot")
}

/// The offline copy earlier versions kept (`registry.ckpt`, the local store's
/// checkpoint codec) is discarded, never read and never fatal: offline there is simply
/// no copy; online the registry is fetched afresh and kept as the typed snapshot. A
/// damaged copy goes the same way; one of a newer format is left for its version.
#[test]
fn an_old_format_or_damaged_cache_is_discarded_and_the_registry_fetched_afresh() {
    let (s, sup, _, _) = setup();
    let root = s.path("client-cache");
    let srv = start(&s, "127.0.0.1:0");
    let first = RemoteStore::new(&srv.url, &sup, None, &root)
        .expect("client")
        .load()
        .expect("load");
    let copy = cached_copies(&root).pop().expect("the copy is cached");
    let dir = copy.parent().expect("dir").to_path_buf();
    assert_eq!(srv.requests("GET /api/v1/checkpoint"), 1);

    // The same registry in the format of earlier versions, with its feed position.
    let old = checkpoint::encode(
        &first.registry,
        &checkpoint::Position {
            journal_len: 0,
            seq: first.seq,
            lines: 0,
            last_line_len: 0,
            last_line_crc: 0,
        },
    );
    std::fs::remove_file(&copy).expect("remove copy");
    std::fs::write(dir.join("registry.ckpt"), &old).expect("old cache");
    assert!(dir.join("feed.json").exists());
    let again = RemoteStore::new(&srv.url, &sup, None, &root)
        .expect("client")
        .load()
        .expect("load over an old cache");
    assert_eq!(again.registry.accounts(), first.registry.accounts());
    assert_eq!(again.registry.findings(), first.registry.findings());
    assert_eq!(again.seq, first.seq);
    assert_eq!(
        srv.requests("GET /api/v1/checkpoint"),
        2,
        "fetched afresh, not read from the old file"
    );
    assert!(!dir.join("registry.ckpt").exists(), "the old file is gone");
    assert!(copy.exists(), "kept as the snapshot");

    // Offline: an old copy is no copy (the link's error), and is deleted.
    let url = srv.url.clone();
    drop(srv);
    std::fs::remove_file(&copy).expect("remove copy");
    std::fs::write(dir.join("registry.ckpt"), &old).expect("old cache");
    let err = RemoteStore::new(&url, &sup, None, &root)
        .expect("client")
        .load()
        .map(|_| ())
        .expect_err("offline without a readable copy");
    assert!(matches!(err, StoreError::Unreachable { .. }), "{err}");
    assert!(!dir.join("registry.ckpt").exists(), "the old file is gone");

    // A damaged copy: deleted; a newer one: left alone. Neither is used.
    std::fs::write(&copy, b"\x01\xff\xff\xff").expect("damaged");
    let err = RemoteStore::new(&url, &sup, None, &root)
        .expect("client")
        .load()
        .map(|_| ())
        .expect_err("offline with a damaged copy");
    assert!(matches!(err, StoreError::Unreachable { .. }), "{err}");
    assert!(!copy.exists(), "the damaged copy is gone");
    let mut newer = RegistrySnapshot::of(&first.registry, first.seq).encode();
    newer[0] = snapshot::FORMAT as u8 + 1;
    std::fs::write(&copy, &newer).expect("newer");
    let err = RemoteStore::new(&url, &sup, None, &root)
        .expect("client")
        .load()
        .map(|_| ())
        .expect_err("offline with a newer copy");
    assert!(matches!(err, StoreError::Unreachable { .. }), "{err}");
    assert!(copy.exists(), "a newer copy is left for its version");
}
