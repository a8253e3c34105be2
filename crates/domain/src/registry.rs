//! The registry in memory: everything a store holds, rebuilt by applying its changes in
//! order. Every edge (CLI, console, server) reads the same `Registry`, so every figure
//! comes from the same code.

use std::sync::Arc;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::account::Account;
use super::event::{Event, EventKind, FindingState, TransitionError};
use super::finding::Finding;
use super::published::PublishedNotice;
use super::region::{Region, RegionTree};
use super::round::{Round, chronological};

mod change_de;

/// One recorded change. A store's journal is a sequence of batches of these; replaying
/// them in order gives the registry. Serialised as a map tagged by `op`; decoded by a
/// hand-written decoder (`registry/change_de.rs`: same format, without serde's
/// buffering of every change).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// Create or replace a region (by code).
    Region(Region),
    /// Create or replace an account (by id).
    Account(Account),
    /// Create or replace a round (by id).
    Round(Round),
    /// Add accounts to a sample round's inspected list.
    Inspected {
        round: String,
        accounts: Vec<String>,
    },
    /// Create a finding; its first event (`reported`) follows in the same batch.
    Finding(Finding),
    /// Append to a finding's history.
    Event(Event),
    /// Record (or replace) a round's published notice (附件1 and 附件2).
    Notice(PublishedNotice),
}

/// A change that does not fit the registry as it stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("unknown region {0:?}")]
    UnknownRegion(String),
    #[error("unknown account {0:?}")]
    UnknownAccount(String),
    #[error("unknown round {0:?}")]
    UnknownRound(String),
    #[error("unknown finding {0:?}")]
    UnknownFinding(String),
    #[error("finding {0:?} exists already")]
    DuplicateFinding(String),
    #[error("round {round}: sample list applies to sample rounds only")]
    NotSample { round: String },
    #[error(transparent)]
    Transition(#[from] TransitionError),
}

/// Everything known, with indexes for the questions the screens ask.
///
/// Cloning is cheap on purpose: the server hands a snapshot to every request and
/// takes a fresh one after each write, so everything but the findings' histories and
/// states sits behind an [`Arc`] and is copied only when a change touches it
/// (copy-on-write). Recording one event on a 150,000-account registry copies the
/// event histories, not the accounts.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    regions: Arc<Vec<Region>>,
    region_pos: Arc<HashMap<String, usize>>,
    tree: Arc<RegionTree>,
    tree_dirty: bool,
    accounts: Arc<Vec<Account>>,
    account_pos: Arc<HashMap<String, usize>>,
    /// Region index (into the tree) of each account; valid when the tree is clean.
    account_region: Arc<Vec<usize>>,
    rounds: Arc<Vec<Round>>,
    /// Sample lists by round, as account indexes (no copy of 150,000 id strings).
    inspected: Arc<HashMap<String, HashSet<usize>>>,
    findings: Arc<Vec<Finding>>,
    finding_pos: Arc<HashMap<String, usize>>,
    finding_keys: Arc<HashMap<(String, String, String), usize>>,
    events: Vec<Vec<Event>>,
    states: Vec<FindingState>,
    findings_per_round: Arc<HashMap<String, usize>>,
    notices: Arc<HashMap<String, PublishedNotice>>,
}

/// Write access to a shared part of the registry, copying it first if a snapshot
/// elsewhere still holds it.
fn mutate<T: Clone>(part: &mut Arc<T>) -> &mut T {
    Arc::make_mut(part)
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Apply a batch of changes, then rebuild the indexes once. On error the registry
    /// may hold part of the batch: callers apply to a working copy and discard it.
    pub fn apply_all(
        &mut self,
        changes: impl IntoIterator<Item = Change>,
    ) -> Result<(), ApplyError> {
        for c in changes {
            self.apply(c)?;
        }
        self.reindex();
        Ok(())
    }

    /// Apply one change. Call [`Registry::reindex`] after a run of region changes.
    /// Changes are taken by value: a national registry replays 150,000 accounts on every
    /// start, and cloning them would double the load time.
    pub fn apply(&mut self, change: Change) -> Result<(), ApplyError> {
        match change {
            Change::Region(r) => {
                if let Some(parent) = &r.parent
                    && !self.region_pos.contains_key(parent)
                {
                    return Err(ApplyError::UnknownRegion(parent.clone()));
                }
                match self.region_pos.get(&r.code) {
                    Some(&i) => mutate(&mut self.regions)[i] = r,
                    None => {
                        mutate(&mut self.region_pos).insert(r.code.clone(), self.regions.len());
                        mutate(&mut self.regions).push(r);
                    }
                }
                self.tree_dirty = true;
            }
            Change::Account(a) => {
                if !self.region_pos.contains_key(&a.region) {
                    return Err(ApplyError::UnknownRegion(a.region.clone()));
                }
                let region_idx = self.region_pos[&a.region];
                match self.account_pos.get(&a.id) {
                    Some(&i) => {
                        mutate(&mut self.accounts)[i] = a;
                        mutate(&mut self.account_region)[i] = region_idx;
                    }
                    None => {
                        mutate(&mut self.account_pos).insert(a.id.clone(), self.accounts.len());
                        mutate(&mut self.accounts).push(a);
                        mutate(&mut self.account_region).push(region_idx);
                    }
                }
            }
            Change::Round(r) => {
                let rounds = mutate(&mut self.rounds);
                match rounds.iter_mut().find(|x| x.id == r.id) {
                    Some(x) => *x = r,
                    None => {
                        rounds.push(r);
                        chronological(rounds);
                    }
                }
            }
            Change::Inspected { round, accounts } => {
                let r = self
                    .round(&round)
                    .ok_or_else(|| ApplyError::UnknownRound(round.clone()))?;
                if r.mode != super::round::RoundMode::Sample {
                    return Err(ApplyError::NotSample { round });
                }
                let mut idx = Vec::with_capacity(accounts.len());
                for a in &accounts {
                    match self.account_pos.get(a) {
                        Some(&i) => idx.push(i),
                        None => return Err(ApplyError::UnknownAccount(a.clone())),
                    }
                }
                mutate(&mut self.inspected)
                    .entry(round)
                    .or_default()
                    .extend(idx);
            }
            Change::Finding(f) => {
                let round = self
                    .round(&f.round)
                    .ok_or_else(|| ApplyError::UnknownRound(f.round.clone()))?;
                let deadline = f.deadline.or(round.deadline);
                if !self.account_pos.contains_key(&f.account) {
                    return Err(ApplyError::UnknownAccount(f.account.clone()));
                }
                if self.finding_pos.contains_key(&f.id) {
                    return Err(ApplyError::DuplicateFinding(f.id.clone()));
                }
                let key = (f.round.clone(), f.account.clone(), f.indicator.clone());
                if self.finding_keys.contains_key(&key) {
                    return Err(ApplyError::DuplicateFinding(f.id.clone()));
                }
                let i = self.findings.len();
                mutate(&mut self.finding_pos).insert(f.id.clone(), i);
                mutate(&mut self.finding_keys).insert(key, i);
                *mutate(&mut self.findings_per_round)
                    .entry(f.round.clone())
                    .or_default() += 1;
                mutate(&mut self.findings).push(f);
                self.events.push(Vec::new());
                self.states.push(FindingState::new(deadline));
            }
            Change::Notice(n) => {
                if self.round(&n.round).is_none() {
                    return Err(ApplyError::UnknownRound(n.round.clone()));
                }
                mutate(&mut self.notices).insert(n.round.clone(), n);
            }
            Change::Event(e) => {
                let &i = self
                    .finding_pos
                    .get(&e.finding)
                    .ok_or_else(|| ApplyError::UnknownFinding(e.finding.clone()))?;
                self.states[i].apply(&e)?;
                self.events[i].push(e);
            }
        }
        Ok(())
    }

    /// Make room for `n` more accounts at once: a checkpoint says how many it holds, and
    /// growing 150,000 entries step by step would copy them over and over.
    pub fn reserve_accounts(&mut self, n: usize) {
        mutate(&mut self.accounts).reserve(n);
        mutate(&mut self.account_region).reserve(n);
        mutate(&mut self.account_pos).reserve(n);
    }

    /// Make room for `n` more findings (see [`Registry::reserve_accounts`]).
    pub fn reserve_findings(&mut self, n: usize) {
        mutate(&mut self.findings).reserve(n);
        self.events.reserve(n);
        self.states.reserve(n);
        mutate(&mut self.finding_pos).reserve(n);
        mutate(&mut self.finding_keys).reserve(n);
    }

    /// Rebuild the region index after region changes.
    pub fn reindex(&mut self) {
        if !self.tree_dirty {
            return;
        }
        self.tree = Arc::new(RegionTree::new(self.regions.to_vec()));
        self.tree_dirty = false;
    }

    // ------------------------------------------------------------------ reading

    pub fn tree(&self) -> &RegionTree {
        &self.tree
    }
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }
    pub fn root_region(&self) -> Option<&Region> {
        (!self.tree.is_empty()).then(|| self.tree.get(self.tree.root()))
    }
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.account_pos.get(id).map(|&i| &self.accounts[i])
    }
    pub fn account_index(&self, id: &str) -> Option<usize> {
        self.account_pos.get(id).copied()
    }
    /// Tree index of the account at position `idx`.
    pub fn account_region(&self, idx: usize) -> usize {
        self.account_region[idx]
    }
    /// Oldest first, newest last.
    pub fn rounds(&self) -> &[Round] {
        &self.rounds
    }
    pub fn round(&self, id: &str) -> Option<&Round> {
        self.rounds.iter().find(|r| r.id == id)
    }
    /// The round before `id` in time, for trends.
    pub fn previous_round(&self, id: &str) -> Option<&Round> {
        let pos = self.rounds.iter().position(|r| r.id == id)?;
        pos.checked_sub(1).map(|p| &self.rounds[p])
    }
    pub fn latest_round(&self) -> Option<&Round> {
        self.rounds.last()
    }
    /// Is the account at index `idx` on the sample list of `round`?
    pub fn is_inspected(&self, round: &str, idx: usize) -> bool {
        self.inspected.get(round).is_some_and(|l| l.contains(&idx))
    }

    /// The ids on a round's sample list, sorted (empty for full rounds).
    pub fn inspected_ids(&self, round: &str) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .inspected
            .get(round)
            .map(|l| l.iter().map(|&i| self.accounts[i].id.as_str()).collect())
            .unwrap_or_default();
        ids.sort_unstable();
        ids
    }
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }
    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.finding_pos.get(id).map(|&i| &self.findings[i])
    }
    pub fn finding_index(&self, id: &str) -> Option<usize> {
        self.finding_pos.get(id).copied()
    }
    /// The finding with this natural key, if any (idempotent imports and rules).
    pub fn finding_by_key(&self, round: &str, account: &str, indicator: &str) -> Option<&Finding> {
        self.finding_keys
            .get(&(
                round.to_string(),
                account.to_string(),
                indicator.to_string(),
            ))
            .map(|&i| &self.findings[i])
    }
    pub fn state(&self, idx: usize) -> &FindingState {
        &self.states[idx]
    }
    pub fn history(&self, idx: usize) -> &[Event] {
        &self.events[idx]
    }
    /// Number of findings a round has, for numbering the next one.
    pub fn finding_count(&self, round: &str) -> usize {
        self.findings_per_round.get(round).copied().unwrap_or(0)
    }
    /// Findings of an account across all rounds (repeat offenders).
    pub fn findings_of_account(&self, account: &str) -> Vec<usize> {
        (0..self.findings.len())
            .filter(|&i| self.findings[i].account == account)
            .collect()
    }
    /// The published notice of a round, if one was imported.
    pub fn notice(&self, round: &str) -> Option<&PublishedNotice> {
        self.notices.get(round)
    }
    /// Effective deadline of a finding after extensions.
    pub fn deadline(&self, idx: usize) -> Option<NaiveDate> {
        self.states[idx].deadline
    }
    /// Was the last event of this kind? (used by the console to label rows)
    /// What a conflicting writer is shown: the finding's version and status now, and
    /// the event that made them (none for a finding nobody has acted on).
    pub fn last_change(&self, idx: usize) -> Option<crate::event::LastChange> {
        let state = self.state(idx);
        // A reminder is not what changed the version (it changes nothing).
        let last = self
            .history(idx)
            .iter()
            .rev()
            .find(|e| e.kind.changes_finding())?;
        Some(crate::event::LastChange {
            version: state.version,
            status: state.status,
            kind: last.kind.clone(),
            by: last.by.name.clone(),
            at: last.at,
        })
    }

    pub fn last_event(&self, idx: usize) -> Option<&EventKind> {
        self.events[idx].last().map(|e| &e.kind)
    }
}
