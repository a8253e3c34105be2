//! The server keeps the contract of docs/openapi.json where schemathesis
//! (scripts/schemathesis.sh) found it did not: every error is the JSON error object.

mod common;

use common::server::*;
use serde_json::Value;

/// A path segment that is not UTF-8 once percent-decoded (`%FF`) was answered by
/// axum's own rejection, `text/plain` "Invalid URL", not the JSON error every client
/// parses: now 400 `bad_request` in the documented shape, on each route with an id.
#[test]
fn an_id_that_is_not_utf8_is_a_json_bad_request() {
    let (s, _sup, _viewer, admin) = setup();
    let srv = start(&s, "127.0.0.1:0");
    for (method, path) in [
        ("get", "/api/v1/findings/%FF"),
        ("get", "/api/v1/rounds/%FF/summary"),
        ("post", "/api/v1/findings/%FF/events"),
    ] {
        let url = format!("{}{path}", srv.url);
        let r = match method {
            "get" => http().get(&url),
            _ => http()
                .post(&url)
                .header("content-type", "application/json")
                .body(r#"{"kind":"verified","based_on":1}"#),
        }
        .bearer_auth(&admin)
        .send()
        .expect("send");
        assert_eq!(r.status().as_u16(), 400, "{method} {path}");
        let ctype = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(
            ctype.starts_with("application/json"),
            "{method} {path}: {ctype}"
        );
        let v: Value = r.json().expect("a JSON body");
        assert_eq!(v["error"]["code"], "bad_request", "{method} {path}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("id")),
            "{method} {path}: {v}"
        );
    }
}
