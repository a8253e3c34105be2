//! Every searchable name of a registry, prepared once.
//!
//! Preparing a name (its pinyin readings, see [`SearchKey`]) costs far more than
//! matching it, so it is done once per registry, not once per query: the console
//! builds its index when a load completes, the server once per journal position, the
//! CLI once per command. All three search the same entries.

use super::matcher::SearchKey;
use super::rank::LetterHits;
use crate::registry::Registry;

/// What a search can find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Account name (registry index).
    Account(usize),
    /// Host unit of an account (registry index of the first account it runs).
    HostUnit(usize),
    /// A region (tree index).
    Region(usize),
}

/// Marks an account without a host unit in [`SearchIndex`]'s unit table, or one left
/// out of the index ([`SearchIndex::build_within`]) in both tables.
const NO_ENTRY: u32 = u32::MAX;

/// The searchable names of one registry, prepared once (pinyin readings precomputed).
///
/// An index belongs to the registry it was built from: searching it with another one
/// gives hits for the wrong accounts (never a panic).
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// Account names, host units (each distinct unit once, at its first account) and
    /// region names, in that order; a hit's tie-break is its place here.
    pub entries: Vec<(Target, SearchKey)>,
    /// Answers for the 26 one-letter queries (empty until
    /// [`SearchIndex::with_letter_answers`]): the first keystroke matches most names
    /// and is the slowest search; longer queries starting with that letter only scan
    /// the names it matched.
    pub by_letter: Vec<Option<LetterHits>>,
    /// For each account, its name's entry.
    pub(super) name_entry: Vec<u32>,
    /// For each account, its host unit's entry (shared by every account of the unit),
    /// or [`NO_ENTRY`]: an account list ranks an account by the better of the two.
    pub(super) unit_entry: Vec<u32>,
}

impl SearchIndex {
    /// Account names, host units (each distinct unit once) and region names.
    pub fn build(reg: &Registry) -> SearchIndex {
        SearchIndex::build_within(reg, None)
    }

    /// [`SearchIndex::build`] with only the accounts (and their host units) within a
    /// region (tree index), for a one-off search of one region: the CLI's
    /// `accounts --region R --search Q` prepares the names it can find, not 150,000.
    /// Account lists rank the same either way (ties go by registry order, not by place
    /// in the index).
    pub fn build_within(reg: &Registry, scope: Option<usize>) -> SearchIndex {
        let accounts = reg.accounts();
        let tree = reg.tree();
        let mut entries = Vec::with_capacity(accounts.len() * 2 + reg.tree().len());
        let mut name_entry = Vec::with_capacity(accounts.len());
        let mut unit_entry = Vec::with_capacity(accounts.len());
        let mut units = std::collections::HashMap::new();
        for (i, a) in accounts.iter().enumerate() {
            if scope.is_some_and(|s| !tree.is_within(reg.account_region(i), s)) {
                name_entry.push(NO_ENTRY);
                unit_entry.push(NO_ENTRY);
                continue;
            }
            name_entry.push(entry_no(entries.len()));
            entries.push((Target::Account(i), SearchKey::new(&a.name)));
            if a.host_unit.is_empty() {
                unit_entry.push(NO_ENTRY);
                continue;
            }
            let at = *units.entry(a.host_unit.as_str()).or_insert_with(|| {
                entries.push((Target::HostUnit(i), SearchKey::new(&a.host_unit)));
                entry_no(entries.len() - 1)
            });
            unit_entry.push(at);
        }
        for (i, r) in reg.tree().regions().iter().enumerate() {
            entries.push((Target::Region(i), SearchKey::new(&r.name)));
        }
        SearchIndex {
            entries,
            by_letter: Vec::new(),
            name_entry,
            unit_entry,
        }
    }

    /// The index with its one-letter answers computed (the console's; computing them
    /// also warms the search pool before the first key).
    pub fn with_letter_answers(mut self) -> SearchIndex {
        self.by_letter = super::rank::letter_answers(&self);
        self
    }

    /// Whether an index built from `built_from` serves `reg` as well as one built from
    /// it would: the same account names and host units and the same region names, in
    /// the same order. Most writes only append events, so a server keeps its index
    /// across them instead of preparing every name again. Costs a pointer comparison
    /// when the two registries share their accounts and regions (a registry's copies do
    /// until one of them changes them), a pass over the names otherwise.
    pub fn serves(built_from: &Registry, reg: &Registry) -> bool {
        same_by(built_from.accounts(), reg.accounts(), |a, b| {
            a.name == b.name && a.host_unit == b.host_unit
        }) && same_by(built_from.tree().regions(), reg.tree().regions(), |a, b| {
            a.name == b.name
        })
    }

    /// Number of entries, as the `u32` scans count in.
    pub(super) fn len_u32(&self) -> u32 {
        u32::try_from(self.entries.len()).unwrap_or(u32::MAX)
    }

    /// The entries that name account `i`: its name and its host unit's.
    pub(super) fn entries_of_account(&self, i: usize) -> [Option<u32>; 2] {
        [
            self.name_entry.get(i).copied().filter(|&e| e != NO_ENTRY),
            self.unit_entry.get(i).copied().filter(|&e| e != NO_ENTRY),
        ]
    }
}

/// Two lists hold equal items in the same order: the same slice (shared, unchanged),
/// or item by item.
fn same_by<T>(a: &[T], b: &[T], eq: impl Fn(&T, &T) -> bool) -> bool {
    a.len() == b.len() && (std::ptr::eq(a, b) || a.iter().zip(b).all(|(x, y)| eq(x, y)))
}

/// An entry's number. A registry has far fewer than 4 billion names; were it ever
/// reached, later names would share the last number and rank as ties.
fn entry_no(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}
