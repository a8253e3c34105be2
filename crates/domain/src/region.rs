//! The region tree: province → city → county/district → town, plus pseudo-regions such
//! as 省本级 (accounts owned by provincial departments) that sit beside the cities.
//!
//! Names are not unique in the country (鼓楼区 is in Nanjing, Fuzhou, Xuzhou and
//! Kaifeng), so a region is identified by its code; a name is accepted only where it is
//! unique, and a path (`浙江省/舟山市/普陀区`) always works.

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

/// One node of the tree as it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub code: String,
    pub name: String,
    /// `None` only for the store's root region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// Why a region reference could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionLookupError {
    #[error("no region {0:?}")]
    NotFound(String),
    #[error("region name {name:?} is ambiguous: {candidates}; use a code or a path")]
    Ambiguous { name: String, candidates: String },
}

/// Index over the regions of a registry, rebuilt whenever regions change, so that
/// figures can be rolled up by integer index instead of string lookups.
#[derive(Debug, Clone, Default)]
pub struct RegionTree {
    regions: Vec<Region>,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    depth: Vec<usize>,
    by_code: HashMap<String, usize>,
    by_name: HashMap<String, Vec<usize>>,
    root: usize,
}

impl RegionTree {
    /// Build the index. Regions whose parent is unknown are attached to the root so a
    /// damaged import can never make accounts disappear from the totals.
    pub fn new(regions: Vec<Region>) -> RegionTree {
        let mut by_code = HashMap::with_capacity_and_hasher(regions.len(), Default::default());
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, r) in regions.iter().enumerate() {
            by_code.insert(r.code.clone(), i);
            by_name.entry(r.name.clone()).or_default().push(i);
        }
        let root = regions.iter().position(|r| r.parent.is_none()).unwrap_or(0);
        let mut parent = vec![None; regions.len()];
        let mut children = vec![Vec::new(); regions.len()];
        for (i, r) in regions.iter().enumerate() {
            if i == root {
                continue;
            }
            let p = r
                .parent
                .as_ref()
                .and_then(|c| by_code.get(c).copied())
                .filter(|&p| p != i)
                .unwrap_or(root);
            parent[i] = Some(p);
            children[p].push(i);
        }
        // Depth by walking up; a cycle (corrupt data) is cut at the root.
        let mut depth = vec![0; regions.len()];
        for (i, d) in depth.iter_mut().enumerate() {
            let mut n = 0;
            let mut cur = i;
            while let Some(p) = parent[cur] {
                n += 1;
                cur = p;
                if n > regions.len() {
                    break;
                }
            }
            *d = n;
        }
        RegionTree {
            regions,
            parent,
            children,
            depth,
            by_code,
            by_name,
            root,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }
    pub fn len(&self) -> usize {
        self.regions.len()
    }
    pub fn root(&self) -> usize {
        self.root
    }
    pub fn get(&self, idx: usize) -> &Region {
        &self.regions[idx]
    }
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }
    pub fn parent(&self, idx: usize) -> Option<usize> {
        self.parent[idx]
    }
    pub fn children(&self, idx: usize) -> &[usize] {
        &self.children[idx]
    }
    pub fn depth(&self, idx: usize) -> usize {
        self.depth[idx]
    }
    pub fn by_code(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// `浙江省/舟山市` — the path from the root, for messages and breadcrumbs.
    pub fn path(&self, idx: usize) -> String {
        self.chain(idx)
            .iter()
            .map(|&i| self.regions[i].name.as_str())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The shortest tail of `idx`'s path that no other region's path ends with, joined
    /// by `/`: `普陀区` where the name is unique, `舟山市/市本级` where every city has a
    /// 市本级. What a list shows in a region column, so a row is never ambiguous
    /// without spending the width of the whole path.
    pub fn distinct_name(&self, idx: usize) -> String {
        let Some(region) = self.regions.get(idx) else {
            return String::new();
        };
        let others = self
            .by_name
            .get(&region.name)
            .map_or(&[][..], Vec::as_slice);
        // Levels that must be shown: one more than the longest tail shared with another
        // region of the same name.
        let mut levels = 1;
        for &o in others.iter().filter(|&&o| o != idx) {
            let (mut a, mut b, mut shared) = (idx, o, 1);
            while let (Some(pa), Some(pb)) = (self.parent[a], self.parent[b]) {
                if self.regions[pa].name != self.regions[pb].name || shared > self.regions.len() {
                    break;
                }
                shared += 1;
                (a, b) = (pa, pb);
            }
            levels = levels.max(shared + 1);
        }
        let chain = self.chain(idx);
        let from = chain.len().saturating_sub(levels);
        chain[from..]
            .iter()
            .map(|&i| self.regions[i].name.as_str())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Indices from the root down to `idx`.
    pub fn chain(&self, idx: usize) -> Vec<usize> {
        let mut out = vec![idx];
        let mut cur = idx;
        while let Some(p) = self.parent[cur] {
            if out.len() > self.regions.len() {
                break;
            }
            out.push(p);
            cur = p;
        }
        out.reverse();
        out
    }

    /// Is `idx` equal to `scope` or below it?
    pub fn is_within(&self, idx: usize, scope: usize) -> bool {
        self.child_under(scope, idx).is_some() || idx == scope
    }

    /// The child of `scope` whose subtree holds `idx`; `None` if `idx` is `scope` itself
    /// or lies outside it. This is what rolls accounts up into a per-region table.
    pub fn child_under(&self, scope: usize, idx: usize) -> Option<usize> {
        let target = self.depth[scope] + 1;
        if self.depth[idx] < target {
            return None;
        }
        let mut cur = idx;
        while self.depth[cur] > target {
            cur = self.parent[cur]?;
        }
        (self.parent[cur] == Some(scope)).then_some(cur)
    }

    /// Resolve what a person typed: a code, a path from the root (the root's own name
    /// may be left out), or a name that is unique in the store.
    pub fn resolve(&self, text: &str) -> Result<usize, RegionLookupError> {
        let text = text.trim();
        if let Some(i) = self.by_code(text) {
            return Ok(i);
        }
        if text.contains('/') {
            return self
                .resolve_path(text)
                .ok_or_else(|| RegionLookupError::NotFound(text.to_string()));
        }
        match self.by_name.get(text).map(Vec::as_slice) {
            Some([one]) => Ok(*one),
            Some(many) if !many.is_empty() => Err(RegionLookupError::Ambiguous {
                name: text.to_string(),
                candidates: many
                    .iter()
                    .map(|&i| format!("{} ({})", self.path(i), self.regions[i].code))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
            _ => Err(RegionLookupError::NotFound(text.to_string())),
        }
    }

    /// Follow `a/b/c` down from the root; the first part may name the root.
    pub fn resolve_path(&self, path: &str) -> Option<usize> {
        let mut parts = path.split('/').map(str::trim).filter(|p| !p.is_empty());
        let mut cur = self.root;
        let first = parts.next()?;
        if self.regions.get(cur).map(|r| r.name.as_str()) != Some(first) {
            cur = self.child_named(cur, first)?;
        }
        for part in parts {
            cur = self.child_named(cur, part)?;
        }
        Some(cur)
    }

    pub fn child_named(&self, parent: usize, name: &str) -> Option<usize> {
        self.children[parent]
            .iter()
            .copied()
            .find(|&c| self.regions[c].name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(code: &str, name: &str, parent: Option<&str>) -> Region {
        Region {
            code: code.into(),
            name: name.into(),
            parent: parent.map(Into::into),
        }
    }

    fn tree() -> RegionTree {
        RegionTree::new(vec![
            r("100000", "全国", None),
            r("320000", "江苏省", Some("100000")),
            r("320100", "南京市", Some("320000")),
            r("320106", "鼓楼区", Some("320100")),
            r("350000", "福建省", Some("100000")),
            r("350100", "福州市", Some("350000")),
            r("350102", "鼓楼区", Some("350100")),
        ])
    }

    #[test]
    fn ambiguous_name_lists_candidates() {
        let t = tree();
        match t.resolve("鼓楼区") {
            Err(RegionLookupError::Ambiguous { candidates, .. }) => {
                assert!(candidates.contains("全国/江苏省/南京市/鼓楼区 (320106)"));
                assert!(candidates.contains("全国/福建省/福州市/鼓楼区 (350102)"));
            }
            other => panic!("expected ambiguity, got {other:?}"),
        }
    }

    #[test]
    fn path_and_code_resolve() {
        let t = tree();
        assert_eq!(t.resolve("福建省/福州市/鼓楼区"), Ok(6));
        assert_eq!(t.resolve("全国/江苏省/南京市/鼓楼区"), Ok(3));
        assert_eq!(t.resolve("320106"), Ok(3));
        assert_eq!(t.resolve("南京市"), Ok(2));
        assert!(matches!(
            t.resolve("杭州市"),
            Err(RegionLookupError::NotFound(_))
        ));
    }

    #[test]
    fn child_under_rolls_up() {
        let t = tree();
        assert_eq!(t.child_under(0, 3), Some(1));
        assert_eq!(t.child_under(1, 3), Some(2));
        assert_eq!(t.child_under(2, 3), Some(3));
        assert_eq!(t.child_under(3, 3), None);
        assert_eq!(t.child_under(4, 3), None);
        assert!(t.is_within(3, 1));
        assert!(!t.is_within(3, 4));
        assert_eq!(t.path(6), "全国/福建省/福州市/鼓楼区");
    }

    #[test]
    fn distinct_name_shows_as_much_of_the_path_as_tells_a_region_apart() {
        let t = RegionTree::new(vec![
            r("100000", "全国", None),
            r("330000", "浙江省", Some("100000")),
            r("330900", "舟山市", Some("330000")),
            r("330901", "市本级", Some("330900")),
            r("330700", "金华市", Some("330000")),
            r("330701", "市本级", Some("330700")),
            r("320000", "江苏省", Some("100000")),
            r("320100", "南京市", Some("320000")),
            r("320106", "鼓楼区", Some("320100")),
            r("350000", "福建省", Some("100000")),
            r("350100", "南京市", Some("350000")),
            r("350106", "鼓楼区", Some("350100")),
        ]);
        assert_eq!(t.distinct_name(2), "舟山市");
        assert_eq!(t.distinct_name(3), "舟山市/市本级");
        assert_eq!(t.distinct_name(5), "金华市/市本级");
        // Same name and same parent name: up to the province.
        assert_eq!(t.distinct_name(8), "江苏省/南京市/鼓楼区");
        assert_eq!(t.distinct_name(11), "福建省/南京市/鼓楼区");
        assert_eq!(t.distinct_name(0), "全国");
        assert_eq!(t.distinct_name(99), "");
    }
}
