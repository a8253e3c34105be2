//! Inspection rounds (检查批次): what was inspected, over which window, and by when
//! the host units must rectify.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Full inspection (全量) counts every operating account as inspected; a sample (抽查)
/// counts only the accounts on the round's inspected list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RoundMode {
    #[default]
    Full,
    Sample,
}

impl RoundMode {
    pub fn parse(text: &str) -> Option<RoundMode> {
        match text.trim().to_lowercase().as_str() {
            "full" | "全量" | "全面" | "全量检查" => Some(RoundMode::Full),
            "sample" | "抽查" | "抽样" | "抽检" => Some(RoundMode::Sample),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            RoundMode::Full => "full",
            RoundMode::Sample => "sample",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Round {
    /// Such as `2022Q1`.
    pub id: String,
    pub title: String,
    /// Monitoring window, calendar days in the office's time zone.
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The monitoring point (监测点) that the two-week rule counts back from.
    pub monitoring_point: NaiveDate,
    #[serde(default)]
    pub mode: RoundMode,
    /// Default rectification deadline of the round's findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
    /// Provenance remarks, e.g. that a deadline was assumed because the notice named none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Rounds in the order people read them: oldest first, newest last.
pub fn chronological(rounds: &mut [Round]) {
    rounds.sort_by(|a, b| {
        (a.monitoring_point, a.period_end, &a.id).cmp(&(b.monitoring_point, b.period_end, &b.id))
    });
}
