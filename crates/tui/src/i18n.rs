//! The interface strings catalogue: every word the console shows lives in
//! `config/i18n.toml`, in Chinese (the default) and English, so translations are
//! reviewed in one place and no label is hidden in code.

use std::collections::HashMap;

/// The catalogue, compiled in.
pub const CATALOGUE: &str = include_str!("../../../config/i18n.toml");

/// The language is a setting (`display.language`), typed where the file is read.
pub use govcheck_settings::Lang;

/// The strings of one language, by dotted key (`col.region`, `help.verify`).
#[derive(Debug, Clone)]
pub struct I18n {
    pub lang: Lang,
    strings: HashMap<String, String>,
}

impl I18n {
    pub fn new(lang: Lang) -> I18n {
        let mut strings = HashMap::new();
        if let Ok(table) = toml::from_str::<toml::Table>(CATALOGUE) {
            flatten("", &table, lang.code(), &mut strings);
        }
        I18n { lang, strings }
    }

    /// The string for `key`; the key itself when missing (a unit test keeps the
    /// catalogue complete, so this shows up in review, never as a crash).
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.strings.get(key).map_or(key, String::as_str)
    }

    /// Does the catalogue have this key?
    pub fn has(&self, key: &str) -> bool {
        self.strings.contains_key(key)
    }
}

/// `template` with each `{name}` of `args` replaced by its value, in one pass: a value
/// that itself holds `{name}` (a name from the data) is left as it is.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            args.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn flatten(prefix: &str, table: &toml::Table, lang: &str, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let Some(t) = v.as_table() else { continue };
        match t.get(lang).and_then(toml::Value::as_str) {
            Some(s) if t.contains_key("zh") => {
                out.insert(key, s.to_string());
            }
            _ => flatten(&key, t, lang, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let zh = I18n::new(Lang::Zh);
        let en = I18n::new(Lang::En);
        assert!(zh.strings.len() > 50, "catalogue parses");
        let mut a: Vec<_> = zh.strings.keys().collect();
        let mut b: Vec<_> = en.strings.keys().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert_eq!(zh.t("view.overview"), "总体情况");
        assert_eq!(en.t("view.overview"), "Overview");
    }

    #[test]
    fn fill_replaces_each_placeholder_once_and_leaves_data_alone() {
        assert_eq!(
            fill("{by} at {at}: {x}", &[("by", "{at}"), ("at", "10:42")]),
            "{at} at 10:42: {x}"
        );
        assert_eq!(fill("no braces", &[]), "no braces");
        assert_eq!(fill("open { only", &[("a", "b")]), "open { only");
    }

    #[test]
    fn every_action_has_help_text() {
        let zh = I18n::new(Lang::Zh);
        for a in crate::action::Action::ALL {
            assert!(zh.has(&a.help_key()), "missing {}", a.help_key());
        }
    }
}
