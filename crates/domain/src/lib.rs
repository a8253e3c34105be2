//! Pure domain types and rules. Nothing here touches files, the network, the clock or
//! the terminal: callers pass in "today" and the office time zone, so every rule is
//! testable and gives the same answer in the CLI, the console and the server.

pub mod account;
pub mod chase;
pub mod event;
pub mod figures;
pub mod finding;
pub mod indicator;
pub mod limits;
pub mod listing;
pub mod notice;
pub mod published;
pub mod rate;
pub mod region;
pub mod registry;
pub mod round;
pub mod rules;
pub mod search;
pub mod text;

pub use account::{Account, AccountStatus, Platform};
pub use event::{Actor, Event, EventKind, FindingState, Status};
pub use finding::{Finding, FindingSource};
pub use indicator::{Catalogue, Indicator, IndicatorKind};
pub use rate::Rate;
pub use region::{Region, RegionTree};
pub use registry::Registry;
pub use round::{Round, RoundMode};
