//! Issue #11: tokens as the file says *now*, scopes bound to region codes, and a history
//! that records what the server saw apart from what the client claimed. Tokens changed
//! while serving are checked through the router in-process (tests/common/router.rs);
//! what needs the server's log, a real peer or the remote client runs the binary.

mod common;

use common::Sandbox;
use common::router::App;
use common::server::*;
use serde_json::{Value, json};

fn tokens_arg(s: &Sandbox) -> String {
    s.path("tokens.json").to_str().expect("path").to_string()
}

fn regions(srv: &Server, tok: &str) -> u16 {
    get(&format!("{}/api/v1/regions", srv.url), tok).0
}

fn regions_in(app: &App, tok: &str) -> u16 {
    app.get("/api/v1/regions", tok).0
}

/// The first finding of the demo round in `region` (a name, code or path).
fn finding_in(s: &Sandbox, region: &str) -> String {
    s.ok(&[
        "findings", "--round", "2022Q1", "--region", region, "--format", "csv",
    ])
    .lines()
    .nth(1)
    .and_then(|l| l.split(',').next().map(String::from))
    .unwrap_or_else(|| panic!("a finding in {region}"))
}

fn report(srv: &Server, tok: &str, id: &str) -> (u16, Value) {
    post(
        &format!("{}/api/v1/findings/{id}/events", srv.url),
        tok,
        &json!({"kind": "rectification_reported", "based_on": 1}).to_string(),
    )
}

/// Wait (not time: the line is written before the response; the reader thread may
/// only lag) until the server's log holds a line with all of `parts`.
fn logged(srv: &Server, parts: &[&str]) -> bool {
    for _ in 0..100 {
        let found = srv
            .log
            .lock()
            .is_ok_and(|l| l.iter().any(|line| parts.iter().all(|p| line.contains(p))));
        if found {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}

#[test]
fn a_token_revoked_while_serving_is_refused_at_the_very_next_request() {
    let (s, _, viewer, admin) = setup();
    let app = App::over(&s);
    assert_eq!(regions_in(&app, &viewer), 200);
    s.ok(&["token", "revoke", "--tokens", &tokens_arg(&s), "李四"]);
    assert_eq!(regions_in(&app, &viewer), 401, "revoked: refused at once");
    assert_eq!(regions_in(&app, &admin), 200, "the others still work");
}

#[test]
fn a_token_created_while_serving_works_at_the_very_next_request() {
    let (s, _, _, _) = setup();
    let app = App::over(&s);
    // Create and revoke within the same second, several times: every state is seen
    // by the very next request, whatever the timestamps' granularity.
    for i in 0..3 {
        let name = format!("新人{i}");
        let tok = token(&s, &name, "viewer", None);
        assert_eq!(regions_in(&app, &tok), 200, "created: let in at once ({i})");
        s.ok(&["token", "revoke", "--tokens", &tokens_arg(&s), &name]);
        assert_eq!(
            regions_in(&app, &tok),
            401,
            "revoked: refused at once ({i})"
        );
    }
}

#[test]
fn a_tokens_file_broken_while_serving_refuses_everyone_until_repaired() {
    let (s, _, viewer, _) = setup();
    let srv = start(&s, "127.0.0.1:0");
    let good = std::fs::read(s.path("tokens.json")).expect("tokens");
    std::fs::write(s.path("tokens.json"), b"{\"version\": 1, \"tokens\": [").expect("w");
    let (st, v) = get(&format!("{}/api/v1/regions", srv.url), &viewer);
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (503, Some("tokens_unavailable"))
    );
    assert!(logged(&srv, &["tokens file cannot be used", "tokens.json"]));
    std::fs::write(s.path("tokens.json"), good).expect("repair");
    assert_eq!(regions(&srv, &viewer), 200);
}

/// Item 2: an import renames 舟山市 (330900) to 舟山 and adds another 舟山市 under
/// 金华市. The supervisor scoped to 舟山市 keeps 330900 and gains nothing under 金华市.
#[test]
fn a_scope_stays_on_its_code_when_an_import_renames_and_repeats_its_name() {
    let (s, sup, _, admin) = setup();
    let srv = start(&s, "127.0.0.1:0");
    let own = finding_in(&s, "330900");
    let regions_csv = s.write(
        "regions.csv",
        "code,name,parent_code\n330900,舟山,330000\n330799,舟山市,330700\n",
    );
    let accounts_csv = s.write(
        "accounts.csv",
        "id,name,platform,region,host_unit\njh-zs-1,金华舟山发布,微信,330799,金华某局\n",
    );
    let findings_csv = s.write(
        "findings.csv",
        "round,account,problem\n2022Q1,jh-zs-1,监测点前两周未更新\n",
    );
    let out = remote(
        &s,
        &srv.url,
        &admin,
        &[
            "import",
            regions_csv.to_str().expect("p"),
            accounts_csv.to_str().expect("p"),
            findings_csv.to_str().expect("p"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let moved = finding_in(&s, "330799");
    assert_ne!(moved, own);

    let (st, v) = report(&srv, &sup, &moved);
    assert_eq!(st, 403, "the new 舟山市 under 金华市 is not his: {v}");
    let (st, v) = report(&srv, &sup, &own);
    assert_eq!(st, 201, "330900, now named 舟山, still is: {v}");
    let (st, me) = get(&format!("{}/api/v1/me", srv.url), &sup);
    assert_eq!(st, 200);
    assert_eq!(
        (
            me["scope"].as_str(),
            me["scope_code"].as_str(),
            me["scope_path"].as_str()
        ),
        (Some("舟山市"), Some("330900"), Some("浙江省/舟山"))
    );
    let listed = s.ok(&["token", "list", "--tokens", &tokens_arg(&s)]);
    assert!(
        listed
            .lines()
            .any(|l| l.contains("张三") && l.contains("舟山市") && l.contains("330900")),
        "{listed}"
    );
}

/// A scope whose code is not in the registry (or an old entry scoped by a name) refuses
/// that token with 403 and a logged reason; the server starts and serves the others.
#[test]
fn a_scope_that_no_longer_resolves_refuses_its_token_not_the_server() {
    let (s, sup, viewer, _) = setup();
    let own = finding_in(&s, "330900");
    let path = s.path("tokens.json");
    let mut file: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("tokens")).expect("json");
    let entries = file["tokens"].as_array_mut().expect("tokens");
    let mut legacy = entries[0].clone();
    assert_eq!(entries[0]["scope_code"], "330900", "bound at creation");
    entries[0]["scope_code"] = json!("339999");
    // An entry written before scopes were bound: only a name, which is not trusted.
    let old_tok = "gct_an-old-token-scoped-by-name";
    legacy["id"] = json!("0ld0ld00");
    legacy["name"] = json!("老王");
    legacy["hash"] = json!(hex_sha256(old_tok));
    legacy.as_object_mut().expect("entry").remove("scope_code");
    entries.push(legacy);
    std::fs::write(&path, serde_json::to_vec(&file).expect("json")).expect("write");

    let srv = start(&s, "127.0.0.1:0");
    let (st, v) = report(&srv, &sup, &own);
    assert_eq!(st, 403, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("339999")),
        "{v}"
    );
    assert!(logged(&srv, &["张三", "refused", "339999"]));
    let (st, v) = report(&srv, old_tok, &own);
    assert_eq!(st, 403, "a scope by name only is refused: {v}");
    assert!(logged(&srv, &["老王", "refused", "not bound"]));
    assert_eq!(regions(&srv, &viewer), 200, "the server serves the others");
}

fn hex_sha256(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Item 7: what the client says about itself is kept as claimed, never as seen.
#[test]
fn the_history_records_the_peer_seen_and_the_client_claims_apart() {
    let (s, sup, _, _) = setup();
    let srv = start(&s, "127.0.0.1:0");
    let id = zhoushan_finding(&s);
    let (st, v) = post(
        &format!("{}/api/v1/findings/{id}/events", srv.url),
        &sup,
        &json!({
            "kind": "rectification_reported", "based_on": 1,
            "os_user": "root", "ssh_client": "10.9.9.9"
        })
        .to_string(),
    );
    assert_eq!(st, 201, "{v}");
    let by = &v["finding"]["events"][1]["by"];
    assert_eq!(by["name"], "张三");
    assert_eq!(by["peer"], "127.0.0.1", "{by}");
    assert_eq!(by["ssh_client"], Value::Null, "{by}");
    assert_eq!(by["os_user"], Value::Null, "{by}");
    assert_eq!(by["claimed"]["ssh_client"], "10.9.9.9", "{by}");
    assert_eq!(by["claimed"]["os_user"], "root", "{by}");
    let (_, f) = get(&format!("{}/api/v1/findings/{id}", srv.url), &sup);
    assert_eq!(&f["events"][1]["by"], by, "the same when read back");

    let hist = s.ok(&["history", &id, "--format", "csv"]);
    let header = hist.lines().next().expect("header");
    assert!(
        header.ends_with(",os_user,ssh_client,note,peer,claimed_os_user,claimed_ssh_client"),
        "{header}"
    );
    let last = hist.lines().last().expect("event");
    assert!(
        last.contains(",rectification_reported,张三,,,,127.0.0.1,root,10.9.9.9"),
        "{last}"
    );
    let table = s.ok(&["history", &id]);
    assert!(
        table.contains("张三 from 127.0.0.1 (claimed root@10.9.9.9)"),
        "{table}"
    );
}
