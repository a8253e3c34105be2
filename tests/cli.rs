//! The command line as scripts use it: exact CSV headers, exit codes, the demo's
//! published figures, remediation commands and their history.

mod common;

use common::Sandbox;

const PUBLISHED: &str = "region,total,inspected,problems,pass_rate
省本级,141,141,0,100.00%
杭州市,828,828,0,100.00%
宁波市,862,862,1,99.88%
温州市,684,684,0,100.00%
湖州市,360,360,1,99.72%
嘉兴市,420,420,0,100.00%
绍兴市,269,269,2,99.26%
金华市,419,419,3,99.28%
衢州市,257,257,0,100.00%
舟山市,216,216,5,97.69%
台州市,403,403,2,99.50%
丽水市,330,330,0,100.00%
总计,5189,5189,14,99.73%
";

#[test]
fn demo_summary_matches_the_published_table() {
    let s = Sandbox::new();
    s.demo();
    assert_eq!(
        s.ok(&["summary", "--round", "2022Q1", "--format", "csv"]),
        PUBLISHED
    );
}

/// scripts/dist.sh smoke-tests the static binaries against this same table.
#[test]
fn the_dist_smoke_test_expects_the_published_table() {
    assert_eq!(
        include_str!("../scripts/demo-summary-2022Q1.csv"),
        PUBLISHED
    );
}

#[test]
fn data_flag_works_before_or_after_the_subcommand() {
    let s = Sandbox::new();
    s.demo();
    let out = s
        .cmd()
        .args(["summary", "--round", "2022Q1", "--format", "csv", "--data"])
        .arg(s.store())
        .output()
        .expect("run");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), PUBLISHED);
}

#[test]
fn summary_of_a_city_and_json() {
    let s = Sandbox::new();
    s.demo();
    let csv = s.ok(&[
        "summary",
        "--round",
        "2022Q1",
        "--region",
        "舟山市",
        "--format",
        "csv",
    ]);
    assert_eq!(csv.lines().last(), Some("总计,216,216,5,97.69%"));
    let json = s.ok(&["summary", "--round", "2022Q1", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["total"]["pass_rate"], "99.73%");
    assert_eq!(v["rows"].as_array().map(Vec::len), Some(12));
}

#[test]
fn table_output_aligns_cjk_by_display_width() {
    let s = Sandbox::new();
    s.demo();
    let out = s.ok(&["summary", "--round", "2022Q1"]);
    let widths: Vec<usize> = out
        .lines()
        .filter(|l| !l.starts_with('-'))
        .map(unicode_width::UnicodeWidthStr::width)
        .collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "{out}");
}

#[test]
fn csv_headers_are_exact() {
    let s = Sandbox::new();
    s.demo();
    let first = |args: &[&str]| s.ok(args).lines().next().map(String::from);
    assert_eq!(
        first(&["findings", "--round", "2022Q1", "--format", "csv"]).as_deref(),
        Some("id,round,region,platform,account_id,account,host_unit,problem,deadline,status")
    );
    assert_eq!(
        first(&["accounts", "--format", "csv"]).as_deref(),
        Some("id,name,platform,region,host_unit,status")
    );
    assert_eq!(
        first(&["rounds", "--format", "csv"]).as_deref(),
        Some("round,title,mode,monitoring_point,deadline")
    );
    let rounds = s.ok(&["rounds", "--format", "csv"]);
    assert!(
        rounds
            .contains("2022Q1,2022年第一季度全省政府系统政务新媒体检查,full,2022-03-15,2022-04-27"),
        "{rounds}"
    );
}

fn finding_id_of(s: &Sandbox, account: &str) -> String {
    let csv = s.ok(&["findings", "--round", "2022Q1", "--format", "csv"]);
    csv.lines()
        .find(|l| l.split(',').nth(5) == Some(account))
        .and_then(|l| l.split(',').next())
        .map(String::from)
        .unwrap_or_else(|| panic!("no finding for {account} in\n{csv}"))
}

#[test]
fn findings_filter_by_region_and_status() {
    let s = Sandbox::new();
    s.demo();
    let zs = s.ok(&[
        "findings",
        "--round",
        "2022Q1",
        "--region",
        "舟山市",
        "--format",
        "csv",
    ]);
    assert_eq!(zs.lines().count(), 6, "{zs}");
    assert!(zs.contains(",舟山市,微信公众号,"), "{zs}");
    assert!(
        zs.contains(",舟山医疗保障,舟山市医疗保障局,监测点前两周未更新,2022-04-27,open"),
        "{zs}"
    );
    let id = finding_id_of(&s, "舟山医疗保障");
    s.ok(&["verify", &id, "--note", "已恢复更新"]);
    let verified = s.ok(&[
        "findings", "--round", "2022Q1", "--status", "verified", "--format", "csv",
    ]);
    assert_eq!(verified.lines().count(), 2, "{verified}");
    assert!(verified.lines().nth(1).is_some_and(|l| l.starts_with(&id)));
    let open = s.ok(&[
        "findings", "--round", "2022Q1", "--status", "open", "--format", "csv",
    ]);
    assert_eq!(open.lines().count(), 14);
}

#[test]
fn verify_records_who_when_and_note() {
    let s = Sandbox::new();
    s.demo();
    let id = finding_id_of(&s, "舟山医疗保障");
    let out = s
        .cmd()
        .env("SSH_CLIENT", "10.1.2.3 51234 22")
        .arg("--data")
        .arg(s.store())
        .args(["verify", &id, "--note", "复核：已恢复更新"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hist = s.ok(&["history", &id, "--format", "csv"]);
    let last = hist.lines().last().expect("an event");
    assert!(
        last.contains(",verified,tester,tester,10.1.2.3,复核：已恢复更新"),
        "{hist}"
    );
    assert!(
        last.contains("+08:00"),
        "time carries the office's offset: {last}"
    );
    let table = s.ok(&["history", &id]);
    assert!(table.contains("已复核"), "{table}");
}

#[test]
fn remediation_cycle_and_refusals() {
    let s = Sandbox::new();
    s.demo();
    let id = finding_id_of(&s, "舟山商务");
    // Nothing reported yet: a rejection has nothing to reject.
    let err = s.fails(&["reject", &id, "--reason", "未整改"]);
    assert!(err.contains("cannot record rejected"), "{err}");
    s.ok(&["rectified", &id, "--note", "主办单位报送已整改"]);
    s.ok(&["reject", &id, "--reason", "仍未更新"]);
    s.ok(&["extend", &id, "--to", "2022-05-10"]);
    let err = s.fails(&["extend", &id, "--to", "2022-05-01"]);
    assert!(err.contains("not after"), "{err}");
    s.ok(&["rectified", &id]);
    s.ok(&["verify", &id]);
    let err = s.fails(&["verify", &id]);
    assert!(err.contains("verified"), "{err}");
    s.ok(&["reopen", &id, "--note", "复查发现再次停更"]);
    s.ok(&["waive", &id, "--reason", "账号已注销"]);
    let hist = s.ok(&["history", &id, "--format", "csv"]);
    let kinds: Vec<&str> = hist
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(2))
        .collect();
    assert_eq!(
        kinds,
        vec![
            "reported",
            "rectification_reported",
            "rejected",
            "deadline_extended 2022-05-10",
            "rectification_reported",
            "verified",
            "reopened",
            "waived"
        ]
    );
    let f = s.ok(&[
        "findings", "--round", "2022Q1", "--status", "waived", "--format", "csv",
    ]);
    assert!(
        f.contains(&format!("{id},")) && f.contains(",2022-05-10,waived"),
        "{f}"
    );
}

#[test]
fn unknown_finding_round_or_region_is_one_clear_error() {
    let s = Sandbox::new();
    s.demo();
    let err = s.fails(&["verify", "2022Q1-9999"]);
    assert!(err.contains("2022Q1-9999"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = s.fails(&["summary", "--round", "2030Q9"]);
    assert!(err.contains("2030Q9") && err.contains("2022Q1"), "{err}");
    let err = s.fails(&["summary", "--round", "2022Q1", "--region", "火星市"]);
    assert!(err.contains("火星市"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let s = Sandbox::new();
    let out = s.run(&["summary"]);
    assert_eq!(out.status.code(), Some(2));
    let out = s.run(&["reject", "2022Q1-0001"]);
    assert_eq!(out.status.code(), Some(2), "--reason is required");
    let out = s.run(&["findings", "--round", "x", "--status", "done"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn missing_store_says_how_to_create_one() {
    let s = Sandbox::new();
    let err = s.fails(&["rounds"]);
    assert!(err.contains("govcheck init"), "{err}");
}

#[test]
fn init_refuses_a_non_empty_directory() {
    let s = Sandbox::new();
    std::fs::create_dir_all(s.store()).expect("mkdir");
    s.write("store/keep.txt", "mine");
    let err = s.fails(&["init"]);
    assert!(err.contains("not empty"), "{err}");
    assert!(s.store().join("keep.txt").exists());
}

#[test]
fn check_is_idempotent_and_agrees_with_the_notice() {
    let s = Sandbox::new();
    s.demo();
    // The demo's posts reproduce the notice: the 13 stale accounts are already findings.
    let out = s.ok(&["check", "--round", "2022Q1"]);
    assert!(
        out.contains("13 account(s)") && out.contains("nothing changed"),
        "{out}"
    );
    let before = s.contents();
    s.ok(&["check", "--round", "2022Q1"]);
    assert_eq!(before, s.contents());
}

#[test]
fn warnings_list_accounts_drifting_towards_the_line() {
    let s = Sandbox::new();
    s.demo();
    let csv = s.ok(&[
        "warnings",
        "--round",
        "2022Q1",
        "--format",
        "csv",
        "--as-of",
        "2022-03-15",
    ]);
    assert_eq!(
        csv.lines().next(),
        Some("account_id,account,platform,region,last_post,silent_days,fails_on")
    );
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert!(
        rows.len() > 13,
        "the stale accounts plus drifting ones: {}",
        rows.len()
    );
    let silent: Vec<i64> = rows
        .iter()
        .filter_map(|l| l.split(',').nth(5)?.parse().ok())
        .collect();
    assert!(silent.iter().all(|&d| d >= 10), "{silent:?}");
    assert!(silent.windows(2).all(|w| w[0] >= w[1]), "most silent first");
}

#[test]
fn newer_store_format_is_refused_not_misread() {
    // A journal store directory (format 1, as `migrate` writes one back) whose
    // manifest a newer govcheck wrote: that is what is said, not "migrate it".
    let s = Sandbox::new();
    s.demo();
    let old = s.path("old");
    s.ok(&[
        "migrate",
        "--from",
        s.store().to_str().expect("path"),
        "--to",
        old.to_str().expect("path"),
    ]);
    std::fs::remove_dir_all(s.store()).expect("rm");
    std::fs::rename(&old, s.store()).expect("mv");
    let m = s.store().join("store.json");
    let text = std::fs::read_to_string(&m).expect("manifest");
    std::fs::write(&m, text.replace("\"version\": 1", "\"version\": 2")).expect("write");
    let err = s.fails(&["rounds"]);
    assert!(
        err.contains("newer govcheck") && err.contains("format 2"),
        "{err}"
    );
}

#[test]
fn every_directory_can_be_placed_by_the_environment() {
    let s = Sandbox::new();
    let out = s
        .cmd()
        .env("GOVCHECK_CACHE_DIR", s.path("elsewhere-cache"))
        .env("GOVCHECK_STATE_DIR", s.path("elsewhere-state"))
        .arg("paths")
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for (what, dir) in [
        ("config file", "config"),
        ("data (store)", "default-store"),
        ("cache", "elsewhere-cache"),
        ("logs", "elsewhere-state"),
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(what))
            .unwrap_or_else(|| panic!("no {what} line in {text}"));
        assert!(
            line.contains(&s.path(dir).display().to_string()),
            "{what}: {line}"
        );
    }
}

/// With USER and LOGNAME unset (cron, `env -i`, a service manager) the history names
/// the account the process runs as, from the system, never `unknown`.
#[test]
fn history_names_the_system_account_when_user_and_logname_are_unset() {
    let s = Sandbox::new();
    s.demo();
    let id = finding_id_of(&s, "舟山医疗保障");
    let out = s
        .cmd()
        .env_remove("USER")
        .env_remove("LOGNAME")
        .arg("--data")
        .arg(s.store())
        .args(["verify", &id, "--note", "复核通过"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let who = std::process::Command::new("id")
        .arg("-un")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let hist = s.ok(&["history", &id, "--format", "csv"]);
    let last = hist.lines().last().expect("an event");
    assert!(!last.contains(",unknown,"), "{hist}");
    match who {
        Some(name) => assert!(
            last.contains(&format!(",verified,{name},{name},")),
            "expected {name}: {hist}"
        ),
        // No passwd entry for this uid: the uid stands in for the name.
        None => assert!(last.contains(",verified,uid "), "{hist}"),
    }
}

/// `history ID` and `rounds` read only what they print from the SQLite registry (the
/// finding, its account, regions and events; the rounds), and print byte for byte what
/// the same commands print from the whole registry (loaded by the registry client from
/// the server), in every format. `rectified` confirms from the same few rows.
#[test]
fn point_commands_print_what_the_whole_registry_prints() {
    let s = Sandbox::new();
    s.demo();
    let out = s.ok(&["rectified", "2022Q1-0006", "--note", "已整改"]);
    assert!(
        out.contains("2022Q1-0006") && out.contains("已整改"),
        "{out}"
    );
    s.ok(&["remind", "2022Q1-0006", "--channel", "phone"]);
    s.ok(&["extend", "2022Q1-0007", "--to", "2022-06-30"]);
    let tok = common::server::token(&s, "王芳", "viewer", None);
    let server = common::server::start(&s, "127.0.0.1:0");
    for args in [
        &["history", "2022Q1-0006"][..],
        &["history", "2022Q1-0006", "--format", "csv"],
        &["history", "2022Q1-0006", "--format", "json"],
        &["history", "2022Q1-0007"],
        &["rounds"],
        &["rounds", "--format", "csv"],
        &["rounds", "--format", "json"],
    ] {
        let local = s.ok(args);
        let whole = common::server::remote(&s, &server.url, &tok, args);
        assert!(
            whole.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&whole.stderr)
        );
        assert_eq!(local, String::from_utf8_lossy(&whole.stdout), "{args:?}");
    }
    let err = s.fails(&["history", "2022Q1-9999"]);
    assert!(err.contains("no finding \"2022Q1-9999\""), "{err}");
}
