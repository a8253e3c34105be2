//! The layers of docs/architecture.md, held by a test: each crate depends only on the
//! crates inside it, the domain crate reaches no runtime, terminal or network crate
//! (not even transitively) and does no I/O, and no crate's modules form a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Which workspace crates each crate may use: inward only.
const ALLOWED: &[(&str, &[&str])] = &[
    ("govcheck-domain", &[]),
    ("govcheck-formats", &["govcheck-domain"]),
    ("govcheck-api", &["govcheck-domain"]),
    ("govcheck-settings", &["govcheck-domain"]),
    ("govcheck-logging", &["govcheck-domain"]),
    (
        "govcheck-store",
        &["govcheck-domain", "govcheck-formats", "govcheck-api"],
    ),
    (
        "govcheck-synthetic",
        &["govcheck-domain", "govcheck-formats", "govcheck-store"],
    ),
    (
        "govcheck-server",
        &[
            "govcheck-domain",
            "govcheck-formats",
            "govcheck-store",
            "govcheck-api",
            "govcheck-logging",
        ],
    ),
    (
        "govcheck-tui",
        &[
            "govcheck-domain",
            "govcheck-formats",
            "govcheck-store",
            "govcheck-api",
            "govcheck-settings",
            "govcheck-logging",
        ],
    ),
    (
        "govcheck-cli",
        &[
            "govcheck-domain",
            "govcheck-formats",
            "govcheck-store",
            "govcheck-api",
            "govcheck-settings",
            "govcheck-logging",
            "govcheck-synthetic",
            "govcheck-server",
            "govcheck-tui",
        ],
    ),
];

/// Every crate directory under crates/, by package name, with its manifest.
fn members() -> BTreeMap<String, (PathBuf, toml::Table)> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(root().join("crates")).expect("crates/") {
        let dir = entry.expect("entry").path();
        let manifest: toml::Table = read(&dir.join("Cargo.toml")).parse().expect("toml");
        let name = manifest["package"]["name"]
            .as_str()
            .expect("package.name")
            .to_string();
        out.insert(name, (dir, manifest));
    }
    out
}

#[test]
fn workspace_crates_depend_inward_only() {
    let members = members();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    assert_eq!(
        members.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        allowed.keys().copied().collect::<BTreeSet<_>>(),
        "a crate was added or removed: place it in ALLOWED (and docs/architecture.md)"
    );
    for (name, (_, manifest)) in &members {
        // Normal dependencies only: a test may reach outward.
        let deps = manifest
            .get("dependencies")
            .and_then(|d| d.as_table())
            .cloned()
            .unwrap_or_default();
        for dep in deps.keys().filter(|d| d.starts_with("govcheck")) {
            assert!(
                allowed[name.as_str()].contains(&dep.as_str()),
                "{name} depends on {dep}, which is not inside it"
            );
        }
    }
}

#[test]
fn the_domain_reaches_no_runtime_terminal_or_network_crate() {
    let lock: toml::Table = read(&root().join("Cargo.lock"))
        .parse()
        .expect("Cargo.lock");
    let packages = lock["package"].as_array().expect("packages");
    let deps_of: BTreeMap<&str, Vec<&str>> = packages
        .iter()
        .map(|p| {
            let name = p["name"].as_str().expect("name");
            let deps = p
                .get("dependencies")
                .and_then(|d| d.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|d| d.as_str())
                        // "name version" when two versions are locked.
                        .map(|d| d.split(' ').next().unwrap_or(d))
                        .collect()
                })
                .unwrap_or_default();
            (name, deps)
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut todo = vec!["govcheck-domain"];
    while let Some(p) = todo.pop() {
        if seen.insert(p) {
            todo.extend(deps_of.get(p).into_iter().flatten().copied());
        }
    }
    // The scan works: what the domain does use is found.
    assert!(
        seen.contains("chrono") && seen.contains("pinyin"),
        "{seen:?}"
    );
    for forbidden in [
        "tokio",
        "hyper",
        "axum",
        "reqwest",
        "ratatui",
        "crossterm",
        "mio",
        "rustls",
        "iana-time-zone",
    ] {
        assert!(
            !seen.contains(forbidden),
            "govcheck-domain reaches {forbidden}"
        );
    }
}

/// The crate's source files, outside `#[cfg(test)]` modules, without comments.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.join("src")];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("dir") {
            let p = entry.expect("entry").path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = read(&p);
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                let code: String = code
                    .lines()
                    .map(|l| l.split("//").next().unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join("\n");
                out.push((p, code));
            }
        }
    }
    out
}

#[test]
fn the_domain_does_no_io_and_keeps_no_time() {
    let (dir, _) = &members()["govcheck-domain"];
    let files = sources(dir);
    assert!(files.len() > 10, "the scan found the domain's files");
    for (p, code) in files {
        for forbidden in [
            "std::fs",
            "std::net",
            "std::env",
            "std::process",
            "std::thread",
            "std::io::stdin",
            "std::io::stdout",
            "SystemTime",
            "Instant::now",
            "Utc::now",
            "Local::now",
            "println!",
            "eprintln!",
        ] {
            assert!(
                !code.contains(forbidden),
                "{}: uses {forbidden}",
                p.display()
            );
        }
    }
}

/// The words after `prefix` that name a module (`crate::registry::…` → registry).
fn module_refs<'a>(code: &'a str, prefix: &str) -> impl Iterator<Item = &'a str> {
    code.match_indices(prefix).filter_map(move |(i, _)| {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        let rest = &code[i + prefix.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        (end > 0).then(|| &rest[..end])
    })
}

/// A cycle among the crate's top-level modules, if there is one.
fn module_cycle(dir: &Path) -> Option<Vec<String>> {
    let src = dir.join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (p, code) in sources(dir) {
        let rel = p.strip_prefix(&src).expect("under src");
        let top = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or("")
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let mut refs: BTreeSet<String> = module_refs(&code, "crate::").map(String::from).collect();
        if rel.components().count() == 1 {
            refs.extend(module_refs(&code, "super::").map(String::from));
        }
        refs.remove(&top);
        graph.entry(top).or_default().extend(refs);
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for edges in graph.values_mut() {
        edges.retain(|m| modules.contains(m));
    }
    // Depth-first search for a back edge.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut cycle = path[i..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        if let Some(c) = visit(m, &graph, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_crate_has_a_cycle_among_its_modules() {
    for (name, (dir, _)) in members() {
        if let Some(cycle) = module_cycle(&dir) {
            panic!("{name}: modules form a cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).expect("src");
    std::fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\n").expect("lib");
    std::fs::write(src.join("a.rs"), "use crate::b::B;\npub struct A;\n").expect("a");
    std::fs::write(src.join("b.rs"), "use super::a::A;\npub struct B;\n").expect("b");
    assert!(module_cycle(tmp.path()).is_some());
    std::fs::write(src.join("b.rs"), "pub struct B; // crate::a::A\n").expect("b");
    assert_eq!(module_cycle(tmp.path()), None);
}
