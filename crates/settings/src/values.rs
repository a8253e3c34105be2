//! The settings' typed values: a value is checked when the file is read, so a wrong
//! one is refused with its file, line and key before anything starts, and the code that
//! uses it never meets a string it must interpret.

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

/// The console's language (`display.language`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// `zh` or `en` (the console's `:lang` command takes the same words).
    pub fn parse(text: &str) -> Option<Lang> {
        match text.trim() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The word for it, as in the files (`config/i18n.toml`'s columns).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

impl<'de> Deserialize<'de> for Lang {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Lang, D::Error> {
        let text = String::deserialize(d)?;
        Lang::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not zh or en")))
    }
}

/// How the console's copy key puts text on the clipboard. A terminal program can only
/// reach the clipboard of the machine the user sits at through the terminal itself
/// (OSC 52), and it cannot ask whether the terminal honoured the request, so the
/// copied text is always shown in the status line as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CopyMode {
    /// OSC 52 — over SSH the only way to the user's clipboard; locally it is sent
    /// too (most terminals honour it), and the status line invites selecting the
    /// text in case this one does not.
    Auto,
    /// Always OSC 52, worded as done.
    Osc52,
    /// Never send OSC 52 (terminals that print it or a policy against it): the text
    /// is only shown in the status line, to be selected with the terminal's mouse.
    Status,
}

/// The office's time zone, by its IANA name (`Asia/Shanghai`).
pub(crate) fn time_zone<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Tz>, D::Error> {
    let text = String::deserialize(d)?;
    text.parse::<Tz>().map(Some).map_err(|_| {
        serde::de::Error::custom(format!("{text:?} is not a time zone (e.g. Asia/Shanghai)"))
    })
}
