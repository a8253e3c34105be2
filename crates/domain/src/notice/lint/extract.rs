//! Finding the figure statements of one paragraph: each number with what it counts,
//! read from the words just before it (its clause), and the lists that "分别为 X% 和 Y%"
//! and "2944个、1200个" make. A number whose meaning the words do not say is left out:
//! a figure read wrongly would be a false alarm, one left out only goes unchecked.

/// What a figure of a notice counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Accounts operating / under management (纳入管理, 运行, 总量).
    Total,
    /// Accounts inspected or sampled (检查, 抽查, 监测).
    Inspected,
    /// Accounts that passed (合格).
    Passed,
    /// Accounts with problems (存在问题, 不合格).
    Problems,
    /// A pass rate (合格率).
    PassRate,
    /// A sampling ratio (抽查比例).
    Ratio,
    /// A change against another time (较…上升, 从…下降至): never checked.
    Change,
}

/// A number as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Count(u64),
    /// `printed` as in the text (`99.9%`); `scaled` its value at `decimals` decimals (999).
    Percent {
        printed: String,
        scaled: u64,
        decimals: u32,
    },
}

/// One figure of a paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub kind: Kind,
    pub value: Value,
    /// Sentence of the paragraph (split at 。；！？).
    pub sentence: usize,
    /// Part of the sentence: 0 before its first 其中, 1 after it, …
    pub part: usize,
    /// Figures of one list (`分别为 X% 和 Y%`) share a series.
    pub series: usize,
    /// The words before it in its sentence, for telling a whole from a part.
    pub lead: String,
}

/// The most characters before a number read for its meaning: a clause of a notice is
/// rarely longer than 30.
const MAX_CONTEXT: usize = 64;
/// The most characters of its sentence before a count read to tell a part from the whole.
const MAX_LEAD: usize = 400;

const SENTENCE_END: &[char] = &['。', '；', ';', '！', '？', '!', '?', '\n'];
/// Clause marks: the words that say what a number counts stand after the last of them.
const CLAUSE: &[char] = &[
    '，', ',', '：', ':', '（', '(', '）', ')', '“', '”', '《', '》', '〔', '〕', '【', '】',
];
/// After a number, these say it is not a count of accounts (a date, a sum, an item).
const NOT_A_COUNT: &[char] = &[
    '年', '月', '日', '号', '时', '分', '秒', '万', '亿', '千', '百', '余', '多', '项', '人', '次',
    '期', '批', '轮', '点', '名', '元', '届', '季', '周', '天', '+', '-', '—', '~', '～', '.',
];
const CHANGE: &[&str] = &[
    "上升",
    "下降",
    "提高",
    "提升",
    "降低",
    "增长",
    "增加",
    "减少",
    "同比",
    "环比",
    "较",
    "比上",
    "百分点",
    "从",
    "由",
];
const PROBLEMS: &[&str] = &["不合格", "问题", "未通过", "未达标"];
const PASSED: &[&str] = &["合格", "达标", "通过"];
const INSPECTED: &[&str] = &[
    "抽查", "抽检", "抽取", "抽样", "检查", "监测", "检测", "核查", "巡查",
];
const TOTAL: &[&str] = &[
    "纳入管理",
    "纳入",
    "运行",
    "运营",
    "总量",
    "总数",
    "共有",
    "现有",
    "开设",
    "在用",
];
const RATIO: &[&str] = &["比例", "占比", "抽查率", "抽检率", "抽样率"];

fn has(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

/// What the words before a percentage say it is.
fn percent_kind(context: &str) -> Option<Kind> {
    if has(context, CHANGE) {
        return Some(Kind::Change);
    }
    if context.contains("不合格率") {
        return None;
    }
    if has(context, &["合格率", "达标率", "通过率"]) {
        return Some(Kind::PassRate);
    }
    if has(context, RATIO) {
        return Some(Kind::Ratio);
    }
    None
}

/// What the words before a count say it counts.
fn count_kind(context: &str) -> Option<Kind> {
    if has(context, CHANGE) {
        return Some(Kind::Change);
    }
    if has(context, PROBLEMS) {
        return Some(Kind::Problems);
    }
    let without_rates = context
        .replace("合格率", "")
        .replace("达标率", "")
        .replace("通过率", "");
    if has(&without_rates, PASSED) {
        return Some(Kind::Passed);
    }
    if has(context, INSPECTED) {
        return Some(Kind::Inspected);
    }
    if has(context, TOTAL) {
        return Some(Kind::Total);
    }
    None
}

/// The words after a count, when those before it say nothing: "5个存在问题".
fn count_kind_after(after: &str) -> Option<Kind> {
    if has(after, &["不合格", "存在问题", "有问题"]) {
        Some(Kind::Problems)
    } else if has(after, &["合格"]) && !after.contains("合格率") {
        Some(Kind::Passed)
    } else {
        None
    }
}

fn normalize(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' => '.',
        '％' => '%',
        _ => c,
    }
}

/// A number starting at `i`: its digits (thousands separators dropped), its decimals
/// and the index after it.
fn read_number(c: &[char], mut i: usize) -> (String, Option<String>, usize) {
    let mut int = String::new();
    while i < c.len() {
        if c[i].is_ascii_digit() {
            int.push(c[i]);
            i += 1;
        } else if c[i] == ','
            && c.len() > i + 3
            && c[i + 1..i + 4].iter().all(char::is_ascii_digit)
            && c.get(i + 4).is_none_or(|d| !d.is_ascii_digit())
        {
            i += 1;
        } else {
            break;
        }
    }
    let mut frac = None;
    if c.get(i) == Some(&'.') && c.get(i + 1).is_some_and(char::is_ascii_digit) {
        let mut f = String::new();
        i += 1;
        while i < c.len() && c[i].is_ascii_digit() {
            f.push(c[i]);
            i += 1;
        }
        frac = Some(f);
    }
    (int, frac, i)
}

/// The figures of one paragraph, in order.
pub fn figures(paragraph: &str) -> Vec<Figure> {
    let c: Vec<char> = paragraph.chars().map(normalize).collect();
    let mut out: Vec<Figure> = Vec::new();
    let (mut sentence, mut part, mut series) = (0usize, 0usize, 0usize);
    let mut sentence_start = 0usize;
    let mut clause_start = 0usize;
    // End of the previous figure of this sentence, and its kind and type.
    let mut previous: Option<(usize, Kind, bool)> = None;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if SENTENCE_END.contains(&ch) {
            sentence += 1;
            part = 0;
            sentence_start = i + 1;
            clause_start = i + 1;
            previous = None;
            i += 1;
            continue;
        }
        if CLAUSE.contains(&ch) {
            clause_start = i + 1;
        }
        if ch == '其' && c.get(i + 1) == Some(&'中') {
            part += 1;
        }
        let starts_number = ch.is_ascii_digit()
            && (i == 0 || !(c[i - 1].is_ascii_alphanumeric() || c[i - 1] == '.'));
        if !starts_number {
            i += 1;
            continue;
        }
        let (int, frac, end) = read_number(&c, i);
        let mut next = end;
        while c.get(next) == Some(&' ') {
            next += 1;
        }
        let is_percent = c.get(next) == Some(&'%');
        // The words read before a number are bounded, so a paragraph without
        // punctuation costs time in proportion to its length, not its square.
        let window = i.saturating_sub(MAX_CONTEXT);
        let context_start = clause_start.max(previous.map_or(0, |p| p.0)).max(window);
        let context: String = c[context_start..i].iter().collect();
        let gap_start = previous.map_or(sentence_start, |p| p.0).max(window);
        let gap: String = c[gap_start..i].iter().collect();
        let lead: String = c[sentence_start.max(i.saturating_sub(MAX_LEAD))..i]
            .iter()
            .collect();
        let after_end = end + 1;
        let value;
        let mut kind;
        if is_percent {
            let decimals = frac.as_ref().map_or(0, |f| f.len() as u32);
            let digits = format!("{int}{}", frac.clone().unwrap_or_default());
            let Ok(scaled) = digits.parse::<u64>() else {
                i = after_end;
                continue;
            };
            if decimals > 4 {
                i = after_end;
                continue;
            }
            value = Value::Percent {
                printed: match &frac {
                    Some(f) => format!("{int}.{f}%"),
                    None => format!("{int}%"),
                },
                scaled,
                decimals,
            };
            kind = percent_kind(&context);
        } else {
            let preceded_by_ordinal = i > 0 && c[i - 1] == '第';
            let blocked = frac.is_some()
                || c.get(end).is_some_and(|n| NOT_A_COUNT.contains(n))
                || preceded_by_ordinal;
            let Ok(n) = int.parse::<u64>() else {
                i = end;
                continue;
            };
            if blocked {
                i = end;
                continue;
            }
            value = Value::Count(n);
            kind = count_kind(&context);
            if kind.is_none() {
                let after: String = c[end..]
                    .iter()
                    .take_while(|x| {
                        !CLAUSE.contains(x) && !SENTENCE_END.contains(x) && !x.is_ascii_digit()
                    })
                    .take(12)
                    .collect();
                kind = count_kind_after(&after);
            }
        }
        // A figure with no words of its own continues the list before it, when only a
        // list mark (、 和 及 与) or a name stands between them: 2944个、1200个.
        let mut own_series = true;
        if kind.is_none()
            && let Some((_, k, was_percent)) = previous
            && was_percent == is_percent
            && k != Kind::Change
            && !gap.contains(['，', ',', '：', ':'])
            && !gap.contains("其中")
            && gap.chars().count() <= 12
        {
            kind = Some(k);
            own_series = false;
        }
        let Some(kind) = kind else {
            i = if is_percent { after_end } else { end };
            continue;
        };
        if own_series {
            series += 1;
        }
        out.push(Figure {
            kind,
            value,
            sentence,
            part,
            series,
            lead,
        });
        let figure_end = if is_percent { next + 1 } else { end };
        previous = Some((figure_end, kind, is_percent));
        i = figure_end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(p: &str) -> Vec<(Kind, String)> {
        figures(p)
            .into_iter()
            .map(|f| {
                let v = match f.value {
                    Value::Count(n) => n.to_string(),
                    Value::Percent { printed, .. } => printed,
                };
                (f.kind, v)
            })
            .collect()
    }

    #[test]
    fn reads_counts_and_rates_by_their_words() {
        let k = kinds(
            "全省共有政务新媒体5,038个，抽查1,010个，抽查比例为20.1%，发现问题账号12个，合格率98.81%，较上季度上升0.5%。",
        );
        assert_eq!(
            k,
            vec![
                (Kind::Total, "5038".into()),
                (Kind::Inspected, "1010".into()),
                (Kind::Ratio, "20.1%".into()),
                (Kind::Problems, "12".into()),
                (Kind::PassRate, "98.81%".into()),
                (Kind::Change, "0.5%".into()),
            ]
        );
    }

    #[test]
    fn dates_documents_and_sums_are_not_counts() {
        let k = kinds(
            "根据国办秘函〔2019〕19号要求，于2022年1月1日至3月15日开展第2轮检查，推出1280项产品，吸引850万人次。",
        );
        assert_eq!(k, vec![]);
    }

    #[test]
    fn lists_share_the_words_of_their_first() {
        let f = figures("检查微信公众号2944个、微博账号1200个，合格率分别为99.9%和98.5%。");
        let series: Vec<usize> = f.iter().map(|f| f.series).collect();
        assert_eq!(series[0], series[1]);
        assert_eq!(series[2], series[3]);
        assert_ne!(series[1], series[2]);
        assert_eq!(f[3].kind, Kind::PassRate);
    }
}
