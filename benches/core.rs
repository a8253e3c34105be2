//! Core benchmark at national scale: `cargo bench --bench core`.
//!
//! Generates the synthetic dataset once (150,000 accounts, 10 rounds, about 2,000,000
//! posts; `govcheck demo --accounts 150000 --csv` writes the same files) into
//! `target/bench-data/`, as CSV files, as a store (through the ordinary import) and as
//! an indexed SQLite database of the same CSV files. Then it measures, median of
//! several runs:
//!
//! - loading the store into memory and the per-region summary of one full round, apart
//!   and together, against SQLite answering the same per-province summary with a
//!   GROUP BY (the two answers are asserted identical first: comparing the speed of
//!   different answers would be worthless);
//! - reading the posts and the two-week rule over all of them, apart and together;
//! - peak memory (max RSS) of `govcheck summary` and `govcheck warnings` run as
//!   separate processes, via `/usr/bin/time -v` (as `benches/peak_rss.sh` does).
//!
//! Targets (issue): load + summary < 300 ms and no slower than SQLite; the two-week
//! rule over 2M posts < 500 ms; peak memory < 400 MB. They are reported, not asserted.
//!
//! Environment: `GOVCHECK_BENCH_ACCOUNTS` (default 150000), `GOVCHECK_BENCH_SEED` (42),
//! `GOVCHECK_BENCH_RUNS` (7), `GOVCHECK_BENCH_FRESH=1` to regenerate the cached data.

/// The allocator of the `govcheck` binary, so the figures are the product's.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate};
use govcheck::domain::event::Actor;
use govcheck::domain::figures::summarize;
use govcheck::domain::indicator::{Catalogue, IndicatorKind, PlatformKind};
use govcheck::domain::rules::silent_accounts;
use govcheck::domain::{Registry, RoundMode};
use govcheck::store::import::ImportContext;
use govcheck::store::journal;
use govcheck::store::{LocalStore, RegistrySource};
use govcheck::synthetic::{self, GENERATOR_VERSION, RoundStats};
use rusqlite::{Connection, params};

type Figures = BTreeMap<String, (u64, u64, u64)>;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn tz() -> chrono_tz::Tz {
    chrono_tz::Asia::Shanghai
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).expect("date")
}

/// `target/bench-data`, next to the profile directory this bench runs from.
fn data_root() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/release/deps/core-xxxx → target
    exe.ancestors()
        .nth(3)
        .map(|t| t.join("bench-data"))
        .unwrap_or_else(|| PathBuf::from("target/bench-data"))
}

// ------------------------------------------------------------------------ timing

struct Stat {
    median: Duration,
    min: Duration,
    max: Duration,
}

fn measure<T>(runs: usize, mut f: impl FnMut() -> T) -> (Stat, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let v = std::hint::black_box(f());
        times.push(t.elapsed());
        last = Some(v);
    }
    times.sort();
    let stat = Stat {
        median: times[times.len() / 2],
        min: times[0],
        max: times[times.len() - 1],
    };
    (stat, last.expect("at least one run"))
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

struct Report {
    rows: Vec<[String; 5]>,
}

impl Report {
    fn row(&mut self, what: &str, s: &Stat, target: &str, ok: Option<bool>) {
        let verdict = match ok {
            Some(true) => format!("{target} ok"),
            Some(false) => format!("{target} MISSED"),
            None => target.to_string(),
        };
        self.rows.push([
            what.to_string(),
            ms(s.median),
            ms(s.min),
            ms(s.max),
            verdict,
        ]);
    }
    fn print(&self) {
        println!(
            "\n{:<52} {:>10} {:>10} {:>10}  target",
            "measurement", "median ms", "min ms", "max ms"
        );
        println!("{}", "-".repeat(110));
        for r in &self.rows {
            println!(
                "{:<52} {:>10} {:>10} {:>10}  {}",
                r[0], r[1], r[2], r[3], r[4]
            );
        }
    }
}

// ----------------------------------------------------------------------- dataset

struct Data {
    csv: PathBuf,
    store: PathBuf,
    sqlite: PathBuf,
    home: PathBuf,
}

fn ensure_dataset(n: usize, seed: u64, cat: &Catalogue) -> (Data, Vec<RoundStats>, usize) {
    let dir = data_root().join(format!("core-n{n}-s{seed}-v{GENERATOR_VERSION}"));
    let data = Data {
        csv: dir.join("csv"),
        store: dir.join("store"),
        sqlite: dir.join("same-csv.sqlite"),
        home: dir.join("home"),
    };
    let ready = dir.join("ready");
    // Generation takes well under a second: the stats are always regenerated in
    // memory, the files only when missing.
    let t = Instant::now();
    let ds = synthetic::generate(n, seed);
    let generated = t.elapsed();
    let stats = ds.stats.clone();
    let fresh = std::env::var("GOVCHECK_BENCH_FRESH").is_ok_and(|v| v == "1");
    if ready.exists() && !fresh {
        println!("dataset: cached in {}", dir.display());
        return (data, stats.rounds, stats.posts);
    }
    if dir.exists() {
        fs::remove_dir_all(&dir).expect("remove old bench data");
    }
    fs::create_dir_all(&data.home).expect("bench data dir");
    println!(
        "dataset: generating {n} accounts (seed {seed}) into {}",
        dir.display()
    );
    println!("  generate in memory          {:>8} ms", ms(generated));
    let t = Instant::now();
    ds.write_csv(&data.csv).expect("write csv");
    println!("  write CSV files             {:>8} ms", ms(t.elapsed()));
    let ctx = ImportContext {
        catalogue: cat,
        tz: tz(),
        actor: Actor {
            name: "bench".into(),
            ..Actor::default()
        },
        now: DateTime::parse_from_rfc3339("2026-07-01T09:00:00+08:00").expect("now"),
        reported_at: None,
    };
    let t = Instant::now();
    let (_, timings) = synthetic::create_store(&data.store, ds, &ctx).expect("create store");
    assert!(timings.warnings.is_empty(), "{:?}", timings.warnings);
    println!(
        "  store: import base + posts  {:>8} ms\n  store: import findings x10  {:>8} ms\n  store total                 {:>8} ms",
        ms(timings.base_import),
        ms(timings.findings_import),
        ms(t.elapsed())
    );
    let t = Instant::now();
    build_sqlite(&data.csv, &data.sqlite, cat);
    println!("  SQLite: load CSV + index    {:>8} ms", ms(t.elapsed()));
    fs::write(&ready, format!("{n} {seed} {GENERATOR_VERSION}\n")).expect("ready marker");
    (data, stats.rounds, stats.posts)
}

// ------------------------------------------------------------------------ SQLite

fn cell(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn load_csv(conn: &Connection, path: &Path, table: &str) {
    let mut rdr = csv::Reader::from_path(path).expect("csv");
    let cols = rdr.headers().expect("header").len();
    let marks = vec!["?"; cols].join(",");
    let mut stmt = conn
        .prepare(&format!("INSERT INTO {table} VALUES ({marks})"))
        .expect("prepare insert");
    for rec in rdr.records() {
        let rec = rec.expect("csv record");
        let values: Vec<Option<&str>> = rec.iter().map(cell).collect();
        stmt.execute(rusqlite::params_from_iter(values))
            .expect("insert");
    }
}

/// The same CSV files in an indexed database, plus the two small dimension tables a
/// database needs to answer the question: what each problem wording means (indicator,
/// veto or deduction, points) and which platforms are websites. Problem wordings are
/// mapped through the catalogue once, at load, as an office's database would hold them.
fn build_sqlite(csv_dir: &Path, path: &Path, cat: &Catalogue) {
    let _ = fs::remove_file(path);
    let conn = Connection::open(path).expect("sqlite open");
    conn.execute_batch(
        "PRAGMA journal_mode = OFF;
         PRAGMA synchronous = OFF;
         CREATE TABLE regions (code TEXT PRIMARY KEY, name TEXT NOT NULL, parent_code TEXT,
                               province TEXT);
         CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT, platform TEXT, region TEXT NOT NULL,
                                host_unit TEXT, supervisor_unit TEXT, status TEXT,
                                opened_on TEXT, closed_on TEXT, synthetic TEXT);
         CREATE TABLE rounds (round TEXT PRIMARY KEY, title TEXT, period_start TEXT, period_end TEXT,
                              monitoring_point TEXT, mode TEXT, deadline TEXT);
         CREATE TABLE inspected (round TEXT, account TEXT, PRIMARY KEY (round, account)) WITHOUT ROWID;
         CREATE TABLE findings (round TEXT, account TEXT, problem TEXT, note TEXT);
         CREATE TABLE posts (account TEXT, published_at TEXT);
         CREATE TABLE problems (problem TEXT PRIMARY KEY, indicator TEXT, kind TEXT,
                                points INTEGER, max_points INTEGER);
         CREATE TABLE platforms (name TEXT PRIMARY KEY, kind TEXT);
         BEGIN;",
    )
    .expect("schema");
    for (file, table) in [
        ("regions.csv", "regions (code, name, parent_code)"),
        ("accounts.csv", "accounts"),
        ("rounds.csv", "rounds"),
        ("inspected.csv", "inspected"),
        ("findings.csv", "findings"),
        ("posts.csv", "posts"),
    ] {
        load_csv(&conn, &csv_dir.join(file), table);
    }
    {
        let problems: Vec<String> = conn
            .prepare("SELECT DISTINCT problem FROM findings")
            .and_then(|mut s| {
                s.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .expect("problems");
        let mut ins = conn
            .prepare("INSERT INTO problems VALUES (?1, ?2, ?3, ?4, ?5)")
            .expect("prepare");
        for p in problems {
            let ind = cat.match_problem(&p).expect("problem in catalogue");
            let kind = match ind.kind {
                IndicatorKind::Veto => "veto",
                IndicatorKind::Deduction => "deduction",
            };
            ins.execute(params![p, ind.code, kind, ind.points, ind.max_points])
                .expect("insert problem");
        }
        let mut ins = conn
            .prepare("INSERT INTO platforms VALUES (?1, ?2)")
            .expect("prepare");
        for pl in cat.platforms() {
            let kind = if pl.kind == PlatformKind::Website {
                "website"
            } else {
                "new_media"
            };
            ins.execute(params![pl.name, kind])
                .expect("insert platform");
        }
    }
    conn.execute_batch(
        "CREATE INDEX regions_parent ON regions (parent_code);
         CREATE TEMP TABLE anc AS
           WITH RECURSIVE anc (code, province) AS (
             SELECT code, code FROM regions
              WHERE parent_code = (SELECT code FROM regions WHERE parent_code IS NULL)
             UNION ALL
             SELECT r.code, anc.province FROM regions r JOIN anc ON r.parent_code = anc.code)
           SELECT code, province FROM anc;
         CREATE UNIQUE INDEX temp.anc_code ON anc (code);
         UPDATE regions SET province = (SELECT province FROM anc WHERE anc.code = regions.code);
         CREATE INDEX accounts_region ON accounts (region);
         CREATE INDEX findings_round ON findings (round, account);
         CREATE INDEX posts_account ON posts (account, published_at);
         COMMIT;
         ANALYZE;",
    )
    .expect("indexes");
}

/// Per province (children of the root): operating accounts (总量), inspected, and
/// inspected accounts that failed: a veto finding, or a website whose capped
/// deductions leave it below the pass score. The same definition as
/// `domain::figures`, written in SQL.
const SUMMARY_SQL: &str = "
WITH r AS (SELECT period_start AS s, period_end AS e, mode FROM rounds WHERE round = ?1),
f AS (
  SELECT f.account, p.indicator, p.kind, COALESCE(p.points, 0) AS points, p.max_points
    FROM findings f JOIN problems p ON p.problem = f.problem
   WHERE f.round = ?1),
ded AS (
  SELECT account, SUM(MIN(pts, cap)) AS lost FROM (
    SELECT account, indicator, SUM(points) AS pts, MAX(max_points) AS cap
      FROM f WHERE kind = 'deduction' GROUP BY account, indicator)
   GROUP BY account),
fail AS (
  SELECT account FROM f WHERE kind = 'veto'
  UNION
  SELECT d.account FROM ded d
    JOIN accounts a ON a.id = d.account
    JOIN platforms pl ON pl.name = a.platform
   WHERE pl.kind = 'website' AND MAX(?2 - d.lost, 0) < ?3),
acc AS (
  SELECT g.province AS province, a.id AS id, r.mode AS mode,
         ((a.opened_on IS NULL OR a.opened_on <= r.e)
          AND CASE WHEN a.closed_on IS NOT NULL THEN a.closed_on >= r.s
                   ELSE a.status <> 'closed' END) AS operating
    FROM accounts a JOIN regions g ON g.code = a.region, r),
counted AS (
  SELECT province, id, operating,
         CASE WHEN mode = 'full' THEN operating
              ELSE EXISTS (SELECT 1 FROM inspected i WHERE i.round = ?1 AND i.account = acc.id)
         END AS insp
    FROM acc)
SELECT province, SUM(operating), SUM(insp), SUM(insp AND id IN (SELECT account FROM fail))
  FROM counted GROUP BY province ORDER BY province";

fn sqlite_summary(conn: &Connection, round: &str, cat: &Catalogue) -> Figures {
    let mut stmt = conn.prepare_cached(SUMMARY_SQL).expect("prepare summary");
    let rows = stmt
        .query_map(params![round, cat.full_score, cat.pass_score], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, i64>(2)? as u64,
                    r.get::<_, i64>(3)? as u64,
                ),
            ))
        })
        .expect("query summary");
    rows.map(|r| r.expect("row"))
        .filter(|(_, v)| *v != (0, 0, 0))
        .collect()
}

fn ours(reg: &Registry, cat: &Catalogue, round: &str) -> Figures {
    let s = summarize(reg, cat, round, reg.tree().root(), as_of()).expect("summary");
    s.rows
        .iter()
        .map(|r| (r.code.clone(), (r.total, r.inspected, r.problems)))
        .filter(|(_, v)| *v != (0, 0, 0))
        .collect()
}

// ------------------------------------------------------------------------ memory

fn vm_hwm_kb() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// Max RSS (kB) and wall time of a `govcheck` run, via `/usr/bin/time -v`.
fn peak_rss(data: &Data, args: &[&str]) -> Option<(u64, String)> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let home = |d: &str| data.home.join(d);
    let out = Command::new(time)
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_govcheck"))
        .arg("--data")
        .arg(&data.store)
        .args(["--as-of", "2026-06-30"])
        .args(args)
        .env("XDG_CONFIG_HOME", home("config"))
        .env("XDG_DATA_HOME", home("data"))
        .env("XDG_CACHE_HOME", home("cache"))
        .env("XDG_STATE_HOME", home("state"))
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "govcheck {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    let field = |name: &str| {
        err.lines()
            .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_string()))
    };
    let rss = field("Maximum resident set size (kbytes):")?.parse().ok()?;
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):").unwrap_or_default();
    Some((rss, wall))
}

/// Where the load time goes: reading the journal, decoding its JSON, applying it.
fn load_breakdown(store: &Path, runs: usize, report: &mut Report) {
    let path = store.join("journal.jsonl");
    let (read, bytes) = measure(runs, || fs::read(&path).expect("read journal"));
    report.row(
        &format!("  load: read journal.jsonl ({} MB)", bytes.len() >> 20),
        &read,
        "",
        None,
    );
    let (parse, _) = measure(runs, || journal::scan(&path, &bytes).expect("scan"));
    report.row("  load: decode journal (crc + JSON)", &parse, "", None);
    let mut scans: Vec<journal::Scan> = (0..runs.max(1))
        .map(|_| journal::scan(&path, &bytes).expect("scan"))
        .collect();
    let (apply, _) = measure(runs, || {
        let scan = scans.pop().expect("a scan per run");
        let mut reg = Registry::new();
        for batch in scan.batches {
            for change in batch.changes {
                reg.apply(change).expect("apply");
            }
            reg.reindex();
        }
        reg
    });
    report.row("  load: apply changes to the registry", &apply, "", None);
}

// -------------------------------------------------------------------------- main

fn main() {
    // `cargo bench` passes `--bench`; anything else (a filter) is ignored.
    let n: usize = env_or("GOVCHECK_BENCH_ACCOUNTS", 150_000);
    let seed: u64 = env_or("GOVCHECK_BENCH_SEED", 42);
    let runs: usize = env_or("GOVCHECK_BENCH_RUNS", 7);
    let cat = Catalogue::builtin();
    let (data, round_stats, post_count) = ensure_dataset(n, seed, &cat);

    let rounds = synthetic::rounds();
    let full = rounds
        .iter()
        .rev()
        .find(|r| r.mode == RoundMode::Full)
        .expect("a full round")
        .id
        .clone();
    let sample = rounds
        .iter()
        .rev()
        .find(|r| r.mode == RoundMode::Sample)
        .expect("a sample round")
        .id
        .clone();
    println!(
        "\n{n} accounts, {post_count} posts, {} rounds; summary of full round {full} at the root (per province); {runs} runs each",
        rounds.len()
    );

    let mut report = Report { rows: Vec::new() };

    // ---- our store
    let (load, snap) = measure(runs, || {
        LocalStore::open(&data.store)
            .and_then(|s| s.load())
            .expect("load store")
    });
    let reg = snap.registry;
    assert_eq!(reg.accounts().len(), n);
    report.row("store: open + load (journal replay)", &load, "", None);
    load_breakdown(&data.store, runs, &mut report);
    let (summary, _) = measure(runs, || {
        summarize(&reg, &cat, &full, reg.tree().root(), as_of()).expect("summary")
    });
    report.row(
        &format!("summary: {full}, root scope (31 provinces)"),
        &summary,
        "",
        None,
    );
    drop(reg);
    let (both, (reg, _)) = measure(runs, || {
        let reg = LocalStore::open(&data.store)
            .and_then(|s| s.load())
            .expect("load store")
            .registry;
        let s = summarize(&reg, &cat, &full, reg.tree().root(), as_of()).expect("summary");
        (reg, s)
    });

    // ---- SQLite: the same question over the same CSV files, same answer first.
    let conn = Connection::open(&data.sqlite).expect("open sqlite");
    for round in [&full, &sample] {
        let theirs = sqlite_summary(&conn, round, &cat);
        let mine = ours(&reg, &cat, round);
        assert_eq!(
            mine, theirs,
            "round {round}: govcheck and SQLite disagree on the per-province figures"
        );
        assert_eq!(mine.len(), 31, "round {round}");
    }
    println!(
        "checked: per-province (total, inspected, problems) identical in govcheck and SQLite for {full} (full) and {sample} (sample)"
    );
    let (sql_query, _) = measure(runs, || sqlite_summary(&conn, &full, &cat));
    drop(conn);
    let (sql_open_query, _) = measure(runs, || {
        let conn = Connection::open(&data.sqlite).expect("open sqlite");
        sqlite_summary(&conn, &full, &cat)
    });
    let both_ok = both.median <= Duration::from_millis(300) && both.median <= sql_open_query.median;
    report.row(
        "store load + summary",
        &both,
        "< 300 ms and <= SQLite open+query:",
        Some(both_ok),
    );
    report.row(
        "SQLite: GROUP BY summary (connection open)",
        &sql_query,
        "",
        None,
    );
    report.row("SQLite: open + GROUP BY summary", &sql_open_query, "", None);

    // ---- posts and the two-week rule
    let store = LocalStore::open(&data.store).expect("open store");
    let (read, posts) = measure(runs, || store.posts().expect("posts"));
    assert_eq!(posts.len(), post_count);
    report.row("posts: read posts.tsv (all posts)", &read, "", None);
    let full_round = reg.round(&full).expect("round").clone();
    let (rule, silent) = measure(runs, || silent_accounts(&reg, &full_round, &posts, tz()));
    let expected = round_stats
        .iter()
        .find(|r| r.id == full)
        .expect("stats")
        .silent;
    assert_eq!(silent.len(), expected, "silent accounts in {full}");
    report.row(
        &format!(
            "two-week rule: {full}, all accounts ({} silent)",
            silent.len()
        ),
        &rule,
        "< 500 ms:",
        Some(rule.median <= Duration::from_millis(500)),
    );
    let (all_rounds, silent_total) = measure(runs, || {
        reg.rounds()
            .iter()
            .map(|r| silent_accounts(&reg, r, &posts, tz()).len())
            .sum::<usize>()
    });
    assert_eq!(
        silent_total,
        round_stats.iter().map(|r| r.silent).sum::<usize>()
    );
    report.row(
        &format!("two-week rule: all 10 rounds ({silent_total} silent)"),
        &all_rounds,
        "",
        None,
    );
    drop(posts);
    let (read_rule, _) = measure(runs, || {
        let posts = store.posts().expect("posts");
        silent_accounts(&reg, &full_round, &posts, tz()).len()
    });
    report.row(
        "posts read + two-week rule",
        &read_rule,
        "< 500 ms:",
        Some(read_rule.median <= Duration::from_millis(500)),
    );
    report.print();

    // ---- memory
    println!("\npeak memory (max RSS of a separate process, /usr/bin/time -v):");
    for args in [
        vec!["summary", "--round", full.as_str()],
        vec!["warnings", "--round", full.as_str()],
    ] {
        match peak_rss(&data, &args) {
            Some((kb, wall)) => println!(
                "  govcheck {:<28} {:>8.1} MB  (wall {wall})  target < 400 MB: {}",
                args.join(" "),
                kb as f64 / 1024.0,
                if kb < 400 * 1024 { "ok" } else { "MISSED" }
            ),
            None => println!("  /usr/bin/time not found (apt-get install time); skipped"),
        }
    }
    if let Some(kb) = vm_hwm_kb() {
        println!(
            "  this bench process (registry + posts + SQLite + generator), VmHWM: {:.1} MB",
            kb as f64 / 1024.0
        );
    }
}
