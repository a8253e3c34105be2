//! Durability of the local store: a torn last line from a crash, a damaged journal,
//! concurrent writers from several processes, stale versions, and a writer killed at
//! random moments. The journal's own cases (torn and damaged lines, the checkpoint,
//! pending posts) run on a journal store directory through the library, as `migrate`
//! reads one; the cases through the command line run on the SQLite registry every
//! command now opens.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::DateTime;
use common::{BIN, Sandbox};
use govcheck::domain::event::{Actor, Event, EventKind, Status};
use govcheck::store::{LocalStore, RegistrySource, StoreError};

/// The demo as a journal store directory (format 1) in the sandbox's store: written
/// by `init --demo`, moved by `migrate`.
fn journal_demo(s: &Sandbox) {
    s.demo();
    to_journal(s);
}

/// Replace the sandbox's SQLite store by the same registry as a journal store.
fn to_journal(s: &Sandbox) {
    let j = s.path("journal-store");
    s.ok(&[
        "migrate",
        "--from",
        s.store().to_str().expect("path"),
        "--to",
        j.to_str().expect("path"),
    ]);
    std::fs::remove_dir_all(s.store()).expect("rm");
    std::fs::rename(&j, s.store()).expect("mv");
}

/// The journal's bytes.
fn journal(s: &Sandbox) -> Vec<u8> {
    std::fs::read(s.store().join("journal.jsonl")).expect("journal")
}

/// The journal store's findings, in order.
fn journal_findings(s: &Sandbox) -> Vec<String> {
    let store = LocalStore::open(&s.store()).expect("open");
    let snap = store.load().expect("load");
    snap.registry
        .findings()
        .iter()
        .map(|f| f.id.clone())
        .collect()
}

/// Record `kind` with `note` on `id` in the journal store, as one writer.
fn record(s: &Sandbox, id: &str, kind: EventKind, note: &str) -> Result<u64, StoreError> {
    let mut e = event(id, kind);
    e.note = Some(note.into());
    LocalStore::open(&s.store())?.append_events(vec![(e, None)])
}

fn findings(s: &Sandbox) -> Vec<String> {
    s.ok(&["findings", "--round", "2022Q1", "--format", "csv"])
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next().map(String::from))
        .collect()
}

/// Every line of the journal is complete and the sequence has no gaps; for the SQLite
/// registry, the batches' sequence has no gaps.
fn assert_journal_clean(s: &Sandbox) {
    if govcheck::store::sqlite::locate(&s.store()).is_some() {
        let seqs: Vec<u64> = common::open_store(&s.store())
            .batches_since(0)
            .expect("batches")
            .iter()
            .map(|b| b.seq)
            .collect();
        let want: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(seqs, want, "sequence has no gaps");
        return;
    }
    let j = journal(s);
    assert_eq!(j.last(), Some(&b'\n'), "journal ends with a complete line");
    let text = String::from_utf8(j).expect("utf8");
    for (i, line) in text.lines().enumerate() {
        let json = &line[9..];
        let v: serde_json::Value = serde_json::from_str(json).expect("valid line");
        assert_eq!(
            v["seq"].as_u64(),
            Some(i as u64 + 1),
            "sequence has no gaps"
        );
    }
}

#[test]
fn a_torn_last_line_is_ignored_then_cut_by_the_next_writer() {
    let s = Sandbox::new();
    journal_demo(&s);
    let before = everything(&s);
    let jpath = s.store().join("journal.jsonl");
    let mut j = journal(&s);
    j.extend_from_slice(b"0badc0de {\"seq\":3,\"at\":\"2026-");
    std::fs::write(&jpath, &j).expect("write");
    assert_eq!(before, everything(&s));
    let id = &journal_findings(&s)[0];
    record(&s, id, EventKind::Verified, "after crash").expect("write after the crash");
    assert_journal_clean(&s);
    assert!(everything(&s).contains("after crash"));
}

#[test]
fn a_damaged_line_in_the_middle_is_refused_with_its_line() {
    let s = Sandbox::new();
    journal_demo(&s);
    let id = &journal_findings(&s)[0];
    record(&s, id, EventKind::RectificationReported, "done").expect("write");
    let jpath = s.store().join("journal.jsonl");
    let text = String::from_utf8(journal(&s)).expect("utf8");
    let damaged = text.replacen("\"seq\":2", "\"seq\":2 ", 1);
    assert_ne!(damaged, text);
    std::fs::write(&jpath, damaged).expect("write");
    let err = LocalStore::open(&s.store())
        .expect("open")
        .load()
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains("journal.jsonl, line 2") && err.contains("checksum"),
        "{err}"
    );
    let err = record(&s, id, EventKind::Verified, "x")
        .expect_err("refused")
        .to_string();
    assert!(err.contains("line 2"), "{err}");
    // `migrate`, the one command that reads a journal store, says the same.
    let err = s.fails(&[
        "migrate",
        "--from",
        s.store().to_str().expect("path"),
        "--to",
        s.path("out").to_str().expect("path"),
    ]);
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn concurrent_writers_from_many_processes_all_land_in_order() {
    let s = Sandbox::new();
    s.demo();
    let ids = findings(&s);
    assert_eq!(ids.len(), 14);
    let children: Vec<_> = ids
        .iter()
        .map(|id| {
            s.cmd()
                .arg("--data")
                .arg(s.store())
                .args(["verify", id, "--note", &format!("复核 {id}")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let verified = s.ok(&[
        "findings", "--round", "2022Q1", "--status", "verified", "--format", "csv",
    ]);
    assert_eq!(verified.lines().count(), 15, "{verified}");
    assert_journal_clean(&s);
}

#[test]
fn two_supervisors_verifying_one_finding_exactly_one_wins() {
    let s = Sandbox::new();
    s.demo();
    let id = findings(&s)[3].clone();
    let spawn = || {
        s.cmd()
            .arg("--data")
            .arg(s.store())
            .args(["verify", &id])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let ra = a.wait_with_output().expect("a");
    let rb = b.wait_with_output().expect("b");
    assert_eq!(
        [ra.status.success(), rb.status.success()]
            .iter()
            .filter(|x| **x)
            .count(),
        1,
        "a: {} b: {}",
        String::from_utf8_lossy(&ra.stderr),
        String::from_utf8_lossy(&rb.stderr)
    );
    let hist = s.ok(&["history", &id, "--format", "csv"]);
    assert_eq!(hist.matches(",verified,").count(), 1, "{hist}");
}

fn event(finding: &str, kind: EventKind) -> Event {
    Event {
        finding: finding.into(),
        kind,
        at: DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").expect("t"),
        by: Actor {
            name: "甲".into(),
            ..Actor::default()
        },
        note: None,
    }
}

#[test]
fn a_stale_version_is_a_conflict_and_writes_nothing() {
    let s = Sandbox::new();
    journal_demo(&s);
    let store = LocalStore::open(&s.store()).expect("open");
    let snap = store.load().expect("load");
    let f = snap.registry.findings()[0].id.clone();
    let idx = snap.registry.finding_index(&f).expect("idx");
    let seen = snap.registry.state(idx).version;
    store
        .append_events(vec![(
            event(&f, EventKind::RectificationReported),
            Some(seen),
        )])
        .expect("first writer");
    let before = journal(&s);
    match store.append_events(vec![(event(&f, EventKind::Verified), Some(seen))]) {
        Err(StoreError::Conflict {
            expected, actual, ..
        }) => {
            assert_eq!((expected, actual), (seen, seen + 1));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(before, journal(&s));
    let after = store.load().expect("load");
    assert_eq!(after.registry.state(idx).status, Status::Rectified);
    assert!(store.change_token().expect("token") > 0);
}

#[test]
fn a_writer_killed_at_any_moment_leaves_a_readable_store() {
    let s = Sandbox::new();
    s.ok(&["init", "--root-name", "浙江省", "--root-code", "330000"]);
    let mut big = String::from("id,name,platform,region,host_unit\n");
    for i in 0..20_000 {
        big.push_str(&format!("k-{i},账号{i},微信公众号,杭州市,杭州市某局{i}\n"));
    }
    let p = s.write("big.csv", &big);
    for delay_ms in [5u64, 20, 40, 80, 160] {
        let mut child = Command::new(BIN)
            .env("GOVCHECK_CONFIG_DIR", s.path("config"))
            .arg("--data")
            .arg(s.store())
            .arg("import")
            .arg(&p)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let n = s.ok(&["accounts", "--format", "csv"]).lines().count() - 1;
        assert!(
            n == 0 || n == 20_000,
            "all or nothing, got {n} after {delay_ms} ms"
        );
    }
    s.ok(&["import", p.to_str().expect("p")]);
    assert_eq!(
        s.ok(&["accounts", "--format", "csv"]).lines().count() - 1,
        20_000
    );
    assert_journal_clean(&s);
}

/// Everything the registry holds, as text: regions, accounts, rounds with their sample
/// lists and summaries, findings with their derived state and full history.
fn everything(s: &Sandbox) -> String {
    let store = LocalStore::open(&s.store()).expect("open");
    describe(&store.load().expect("load"))
}

/// Everything a snapshot holds, as text to compare.
fn describe(snap: &govcheck::store::Snapshot) -> String {
    let reg = &snap.registry;
    let cat = govcheck::domain::indicator::Catalogue::builtin();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let mut out = format!("seq {}\n", snap.seq);
    out.push_str(&serde_json::to_string(reg.regions()).expect("json"));
    out.push_str(&serde_json::to_string(reg.accounts()).expect("json"));
    for r in reg.rounds() {
        out.push_str(&serde_json::to_string(r).expect("json"));
        let list = reg.inspected_ids(&r.id);
        out.push_str(&format!("{list:?}"));
        let sum = govcheck::domain::figures::summarize(reg, &cat, &r.id, reg.tree().root(), as_of)
            .expect("summary");
        out.push_str(&serde_json::to_string(&sum).expect("json"));
    }
    for (i, f) in reg.findings().iter().enumerate() {
        out.push_str(&serde_json::to_string(f).expect("json"));
        out.push_str(&format!("{:?}", reg.state(i)));
        out.push_str(&serde_json::to_string(reg.history(i)).expect("json"));
    }
    out
}

/// Equal, or a short excerpt around the first difference (the texts are megabytes).
fn same(a: &str, b: &str, what: &str) {
    if a != b {
        let at = a
            .bytes()
            .zip(b.bytes())
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let lo = a.floor_char_boundary(at.saturating_sub(200));
        let hi_a = a.ceil_char_boundary((at + 200).min(a.len()));
        let hi_b = b.ceil_char_boundary((at + 200).min(b.len()));
        panic!(
            "{what}: differ at byte {at}:\n{}\n---\n{}",
            &a[lo..hi_a],
            &b[lo.min(b.len())..hi_b]
        );
    }
}

#[test]
fn a_checkpoint_gives_exactly_what_a_full_replay_gives() {
    let s = Sandbox::new();
    s.ok(&[
        "demo",
        "--accounts",
        "20000",
        "--out",
        s.store().to_str().expect("p"),
    ]);
    to_journal(&s);
    let ck = s.store().join("checkpoint.bin");
    let journal_len = journal(&s).len();
    assert!(
        journal_len > 4 * 1024 * 1024,
        "the dataset must be big enough to checkpoint: {journal_len}"
    );
    let first = everything(&s);
    assert!(ck.exists(), "a load of a large journal writes a checkpoint");
    same(&first, &everything(&s), "loaded through the checkpoint");
    std::fs::remove_file(&ck).expect("rm");
    same(&first, &everything(&s), "full replay");

    // New events after the checkpoint are replayed on top of it.
    let id = {
        let snap = LocalStore::open(&s.store())
            .expect("open")
            .load()
            .expect("load");
        let reg = &snap.registry;
        (0..reg.findings().len())
            .find(|&i| reg.findings()[i].round == "2026Q1" && reg.state(i).status == Status::Open)
            .map(|i| reg.findings()[i].id.clone())
            .expect("an open finding")
    };
    assert!(ck.exists());
    record(&s, &id, EventKind::Verified, "after the checkpoint").expect("verify");
    let with_tail = everything(&s);
    assert!(with_tail.contains("after the checkpoint"));
    std::fs::remove_file(&ck).expect("rm");
    same(&with_tail, &everything(&s), "tail after the checkpoint");

    // A damaged checkpoint is ignored, not trusted.
    let mut bytes = std::fs::read(&ck).expect("rewritten");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    bytes.truncate(bytes.len() - 3);
    std::fs::write(&ck, &bytes).expect("w");
    same(&with_tail, &everything(&s), "damaged checkpoint");
    // A checkpoint no longer matching the journal (here: the journal lost its last
    // line, which the checkpoint covered) is ignored too.
    assert!(ck.exists());
    let jpath = s.store().join("journal.jsonl");
    let mut j = journal(&s);
    let last_nl = j[..j.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .expect("lines");
    j.truncate(last_nl + 1);
    std::fs::write(&jpath, &j).expect("w");
    let state = everything(&s);
    assert!(
        !state.contains("after the checkpoint"),
        "the journal's state, not the checkpoint's"
    );
}

/// A long-running reader (the server, a console) keeps its registry in memory and
/// catches up by reading only what others appended. It must see exactly what a fresh
/// reader sees: other handles' writes, a torn tail left by a crash, and a journal
/// replaced under it (a restore), which is read afresh rather than extended.
#[test]
fn a_cached_reader_catches_up_with_other_writers_torn_tails_and_restores() {
    let s = Sandbox::new();
    journal_demo(&s);
    let reader = LocalStore::open(&s.store()).expect("open");
    let other = LocalStore::open(&s.store()).expect("open");
    let snap = reader.load().expect("load");
    let ids: Vec<String> = snap.registry.findings()[..3]
        .iter()
        .map(|f| f.id.clone())
        .collect();
    let backup = journal(&s);

    // Another handle (as another process would) records two events.
    for id in &ids[..2] {
        other
            .append_events(vec![(event(id, EventKind::RectificationReported), None)])
            .expect("other writer");
    }
    let caught = reader.load().expect("catch up");
    assert_eq!(caught.seq, snap.seq + 2);
    same(
        &describe(&caught),
        &everything(&s),
        "caught up with another writer",
    );
    let idx = caught.registry.finding_index(&ids[1]).expect("idx");
    assert_eq!(caught.registry.state(idx).status, Status::Rectified);

    // The cached reader's own write is checked against the other handle's: stale
    // versions conflict.
    let seen = snap.registry.state(idx).version;
    match reader.append_events(vec![(event(&ids[1], EventKind::Verified), Some(seen))]) {
        Err(StoreError::Conflict { actual, .. }) => assert_eq!(actual, seen + 1),
        other => panic!("expected a conflict, got {other:?}"),
    }

    // A crash left half a line: the reader ignores it, and its next write cuts it off.
    let jpath = s.store().join("journal.jsonl");
    let mut torn = journal(&s);
    torn.extend_from_slice(b"0badc0de {\"seq\":99,\"at\":");
    std::fs::write(&jpath, &torn).expect("write");
    assert_eq!(reader.load().expect("load").seq, snap.seq + 2);
    reader
        .append_events(vec![(event(&ids[2], EventKind::Verified), None)])
        .expect("write after crash");
    assert_journal_clean(&s);
    let mine = reader.load().expect("load");
    assert_eq!(mine.seq, snap.seq + 3);
    same(&describe(&mine), &everything(&s), "after the torn tail");

    // Restore the backup by renaming a copy over the journal: a new file, shorter.
    let tmp = s.store().join("journal.restore");
    std::fs::write(&tmp, &backup).expect("write");
    std::fs::rename(&tmp, &jpath).expect("rename");
    let restored = reader.load().expect("load");
    assert_eq!(restored.seq, snap.seq);
    same(&describe(&restored), &everything(&s), "after the restore");
    let idx = restored.registry.finding_index(&ids[2]).expect("idx");
    assert_eq!(restored.registry.state(idx).status, Status::Open);
}

/// The change feed's `batches_since` gives exactly the batches after `since`, whether
/// it finds them from its own recent writes, from another handle's, or by searching
/// the journal for an old sequence number.
#[test]
fn batches_since_gives_exactly_the_later_batches_from_any_point() {
    let s = Sandbox::new();
    journal_demo(&s);
    let feed = LocalStore::open(&s.store()).expect("open");
    let other = LocalStore::open(&s.store()).expect("open");
    let snap = feed.load().expect("load");
    let ids: Vec<String> = snap.registry.findings()[..4]
        .iter()
        .map(|f| f.id.clone())
        .collect();
    for (i, id) in ids.iter().enumerate() {
        let writer = if i % 2 == 0 { &feed } else { &other };
        writer
            .append_events(vec![(event(id, EventKind::RectificationReported), None)])
            .expect("write");
    }
    let last = snap.seq + 4;
    let all = LocalStore::open(&s.store())
        .expect("open")
        .batches_since(0)
        .expect("all");
    assert_eq!(all.0, last);
    assert_eq!(all.1.len() as u64, last);
    for since in [
        0,
        1,
        snap.seq - 1,
        snap.seq,
        snap.seq + 1,
        snap.seq + 3,
        last,
        last + 5,
    ] {
        for reader in [&feed, &other] {
            let (seq, batches) = reader.batches_since(since).expect("since");
            assert_eq!(seq, last, "since {since}");
            let want: Vec<u64> = (since + 1..=last).collect();
            let got: Vec<u64> = batches.iter().map(|b| b.seq).collect();
            assert_eq!(got, want, "since {since}");
        }
    }
    let (_, tail) = feed.batches_since(snap.seq + 3).expect("tail");
    assert_eq!(
        serde_json::to_string(&tail[0].changes).expect("json"),
        serde_json::to_string(&all.1[all.1.len() - 1].changes).expect("json")
    );
}

#[test]
fn an_over_long_note_is_refused_by_the_store_and_nothing_is_written() {
    let s = Sandbox::new();
    s.demo();
    let id = findings(&s)[0].clone();
    let journal = s.contents();
    let note = "注".repeat(govcheck::domain::limits::MAX_NOTE_CHARS + 1);
    let err = s.fails(&["verify", &id, "--note", &note]);
    assert!(err.contains("note is 4001 characters long"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(journal, s.contents(), "nothing written");
    // The store itself refuses it, whichever edge the event came from.
    let store = common::open_store(&s.store());
    let mut e = event(&id, EventKind::Verified);
    e.note = Some(note);
    assert!(matches!(
        store.append_events(vec![(e, None)]),
        Err(StoreError::TooLong(_))
    ));
    assert_eq!(journal, s.contents(), "nothing written");
}

/// The posts file an import wrote for batch N (`posts.tsv.pending-N`) is the store's
/// posts file only once the journal holds batch N: readers use it then, and the next
/// writer puts it in place; without its batch it is ignored and deleted.
#[test]
fn a_pending_posts_file_counts_only_when_its_batch_is_committed() {
    let s = Sandbox::new();
    journal_demo(&s);
    let store = LocalStore::open(&s.store()).expect("open");
    let seq = store.load().expect("load").seq;
    let before = store.posts().expect("posts").by_account;
    let dir = s.store();
    let uncommitted = dir.join(format!("posts.tsv.pending-{}", seq + 1));
    std::fs::write(&uncommitted, "# govcheck posts v1\nghost\t1:480\n").expect("write");
    assert_eq!(store.posts().expect("posts").by_account, before, "ignored");
    assert!(!String::from_utf8_lossy(&store.posts_bytes().expect("bytes")).contains("ghost"));
    let id = journal_findings(&s)[0].clone();
    record(&s, &id, EventKind::Verified, "ok").expect("verify");
    assert!(!uncommitted.exists(), "the next writer deletes it");
    assert_eq!(store.posts().expect("posts").by_account, before);

    // A committed one (its writer died before renaming it): read, then put in place.
    let seq = store.load().expect("load").seq;
    let committed = dir.join(format!("posts.tsv.pending-{seq}"));
    std::fs::write(&committed, "# govcheck posts v1\nkept\t1:480\n").expect("write");
    let posts = store.posts().expect("posts").by_account;
    assert_eq!(posts.keys().collect::<Vec<_>>(), ["kept"]);
    record(&s, &id, EventKind::Reopened, "again").expect("reopen");
    assert!(!committed.exists(), "put in place");
    assert_eq!(
        std::fs::read_to_string(dir.join("posts.tsv")).expect("posts"),
        "# govcheck posts v1\nkept\t1:480\n"
    );
}
