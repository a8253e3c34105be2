//! Chasing host units from the command line (#14): `govcheck chase` (its exact CSV
//! header, overdue first then by days left, `--due-within`, `--region`, `--as-of`, the
//! contacts) and `govcheck remind` (a 催办 event that changes neither status nor
//! version).

mod common;

use common::Sandbox;

const HEADER: &str = "id,region,platform,account,host_unit,contact,phone,problem,deadline,days_left,status,last_reminded";

fn finding_id_of(s: &Sandbox, account: &str) -> String {
    let csv = s.ok(&["findings", "--round", "2022Q1", "--format", "csv"]);
    csv.lines()
        .find(|l| l.split(',').nth(5) == Some(account))
        .and_then(|l| l.split(',').next())
        .map(String::from)
        .unwrap_or_else(|| panic!("no finding for {account} in\n{csv}"))
}

fn chase_csv(s: &Sandbox, extra: &[&str]) -> Vec<Vec<String>> {
    let mut args = vec!["chase", "--round", "2022Q1", "--format", "csv"];
    args.extend_from_slice(extra);
    let out = s.ok(&args);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some(HEADER), "{out}");
    lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

#[test]
fn chase_lists_open_findings_overdue_first_within_the_window_and_region() {
    let s = Sandbox::new();
    s.demo();
    let later = finding_id_of(&s, "舟山商务");
    let reported = finding_id_of(&s, "舟山医疗保障");
    s.ok(&["extend", &later, "--to", "2022-05-10"]);
    s.ok(&["rectified", &reported]);

    // On 2022-04-28 the round's deadline (04-27) has passed: 12 overdue (-1) by id,
    // then the extended one (12 days left); the rectified one waits on the supervisor.
    let rows = chase_csv(&s, &["--as-of", "2022-04-28"]);
    assert_eq!(rows.len(), 13, "{rows:?}");
    let days: Vec<&str> = rows.iter().map(|r| r[9].as_str()).collect();
    assert!(days[..12].iter().all(|d| *d == "-1"), "{days:?}");
    assert_eq!((rows[12][0].as_str(), days[12]), (later.as_str(), "12"));
    let ids: Vec<&str> = rows[..12].iter().map(|r| r[0].as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "ties by id");
    assert!(rows.iter().all(|r| r[10] == "open" && r[11].is_empty()));
    assert!(!rows.iter().any(|r| r[0] == reported));
    // The demo's named accounts carry (made-up) contacts to call.
    assert!(
        rows.iter()
            .any(|r| r[5].starts_with("演示联系人") && r[6].starts_with("0000-")),
        "{rows:?}"
    );

    // --due-within: overdue or due within the days.
    let rows = chase_csv(&s, &["--as-of", "2022-04-28", "--due-within", "7"]);
    assert_eq!(rows.len(), 12);
    assert!(!rows.iter().any(|r| r[0] == later));
    let rows = chase_csv(&s, &["--as-of", "2022-04-20", "--due-within", "7"]);
    assert_eq!(rows.len(), 12, "7 days left counts as within 7");
    assert!(rows.iter().all(|r| r[9] == "7"));
    let rows = chase_csv(&s, &["--as-of", "2022-04-20", "--due-within", "6"]);
    assert!(rows.is_empty(), "{rows:?}");

    // --region: only its findings (舟山市 has 5, one of them rectified).
    let rows = chase_csv(&s, &["--as-of", "2022-04-28", "--region", "舟山市"]);
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows.iter().all(|r| r[1] == "舟山市"), "{rows:?}");
    assert_eq!(rows[3][0], later);

    // Table and xlsx.
    let table = s.ok(&["chase", "--round", "2022Q1", "--as-of", "2022-04-28"]);
    assert!(
        table.contains("联系人") && table.contains("-1 逾期"),
        "{table}"
    );
    let err = s.fails(&["chase", "--round", "2022Q1", "--format", "xlsx"]);
    assert!(err.contains("--out"), "{err}");
    let out = s.path("催办清单.xlsx");
    let said = s.ok(&[
        "chase",
        "--round",
        "2022Q1",
        "--format",
        "xlsx",
        "--out",
        out.to_str().expect("utf8 path"),
    ]);
    assert!(said.contains("14") || said.contains("finding(s)"), "{said}");
    assert!(std::fs::read(&out).expect("written").starts_with(b"PK"));
    let err = s.fails(&["chase", "--round", "2099Q9", "--format", "csv"]);
    assert!(err.contains("2099Q9"), "{err}");
}

/// Contacts come in through the accounts file's optional columns, under their Chinese
/// names too (主办单位分管领导, 联系电话), and show in the chasing list.
#[test]
fn contacts_imported_under_chinese_headers_show_in_the_chasing_list() {
    let s = Sandbox::new();
    s.demo();
    let file = s.write(
        "备案表.csv",
        "账号ID,账号名称,平台,地区,主办单位,主办单位分管领导,联系电话\n\
zj-330900-0002,舟山商务,微信公众号,330900,舟山市商务局,李明（副局长）,0580-2281234\n",
    );
    s.ok(&["import", file.to_str().expect("utf8 path")]);
    let id = finding_id_of(&s, "舟山商务");
    let rows = chase_csv(&s, &["--as-of", "2022-04-28", "--region", "舟山市"]);
    let row = rows.iter().find(|r| r[0] == id).expect("row");
    assert_eq!(
        (row[5].as_str(), row[6].as_str()),
        ("李明（副局长）", "0580-2281234")
    );
}

#[test]
fn remind_records_the_channel_and_changes_neither_status_nor_version() {
    let s = Sandbox::new();
    s.demo();
    let id = finding_id_of(&s, "舟山商务");
    let said = s.ok(&["remind", &id, "--channel", "phone", "--note", "已电话催办"]);
    assert!(said.contains("催办") && said.contains("待整改"), "{said}");
    s.ok(&["remind", &id, "--channel", "document"]);
    let hist = s.ok(&["history", &id, "--format", "csv"]);
    let last: Vec<&str> = hist.lines().rev().take(2).collect();
    assert!(last[1].contains(",reminded phone,tester,"), "{hist}");
    assert!(last[1].ends_with("已电话催办,,,"), "{hist}");
    assert!(last[0].contains(",reminded document,tester,"), "{hist}");
    let table = s.ok(&["history", &id]);
    assert!(table.contains("催办 reminded (发文)"), "{table}");

    // Still open, and the chasing list shows when it was last chased.
    let rows = chase_csv(&s, &["--as-of", "2022-04-28"]);
    let row = rows.iter().find(|r| r[0] == id).expect("still chased");
    assert_eq!(row[10], "open");
    let when = &row[11];
    assert!(
        when.len() == 16 && when.as_bytes()[4] == b'-' && when.as_bytes()[13] == b':',
        "{when:?}"
    );

    // A closed finding is not chased; an unknown channel is a usage error.
    s.ok(&["verify", &id]);
    let err = s.fails(&["remind", &id, "--channel", "message"]);
    assert!(err.contains("cannot record reminded"), "{err}");
    let out = s.run(&["remind", &id, "--channel", "fax"]);
    assert_eq!(out.status.code(), Some(2));
    let out = s.run(&["remind", &id]);
    assert_eq!(out.status.code(), Some(2), "--channel is required");
}

/// Bad input to `chase` gets one clear message naming what was wrong, a non-zero exit,
/// and nothing on standard output; the store is left as it was.
#[test]
fn chase_refuses_bad_input_with_one_clear_message() {
    let s = Sandbox::new();
    s.demo();
    let before = s.contents();
    let err = s.fails(&["chase", "--round", "2099Q9", "--format", "csv"]);
    assert!(err.contains("2099Q9") && err.contains("2022Q1"), "{err}");
    let err = s.fails(&[
        "chase", "--round", "2022Q1", "--region", "火星", "--format", "csv",
    ]);
    assert!(err.contains("--region") && err.contains("火星"), "{err}");
    let err = s.fails(&["chase", "--round", "2022Q1", "--format", "xlsx"]);
    assert!(err.contains("--out"), "{err}");
    let out = s.run(&[
        "chase",
        "--round",
        "2022Q1",
        "--due-within",
        "x",
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--due-within"));
    assert_eq!(s.contents(), before, "nothing written");
}
