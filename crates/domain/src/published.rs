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

/// One row of a per-account result table, as county notices publish theirs instead of
/// a per-region table: every inspected account with whether it passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedAccount {
    /// The region column, when the table has one; otherwise the whole scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub platform: String,
    pub name: String,
    pub host_unit: String,
    /// 合格 (true) or 不合格 (false): as printed in 合格情况, or, when the table gives
    /// only a score, whether the score is at least [`PASS_SCORE`].
    pub passed: bool,
    /// 存在问题 as printed; empty for an account that passed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub problem: String,
    /// A website's score (得分) as printed, when the table gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<String>,
}

/// A website under this score out of 100 fails (国办秘函〔2019〕19号).
pub const PASS_SCORE: u32 = 60;

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
    /// A per-account result table (序号, 政务新媒体类型, 账号, 主管/主办单位, 合格情况,
    /// 存在问题), when the notice publishes one. Absent from records written before it
    /// existed, and not written when empty, so older records read and write unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<PublishedAccount>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records stored before per-account tables existed read unchanged, and a record
    /// without one is written as before (so an older govcheck still reads it).
    #[test]
    fn records_without_accounts_read_and_write_as_before() {
        let old = r#"{"round":"R","rows":[{"region":"甲","total":1,"inspected":1,"problems":0,"rate":"100%"}],"problems":[],"sources":["a1.csv"]}"#;
        let n: PublishedNotice = serde_json::from_str(old).expect("old record");
        assert!(n.accounts.is_empty());
        assert_eq!(serde_json::to_string(&n).expect("json"), old);
        let mut with = n.clone();
        with.accounts.push(PublishedAccount {
            region: None,
            platform: "微信公众号".into(),
            name: "魅力韵镇".into(),
            host_unit: "城东区韵家口镇人民政府".into(),
            passed: true,
            problem: String::new(),
            score: None,
        });
        let text = serde_json::to_string(&with).expect("json");
        assert!(
            text.ends_with(r#""accounts":[{"platform":"微信公众号","name":"魅力韵镇","host_unit":"城东区韵家口镇人民政府","passed":true}]}"#),
            "{text}"
        );
        assert_eq!(
            serde_json::from_str::<PublishedNotice>(&text).ok(),
            Some(with)
        );
    }
}
