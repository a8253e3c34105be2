//! Import: recognition by header in English or Chinese, encodings, idempotency, region
//! resolution, and bad input of each file kind (one clear error naming file, line and
//! field; exit 1; nothing stored).

mod common;

use common::Sandbox;

fn empty_store(s: &Sandbox) {
    s.ok(&["init", "--root-name", "浙江省", "--root-code", "330000"]);
}

const REGIONS: &str =
    "code,name,parent_code\n330900,舟山市,330000\n330902,定海区,330900\n330903,普陀区,330900\n";
const ACCOUNTS: &str = "id,name,platform,region,host_unit\n\
zs-1,舟山医疗保障,微信公众号,330900,舟山市医疗保障局\n\
zs-2,舟山商务,微信,舟山市,舟山市商务局\n\
zs-3,普陀发布,抖音,浙江省/舟山市/普陀区,普陀区委宣传部\n\
zs-4,普陀发布,微博,普陀区,普陀区委宣传部\n";
const ROUNDS: &str = "round,title,period_start,period_end,monitoring_point,mode,deadline\n\
2025Q3,2025年第三季度检查,2025-07-01,2025-09-15,2025-09-15,sample,2025-10-15\n";
const INSPECTED: &str = "round,account\n2025Q3,zs-1\n2025Q3,zs-2\n2025Q3,zs-3\n";
const FINDINGS: &str = "round,account,problem,note\n2025Q3,zs-1,监测点前两周无更新,\n2025Q3,zs-3,出现严重表述错误,错别字\n";
const POSTS: &str =
    "account,published_at\nzs-2,2025-09-10T09:00:00+08:00\nzs-4,2025-09-14 21:00:00\n";

fn full_set(s: &Sandbox) -> Vec<String> {
    [
        ("regions.csv", REGIONS),
        ("accounts.csv", ACCOUNTS),
        ("rounds.csv", ROUNDS),
        ("inspected.csv", INSPECTED),
        ("findings.csv", FINDINGS),
        ("posts.csv", POSTS),
    ]
    .iter()
    .map(|(n, t)| s.write(n, t).display().to_string())
    .collect()
}

#[test]
fn a_full_set_imports_and_reimporting_changes_nothing() {
    let s = Sandbox::new();
    empty_store(&s);
    let files = full_set(&s);
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    let out = s.ok(&args);
    assert!(
        out.contains("4 account(s)") && out.contains("2 finding(s)") && out.contains("2 post(s)"),
        "{out}"
    );
    let journal = s.contents();
    let again = s.ok(&args);
    assert!(again.contains("nothing new"), "{again}");
    assert_eq!(journal, s.contents(), "re-import must not append");
    // Sample round: 4 operating accounts, 3 inspected, 2 failing.
    let csv = s.ok(&["summary", "--round", "2025Q3", "--format", "csv"]);
    assert_eq!(csv.lines().last(), Some("总计,4,3,2,33.33%"), "{csv}");
    let zs = s.ok(&[
        "summary",
        "--round",
        "2025Q3",
        "--region",
        "舟山市",
        "--format",
        "csv",
    ]);
    assert!(zs.contains("普陀区,2,1,1,0.00%"), "{zs}");
    assert!(zs.contains("舟山市本级,2,2,1,50.00%"), "{zs}");
    // Platform aliases are canonicalised; same name on two platforms stays two accounts.
    let acc = s.ok(&["accounts", "--format", "csv"]);
    assert!(acc.contains("zs-2,舟山商务,微信公众号,舟山市"), "{acc}");
    assert!(
        acc.contains("zs-3,普陀发布,抖音,普陀区") && acc.contains("zs-4,普陀发布,微博,普陀区"),
        "{acc}"
    );
}

#[test]
fn chinese_headers_gbk_encoding_and_bom_are_read() {
    let s = Sandbox::new();
    empty_store(&s);
    let text = "序号,账号ID,政务新媒体名称,新媒体类型,所属地区,主办单位（全称）\n1,t-1,台州司法,微信公众号,台州市,台州市司法局\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let p = s.path("accounts-gbk.csv");
    std::fs::write(&p, &gbk).expect("write");
    s.ok(&["import", p.to_str().expect("path")]);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(
        "id,name,platform,region,host_unit\nt-2,玉环旅游,B站,台州市,玉环旅游事业发展中心\n"
            .as_bytes(),
    );
    let p2 = s.path("accounts-bom.csv");
    std::fs::write(&p2, &bom).expect("write");
    s.ok(&["import", p2.to_str().expect("path")]);
    let acc = s.ok(&["accounts", "--format", "csv"]);
    assert!(
        acc.contains("t-1,台州司法,微信公众号,台州市,台州市司法局"),
        "{acc}"
    );
    assert!(acc.contains("t-2,玉环旅游,哔哩哔哩,台州市"), "{acc}");
    // Regions named in accounts were created once under the root, not twice.
    let sum = s.ok(&["accounts", "--region", "浙江省/台州市", "--format", "csv"]);
    assert_eq!(sum.lines().count(), 3, "{sum}");
}

/// Import `text` as `name` into a store holding the full set, expect exit 1, a message
/// naming `needles`, and no change to the store.
fn refused(name: &str, text: &str, needles: &[&str]) {
    let s = Sandbox::new();
    empty_store(&s);
    let files = full_set(&s);
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    s.ok(&args);
    let journal = s.contents();
    let p = s.write(name, text);
    let err = s.fails(&["import", p.to_str().expect("path")]);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    for n in needles {
        assert!(err.contains(n), "{err:?} should name {n:?}");
    }
    assert_eq!(journal, s.contents(), "nothing stored");
}

#[test]
fn bad_regions_file() {
    refused(
        "r.csv",
        "code,name,parent_code\n1,甲,330000\n2,乙,999\n",
        &["r.csv", "line 3", "parent_code", "999"],
    );
    refused(
        "r.csv",
        "code,name,parent_code\n1,甲,330000\n1,乙,330000\n",
        &["line 3", "field code", "twice"],
    );
}

#[test]
fn bad_accounts_file() {
    refused(
        "a.csv",
        "id,name,platform,region,host_unit,status\nn-1,新号,微信,舟山市,某局,maybe\n",
        &["a.csv", "line 2", "field status", "maybe"],
    );
    refused(
        "a.csv",
        "id,name,platform,region,host_unit\nn-1,,微信,舟山市,某局\n",
        &["line 2", "field name", "empty"],
    );
    refused(
        "a.csv",
        "id,name,platform,region\nn-1,x,微信,舟山市\n",
        &["a.csv", "line 1", "host_unit"],
    );
    refused(
        "a.csv",
        "id,name,platform,region,host_unit,opened_on\nn-1,x,微信,舟山市,某局,2025-13-01\n",
        &["line 2", "field opened_on", "2025-13-01"],
    );
    refused(
        "a.csv",
        "id,name,platform,region,host_unit\nn-1,x\x1b[2J,微信,舟山市,某局\n",
        &["line 2", "field name", "control"],
    );
}

#[test]
fn unknown_region_is_created_only_without_a_regions_file() {
    let s = Sandbox::new();
    empty_store(&s);
    let r = s.write("r.csv", "code,name,parent_code\n330900,舟山市,330000\n");
    let a = s.write(
        "a.csv",
        "id,name,platform,region,host_unit\nn-1,x,微信,火星市,某局\n",
    );
    let before = s.contents();
    let err = s.fails(&["import", r.to_str().expect("p"), a.to_str().expect("p")]);
    assert!(
        err.contains("a.csv, line 2, field region") && err.contains("火星市"),
        "{err}"
    );
    assert_eq!(before, s.contents());
    s.ok(&["import", a.to_str().expect("p")]);
    let acc = s.ok(&["accounts", "--region", "浙江省/火星市", "--format", "csv"]);
    assert!(acc.contains("n-1,x,微信公众号,火星市"), "{acc}");
}

#[test]
fn ambiguous_region_name_lists_candidates() {
    let s = Sandbox::new();
    s.ok(&["init"]);
    let r = s.write(
        "r.csv",
        "code,name,parent_code\n320000,江苏省,\n320100,南京市,320000\n320106,鼓楼区,320100\n350000,福建省,\n350100,福州市,350000\n350102,鼓楼区,350100\n",
    );
    s.ok(&["import", r.to_str().expect("p")]);
    let a = s.write(
        "a.csv",
        "id,name,platform,region,host_unit\ng-1,鼓楼发布,微信,鼓楼区,鼓楼区政府\n",
    );
    let err = s.fails(&["import", a.to_str().expect("p")]);
    assert!(
        err.contains("ambiguous") && err.contains("320106") && err.contains("350102"),
        "{err}"
    );
    let a2 = s.write(
        "a2.csv",
        "id,name,platform,region,host_unit\ng-1,鼓楼发布,微信,福建省/福州市/鼓楼区,鼓楼区政府\n",
    );
    s.ok(&["import", a2.to_str().expect("p")]);
    let acc = s.ok(&["accounts", "--region", "350100", "--format", "csv"]);
    assert!(acc.contains("g-1,鼓楼发布"), "{acc}");
}

#[test]
fn bad_rounds_file() {
    refused(
        "rd.csv",
        "round,title,period_start,period_end,monitoring_point,mode,deadline\nX,t,2025-07-01,2025-09-15,2025-09-15,sometimes,\n",
        &["rd.csv", "line 2", "field mode", "sometimes"],
    );
    refused(
        "rd.csv",
        "round,title,period_start,period_end,monitoring_point,mode,deadline\nX,t,2025-07-01,2025-06-15,2025-09-15,full,\n",
        &["line 2", "field period_end"],
    );
}

#[test]
fn bad_inspected_file() {
    refused(
        "i.csv",
        "round,account\n2025Q3,zs-1\n2025Q3,nobody\n",
        &["i.csv", "line 3", "field account", "nobody"],
    );
    refused(
        "i.csv",
        "round,account\n2099Q1,zs-1\n",
        &["line 2", "field round", "2099Q1"],
    );
}

#[test]
fn bad_findings_file() {
    refused(
        "f.csv",
        "round,account,problem\n2025Q3,zs-2,天气不好\n",
        &["f.csv", "line 2", "field problem", "天气不好"],
    );
    refused(
        "f.csv",
        "round,account,problem\n2025Q3,ghost,出现严重表述错误\n",
        &["line 2", "field account", "ghost"],
    );
}

#[test]
fn bad_posts_file() {
    refused(
        "p.csv",
        "account,published_at\nzs-1,2025-09-10T09:00:00+08:00\nzs-1,yesterday\n",
        &["p.csv", "line 3", "field published_at", "yesterday"],
    );
    refused(
        "p.csv",
        "account,published_at\nghost,2025-09-10T09:00:00+08:00\n",
        &["line 2", "field account", "ghost"],
    );
}

#[test]
fn undecodable_bytes_and_broken_csv_are_refused() {
    let s = Sandbox::new();
    empty_store(&s);
    let p = s.path("bad.csv");
    std::fs::write(&p, b"id,name,platform,region,host_unit\nx,\xFF\xFE,a,b,c\n").expect("write");
    let err = s.fails(&["import", p.to_str().expect("p")]);
    assert!(
        err.contains("bad.csv") && err.contains("line 2") && err.contains("0xFF"),
        "{err}"
    );
    let q = s.write("q.csv", "id,name,platform,region,host_unit\n\"x,y,z\n");
    let err = s.fails(&["import", q.to_str().expect("p")]);
    assert!(err.contains("q.csv"), "{err}");
    let u = s.write("u.csv", "foo,bar\n1,2\n");
    let err = s.fails(&["import", u.to_str().expect("p")]);
    assert!(
        err.contains("u.csv") && err.contains("line 1") && err.contains("foo,bar"),
        "{err}"
    );
    let e = s.write("e.csv", "");
    let err = s.fails(&["import", e.to_str().expect("p")]);
    assert!(err.contains("e.csv") && err.contains("empty"), "{err}");
}

#[test]
fn one_bad_file_among_good_ones_stores_nothing() {
    let s = Sandbox::new();
    empty_store(&s);
    let before = s.contents();
    let files = full_set(&s);
    let bad = s.write(
        "bad-findings.csv",
        "round,account,problem\n2025Q3,zs-1,不存在的问题\n",
    );
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    args.push(bad.to_str().expect("p"));
    let err = s.fails(&args);
    assert!(err.contains("bad-findings.csv"), "{err}");
    assert_eq!(before, s.contents());
}

#[test]
fn check_creates_findings_from_posts_once() {
    let s = Sandbox::new();
    empty_store(&s);
    let files = full_set(&s);
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    s.ok(&args);
    // zs-1 (no posts) already has the finding; zs-3 has no posts and only a wording
    // finding; zs-2 posted 09-10; zs-4 is not inspected in this sample round.
    let out = s.ok(&["check", "--round", "2025Q3"]);
    assert!(
        out.contains("2 account(s)") && out.contains("1 new finding(s)"),
        "{out}"
    );
    let f = s.ok(&["findings", "--round", "2025Q3", "--format", "csv"]);
    assert!(f.contains("2025Q3-0003,2025Q3,普陀区,抖音,zs-3,普陀发布,普陀区委宣传部,监测点前两周未更新,2025-10-15,open"), "{f}");
    let before = s.contents();
    let out = s.ok(&["check", "--round", "2025Q3"]);
    assert!(out.contains("nothing changed"), "{out}");
    assert_eq!(before, s.contents());
}

#[test]
fn check_gives_a_silent_website_the_website_indicator() {
    let s = Sandbox::new();
    empty_store(&s);
    let a = s.write(
        "a.csv",
        "id,name,platform,region,host_unit\nw-1,舟山市人民政府网站,政府网站,舟山市,舟山市政府办公室\nm-1,舟山发布,微信,舟山市,舟山市委宣传部\n",
    );
    let r = s.write(
        "r.csv",
        "round,title,period_start,period_end,monitoring_point,mode,deadline\nR1,t,2025-07-01,2025-09-15,2025-09-15,full,2025-10-15\n",
    );
    s.ok(&["import", a.to_str().expect("p"), r.to_str().expect("p")]);
    let out = s.ok(&["check", "--round", "R1"]);
    assert!(out.contains("2 new finding(s)"), "{out}");
    let f = s.ok(&["findings", "--round", "R1", "--format", "csv"]);
    assert!(
        f.contains(",w-1,舟山市人民政府网站,舟山市政府办公室,首页栏目信息超过2周未更新,"),
        "{f}"
    );
    assert!(
        f.contains(",m-1,舟山发布,舟山市委宣传部,监测点前两周未更新,"),
        "{f}"
    );
}

#[test]
fn over_long_names_notes_and_lines_are_refused_naming_line_and_field() {
    let long_name = "名".repeat(257);
    refused(
        "a.csv",
        &format!(
            "id,name,platform,region,host_unit\nx-1,短名,微信,杭州市,某局\nx-2,{long_name},微信,杭州市,某局\n"
        ),
        &["a.csv", "line 3", "field name", "257 characters", "256"],
    );
    let long_note = "注".repeat(4001);
    refused(
        "f.csv",
        &format!("round,account,problem,note\n2025Q3,zs-1,出现严重表述错误,{long_note}\n"),
        &["f.csv", "line 2", "field note", "4001 characters"],
    );
    let long_unit = "u".repeat(300);
    refused(
        "u.csv",
        &format!("id,name,platform,region,host_unit\nx-1,短名,微信,杭州市,{long_unit}\n"),
        &["u.csv", "line 2", "field host_unit"],
    );
    refused(
        "l.csv",
        &format!(
            "id,name,platform,region,host_unit,序号\nx-1,短名,微信,杭州市,某局,{}\n",
            "9".repeat(70_000)
        ),
        &["l.csv", "line 2", "field 序号", "longer than 64 KiB"],
    );
}

#[test]
fn a_header_of_a_million_columns_is_refused_fast_naming_the_count() {
    let mut header = String::from("id,name,platform,region,host_unit");
    for i in 0..1_000_000 {
        header.push_str(&format!(",c{i}"));
    }
    header.push('\n');
    // The count is in the message; the refusal comes before the header is matched
    // against every alias (which took 14.5 s for this file).
    refused(
        "wide.csv",
        &header,
        &["wide.csv", "line 1", "1000005 columns", "256"],
    );
}

/// A file of an unknown kind is refused at its header, before any of its rows is read
/// into memory: a mistaken upload of hundreds of MB costs one line, and the message is
/// about the header, not about some row further down.
#[test]
fn an_unknown_header_is_refused_before_the_rows_are_read() {
    let s = Sandbox::new();
    s.demo();
    let before = s.contents();
    let p = s.write(
        "mystery.csv",
        "编号,名字\n1,甲\n2,乙,多出来的一列,又一列\n3,丙\n",
    );
    let err = s.fails(&["import", p.to_str().expect("p")]);
    assert!(
        err.contains("mystery.csv") && err.contains("line 1"),
        "{err}"
    );
    assert!(!err.contains("fields, but the header has"), "{err}");
    assert_eq!(before, s.contents());
}
