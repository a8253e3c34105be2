//! Finding rows rolled up by region the way the overview counts them: each row goes to
//! the child region of the scope that holds it (or the scope's own 本级 row), through
//! `domain::figures::row_of`, so the deadlines tab's per-region counts are the
//! overview's at every level (at national scope, each province; never every 市本级
//! merged into one). And the region each row names, shown with as much of its path as
//! tells it apart (`舟山市/市本级`).

use std::collections::HashMap;

use govcheck_domain::figures::{RowOf, row_name, row_of};
use govcheck_domain::listing::FindingRow;
use govcheck_domain::registry::Registry;

/// The tree index of the region a row's account is registered at.
fn region_of(reg: &Registry, r: &FindingRow) -> Option<usize> {
    reg.tree().by_code(&r.region_code)
}

/// Counts of `rows[i]` for `i` in `idx` per row of `scope`'s table (tree index), most
/// first, ties by name.
pub fn per_region(
    reg: &Registry,
    scope: usize,
    rows: &[FindingRow],
    idx: &[usize],
) -> Vec<(String, usize)> {
    let tree = reg.tree();
    let mut counts: HashMap<RowOf, usize> = HashMap::new();
    let mut order: Vec<RowOf> = Vec::new();
    for &i in idx {
        let Some(row) = rows
            .get(i)
            .and_then(|r| region_of(reg, r))
            .and_then(|g| row_of(tree, scope, g))
        else {
            continue;
        };
        let c = counts.entry(row).or_insert(0);
        if *c == 0 {
            order.push(row);
        }
        *c += 1;
    }
    let mut out: Vec<(String, usize)> = order
        .into_iter()
        .map(|row| (row_name(tree, scope, row), counts[&row]))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// Cells the widest label takes (0 for none).
pub fn widest(labels: &[String]) -> usize {
    labels
        .iter()
        .map(|r| govcheck_domain::text::width(r))
        .max()
        .unwrap_or(0)
}

/// For each row, its region with as much of the path as tells it apart
/// (`RegionTree::distinct_name`), worked out once per region.
pub fn region_labels(reg: &Registry, rows: &[FindingRow]) -> Vec<String> {
    let tree = reg.tree();
    let mut seen: HashMap<&str, String> = HashMap::new();
    rows.iter()
        .map(|r| {
            seen.entry(r.region_code.as_str())
                .or_insert_with(|| match region_of(reg, r) {
                    Some(g) => tree.distinct_name(g),
                    None => r.region.clone(),
                })
                .clone()
        })
        .collect()
}
