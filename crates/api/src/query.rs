//! The query parameters of the `/api/v1` reads. Unknown parameters are refused (400
//! `bad_request`), so a misspelt filter never silently returns everything.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

/// `GET /api/v1/accounts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccountsQuery {
    /// a region's code, path (浙江省/舟山市) or unique name; an unknown one is 400 `bad_request`
    #[param(min_length = 1, max_length = 1024)]
    pub region: Option<String>,
    /// canonical platform name (exact)
    pub platform: Option<String>,
    /// Chinese, pinyin or initials
    pub search: Option<String>,
    /// 1-based page (0 is taken as 1; past the end gives no items)
    #[param(minimum = 1, maximum = 4294967295u64)]
    pub page: Option<usize>,
    /// items per page, 1..=1000 (default 100); outside that 400 `bad_request`
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub per_page: Option<usize>,
}

/// `GET /api/v1/rounds/{id}/summary`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// scope (default the root): a region's code, path or unique name; an unknown one is 400 `bad_request`
    #[param(min_length = 1, max_length = 1024)]
    pub region: Option<String>,
    /// YYYY-MM-DD, the day overdue is judged on (default today in the office's time zone); empty or another form is 400 `bad_request`
    pub as_of: Option<NaiveDate>,
}

/// `GET /api/v1/findings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FindingsQuery {
    /// round id; an unknown one is 404
    pub round: String,
    /// a region's code, path (浙江省/舟山市) or unique name; an unknown one is 400 `bad_request`
    #[param(min_length = 1, max_length = 1024)]
    pub region: Option<String>,
    /// open|rectified|verified|waived; another value is 400
    #[param(value_type = Option<crate::schema::Status>)]
    pub status: Option<String>,
    /// indicator code (exact)
    pub indicator: Option<String>,
    /// YYYY-MM-DD, the day overdue is judged on (default today in the office's time zone); empty or another form is 400 `bad_request`
    pub as_of: Option<NaiveDate>,
    /// 1-based page (0 is taken as 1; past the end gives no items)
    #[param(minimum = 1, maximum = 4294967295u64)]
    pub page: Option<usize>,
    /// items per page, 1..=1000 (default 100); outside that 400 `bad_request`
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub per_page: Option<usize>,
}

/// `GET /api/v1/changes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// sequence number already seen (0: everything)
    #[serde(default)]
    #[param(default = 0, maximum = 18446744073709551615u64)]
    pub since: u64,
    /// seconds to wait for news (capped at 25, and at half the server's idle limit)
    #[serde(default)]
    #[param(default = 0, maximum = 18446744073709551615u64)]
    pub wait: u64,
    /// the `crc` received with batch `since` (8 hex digits; anything else, empty included, is 400): proves the client's copy is this journal's; 409 `diverged` when it is not (the journal was restored), and the client must fetch /checkpoint afresh. No waiting when given.
    #[param(pattern = "^[0-9a-fA-F]{8}$")]
    pub crc: Option<String>,
}
