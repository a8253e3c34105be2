//! The registry snapshot `GET /api/v1/checkpoint` sends, at national scale (150,000
//! accounts of the synthetic dataset, 10 rounds with their findings and histories):
//! size on the wire and the client's decode into a registry (most of a console's first
//! frame over the API), for today's encoding (postcard), JSON of the same types
//! compressed with gzip, and the local store's checkpoint codec the wire used before.
//!
//!     cargo bench --bench snapshot
//!
//! The dataset is built once through the ordinary import into
//! `target/bench-data/snapshot-n150000-s42-v<generator>/store` and reused.
//! `GOVCHECK_BENCH_ACCOUNTS` changes the size. Figures are reported, not asserted.
//!
//! One run (2026-12-03, 2 cores shared with other builds, load average about 10;
//! medians), 150,000 accounts and 19,760 findings:
//!
//! | encoding | bytes | client: bytes to registry | server: registry to bytes |
//! |---|---|---|---|
//! | checkpoint codec (before) | 28,213,923 | 579 ms | 132 ms |
//! | postcard snapshot (chosen) | 24,149,300 | 435 ms (decode alone 216 ms) | 165 ms |
//! | postcard snapshot, gzip | 4,438,856 | — | — |
//! | JSON snapshot | 54,941,746 | — | — |
//! | JSON snapshot, gzip | 5,384,032 | 1,126 ms | 533 ms |

/// The allocator of the `govcheck` binary, so the figures are the product's.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use chrono::DateTime;
use criterion::{Criterion, criterion_group, criterion_main};
use govcheck::api::snapshot::{self, RegistrySnapshot};
use govcheck::domain::Registry;
use govcheck::domain::event::Actor;
use govcheck::domain::indicator::Catalogue;
use govcheck::store::checkpoint;
use govcheck::store::import::ImportContext;
use govcheck::store::{LocalStore, RegistrySource};
use govcheck::synthetic::{self, GENERATOR_VERSION};

fn national() -> (Registry, u64) {
    let n: usize = std::env::var("GOVCHECK_BENCH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-data")
        .join(format!("snapshot-n{n}-s42-v{GENERATOR_VERSION}"));
    let store = dir.join("store");
    if !dir.join("ready").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench data dir");
        let cat = Catalogue::builtin();
        let ctx = ImportContext {
            catalogue: &cat,
            tz: chrono_tz::Asia::Shanghai,
            actor: Actor {
                name: "bench".into(),
                ..Actor::default()
            },
            now: DateTime::parse_from_rfc3339("2026-07-01T09:00:00+08:00").expect("now"),
            reported_at: None,
        };
        synthetic::create_store(&store, synthetic::generate(n, 42), &ctx).expect("store");
        std::fs::write(dir.join("ready"), "ready\n").expect("ready");
    }
    let snap = LocalStore::open(&store)
        .expect("open")
        .load()
        .expect("load");
    (snap.registry, snap.seq)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

fn bench(c: &mut Criterion) {
    let (reg, seq) = national();
    let pos = checkpoint::Position {
        journal_len: 0,
        seq,
        lines: 0,
        last_line_len: 0,
        last_line_crc: 0,
    };
    let old = checkpoint::encode(&reg, &pos);
    let snap = RegistrySnapshot::of(&reg, seq);
    let postcard = snap.encode();
    let json = serde_json::to_vec(&snap).expect("json");
    let json_gz = gzip(&json);
    let postcard_gz = gzip(&postcard);
    println!(
        "{} accounts, {} findings; bytes on the wire:\n  checkpoint codec (before)  {:>11}\n  postcard snapshot          {:>11}\n  postcard snapshot, gzip    {:>11}\n  JSON snapshot              {:>11}\n  JSON snapshot, gzip        {:>11}",
        reg.accounts().len(),
        reg.findings().len(),
        old.len(),
        postcard.len(),
        postcard_gz.len(),
        json.len(),
        json_gz.len()
    );

    let mut g = c.benchmark_group("client: bytes to registry");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("checkpoint codec (before)", |b| {
        b.iter(|| {
            let mut r = Registry::new();
            checkpoint::load_into(&old, &mut r).expect("checkpoint");
            r
        })
    });
    g.bench_function("postcard snapshot", |b| {
        b.iter(|| snapshot::registry_of(&postcard).expect("snapshot"))
    });
    g.bench_function("postcard snapshot, decode only", |b| {
        b.iter(|| RegistrySnapshot::decode(&postcard).expect("snapshot"))
    });
    g.bench_function("JSON snapshot, gzip", |b| {
        b.iter(|| {
            let text = gunzip(&json_gz);
            let s: RegistrySnapshot<'static> = serde_json::from_slice(&text).expect("json");
            s.into_registry().expect("registry")
        })
    });
    g.finish();

    let mut g = c.benchmark_group("server: registry to bytes");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("checkpoint codec (before)", |b| {
        b.iter(|| checkpoint::encode(&reg, &pos))
    });
    g.bench_function("postcard snapshot", |b| {
        b.iter(|| RegistrySnapshot::of(&reg, seq).encode())
    });
    g.bench_function("JSON snapshot, gzip", |b| {
        b.iter(|| gzip(&serde_json::to_vec(&RegistrySnapshot::of(&reg, seq)).expect("json")))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
