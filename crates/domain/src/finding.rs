//! Findings: one account's problem in one round, against one indicator.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a finding came from: an automatic rule over posts, a supervisor's manual
/// entry, or a published notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FindingSource {
    Auto,
    #[default]
    Manual,
    Notice,
}

/// The finding as recorded when it was reported. What happened to it afterwards lives
/// in its events (see [`super::event`]); nothing here changes after creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// `2022Q1-0007`: round plus a sequence number, short enough to type.
    pub id: String,
    pub round: String,
    /// Account id.
    pub account: String,
    /// Indicator code from the catalogue.
    pub indicator: String,
    /// The problem as worded in the source (notice text), kept for the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default)]
    pub source: FindingSource,
    /// Overrides the round's deadline for this finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
    /// Points deducted (deduction indicators); the indicator's `points` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<u32>,
}

/// The identity of a finding for idempotent imports and rule runs: the same account,
/// round and indicator is the same finding.
pub fn natural_key(f: &Finding) -> (&str, &str, &str) {
    (&f.round, &f.account, &f.indicator)
}

/// The id of the `n`-th finding of a round (1-based).
pub fn finding_id(round: &str, n: usize) -> String {
    format!("{round}-{n:04}")
}
