//! Name search for a terminal that has no Chinese input method, in one place for the
//! console, the CLI and the server.
//!
//! Supervisors type `tzsf`, `zhoushanyl` or `12345` and expect to find 台州司法,
//! 舟山医疗保障 or 12345热线 among ~150,000 account, unit and region names. The work
//! is split by how often it happens, so each caller pays only for what it repeats:
//!
//! - [`matcher`]: one query against one prepared name (per name, per keystroke);
//! - [`index`]: every searchable name of a registry prepared once ([`SearchIndex`]),
//!   per load in the console and per journal position in the server;
//! - [`rank`]: a scan of the index, best first, that a [`Cancel`] stops mid-way
//!   (per query): the console's hits and the account lists of the CLI and the server
//!   come from the same scan and the same order.

pub mod cancel;
pub mod index;
pub mod matcher;
pub mod rank;

pub use cancel::{Cancel, Cancelled};
pub use index::{SearchIndex, Target};
pub use matcher::{
    MAX_KEY_CHARS, Match, Query, Screen, SearchKey, highlight_ranges, match_key, matches,
    score_key, score_screened, screen_key,
};
pub use rank::{Found, Hit, LetterHits, MAX_HITS, Narrowing, accounts_within};
