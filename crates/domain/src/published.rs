//! A round's published record: 附件1 and 附件2 exactly as an office printed them, kept
//! verbatim in the registry. Plain data, apart from the rules that check it
//! ([`crate::notice`]), so the registry can hold it without depending on those rules.

use serde::{Deserialize, Serialize};

/// One row of 附件1 as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedRow {
    pub region: String,
    pub total: u64,
    pub inspected: u64,
    pub problems: u64,
    /// The rate as printed (`99.5%`, `100%`), kept verbatim for the record.
    pub rate: String,
}

/// One row of 附件2 after merged cells are filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedProblem {
    pub problem: String,
    pub region: String,
    pub platform: String,
    pub name: String,
    pub host_unit: String,
}

/// A round's published record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedNotice {
    pub round: String,
    pub rows: Vec<PublishedRow>,
    /// The 总计/合计 row, when the table has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<PublishedRow>,
    #[serde(default)]
    pub problems: Vec<PublishedProblem>,
    /// File names it was read from, for the record.
    #[serde(default)]
    pub sources: Vec<String>,
}
