//! Cell values as offices write them: dates in several spellings, timestamps with or
//! without an offset, yes/no in English or Chinese.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// `2022-03-15`, `2022/3/15`, `2022.3.15`, `2022年3月15日`, `20220315`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(t, "%Y%m%d").ok();
    }
    let unified: String = t
        .chars()
        .map(|c| match c {
            '/' | '.' | '年' | '月' => '-',
            c => c,
        })
        .filter(|&c| c != '日')
        .collect();
    NaiveDate::parse_from_str(&unified, "%Y-%m-%d").ok()
}

/// A post time as (Unix seconds, UTC offset in minutes). RFC 3339 keeps its offset; a
/// time without one (as spreadsheets write it) is read in the office's time zone.
pub fn parse_timestamp(text: &str, tz: Tz) -> Option<(i64, i32)> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some((dt.timestamp(), dt.offset().local_minus_utc() / 60));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%:z",
        "%Y-%m-%d %H:%M:%S %:z",
        "%Y-%m-%d %H:%M%:z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(t, fmt) {
            return Some((dt.timestamp(), dt.offset().local_minus_utc() / 60));
        }
    }
    let unified = t.replace('/', "-");
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&unified, fmt) {
            let local = tz.from_local_datetime(&naive).earliest()?;
            let offset = chrono::Offset::fix(local.offset()).local_minus_utc() / 60;
            return Some((local.timestamp(), offset));
        }
    }
    None
}

/// `true/false`, `1/0`, `yes/no`, `是/否`, `y/n`; empty is false.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "" | "false" | "0" | "no" | "n" | "否" => Some(false),
        "true" | "1" | "yes" | "y" | "是" => Some(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2022, 3, 15);
        assert_eq!(parse_date("2022-03-15"), d);
        assert_eq!(parse_date("2022/3/15"), d);
        assert_eq!(parse_date("2022年3月15日"), d);
        assert_eq!(parse_date("20220315"), d);
        assert_eq!(parse_date("2022-02-30"), None);
        assert_eq!(parse_date("soon"), None);
    }

    #[test]
    fn timestamps_keep_or_assume_offset() {
        let tz = chrono_tz::Asia::Shanghai;
        assert_eq!(
            parse_timestamp("2022-03-15T23:59:59+08:00", tz),
            Some((1_647_359_999, 480))
        );
        assert_eq!(
            parse_timestamp("2022-03-15 23:59:59", tz),
            Some((1_647_359_999, 480))
        );
        assert_eq!(
            parse_timestamp("2022-03-15T15:59:59Z", tz),
            Some((1_647_359_999, 0))
        );
        assert_eq!(parse_timestamp("yesterday", tz), None);
    }
}
