//! Search in one place: the CLI's `accounts --search`, the server's
//! `/api/v1/accounts?search=` and the console's search all rank from the domain's
//! `SearchIndex`, so the same query finds the same accounts everywhere; the server
//! builds that index once per journal position, never per request; a cancelled search
//! stops.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use govcheck::domain::registry::Registry;
use govcheck::domain::search::{
    Cancel, Cancelled, Query, SearchIndex, SearchKey, Target, match_key,
};
use govcheck::server::auth::{Role, Tokens};
use govcheck::server::{AppState, router};
use govcheck::store::RegistrySource;
use serde_json::Value;
use tower::ServiceExt;

/// The account search as it was before the index: every account's name and host unit
/// prepared afresh, the better score kept, best first and ties in registry order. The
/// index must give exactly this.
fn brute_force(reg: &Registry, query: &str) -> Vec<usize> {
    brute_force_within(reg, None, query)
}

/// [`brute_force`] among the accounts within a region (tree index).
fn brute_force_within(reg: &Registry, scope: Option<usize>, query: &str) -> Vec<usize> {
    let q = Query::new(query);
    let tree = reg.tree();
    let mut hits: Vec<(i64, usize)> = reg
        .accounts()
        .iter()
        .enumerate()
        .filter(|(i, _)| scope.is_none_or(|s| tree.is_within(reg.account_region(*i), s)))
        .filter_map(|(i, a)| {
            [&a.name, &a.host_unit]
                .iter()
                .filter_map(|t| match_key(&q, &SearchKey::new(t)))
                .map(|m| m.score)
                .max()
                .map(|s| (s, i))
        })
        .collect();
    hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    hits.into_iter().map(|(_, i)| i).collect()
}

/// A demo store served in-process (the router without a socket), with a viewer token.
struct Served {
    sandbox: common::Sandbox,
    state: Arc<AppState>,
    token: String,
    rt: tokio::runtime::Runtime,
}

impl Served {
    fn new() -> Served {
        let sandbox = common::Sandbox::new();
        sandbox.demo();
        let tokens_path = sandbox.path("tokens.json");
        let now = chrono::Utc::now().fixed_offset();
        let mut tokens = Tokens::load(&tokens_path).expect("tokens");
        let token = tokens
            .create("view", Role::Viewer, None, now)
            .expect("create");
        let local = common::open_store(&sandbox.store());
        let state = AppState::new(
            Arc::new(local),
            govcheck::domain::indicator::Catalogue::builtin(),
            chrono_tz::Asia::Shanghai,
            Tokens::load(&tokens_path).expect("tokens"),
        )
        .expect("state");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        Served {
            sandbox,
            state,
            token,
            rt,
        }
    }

    fn get(&self, path_and_query: &str) -> (StatusCode, Value) {
        let mut req = Request::get(path_and_query)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .body(Body::empty())
            .expect("request");
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 7], 40000))));
        let app = router(self.state.clone());
        self.rt.block_on(async {
            let resp = app.oneshot(req).await.expect("infallible");
            let status = resp.status();
            let body = axum::body::to_bytes(resp.into_body(), 64 << 20)
                .await
                .expect("body");
            (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
        })
    }

    /// Every account id `/api/v1/accounts?search=` lists, page after page, in order.
    fn server_ids(&self, query: &str) -> Vec<String> {
        self.server_ids_within("", query)
    }

    /// [`Served::server_ids`] with `region=` (none when empty).
    fn server_ids_within(&self, region: &str, query: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let region = if region.is_empty() {
            String::new()
        } else {
            format!("&region={}", encode(region))
        };
        for page in 1.. {
            let (status, v) = self.get(&format!(
                "/api/v1/accounts?search={}&per_page=1000&page={page}{region}",
                encode(query)
            ));
            assert_eq!(status, StatusCode::OK, "{v}");
            let items = v["items"].as_array().expect("items");
            ids.extend(
                items
                    .iter()
                    .map(|a| a["id"].as_str().expect("id").to_string()),
            );
            if ids.len() >= v["total"].as_u64().expect("total") as usize || items.is_empty() {
                break;
            }
        }
        ids
    }

    /// Every account id `govcheck accounts --search` prints, in order.
    fn cli_ids(&self, query: &str) -> Vec<String> {
        self.cli_ids_within(&[], query)
    }

    /// [`Served::cli_ids`] with more arguments (`--region R`).
    fn cli_ids_within(&self, args: &[&str], query: &str) -> Vec<String> {
        let mut all = vec!["accounts", "--search", query, "--format", "csv"];
        all.extend_from_slice(args);
        let out = self.sandbox.ok(&all);
        let mut rows = csv::Reader::from_reader(out.as_bytes());
        rows.records()
            .map(|r| r.expect("csv row")[0].to_string())
            .collect()
    }

    fn registry(&self) -> Registry {
        common::open_store(&self.sandbox.store())
            .load()
            .expect("load")
            .registry
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn the_cli_the_server_and_the_console_find_the_same_accounts() {
    let served = Served::new();
    let reg = served.registry();
    let unit = reg
        .accounts()
        .iter()
        .find(|a| a.name == "舟山医疗保障")
        .map(|a| a.host_unit.clone())
        .expect("the demo names 舟山医疗保障");
    assert!(!unit.is_empty());
    let console = govcheck::tui::task::build_index(&reg);
    for query in [
        "zhoushan",
        "zs",
        "舟山",
        "zsyl",
        unit.as_str(),
        "12345",
        "zzzzq",
    ] {
        let want: Vec<String> = brute_force(&reg, query)
            .iter()
            .map(|&i| reg.accounts()[i].id.clone())
            .collect();
        assert_eq!(served.cli_ids(query), want, "CLI, {query:?}");
        assert_eq!(served.server_ids(query), want, "server, {query:?}");

        // The console lists a host unit once, for all its accounts, beside the
        // accounts' names and the regions: the accounts it finds are the same.
        let (hits, total) = govcheck::tui::task::search(&console, &reg, query);
        let mut found = BTreeSet::new();
        for hit in &hits {
            match hit.target {
                Target::Account(i) => {
                    found.insert(reg.accounts()[i].id.clone());
                }
                Target::HostUnit(i) => {
                    let unit = &reg.accounts()[i].host_unit;
                    found.extend(
                        reg.accounts()
                            .iter()
                            .filter(|a| &a.host_unit == unit)
                            .map(|a| a.id.clone()),
                    );
                }
                Target::Region(_) => {}
            }
        }
        let want: BTreeSet<String> = want.into_iter().collect();
        if total <= hits.len() {
            assert_eq!(found, want, "console, {query:?}");
        } else {
            assert!(found.is_subset(&want), "console, {query:?}");
        }
    }
}

#[test]
fn a_search_within_a_region_finds_the_same_accounts_in_the_cli_and_the_server() {
    let served = Served::new();
    let reg = served.registry();
    let zhoushan = reg.tree().resolve("舟山市").expect("舟山市");
    let mut narrowed = 0;
    for query in ["zs", "gongan", "舟山", "12345", "putuo", "fb", "hz"] {
        let want: Vec<String> = brute_force_within(&reg, Some(zhoushan), query)
            .iter()
            .map(|&i| reg.accounts()[i].id.clone())
            .collect();
        narrowed += usize::from(want.len() < brute_force(&reg, query).len());
        let cli = served.cli_ids_within(&["--region", "舟山市"], query);
        assert_eq!(cli, want, "CLI, {query:?}");
        assert_eq!(
            served.server_ids_within("舟山市", query),
            want,
            "server, {query:?}"
        );
    }
    assert!(narrowed >= 3, "the region must leave hits out");
}

#[test]
fn the_server_builds_its_search_index_once_per_journal_position() {
    let served = Served::new();
    let builds = || served.state.search.builds();
    // A list without a search needs no index.
    assert_eq!(served.get("/api/v1/accounts").0, StatusCode::OK);
    assert_eq!(builds(), 0);
    for q in ["zs", "zhoushan", "舟山", "zs"] {
        served.server_ids(q);
    }
    assert_eq!(builds(), 1, "one index for four searches");

    // The journal moves with an event: the names are the same, so is the index.
    let (_, before) = served.get("/api/v1/health");
    let id = common::server::zhoushan_finding(&served.sandbox);
    served.sandbox.ok(&["rectified", &id, "--note", "已整改"]);
    let (_, health) = served.get("/api/v1/health");
    assert!(health["seq"].as_u64() > before["seq"].as_u64(), "{health}");
    served.server_ids("zs");
    assert_eq!(builds(), 1, "an event leaves every name as it was");

    // An import adds an account: the next search builds the new names' index, once.
    let accounts = served.sandbox.write(
        "accounts.csv",
        "id,name,platform,region,host_unit\nzs-new,舟山新区发布,微信公众号,舟山市,舟山新区管委会\n",
    );
    served
        .sandbox
        .ok(&["import", accounts.to_str().expect("path")]);
    assert_eq!(builds(), 1, "built lazily, when somebody searches");
    let after = served.server_ids("zsxq");
    served.server_ids("tzsf");
    assert_eq!(builds(), 2);
    assert!(after.contains(&"zs-new".to_string()), "{after:?}");
    let (_, now) = served.get("/api/v1/health");
    assert!(now["seq"].as_u64() > health["seq"].as_u64());
    let reg = served.registry();
    for q in ["zs", "zsxq", "舟山新区"] {
        let want: Vec<String> = brute_force(&reg, q)
            .iter()
            .map(|&i| reg.accounts()[i].id.clone())
            .collect();
        assert_eq!(served.server_ids(q), want, "{q}");
    }
    assert_eq!(builds(), 2);
}

#[test]
fn a_cancelled_account_search_stops_part_way_through_the_registry() {
    let served = Served::new();
    let reg = served.registry();
    let index = SearchIndex::build(&reg);
    let full = Cancel::new();
    assert!(
        index
            .accounts(&reg, None, "舟山", &full)
            .is_ok_and(|hits| !hits.is_empty())
    );
    let polls = full.polls();
    assert!(
        polls >= 3,
        "the demo is a few thousand names: {polls} polls"
    );
    let cancel = Cancel::after(2);
    assert_eq!(index.accounts(&reg, None, "舟山", &cancel), Err(Cancelled));
    assert_eq!(cancel.polls(), 2, "stopped at the poll that saw the cancel");
}
