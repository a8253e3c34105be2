//! The indicator catalogue (国办秘函〔2019〕19号) and the mapping of the free text that
//! notices use (附件2 存在突出问题) onto it. The catalogue itself is data
//! (`config/catalogue.toml`), so a province can edit it without a release.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::text::{line_col, normalize_key};

/// The built-in catalogue, compiled into the binary so it works from any directory.
pub const BUILTIN_CATALOGUE: &str = include_str!("../../../config/catalogue.toml");

/// Veto indicators fail an account on their own; deduction indicators take points off a
/// website's score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    Veto,
    Deduction,
}

/// Which kind of account an indicator applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppliesTo {
    NewMedia,
    Website,
    Both,
}

/// Whether a platform is inspected as a new-media account or as a website.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformKind {
    NewMedia,
    Website,
}

/// An automatic rule that can produce findings from data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoRule {
    /// 监测点前两周未更新: no post in the 14 days up to the monitoring point.
    TwoWeekSilence,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    pub applies_to: AppliesTo,
    pub kind: IndicatorKind,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub points: Option<u32>,
    #[serde(default)]
    pub max_points: Option<u32>,
    #[serde(default)]
    pub rule: Option<AutoRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformDef {
    pub name: String,
    pub kind: PlatformKind,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What a narrow column shows (微信 for 微信公众号), so a list keeps its room for
    /// names and figures; the full name everywhere else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    version: u32,
    pass_score: u32,
    full_score: u32,
    #[serde(default)]
    platform: Vec<PlatformDef>,
    #[serde(default)]
    indicator: Vec<Indicator>,
}

/// A catalogue file that cannot be used, with the place to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct CatalogueError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The loaded catalogue with lookup indexes.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub pass_score: u32,
    pub full_score: u32,
    indicators: Vec<Indicator>,
    platforms: Vec<PlatformDef>,
    by_code: HashMap<String, usize>,
    by_spelling: HashMap<String, usize>,
    platform_by_spelling: HashMap<String, usize>,
}

impl Catalogue {
    /// The catalogue compiled into the binary.
    pub fn builtin() -> Catalogue {
        // The built-in file is tested (`builtin_catalogue_loads`); failing here would be
        // a build defect, not bad input.
        Catalogue::from_toml(BUILTIN_CATALOGUE).expect("built-in catalogue is valid")
    }

    pub fn from_toml(text: &str) -> Result<Catalogue, CatalogueError> {
        let file: CatalogueFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            CatalogueError {
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        let locate = |needle: &str| {
            text.find(needle)
                .map(|off| line_col(text, off))
                .unwrap_or((1, 1))
        };
        if file.version != 1 {
            let (line, column) = locate("version");
            return Err(CatalogueError {
                line,
                column,
                message: format!("catalogue version {} is not supported (1 is)", file.version),
            });
        }
        let mut by_code = HashMap::new();
        let mut by_spelling = HashMap::new();
        for (i, ind) in file.indicator.iter().enumerate() {
            if by_code.insert(ind.code.clone(), i).is_some() {
                let (line, column) = locate(&format!("\"{}\"", ind.code));
                return Err(CatalogueError {
                    line,
                    column,
                    message: format!("indicator code {:?} appears twice", ind.code),
                });
            }
            if ind.kind == IndicatorKind::Deduction && ind.max_points.is_none() {
                let (line, column) = locate(&format!("\"{}\"", ind.code));
                return Err(CatalogueError {
                    line,
                    column,
                    message: format!("deduction indicator {:?} needs max_points", ind.code),
                });
            }
            for spelling in std::iter::once(&ind.name).chain(&ind.aliases) {
                by_spelling.entry(normalize_key(spelling)).or_insert(i);
            }
        }
        let mut platform_by_spelling = HashMap::new();
        for (i, p) in file.platform.iter().enumerate() {
            for spelling in std::iter::once(&p.name).chain(&p.aliases) {
                platform_by_spelling
                    .entry(normalize_key(spelling).to_lowercase())
                    .or_insert(i);
            }
        }
        Ok(Catalogue {
            pass_score: file.pass_score,
            full_score: file.full_score,
            indicators: file.indicator,
            platforms: file.platform,
            by_code,
            by_spelling,
            platform_by_spelling,
        })
    }

    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    pub fn platforms(&self) -> &[PlatformDef] {
        &self.platforms
    }

    pub fn get(&self, code: &str) -> Option<&Indicator> {
        self.by_code.get(code).map(|&i| &self.indicators[i])
    }

    /// Map a notice's wording (or an indicator code) onto an indicator.
    pub fn match_problem(&self, text: &str) -> Option<&Indicator> {
        if let Some(ind) = self.get(text.trim()) {
            return Some(ind);
        }
        self.by_spelling
            .get(&normalize_key(text))
            .map(|&i| &self.indicators[i])
    }

    /// The canonical platform name for a spelling such as `B站` or `头条号`.
    pub fn canonical_platform(&self, text: &str) -> Option<&PlatformDef> {
        self.platform_by_spelling
            .get(&normalize_key(text).to_lowercase())
            .map(|&i| &self.platforms[i])
    }

    /// The short name of a platform for narrow columns (`微信` for `微信公众号`, `头条`
    /// for `今日头条`); the text itself for a platform without one or not catalogued.
    pub fn short_platform<'a>(&'a self, platform: &'a str) -> &'a str {
        self.canonical_platform(platform)
            .and_then(|p| p.short.as_deref())
            .unwrap_or(platform)
    }

    /// Is this platform inspected as a website? Unknown platforms are new media.
    pub fn is_website(&self, platform: &str) -> bool {
        self.canonical_platform(platform)
            .is_some_and(|p| p.kind == PlatformKind::Website)
    }

    /// The indicator an automatic rule produces (the first one that has it).
    pub fn for_rule(&self, rule: AutoRule) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.rule == Some(rule))
    }

    /// The indicator an automatic rule produces for an account on `platform`: a silent
    /// website fails 首页栏目信息超过2周未更新, a silent WeChat account 监测点前两周未更新.
    pub fn for_rule_on(&self, rule: AutoRule, platform: &str) -> Option<&Indicator> {
        let website = self.is_website(platform);
        self.indicators.iter().find(|i| {
            i.rule == Some(rule)
                && match i.applies_to {
                    AppliesTo::Both => true,
                    AppliesTo::Website => website,
                    AppliesTo::NewMedia => !website,
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads() {
        let c = Catalogue::from_toml(BUILTIN_CATALOGUE).expect("valid");
        assert!(c.indicators().len() >= 10);
        assert_eq!(c.pass_score, 60);
    }

    #[test]
    fn notice_spellings_map_to_one_indicator() {
        let c = Catalogue::builtin();
        let a = c
            .match_problem("监测点前两周未更新")
            .map(|i| i.code.clone());
        let b = c
            .match_problem("监测点前两周无更新")
            .map(|i| i.code.clone());
        let d = c
            .match_problem(" 监测时间点前2周内无更新 ")
            .map(|i| i.code.clone());
        assert_eq!(a.as_deref(), Some("nm.no-update-2w"));
        assert_eq!(a, b);
        assert_eq!(a, d);
        assert_eq!(
            c.match_problem("出现严重表述错误").map(|i| i.kind),
            Some(IndicatorKind::Veto)
        );
        assert!(c.match_problem("天气不好").is_none());
    }

    #[test]
    fn the_two_week_rule_names_the_indicator_of_the_account_kind() {
        let c = Catalogue::builtin();
        let on = |p: &str| {
            c.for_rule_on(AutoRule::TwoWeekSilence, p)
                .map(|i| i.code.as_str())
        };
        assert_eq!(on("微信公众号"), Some("nm.no-update-2w"));
        assert_eq!(on("抖音"), Some("nm.no-update-2w"));
        assert_eq!(on("政府网站"), Some("ws.no-update-2w"));
    }

    #[test]
    fn short_platform_names_for_narrow_columns() {
        let c = Catalogue::builtin();
        assert_eq!(c.short_platform("微信公众号"), "微信");
        assert_eq!(c.short_platform("今日头条"), "头条");
        assert_eq!(c.short_platform("B站"), "B站");
        assert_eq!(c.short_platform("抖音"), "抖音");
        assert_eq!(c.short_platform("不在目录的平台"), "不在目录的平台");
    }

    #[test]
    fn platform_aliases() {
        let c = Catalogue::builtin();
        assert_eq!(
            c.canonical_platform("B站").map(|p| p.name.as_str()),
            Some("哔哩哔哩")
        );
        assert_eq!(
            c.canonical_platform("头条号").map(|p| p.name.as_str()),
            Some("今日头条")
        );
        assert_eq!(
            c.canonical_platform("WeChat").map(|p| p.name.as_str()),
            Some("微信公众号")
        );
        assert!(c.is_website("政府网站"));
        assert!(!c.is_website("抖音"));
    }

    #[test]
    fn bad_catalogue_names_line_and_key() {
        let text = "version = 1\npass_score = 60\nfull_score = 100\n\n[[indicator]]\ncode = \"x\"\nnme = \"typo\"\n";
        let err = Catalogue::from_toml(text).expect_err("unknown key");
        assert_eq!(err.line, 7);
        assert!(err.message.contains("nme"), "{}", err.message);
    }

    #[test]
    fn deduction_needs_a_cap() {
        let text = "version = 1\npass_score = 60\nfull_score = 100\n[[indicator]]\ncode = \"d\"\nname = \"d\"\napplies_to = \"website\"\nkind = \"deduction\"\n";
        let err = Catalogue::from_toml(text).expect_err("no cap");
        assert!(err.message.contains("max_points"));
        assert_eq!(err.line, 5);
    }
}
