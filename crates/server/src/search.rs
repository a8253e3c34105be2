//! Account search for `/api/v1/accounts?search=`, on an index built once per journal
//! position.
//!
//! Preparing 150,000 names (their pinyin readings) costs far more than matching them,
//! so the server keeps the [`SearchIndex`] of its current snapshot and looks again only
//! when a request finds the journal has moved (lazily: a write costs nothing until
//! somebody searches). Even then it builds a new index only when the names changed
//! ([`SearchIndex::serves`]): most writes are remediation events, which leave every
//! account and region name as it was. Building and scanning are CPU work and run on the blocking pool,
//! never on the async executor; a scan stops when its request is dropped (the client
//! went away or the request timed out), through the index's [`Cancel`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use govcheck_domain::search::{Cancel, Query, SearchIndex, accounts_within};
use govcheck_store::Snapshot;

use crate::error::ApiError;

/// An index and the snapshot it serves (kept to tell whether the next one has the
/// same names; it shares all but the findings' histories with the current one).
#[derive(Clone)]
struct Built {
    snap: Arc<Snapshot>,
    index: Arc<SearchIndex>,
}

/// The search index of the latest snapshot searched, by its journal position.
#[derive(Default)]
pub struct IndexCache {
    /// The index of the latest journal position searched. Written by the build itself,
    /// so a build whose request went away still lands for the next one.
    ready: Arc<Mutex<Option<Built>>>,
    /// Held while an index is built: a burst of searches after a write waits for one
    /// build instead of starting one each.
    building: tokio::sync::Mutex<()>,
    /// Indexes built since the server started (tests check it does not grow per
    /// request).
    builds: Arc<AtomicU64>,
}

impl IndexCache {
    /// How many indexes were built so far.
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    fn cached(&self, seq: u64) -> Option<Arc<SearchIndex>> {
        let ready = self.ready.lock().ok()?;
        ready
            .as_ref()
            .filter(|b| b.snap.seq == seq)
            .map(|b| b.index.clone())
    }

    /// The index of `snap`: the last one if the journal has not moved or the names are
    /// the same, else built now.
    pub async fn index(&self, snap: &Arc<Snapshot>) -> Result<Arc<SearchIndex>, ApiError> {
        if let Some(index) = self.cached(snap.seq) {
            return Ok(index);
        }
        let _one_build = self.building.lock().await;
        if let Some(index) = self.cached(snap.seq) {
            return Ok(index);
        }
        let previous = self.ready.lock().ok().and_then(|r| r.clone());
        let snap = snap.clone();
        let ready = self.ready.clone();
        let builds = self.builds.clone();
        tokio::task::spawn_blocking(move || {
            let index = match previous {
                Some(b) if SearchIndex::serves(&b.snap.registry, &snap.registry) => b.index,
                _ => {
                    let started = std::time::Instant::now();
                    let index = Arc::new(SearchIndex::build(&snap.registry));
                    builds.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(
                        seq = snap.seq,
                        entries = index.entries.len(),
                        ms = started.elapsed().as_millis() as u64,
                        "search index built"
                    );
                    index
                }
            };
            if let Ok(mut ready) = ready.lock() {
                // A request that still holds an older snapshot does not push the
                // current index out.
                if ready.as_ref().is_none_or(|b| b.snap.seq <= snap.seq) {
                    *ready = Some(Built {
                        snap,
                        index: index.clone(),
                    });
                }
            }
            index
        })
        .await
        .map_err(|e| ApiError::internal(format!("building the search index: {e}")))
    }
}

/// Cancels a search when dropped: the handler's future is dropped when the client
/// disconnects or the request times out, and the scan on the blocking pool then stops
/// at its next poll instead of running on for nobody.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Accounts within `scope` matching `query`, best first (as [`SearchIndex::accounts`]);
/// all accounts of the scope in registry order without a query.
pub async fn accounts(
    cache: &IndexCache,
    snap: &Arc<Snapshot>,
    scope: Option<usize>,
    query: Option<&str>,
) -> Result<Vec<usize>, ApiError> {
    let query = query.unwrap_or_default();
    if Query::new(query).is_empty() {
        // No index needed: a filter over the accounts.
        return Ok(accounts_within(&snap.registry, scope));
    }
    let index = cache.index(snap).await?;
    let snap = snap.clone();
    let query = query.to_string();
    let cancel = CancelOnDrop(Cancel::new());
    let flag = cancel.0.clone();
    let found =
        tokio::task::spawn_blocking(move || index.accounts(&snap.registry, scope, &query, &flag))
            .await
            .map_err(|e| ApiError::internal(format!("searching accounts: {e}")))?;
    drop(cancel);
    // Only this request's own drop cancels, so a finished scan is never `Cancelled` here.
    found.map_err(|e| ApiError::internal(e.to_string()))
}
