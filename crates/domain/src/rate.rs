//! Percentages as published: two decimals, rounded half up, computed on integers.
//!
//! Notices are checked digit by digit against the registry, so a rate must never
//! drift through floating point (99.725 must become 99.73, not 99.72).

use std::fmt;

use serde::{Serialize, Serializer};

/// A ratio `num / den` shown as a percentage with two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub num: u64,
    pub den: u64,
}

impl Rate {
    pub fn new(num: u64, den: u64) -> Rate {
        Rate { num, den }
    }

    /// The pass rate 合格率 = 1 − failing / inspected.
    ///
    /// ```
    /// use govcheck_domain::Rate;
    /// // Zhejiang 2022 Q1: 14 problem accounts of 5189 (the notice printed 99.71%).
    /// assert_eq!(Rate::pass(14, 5189).percent().as_deref(), Some("99.73%"));
    /// ```
    pub fn pass(failing: u64, inspected: u64) -> Rate {
        Rate::new(inspected.saturating_sub(failing), inspected)
    }

    /// Hundredths of a percent (9973 for 99.73%), rounded half up; `None` when the
    /// denominator is zero (nothing inspected has no rate, not 100%).
    pub fn basis_points(&self) -> Option<u64> {
        self.rounded(2)
    }

    /// The percentage at `decimals` decimals (0 to 4) as an integer, rounded half up
    /// once from the exact fraction (999 for 99.9% at one decimal): a figure printed at
    /// one decimal is checked against this, never against the two-decimal rate rounded
    /// again. `None` when the denominator is zero or `decimals` is above 4.
    pub fn rounded(&self, decimals: u32) -> Option<u64> {
        if self.den == 0 || decimals > 4 {
            return None;
        }
        let scaled = u128::from(self.num) * 100 * 10u128.pow(decimals);
        let den = u128::from(self.den);
        let q = scaled / den;
        let r = scaled % den;
        let rounded = if r * 2 >= den { q + 1 } else { q };
        u64::try_from(rounded).ok()
    }

    /// `99.73%`, or `None` when nothing was counted.
    pub fn percent(&self) -> Option<String> {
        self.basis_points()
            .map(|bp| format!("{}.{:02}%", bp / 100, bp % 100))
    }

    /// The fraction as an f64 in 0..=1, for drawing bars only; never for figures.
    pub fn fraction(&self) -> f64 {
        if self.den == 0 {
            0.0
        } else {
            self.num as f64 / self.den as f64
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.percent() {
            Some(p) => f.write_str(&p),
            // ASCII: the em dash is East-Asian-ambiguous and drawn two cells wide by
            // many Chinese terminals, which would break column alignment.
            None => f.write_str("-"),
        }
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.percent() {
            Some(p) => s.serialize_str(&p),
            None => s.serialize_none(),
        }
    }
}

/// Parse a published rate such as `99.5%`, `100.%`, `100%`, `99.73` into basis points
/// (hundredths of a percent). Rates with more than two decimals are refused.
pub fn parse_percent(text: &str) -> Option<u64> {
    let t = text.trim().trim_end_matches(['%', '％']).trim();
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let i: u64 = int.parse().ok()?;
    let mut f: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    if frac.len() == 1 {
        f *= 10;
    }
    Some(i * 100 + f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_zhejiang_rates() {
        assert_eq!(Rate::pass(1, 862).percent().as_deref(), Some("99.88%"));
        assert_eq!(Rate::pass(1, 360).percent().as_deref(), Some("99.72%"));
        assert_eq!(Rate::pass(2, 269).percent().as_deref(), Some("99.26%"));
        assert_eq!(Rate::pass(3, 419).percent().as_deref(), Some("99.28%"));
        assert_eq!(Rate::pass(5, 216).percent().as_deref(), Some("97.69%"));
        assert_eq!(Rate::pass(2, 403).percent().as_deref(), Some("99.50%"));
        assert_eq!(Rate::pass(14, 5189).percent().as_deref(), Some("99.73%"));
        assert_eq!(Rate::pass(0, 141).percent().as_deref(), Some("100.00%"));
    }

    #[test]
    fn rounds_half_up_exactly() {
        // 0.99725 exactly: float formatting would give 99.72 or 99.73 depending on drift.
        assert_eq!(Rate::new(3989, 4000).percent().as_deref(), Some("99.73%"));
        // 1/8 = 12.5% exactly, 1/800 = 0.125% → 0.13%
        assert_eq!(Rate::new(1, 800).percent().as_deref(), Some("0.13%"));
        // just below half rounds down: 2/3 = 66.666…%
        assert_eq!(Rate::new(2, 3).percent().as_deref(), Some("66.67%"));
        assert_eq!(Rate::new(1, 3).percent().as_deref(), Some("33.33%"));
    }

    #[test]
    fn rounds_once_at_the_printed_precision() {
        // 2943/2944 = 99.966…%: 100.0% at one decimal, 100% at none.
        assert_eq!(Rate::new(2943, 2944).rounded(1), Some(1000));
        assert_eq!(Rate::new(2943, 2944).rounded(0), Some(100));
        // 0.99449…: 99.4% at one decimal, although the two-decimal 99.45% would round to 99.5%.
        assert_eq!(Rate::new(99_449, 100_000).rounded(2), Some(9945));
        assert_eq!(Rate::new(99_449, 100_000).rounded(1), Some(994));
        assert_eq!(Rate::new(1, 1).rounded(5), None);
    }

    #[test]
    fn zero_inspected_has_no_rate() {
        assert_eq!(Rate::pass(0, 0).percent(), None);
        assert_eq!(Rate::pass(0, 0).to_string(), "-");
    }

    #[test]
    fn huge_counts_do_not_overflow() {
        let r = Rate::new(u64::MAX - 1, u64::MAX);
        assert_eq!(r.percent().as_deref(), Some("100.00%"));
    }

    #[test]
    fn parses_published_spellings() {
        assert_eq!(parse_percent("100%"), Some(10000));
        assert_eq!(parse_percent("100.%"), Some(10000));
        assert_eq!(parse_percent("99.5%"), Some(9950));
        assert_eq!(parse_percent(" 100.00% "), Some(10000));
        assert_eq!(parse_percent("99.71％"), Some(9971));
        assert_eq!(parse_percent("abc"), None);
        assert_eq!(parse_percent("99.715%"), None);
    }
}
