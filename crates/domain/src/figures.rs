//! Figures per round and region, rolled up the tree: the per-region table of a notice
//! (总量, 检查数量, 存在问题数, 合格率) and the remediation figures supervisors chase.
//!
//! This is the only place these numbers are computed; the CLI, the console and the
//! server all print what [`summarize`] returns.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::event::Status;
use super::indicator::{Catalogue, IndicatorKind};
use super::rate::Rate;
use super::region::RegionTree;
use super::registry::Registry;
use super::round::{Round, RoundMode};

/// One row of a per-region table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionFigures {
    /// Region code; for a 本级 row the scope's code; empty for the total.
    pub code: String,
    /// Region name as printed: `舟山市`, `浙江省本级`, or `总计`.
    pub region: String,
    /// Tree index of the row's region (`None` for the total and 本级 rows).
    #[serde(skip)]
    pub region_idx: Option<usize>,
    /// Accounts operating during the round (总量).
    pub total: u64,
    /// Accounts inspected (检查数量).
    pub inspected: u64,
    /// Inspected accounts that failed (存在问题数): accounts, not findings.
    pub problems: u64,
    /// 合格率 = 1 − problems / inspected.
    pub pass_rate: Rate,
    /// Findings in the round, and how they stand.
    pub findings: u64,
    pub open: u64,
    pub rectified: u64,
    pub verified: u64,
    pub waived: u64,
    /// Open findings past their deadline as of the summary's date.
    pub overdue: u64,
    /// Rectification completion rate = verified / (findings − waived).
    pub completion: Rate,
}

impl RegionFigures {
    fn empty(code: String, region: String, region_idx: Option<usize>) -> RegionFigures {
        RegionFigures {
            code,
            region,
            region_idx,
            total: 0,
            inspected: 0,
            problems: 0,
            pass_rate: Rate::new(0, 0),
            findings: 0,
            open: 0,
            rectified: 0,
            verified: 0,
            waived: 0,
            overdue: 0,
            completion: Rate::new(0, 0),
        }
    }

    fn add(&mut self, o: &RegionFigures) {
        self.total += o.total;
        self.inspected += o.inspected;
        self.problems += o.problems;
        self.findings += o.findings;
        self.open += o.open;
        self.rectified += o.rectified;
        self.verified += o.verified;
        self.waived += o.waived;
        self.overdue += o.overdue;
    }

    fn finish(&mut self) {
        self.pass_rate = Rate::pass(self.problems, self.inspected);
        self.completion = Rate::new(self.verified, self.findings.saturating_sub(self.waived));
    }

    /// Does this row have anything a supervisor must still act on?
    pub fn has_open_work(&self) -> bool {
        self.open + self.rectified > 0
    }
}

/// The per-region table of a round for one scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub round: String,
    /// Code of the scope region.
    pub scope: String,
    pub as_of: NaiveDate,
    /// One row per child region of the scope (in registry order), plus a `…本级` row
    /// when accounts are registered at the scope itself.
    pub rows: Vec<RegionFigures>,
    /// 总计.
    pub total: RegionFigures,
}

/// Why a summary could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FiguresError {
    #[error("no round {0:?}")]
    UnknownRound(String),
    #[error("the registry has no regions yet")]
    NoRegions,
}

/// The row of a scope's per-region table that counts a region: the child of the scope
/// that holds it, or the scope's own `…本级` row for the scope itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowOf {
    Child(usize),
    Own,
}

/// Which row of [`summarize`]'s table for `scope` counts region `idx` (tree indexes);
/// `None` when `idx` lies outside the scope. Every per-region count (the overview, the
/// deadlines' groups) rolls up through this, so they agree.
pub fn row_of(tree: &RegionTree, scope: usize, idx: usize) -> Option<RowOf> {
    if idx == scope {
        Some(RowOf::Own)
    } else {
        tree.child_under(scope, idx).map(RowOf::Child)
    }
}

/// The name of a row of `scope`'s table, as [`summarize`] prints it.
pub fn row_name(tree: &RegionTree, scope: usize, row: RowOf) -> String {
    match row {
        RowOf::Child(c) => tree.get(c).name.clone(),
        RowOf::Own => format!("{}本级", tree.get(scope).name),
    }
}

/// Per-account verdict of a round: did the account fail (存在问题)?
///
/// A new-media account fails on any finding against a veto indicator. A website fails
/// on a veto finding, or when its deductions (each indicator's total capped at its
/// maximum) leave fewer than `pass_score` of `full_score` points. Every finding of the
/// round counts whatever its remediation status: the round's result is fixed at
/// inspection, rectification does not rewrite it.
pub fn failing_accounts(reg: &Registry, round: &str, cat: &Catalogue) -> Vec<bool> {
    let mut fails = vec![false; reg.accounts().len()];
    // account → indicator → deducted points
    let mut deductions: HashMap<usize, HashMap<&str, u32>> = HashMap::new();
    for f in reg.findings().iter().filter(|f| f.round == round) {
        let Some(a) = reg.account_index(&f.account) else {
            continue;
        };
        let Some(ind) = cat.get(&f.indicator) else {
            // An indicator the catalogue no longer knows is taken as a veto: a problem
            // recorded in a round must never silently turn into a pass.
            fails[a] = true;
            continue;
        };
        match ind.kind {
            IndicatorKind::Veto => fails[a] = true,
            IndicatorKind::Deduction => {
                let pts = f.points.or(ind.points).unwrap_or(0);
                *deductions
                    .entry(a)
                    .or_default()
                    .entry(ind.code.as_str())
                    .or_default() += pts;
            }
        }
    }
    for (a, per_ind) in deductions {
        if !cat.is_website(&reg.accounts()[a].platform) {
            continue;
        }
        let lost: u32 = per_ind
            .iter()
            .map(|(code, pts)| {
                let cap = cat.get(code).and_then(|i| i.max_points).unwrap_or(*pts);
                (*pts).min(cap)
            })
            .sum();
        if cat.full_score.saturating_sub(lost) < cat.pass_score {
            fails[a] = true;
        }
    }
    fails
}

/// Is the account at `idx` counted in the round's total, and was it inspected?
pub fn counted(reg: &Registry, round: &Round, idx: usize) -> (bool, bool) {
    let a = &reg.accounts()[idx];
    let operating = a.operating_during(round.period_start, round.period_end);
    let inspected = match round.mode {
        RoundMode::Full => operating,
        RoundMode::Sample => reg.is_inspected(&round.id, idx),
    };
    (operating, inspected)
}

/// The per-region table of `round` for the children of `scope` (a tree index), as of a
/// day (for overdue).
pub fn summarize(
    reg: &Registry,
    cat: &Catalogue,
    round_id: &str,
    scope: usize,
    as_of: NaiveDate,
) -> Result<Summary, FiguresError> {
    let round = reg
        .round(round_id)
        .ok_or_else(|| FiguresError::UnknownRound(round_id.to_string()))?;
    let tree = reg.tree();
    if tree.is_empty() {
        return Err(FiguresError::NoRegions);
    }
    let children = tree.children(scope);
    // Row slot per child region, plus one for accounts at the scope itself.
    let mut slot_of: HashMap<usize, usize> = HashMap::with_capacity(children.len());
    let mut rows: Vec<RegionFigures> = children
        .iter()
        .enumerate()
        .map(|(slot, &c)| {
            slot_of.insert(c, slot);
            let r = tree.get(c);
            RegionFigures::empty(r.code.clone(), r.name.clone(), Some(c))
        })
        .collect();
    let scope_region = tree.get(scope);
    let own_slot = rows.len();
    rows.push(RegionFigures::empty(
        scope_region.code.clone(),
        row_name(tree, scope, RowOf::Own),
        None,
    ));

    let slot_for = |region_idx: usize| -> Option<usize> {
        match row_of(tree, scope, region_idx)? {
            RowOf::Own => Some(own_slot),
            RowOf::Child(c) => slot_of.get(&c).copied(),
        }
    };

    let fails = failing_accounts(reg, round_id, cat);
    for (idx, &failed) in fails.iter().enumerate() {
        let Some(slot) = slot_for(reg.account_region(idx)) else {
            continue;
        };
        let (operating, inspected) = counted(reg, round, idx);
        let row = &mut rows[slot];
        row.total += u64::from(operating);
        if inspected {
            row.inspected += 1;
            row.problems += u64::from(failed);
        }
    }
    for (fi, f) in reg.findings().iter().enumerate() {
        if f.round != round_id {
            continue;
        }
        let Some(a) = reg.account_index(&f.account) else {
            continue;
        };
        let Some(slot) = slot_for(reg.account_region(a)) else {
            continue;
        };
        let st = reg.state(fi);
        let row = &mut rows[slot];
        row.findings += 1;
        match st.status {
            Status::Open => row.open += 1,
            Status::Rectified => row.rectified += 1,
            Status::Verified => row.verified += 1,
            Status::Waived => row.waived += 1,
        }
        row.overdue += u64::from(st.is_overdue(as_of));
    }

    let mut total = RegionFigures::empty(String::new(), "总计".to_string(), None);
    for r in &mut rows {
        r.finish();
        total.add(r);
    }
    total.finish();
    // The 本级 row only appears when there is something at the scope itself, or when the
    // scope is a leaf (so the table is never empty).
    let own = &rows[own_slot];
    if own.total == 0 && own.findings == 0 && !children.is_empty() {
        rows.pop();
    }
    Ok(Summary {
        round: round_id.to_string(),
        scope: scope_region.code.clone(),
        as_of,
        rows,
        total,
    })
}
