//! Registry server benchmark on the 150,000-account national dataset (run the `core`
//! bench first, which builds it under target/bench-data), over loopback:
//!
//! - the summary endpoint under 50 concurrent clients: latency p50/p99;
//! - 1,000 remediation events from 20 concurrent clients: all durable, in order;
//! - a console's start against the server (the remote client's load).
//!
//! `GOVCHECK_BENCH_STORE=DIR` picks another store. The store is copied to a temporary
//! directory first; the original is never written.

/// The allocator of the `govcheck` binary, so the figures are the product's.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use govcheck::domain::indicator::Catalogue;
use govcheck::server::auth::{Role, Tokens};
use govcheck::server::{AppState, router};
use govcheck::store::remote::RemoteStore;
use govcheck::store::{LocalStore, RegistrySource};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    // reqwest is built without a crypto provider; the bench's own clients use ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let src = std::env::var_os("GOVCHECK_BENCH_STORE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/bench-data/core-n150000-s42-v1/store"));
    if !src.join("store.json").exists() {
        eprintln!(
            "server bench: no store at {} (run `cargo bench --bench core` first)",
            src.display()
        );
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("store");
    copy_dir(&src, &dir);
    let tokens_path = tmp.path().join("tokens.json");
    let mut tokens = Tokens::load(&tokens_path).expect("tokens");
    let now = chrono::Utc::now().fixed_offset();
    let token = tokens
        .create("bench", Role::Admin, None, now)
        .expect("token");
    let store = LocalStore::open(&dir).expect("open");
    let round = store
        .load()
        .expect("load")
        .registry
        .latest_round()
        .map(|r| r.id.clone())
        .expect("a round");

    // The server as `serve` runs it, with its access log on stderr (a line per request).
    let _log = govcheck::logging::to_stderr(chrono_tz::Asia::Shanghai).expect("log");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("rt");
    let state = AppState::new(
        std::sync::Arc::new(store),
        Catalogue::builtin(),
        chrono_tz::Asia::Shanghai,
        tokens,
    )
    .expect("state");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    rt.block_on(state.prewarm());
    let app = router(state);
    rt.spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    let base = format!("http://{addr}");
    println!("150k store copied to a temp dir; server on {base}; round {round}");

    // 1. Summary endpoint, 50 concurrent clients, 20 requests each. The clients are
    //    tasks on one client thread (each with its own connection), so the figure is
    //    the server's latency, not 50 client threads fighting the server for two cores.
    let url = format!("{base}/api/v1/rounds/{round}/summary");
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let mut lat: Vec<f64> = client_rt.block_on(async {
        // Clients are built first: building one loads the TLS roots, which is the
        // client's cost, not the server's.
        let clients: Vec<reqwest::Client> = (0..50).map(|_| reqwest::Client::new()).collect();
        let tasks: Vec<_> = clients
            .into_iter()
            .map(|c| {
                let (url, token) = (url.clone(), token.clone());
                tokio::spawn(async move {
                    let mut out = Vec::with_capacity(20);
                    for _ in 0..20 {
                        let t = Instant::now();
                        let r = c.get(&url).bearer_auth(&token).send().await.expect("get");
                        assert!(r.status().is_success());
                        let _ = r.bytes().await.expect("body");
                        out.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    out
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("client"));
        }
        all
    });
    // Each client's first request also opens its connection: reported apart.
    let mut first: Vec<f64> = lat.iter().step_by(20).copied().collect();
    first.sort_by(f64::total_cmp);
    println!(
        "  of which first requests (connection opened): p50 {:.1} ms, max {:.1} ms",
        pct(&first, 0.5),
        first.last().copied().unwrap_or(0.0)
    );
    lat.sort_by(f64::total_cmp);
    println!(
        "summary endpoint, 50 concurrent clients x 20 requests: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (target p99 < 50 ms)",
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0)
    );

    // 2. 1,000 events from 20 concurrent clients (deadline extensions, each on its own
    //    finding's current version), then check all are in the journal, in order.
    let c = reqwest::blocking::Client::new();
    let rounds: serde_json::Value = c
        .get(format!("{base}/api/v1/rounds"))
        .bearer_auth(&token)
        .send()
        .expect("rounds")
        .json()
        .expect("json");
    let mut items: Vec<(String, u64)> = Vec::new();
    for r in rounds.as_array().expect("rounds").iter().rev() {
        let id = r["id"].as_str().unwrap_or_default();
        let list: serde_json::Value = c
            .get(format!(
                "{base}/api/v1/findings?round={id}&status=open&per_page=1000"
            ))
            .bearer_auth(&token)
            .send()
            .expect("list")
            .json()
            .expect("json");
        items.extend(list["items"].as_array().expect("items").iter().map(|i| {
            (
                i["id"].as_str().unwrap_or_default().to_string(),
                i["version"].as_u64().unwrap_or(1),
            )
        }));
        if items.len() > 1000 {
            break;
        }
    }
    let n = items.len().min(1000);
    let t = Instant::now();
    let per = n.div_ceil(20);
    let writers: Vec<_> = items[..n]
        .chunks(per)
        .map(|chunk| {
            let (chunk, base, token) = (chunk.to_vec(), base.clone(), token.clone());
            std::thread::spawn(move || {
                let c = reqwest::blocking::Client::builder().timeout(Duration::from_secs(300)).build().expect("client");
                for (id, version) in chunk {
                    let r = c
                        .post(format!("{base}/api/v1/findings/{id}/events"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"kind": "rectification_reported", "based_on": version, "note": "bench"}))
                        .send()
                        .expect("post");
                    assert_eq!(r.status().as_u16(), 201, "{id}");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    let secs = t.elapsed().as_secs_f64();
    let store = LocalStore::open(&dir).expect("open");
    let reg = store.load().expect("load").registry;
    let recorded = items[..n]
        .iter()
        .filter(|(id, _)| {
            reg.finding_index(id).is_some_and(|i| {
                reg.history(i)
                    .iter()
                    .any(|e| e.note.as_deref() == Some("bench"))
            })
        })
        .count();
    let (_, batches) = store.batches_since(0).expect("journal");
    let in_order = batches.windows(2).all(|w| w[1].seq == w[0].seq + 1);
    println!(
        "{n} events from 20 concurrent clients: {secs:.1} s ({:.0} events/s); {recorded}/{n} in the journal; sequence without gaps: {in_order}",
        n as f64 / secs
    );
    assert_eq!(recorded, n);
    assert!(in_order);

    // 3. A console's start against the server: the remote client's first load.
    let cache = tmp.path().join("cache");
    let remote = RemoteStore::new(&base, &token, None, &cache).expect("client");
    let t = Instant::now();
    let snap = remote.load().expect("remote load");
    println!(
        "console start against the server (checkpoint + changes since, {} accounts): {:.0} ms (target < 1 s)",
        snap.registry.accounts().len(),
        t.elapsed().as_secs_f64() * 1000.0
    );

    // 4. The next start on the same host, after someone else's verify: the copy cached
    //    on disk plus the batches since (a new client, as a new process would be).
    let c = reqwest::blocking::Client::new();
    let (id, version) = &items[n];
    let r = c
        .post(format!("{base}/api/v1/findings/{id}/events"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"kind": "rectification_reported", "based_on": version}))
        .send()
        .expect("post");
    assert_eq!(r.status().as_u16(), 201);
    let again = RemoteStore::new(&base, &token, None, &cache).expect("client");
    let t = Instant::now();
    let warm = again.load().expect("remote load");
    assert_eq!(warm.seq, snap.seq + 1);
    println!(
        "console restart against the server (cached copy + 1 batch since): {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
}
