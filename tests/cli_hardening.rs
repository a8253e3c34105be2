//! The command line under attack (issue #11): formulas from data in every CSV it writes,
//! errors said once, a confirmation that cannot be printed, who may read the files it
//! creates, a config directory anyone may write to, escapes in a token's name and a
//! registry URL with a password in it.

mod common;

use std::ffi::OsStr;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use common::Sandbox;
use common::server;

/// Names and host units a hostile import could carry: each starts with what makes a
/// spreadsheet read a cell as a formula.
const HOSTILE: [&str; 6] = [
    "=HYPERLINK(\"http://evil.example\",\"点我\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+2",
    "\r=1+2",
];

/// A demo store with one account per hostile text (as name and host unit) in 舟山市,
/// each with a finding of 2022Q1.
fn hostile_store() -> Sandbox {
    let s = Sandbox::new();
    s.demo();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["id", "name", "platform", "region", "host_unit"])
        .expect("header");
    for (i, t) in HOSTILE.iter().enumerate() {
        w.write_record([&format!("evil-{i}"), *t, "微信公众号", "舟山市", *t])
            .expect("row");
    }
    let accounts = String::from_utf8(w.into_inner().expect("csv")).expect("utf8");
    let mut findings = String::from("round,account,problem\n");
    for i in 0..HOSTILE.len() {
        findings.push_str(&format!("2022Q1,evil-{i},监测点前两周未更新\n"));
    }
    let a = s.write("evil-accounts.csv", &accounts);
    let f = s.write("evil-findings.csv", &findings);
    s.ok(&[
        "import",
        a.to_str().expect("path"),
        f.to_str().expect("path"),
    ]);
    s
}

fn records(text: &str) -> Vec<Vec<String>> {
    let text = text.trim_start_matches('\u{FEFF}');
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("csv record").iter().map(String::from).collect())
        .collect()
}

/// No cell of `rows` starts the way a formula does, unless it is one of the computed
/// `figures` columns; every hostile text shows up, neutralised.
fn assert_no_formula(what: &str, rows: &[Vec<String>], figures: &[usize]) {
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if figures.contains(&i) {
                continue;
            }
            let trimmed = cell.trim_start();
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
                    && !trimmed.starts_with(['=', '+', '-', '@']),
                "{what}: column {i} is a formula: {cell:?} in {row:?}"
            );
        }
    }
    let all: Vec<&String> = rows.iter().flatten().collect();
    for t in ["'=HYPERLINK(", "'+cmd|", "'-2+3", "'@SUM(1+1)"] {
        assert!(
            all.iter().any(|c| c.starts_with(t)),
            "{what}: {t} missing in {rows:?}"
        );
    }
}

#[test]
fn accounts_and_findings_csv_turn_formulas_from_data_into_text() {
    let s = hostile_store();
    let accounts = records(&s.ok(&["accounts", "--region", "舟山市", "--format", "csv"]));
    assert_eq!(
        accounts[0],
        ["id", "name", "platform", "region", "host_unit", "status"]
    );
    assert_no_formula("accounts", &accounts, &[]);
    let findings = records(&s.ok(&[
        "findings",
        "--round",
        "2022Q1",
        "--region",
        "舟山市",
        "--format",
        "csv",
    ]));
    assert_no_formula("findings", &findings, &[]);
    // The tab and carriage-return names are neutralised, never a bare `=1+2`.
    let names: Vec<&str> = findings.iter().map(|r| r[5].as_str()).collect();
    assert!(
        !names.iter().any(|n| n.trim_start().starts_with("=1+2")),
        "{names:?}"
    );
}

#[test]
fn summary_csv_figures_stay_numbers() {
    let s = hostile_store();
    let rows = records(&s.ok(&["summary", "--round", "2022Q1", "--format", "csv"]));
    let total = rows.last().expect("total row");
    assert_eq!(total[0], "总计");
    for cell in &total[1..] {
        assert!(
            cell.chars().next().is_some_and(|c| c.is_ascii_digit()),
            "a figure got quoted: {total:?}"
        );
    }
    assert!(total[4].ends_with('%'), "{total:?}");
}

#[test]
fn notice_export_csv_turns_formulas_into_text_and_keeps_figures() {
    let s = hostile_store();
    let out = s.path("export");
    s.ok(&[
        "notice",
        "export",
        "--round",
        "2022Q1",
        "--format",
        "csv",
        "--out",
        out.to_str().expect("path"),
    ]);
    let t1 = records(&std::fs::read_to_string(out.join("附件1.csv")).expect("附件1"));
    let t2 = records(&std::fs::read_to_string(out.join("附件2.csv")).expect("附件2"));
    assert_no_formula("附件2", &t2, &[0]);
    // 序号 and the counts stay numbers; the rate stays as printed.
    let zs = t1.iter().find(|r| r[1] == "舟山市").expect("舟山市 row");
    for cell in [&zs[0], &zs[2], &zs[3], &zs[4], &zs[5]] {
        assert!(
            cell.chars().next().is_some_and(|c| c.is_ascii_digit()),
            "{zs:?}"
        );
    }
    assert!(t2[1][0].parse::<u32>().is_ok(), "{:?}", t2[1]);
}

#[test]
fn an_error_is_said_once() {
    let s = Sandbox::new();
    s.demo();
    let err = s.fails(&["verify", "X"]);
    assert_eq!(err.matches("unknown finding").count(), 1, "{err}");
    assert_eq!(err.trim(), "govcheck: unknown finding \"X\"");
}

/// Run govcheck on the sandbox's store with stdout on a full disk (`/dev/full`).
fn with_stdout_full<S: AsRef<OsStr>>(s: &Sandbox, args: &[S]) -> std::process::Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    s.cmd()
        .arg("--data")
        .arg(s.store())
        .args(args)
        .stdout(full)
        .output()
        .expect("run")
}

#[test]
fn a_recorded_action_whose_confirmation_cannot_be_written_says_it_was_recorded() {
    let s = Sandbox::new();
    s.demo();
    let out = with_stdout_full(&s, &["rectified", "2022Q1-0007"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("2022Q1-0007") && err.contains("recorded") && err.contains("do not repeat"),
        "{err}"
    );
    assert!(err.contains("No space left on device"), "{err}");
    // It was recorded indeed, once.
    let history = s.ok(&["history", "2022Q1-0007", "--format", "csv"]);
    assert_eq!(
        history.matches("rectification_reported").count(),
        1,
        "{history}"
    );
}

#[test]
fn an_import_whose_confirmation_cannot_be_written_says_it_was_recorded() {
    let s = Sandbox::new();
    s.demo();
    let f = s.write(
        "more.csv",
        "id,name,platform,region,host_unit\nnew-1,舟山新号,微信公众号,舟山市,舟山市某局\n",
    );
    let out = with_stdout_full(&s, &[OsStr::new("import"), f.as_os_str()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("imported") && err.contains("it is recorded, do not repeat it"),
        "{err}"
    );
    let accounts = s.ok(&["accounts", "--search", "舟山新号", "--format", "csv"]);
    assert!(accounts.contains("new-1"), "{accounts}");
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// Every file under `dir` has `file`, every directory `dir_mode` (dot-files included).
fn assert_modes(dir: &Path, file: u32, dir_mode: u32) {
    assert_eq!(mode(dir), dir_mode, "{}", dir.display());
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            assert_modes(&p, file, dir_mode);
        } else {
            assert_eq!(mode(&p), file, "{}", p.display());
        }
    }
}

#[test]
fn the_store_is_private() {
    let s = Sandbox::new();
    s.demo();
    s.ok(&["rectified", "2022Q1-0007"]);
    assert_modes(&s.store(), 0o600, 0o700);
    // Also where nothing existed yet: every directory made on the way is private.
    let deep = s.path("a/b/store");
    let out = s
        .cmd()
        .arg("--data")
        .arg(&deep)
        .arg("init")
        .output()
        .expect("init");
    assert!(out.status.success());
    assert_modes(&s.path("a"), 0o600, 0o700);
}

#[test]
fn the_tokens_file_is_private() {
    let s = Sandbox::new();
    server::token(&s, "张三", "viewer", None);
    assert_eq!(mode(&s.path("tokens.json")), 0o600);
}

#[test]
fn the_registry_cache_is_private() {
    let (s, _sup, viewer, _admin) = server::setup();
    let srv = server::start(&s, "127.0.0.1:0");
    let out = server::remote(&s, &srv.url, &viewer, &["summary", "--round", "2022Q1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cache = s.path("cache");
    let mut files = Vec::new();
    let mut stack = vec![cache.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    assert!(
        files.iter().any(|p| p.ends_with("registry.snapshot")),
        "{files:?}"
    );
    assert_modes(&cache, 0o600, 0o700);
}

#[test]
fn init_group_shares_the_store_with_the_group() {
    let s = Sandbox::new();
    // A group we belong to: the sandbox's own.
    let gid = std::fs::metadata(s.dir.path()).expect("meta").gid();
    s.ok(&["init", "--demo", "--group", &gid.to_string()]);
    let store = s.store();
    if mode(&store) & 0o2000 == 0 {
        // A file system that ignores setgid (rare for a tempdir): nothing to check.
        return;
    }
    s.ok(&["rectified", "2022Q1-0007"]);
    assert_modes(&store, 0o660, 0o2770);
    for e in std::fs::read_dir(&store).expect("read dir") {
        let p = e.expect("entry").path();
        assert_eq!(std::fs::metadata(&p).expect("meta").gid(), gid, "{p:?}");
    }
}

#[test]
fn init_group_refuses_an_unknown_group_and_creates_nothing() {
    let s = Sandbox::new();
    let err = s.fails(&["init", "--group", "no-such-group-govcheck"]);
    assert!(
        err.contains("--group") && err.contains("no such group"),
        "{err}"
    );
    assert!(!s.store().exists());
}

#[test]
fn a_world_writable_config_dir_is_refused() {
    let s = Sandbox::new();
    s.demo();
    let config = s.path("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("config.toml"), "name = \"planted\"\n").expect("planted");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let err = s.fails(&["rounds"]);
    assert!(
        err.contains("writable by every user") && err.contains("chmod o-w"),
        "{err}"
    );
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    s.ok(&["rounds"]);
}

#[test]
fn token_create_escapes_the_name() {
    let s = Sandbox::new();
    let p = s.path("tokens.json");
    let out = s
        .cmd()
        .args(["token", "create", "--tokens"])
        .arg(&p)
        .args(["--name", "张\x1b]0;pwned\x07三\x1b[2J", "--role", "viewer"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("created a viewer token for 张"), "{err}");
    assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
}

#[test]
fn a_registry_url_with_a_password_is_refused_with_the_reason() {
    let s = Sandbox::new();
    let out = server::remote(
        &s,
        "http://admin:s3cret@127.0.0.1:9/",
        "gct_valid_looking",
        &["summary", "--round", "2022Q1"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("user name or password") && err.contains("http://127.0.0.1:9"),
        "{err}"
    );
    assert!(
        !err.contains("s3cret"),
        "the password is not repeated: {err}"
    );
    // Nothing was cached under a name that carries the password.
    assert!(!s.path("cache").exists());
    // Without any token too, the URL is what is said to be wrong.
    let out = s
        .cmd()
        .env_remove("GOVCHECK_TOKEN")
        .args(["--registry", "http://admin@127.0.0.1:9", "rounds"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("user name or password"), "{err}");
}
