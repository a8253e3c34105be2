//! Accounts: government new-media accounts (政务新媒体账号) and government websites
//! (政府网站), which are inspected against different indicator sets.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Canonical platform name (微信公众号, 抖音, 政府网站 …). Kept as text because new
/// platforms appear faster than releases; spellings are normalised through the
/// catalogue's platform aliases at import.
pub type Platform = String;

/// Operating status as filed (备案). Closed accounts stay in the registry: earlier
/// rounds still count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    #[default]
    Operating,
    Suspended,
    Closed,
}

impl AccountStatus {
    /// Accepts the English words and the usual Chinese ones (运营/正常, 暂停, 关停/注销).
    pub fn parse(text: &str) -> Option<AccountStatus> {
        match text.trim().to_lowercase().as_str() {
            "" | "operating" | "active" | "open" | "运营" | "正常" | "正常运营" | "运行" => {
                Some(AccountStatus::Operating)
            }
            "suspended" | "paused" | "暂停" | "暂停更新" | "停更" => {
                Some(AccountStatus::Suspended)
            }
            "closed" | "关停" | "注销" | "已注销" | "已关停" | "关闭" => {
                Some(AccountStatus::Closed)
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            AccountStatus::Operating => "operating",
            AccountStatus::Suspended => "suspended",
            AccountStatus::Closed => "closed",
        }
    }
}

/// One registered account or site. Identified by `id` only: two accounts may share a
/// name on different platforms (上海统计 on WeChat and on 澎湃号).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub platform: Platform,
    /// Region code.
    pub region: String,
    pub host_unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisor_unit: Option<String>,
    #[serde(default)]
    pub status: AccountStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<NaiveDate>,
    /// Made up for a demo or benchmark, never a real account: exports must say so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub synthetic: bool,
    /// Who answers for the account when it is chased (联系人: the host unit's 分管领导
    /// or the account's 管理员, as the filing form names them). Optional, and absent
    /// from journals and checkpoints written before contacts existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// The number to call for it (联系电话), kept as filed: offices write extensions,
    /// area codes and several numbers in many ways, and a caller reads it, not a program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Account {
    /// Was the account operating at some time in `[start, end]`? Only those count in a
    /// round's total (总量). A closed account without a closing date is taken as closed
    /// before any round we know of.
    pub fn operating_during(&self, start: NaiveDate, end: NaiveDate) -> bool {
        if self.opened_on.is_some_and(|o| o > end) {
            return false;
        }
        match self.closed_on {
            Some(c) => c >= start,
            None => self.status != AccountStatus::Closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn acct() -> Account {
        Account {
            id: "a".into(),
            name: "n".into(),
            platform: "微信公众号".into(),
            region: "330000".into(),
            host_unit: "h".into(),
            supervisor_unit: None,
            status: AccountStatus::Operating,
            opened_on: None,
            closed_on: None,
            synthetic: false,
            contact: None,
            phone: None,
        }
    }

    #[test]
    fn operating_window() {
        let (s, e) = (d("2022-01-01"), d("2022-03-15"));
        let mut a = acct();
        assert!(a.operating_during(s, e));
        a.opened_on = Some(d("2022-03-16"));
        assert!(!a.operating_during(s, e));
        a.opened_on = Some(d("2022-03-15"));
        assert!(a.operating_during(s, e));
        a.closed_on = Some(d("2021-12-31"));
        a.status = AccountStatus::Closed;
        assert!(!a.operating_during(s, e));
        a.closed_on = Some(d("2022-01-01"));
        assert!(a.operating_during(s, e));
        a.closed_on = None;
        assert!(!a.operating_during(s, e));
    }

    #[test]
    fn status_words() {
        assert_eq!(AccountStatus::parse("注销"), Some(AccountStatus::Closed));
        assert_eq!(
            AccountStatus::parse("Operating"),
            Some(AccountStatus::Operating)
        );
        assert_eq!(AccountStatus::parse("x"), None);
    }
}
