//! Stopping a search that nobody waits for any more.
//!
//! Aborting the task that runs a scan does not stop the scan: a CPU loop on a
//! blocking thread (or on rayon's pool) runs to its end whatever happens to the future
//! that awaits it. So a scan polls a [`Cancel`] every [`CHECK_EVERY`] names and gives
//! up with [`Cancelled`]: a console search superseded by the next keystroke, or a
//! server search whose client went away, stops using the CPU within a few thousand
//! names. A flag is all it takes, so this stays pure (no runtime, no clock).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How many names a scan looks at between two polls of its [`Cancel`]: often enough
/// that a cancelled scan stops within a fraction of a millisecond, rarely enough that
/// the poll (one atomic add on a shared counter) costs nothing measurable.
pub const CHECK_EVERY: usize = 1024;

/// A search gave up because its [`Cancel`] was cancelled; its partial results are
/// dropped (a caller that cancelled does not want them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("search cancelled")]
pub struct Cancelled;

/// A cancellation flag shared by whoever starts a search and the scan itself. Clones
/// share the flag.
#[derive(Debug, Clone)]
pub struct Cancel {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cancelled: AtomicBool,
    /// How many times scans asked [`Cancel::is_cancelled`].
    polls: AtomicUsize,
    /// The flag sets itself at this poll ([`usize::MAX`]: never).
    trip_at: usize,
}

impl Default for Cancel {
    fn default() -> Cancel {
        Cancel::new()
    }
}

impl Cancel {
    /// A flag not cancelled yet.
    pub fn new() -> Cancel {
        Cancel::tripping_at(usize::MAX)
    }

    /// A flag that cancels itself when a scan polls it for the `polls`-th time, so a
    /// test can land a cancellation mid-scan, at a known point, without racing a thread
    /// against a clock.
    pub fn after(polls: usize) -> Cancel {
        Cancel::tripping_at(polls)
    }

    fn tripping_at(trip_at: usize) -> Cancel {
        Cancel {
            inner: Arc::new(Inner {
                cancelled: AtomicBool::new(false),
                polls: AtomicUsize::new(0),
                trip_at,
            }),
        }
    }

    /// Ask every scan holding this flag to stop at its next poll.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::Relaxed);
    }

    /// What a scan asks every [`CHECK_EVERY`] names (counted, see [`Cancel::polls`]).
    pub fn is_cancelled(&self) -> bool {
        let polls = self.inner.polls.fetch_add(1, Ordering::Relaxed) + 1;
        if polls >= self.inner.trip_at {
            self.cancel();
        }
        self.inner.cancelled.load(Ordering::Relaxed)
    }

    /// [`Cancel::is_cancelled`] as a result, for `?` in a scan.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// Whether [`Cancel::cancel`] was called (or the flag tripped), without counting as
    /// a poll.
    pub fn was_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::Relaxed)
    }

    /// How many times scans polled this flag: how far they got, in units of
    /// [`CHECK_EVERY`] names (tests use it to tell a scan that stopped early from one
    /// that ran through).
    pub fn polls(&self) -> usize {
        self.inner.polls.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_is_shared_by_its_clones_and_trips_at_its_poll() {
        let a = Cancel::new();
        let b = a.clone();
        assert!(!b.is_cancelled());
        a.cancel();
        assert!(b.is_cancelled() && b.was_cancelled());
        assert_eq!(a.polls(), 2);
        assert_eq!(a.check(), Err(Cancelled));

        let t = Cancel::after(3);
        assert_eq!(t.check(), Ok(()));
        assert_eq!(t.check(), Ok(()));
        assert!(!t.was_cancelled());
        assert_eq!(t.check(), Err(Cancelled));
        assert!(t.was_cancelled());
    }
}
