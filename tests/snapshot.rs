//! The typed, versioned registry snapshot `GET /api/v1/checkpoint` sends
//! (`govcheck_api::snapshot`): what goes in comes back out, events and their actors,
//! versions, contacts and reminders included; a newer format is refused saying to
//! update; damaged bytes are refused, never a panic or an allocation they cannot back.

use chrono::DateTime;
use govcheck::api::snapshot::{self, FORMAT, RegistrySnapshot, SnapshotError};
use govcheck::domain::Registry;
use govcheck::domain::event::{Actor, Channel, Claimed, Event, EventKind};
use govcheck::domain::indicator::Catalogue;
use govcheck::domain::published::PublishedAccount;
use govcheck::domain::registry::Change;
use govcheck::domain::round::{Round, RoundMode};
use govcheck::store::RegistrySource;
use govcheck::store::demo::{create_demo_store, published_notice};
use govcheck::store::import::ImportContext;
use proptest::prelude::*;

/// The demo registry (regions, accounts, rounds, findings, a published notice), plus
/// what the demo lacks: an account's contact and phone, a sample round with its
/// inspected list, and one finding taken through every kind of event, by actors the
/// server saw (peer) and who claimed things about themselves.
fn registry() -> &'static (Registry, u64) {
    static REG: std::sync::OnceLock<(Registry, u64)> = std::sync::OnceLock::new();
    REG.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tmp");
        let cat = Catalogue::builtin();
        let ctx = ImportContext {
            catalogue: &cat,
            tz: chrono_tz::Asia::Shanghai,
            actor: Actor {
                name: "测试".into(),
                ..Actor::default()
            },
            now: DateTime::parse_from_rfc3339("2022-04-01T09:00:00+08:00").expect("now"),
            reported_at: None,
        };
        let (store, _) = create_demo_store(&dir.path().join("s"), &ctx).expect("demo");
        let snap = store.load().expect("load");
        let mut reg = snap.registry;
        assert!(reg.findings().len() > 1, "the demo has findings");

        let mut a = reg.accounts()[0].clone();
        a.contact = Some("陈孝渝".into());
        a.phone = Some("0971-8177175".into());
        a.supervisor_unit = Some("省政府办公厅".into());
        let sample = Round {
            id: "2022S1".into(),
            title: "抽查".into(),
            period_start: "2022-04-01".parse().expect("date"),
            period_end: "2022-04-30".parse().expect("date"),
            monitoring_point: "2022-04-30".parse().expect("date"),
            mode: RoundMode::Sample,
            deadline: Some("2022-05-31".parse().expect("date")),
            note: Some("抽查批次".into()),
        };
        let inspected = Change::Inspected {
            round: "2022S1".into(),
            accounts: reg.accounts()[..3].iter().map(|a| a.id.clone()).collect(),
        };
        let finding = reg.findings()[0].id.clone();
        let at = |t: &str| DateTime::parse_from_rfc3339(t).expect("time");
        let served = Actor {
            name: "张三".into(),
            peer: Some("10.1.2.3".into()),
            claimed: Some(Claimed {
                os_user: Some("zhangsan".into()),
                ssh_client: Some("10.9.9.9 5000 22".into()),
            }),
            ..Actor::default()
        };
        let local = Actor {
            name: "李四".into(),
            os_user: Some("lisi".into()),
            ssh_client: Some("10.8.8.8 6000 22".into()),
            ..Actor::default()
        };
        let kinds = [
            (
                EventKind::RectificationReported,
                "2022-04-02T10:00:00+08:00",
            ),
            (EventKind::Rejected, "2022-04-03T10:00:00.5+08:00"),
            (
                EventKind::DeadlineExtended {
                    to: "2022-06-30".parse().expect("date"),
                },
                "2022-04-04T10:00:00Z",
            ),
            (
                EventKind::Reminded {
                    channel: Channel::Phone,
                    request: Some("0f3a-k1".into()),
                },
                "2022-04-05T10:00:00-05:00",
            ),
            (
                EventKind::RectificationReported,
                "2022-04-06T10:00:00+08:00",
            ),
            (EventKind::Verified, "2022-04-07T10:00:00+08:00"),
            (EventKind::Reopened, "2022-04-08T10:00:00+08:00"),
            (
                EventKind::reminded(Channel::Document),
                "2022-04-09T10:00:00+08:00",
            ),
            (EventKind::Waived, "2022-04-10T10:00:00+08:00"),
        ];
        let mut notice = published_notice();
        notice.accounts.push(PublishedAccount {
            region: Some("舟山市".into()),
            platform: "政府网站".into(),
            name: "某某网".into(),
            host_unit: "某某局".into(),
            passed: false,
            problem: "首页栏目长期未更新".into(),
            score: Some("55".into()),
        });
        let mut changes = vec![
            Change::Account(a),
            Change::Round(sample),
            inspected,
            Change::Notice(notice),
        ];
        for (i, (kind, t)) in kinds.into_iter().enumerate() {
            changes.push(Change::Event(Event {
                finding: finding.clone(),
                kind,
                at: at(t),
                by: if i % 2 == 0 {
                    served.clone()
                } else {
                    local.clone()
                },
                note: (i % 3 != 0).then(|| format!("第{i}次")),
            }));
        }
        reg.apply_all(changes).expect("the extra changes apply");
        (reg, snap.seq + 1)
    })
}

/// Everything a registry holds that the snapshot carries, for comparing two.
fn same(a: &Registry, b: &Registry) {
    assert_eq!(a.regions(), b.regions(), "regions");
    assert_eq!(a.accounts(), b.accounts(), "accounts");
    assert_eq!(a.rounds(), b.rounds(), "rounds");
    assert_eq!(a.findings(), b.findings(), "findings");
    for r in a.rounds() {
        assert_eq!(a.inspected_ids(&r.id), b.inspected_ids(&r.id), "{}", r.id);
        assert_eq!(a.notice(&r.id), b.notice(&r.id), "notice of {}", r.id);
    }
    for i in 0..a.findings().len() {
        assert_eq!(
            a.history(i),
            b.history(i),
            "history of {}",
            a.findings()[i].id
        );
        assert_eq!(a.state(i), b.state(i), "state of {}", a.findings()[i].id);
    }
}

#[test]
fn a_registry_comes_back_from_its_snapshot_as_it_went_in() {
    let (reg, seq) = registry();
    let bytes = RegistrySnapshot::of(reg, *seq).encode();
    let (back, back_seq) = snapshot::registry_of(&bytes).expect("decodes");
    assert_eq!(back_seq, *seq);
    same(reg, &back);
    // What the extra changes put in really is there (so the comparison covered it).
    let a = back.account(&reg.accounts()[0].id).expect("account");
    assert_eq!(a.contact.as_deref(), Some("陈孝渝"));
    assert_eq!(a.phone.as_deref(), Some("0971-8177175"));
    assert_eq!(back.inspected_ids("2022S1").len(), 3);
    assert!(
        back.rounds()
            .iter()
            .filter_map(|r| back.notice(&r.id))
            .any(|n| !n.accounts.is_empty() && !n.rows.is_empty()),
        "the published notice"
    );
    let history = back.history(0);
    assert_eq!(history.len(), 10, "reported and the nine added");
    assert!(
        history
            .iter()
            .any(|e| e.by.claimed.is_some() && e.by.peer.is_some())
    );
    assert_eq!(
        history[3].at.to_rfc3339(),
        "2022-04-04T10:00:00+00:00",
        "the writer's offset"
    );
    assert!(
        back.state(0).version > 1,
        "versions derived from the history"
    );
    assert_eq!(
        govcheck::domain::event::last_reminded(history).map(|e| &e.kind),
        Some(&EventKind::reminded(Channel::Document))
    );
    // And it encodes to the same bytes again.
    assert_eq!(RegistrySnapshot::of(&back, back_seq).encode(), bytes);
}

#[test]
fn a_snapshot_of_a_newer_format_is_refused_saying_to_update() {
    let (reg, seq) = registry();
    let mut bytes = RegistrySnapshot::of(reg, *seq).encode();
    assert_eq!(bytes[0], FORMAT as u8, "the format number comes first");
    bytes[0] = FORMAT as u8 + 1;
    assert_eq!(snapshot::format_of(&bytes), Ok(FORMAT + 1));
    let err = snapshot::registry_of(&bytes).expect_err("newer");
    assert_eq!(
        err,
        SnapshotError::Newer {
            found: FORMAT + 1,
            supported: FORMAT
        }
    );
    assert!(err.to_string().contains("update govcheck"), "{err}");
    // Far newer, with a body this version could never read: the same clear refusal,
    // not a complaint about the body.
    let far = [0xff, 0xff, 0x03, 1, 2, 3];
    assert!(matches!(
        snapshot::registry_of(&far),
        Err(SnapshotError::Newer { found: 65535, .. })
    ));
    assert!(matches!(
        snapshot::registry_of(&[0]),
        Err(SnapshotError::Unknown { found: 0 })
    ));
}

#[test]
fn a_snapshot_cut_anywhere_or_with_bytes_after_it_is_refused() {
    let (reg, seq) = registry();
    let bytes = RegistrySnapshot::of(reg, *seq).encode();
    // Every cut in the head (format, seq, the first region) and the tail, and 300
    // spread over the rest: decoding up to each cut is the test's cost.
    let n = bytes.len();
    let cuts = (0..64.min(n))
        .chain((0..300).map(|i| i * n / 300))
        .chain(n.saturating_sub(64)..n);
    for cut in cuts {
        assert!(
            snapshot::registry_of(&bytes[..cut]).is_err(),
            "cut at {cut} of {n}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        snapshot::registry_of(&longer),
        Err(SnapshotError::Damaged(_))
    ));
}

#[test]
fn a_snapshot_that_does_not_fit_together_is_refused() {
    let (reg, seq) = registry();
    let mut snap = RegistrySnapshot::of(reg, *seq);
    snap.accounts[0].region = "999999".into();
    let err = snapshot::registry_of(&snap.encode()).expect_err("unknown region");
    assert!(matches!(err, SnapshotError::Inconsistent(_)), "{err}");
    let mut snap = RegistrySnapshot::of(reg, *seq);
    snap.findings[0].events[0].at.offset = 100_000;
    let err = snapshot::registry_of(&snap.encode()).expect_err("bad offset");
    assert!(matches!(err, SnapshotError::Damaged(_)), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Bytes changed anywhere: refused or read, never a panic.
    #[test]
    fn damaged_snapshots_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)
    ) {
        let (reg, seq) = registry();
        let mut bytes = RegistrySnapshot::of(reg, *seq).encode();
        for (at, v) in flips {
            let i = at.index(bytes.len());
            bytes[i] = v;
        }
        let _ = snapshot::registry_of(&bytes);
    }

    /// Random bytes, huge counts among them, are refused without reserving what they
    /// claim.
    #[test]
    fn random_bytes_are_refused(mut b in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Some(first) = b.first_mut() {
            *first = FORMAT as u8;
        }
        let _ = snapshot::registry_of(&b);
    }
}
