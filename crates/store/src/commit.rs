//! What a store that records batches offers its writers: one commit under the writers'
//! lock (or inside a write transaction) that sees the latest registry, and the rule for
//! appending events with the version each was based on. The journal store and the
//! SQLite store implement the commit; the rule is written once, here, for both.

use chrono::{DateTime, FixedOffset};

use crate::error::StoreError;
use crate::posts::RawPosts;
use govcheck_domain::event::{Actor, Event};
use govcheck_domain::registry::{ApplyError, Change, Registry};

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    /// A batch was appended with this sequence number and this many changes.
    Batch { seq: u64, changes: usize },
    /// The batch was empty: the store already held all of it.
    Unchanged { seq: u64 },
}

/// A store that commits batches of changes, with post timestamps, all or nothing.
pub trait BatchWriter {
    /// Let `build` decide the changes (and posts to merge) against the latest registry,
    /// check them, and store them as one batch, durably, before returning. Nothing is
    /// written when `build` or the check fails. Returns how many posts were new.
    fn commit_with_posts<F>(
        &self,
        actor: &Actor,
        now: DateTime<FixedOffset>,
        build: F,
    ) -> Result<(Committed, usize), StoreError>
    where
        F: FnOnce(&Registry) -> Result<(Vec<Change>, RawPosts), StoreError>;
}

/// Append events to findings' histories as one batch; an event based on a version
/// other than the finding's current one is a [`StoreError::Conflict`] (with who changed
/// it last), and nothing is written. Returns the store's sequence number after.
///
/// A reminder changes no version, so a resend of one whose answer was lost could not
/// conflict with itself as other events do: one whose request key the finding's
/// history already holds is that resend, and is not written a second time (whatever
/// happened to the finding since).
pub fn append_events<S: BatchWriter + ?Sized>(
    store: &S,
    events: Vec<(Event, Option<u32>)>,
) -> Result<u64, StoreError> {
    let now = events
        .first()
        .map(|(e, _)| e.at)
        .ok_or_else(|| StoreError::Other("no events to append".into()))?;
    for (e, _) in &events {
        govcheck_domain::limits::check_event(e)?;
    }
    let actor = events[0].0.by.clone();
    let (done, _) = store.commit_with_posts(&actor, now, |reg| {
        let mut out = Vec::with_capacity(events.len());
        for (e, based_on) in events {
            let idx = reg.finding_index(&e.finding).ok_or_else(|| {
                StoreError::Rejected(ApplyError::UnknownFinding(e.finding.clone()))
            })?;
            if let Some(key) = e.kind.request()
                && reg
                    .history(idx)
                    .iter()
                    .any(|h| h.kind.request() == Some(key))
            {
                continue;
            }
            let actual = reg.state(idx).version;
            if let Some(expected) = based_on
                && expected != actual
            {
                return Err(StoreError::Conflict {
                    finding: e.finding.clone(),
                    expected,
                    actual,
                    last: reg.last_change(idx).map(Box::new),
                });
            }
            out.push(Change::Event(e));
        }
        Ok((out, RawPosts::new()))
    })?;
    Ok(match done {
        Committed::Batch { seq, .. } | Committed::Unchanged { seq } => seq,
    })
}
