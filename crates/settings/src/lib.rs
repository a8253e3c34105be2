//! The user's configuration: a TOML file in the config directory, layered over the
//! documented defaults in `config/default.toml`. That file, compiled in, is the one
//! source of every default: the structures here have none of their own, so what the
//! file documents is what a missing key means. A bad file is refused whole, with the
//! line and key, so the console never starts half-configured.

mod dirs;
mod values;

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;

use govcheck_domain::text::line_col;

pub use dirs::{Dirs, check_config_dir};
pub use values::{CopyMode, Lang};

/// The documented defaults, compiled in.
pub const DEFAULT_CONFIG: &str = include_str!("../../../config/default.toml");

/// What messages call the compiled-in defaults.
const DEFAULT_PATH: &str = "config/default.toml";

/// The configuration in effect: every value typed, none missing.
#[derive(Debug, Clone)]
pub struct Settings {
    pub source: String,
    /// The PostgreSQL registry `serve` shares (`postgres://…`); empty for none.
    pub database: String,
    pub name: String,
    /// The office's time zone: round dates are calendar days in it.
    pub timezone: Tz,
    pub rules: Rules,
    pub display: Display,
    /// Key map overrides, interpreted by the console.
    pub keys: toml::Table,
}

#[derive(Debug, Clone)]
pub struct Rules {
    pub warn_after_days: i64,
}

#[derive(Debug, Clone)]
pub struct Display {
    pub language: Lang,
    pub ascii: bool,
    pub mouse: bool,
    /// How `y` copies (see [`CopyMode`]).
    pub copy: CopyMode,
    pub due_soon_days: i64,
    pub good_rate: f64,
    pub warn_rate: f64,
}

/// One file's settings, as written: a key it leaves out is `None` and takes the value
/// of the layer below (the user's file over `config/default.toml`). Unknown keys are
/// refused, so a typo never passes silently, and the defaults file cannot hold a key
/// nothing reads.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layer {
    source: Option<String>,
    database: Option<String>,
    name: Option<String>,
    #[serde(default, deserialize_with = "values::time_zone")]
    timezone: Option<Tz>,
    #[serde(default)]
    rules: RulesLayer,
    #[serde(default)]
    display: DisplayLayer,
    keys: Option<toml::Table>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesLayer {
    warn_after_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DisplayLayer {
    language: Option<Lang>,
    ascii: Option<bool>,
    mouse: Option<bool>,
    copy: Option<CopyMode>,
    due_soon_days: Option<i64>,
    good_rate: Option<f64>,
    warn_rate: Option<f64>,
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Where it is wrong, and the key when the mistake is in one (`display.copy`).
    #[error("{}, line {line}, column {column}{}: {message}", path.display(), key.as_ref().map(|k| format!(", key {k}")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        key: Option<String>,
        message: String,
    },
    /// A key `config/default.toml` lacks: every setting takes its default from that
    /// file (a mistake in govcheck's own build, caught by its tests).
    #[error("{DEFAULT_PATH}, key {key}: missing; every setting's default is in this file")]
    NoDefault { key: &'static str },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The config directory is writable by every user: anyone could plant a
    /// `config.toml` (another registry, another name for the histories), a catalogue, a
    /// CA or a token in it, so nothing is read from it.
    #[error("{}: writable by every user (mode {mode:o}); refusing to read a configuration, catalogue, CA or token that anyone could have put there. Run: chmod o-w {}", path.display(), path.display())]
    WorldWritable { path: PathBuf, mode: u32 },
}

impl Layer {
    /// Read one file's layer; `path` is only for messages.
    fn parse(path: &Path, text: &str) -> Result<Layer, SettingsError> {
        toml::from_str(text).map_err(|e| {
            let at = e.span().map(|sp| sp.start);
            let (line, column) = at.map_or((1, 1), |o| line_col(text, o));
            SettingsError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                key: at.and_then(|o| key_at(text, o)),
                message: e.message().trim().to_string(),
            }
        })
    }
}

/// The dotted key (`display.copy`) whose name or value covers byte `offset` of `text`.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let table = toml::de::DeTable::parse(text).ok()?;
    find_key(table.get_ref(), "", offset)
}

fn find_key(table: &toml::de::DeTable<'_>, prefix: &str, offset: usize) -> Option<String> {
    for (k, v) in table {
        let name = format!("{prefix}{}", k.get_ref());
        if let toml::de::DeValue::Table(inner) = v.get_ref()
            && let Some(found) = find_key(inner, &format!("{name}."), offset)
        {
            return Some(found);
        }
        if k.span().contains(&offset) || v.span().contains(&offset) {
            return Some(name);
        }
    }
    None
}

/// The user's value, else the default file's.
fn pick<T>(user: Option<T>, default: Option<T>, key: &'static str) -> Result<T, SettingsError> {
    user.or(default).ok_or(SettingsError::NoDefault { key })
}

impl Settings {
    /// The user's layer over the defaults' layer.
    fn layered(user: Layer, default: Layer) -> Result<Settings, SettingsError> {
        let (u, d) = (user.display, default.display);
        // Key overrides are per action: the user's entries over the defaults' ones.
        let mut keys = pick(None, default.keys, "keys")?;
        keys.extend(user.keys.unwrap_or_default());
        Ok(Settings {
            source: pick(user.source, default.source, "source")?,
            database: pick(user.database, default.database, "database")?,
            name: pick(user.name, default.name, "name")?,
            timezone: pick(user.timezone, default.timezone, "timezone")?,
            rules: Rules {
                warn_after_days: pick(
                    user.rules.warn_after_days,
                    default.rules.warn_after_days,
                    "rules.warn_after_days",
                )?,
            },
            display: Display {
                language: pick(u.language, d.language, "display.language")?,
                ascii: pick(u.ascii, d.ascii, "display.ascii")?,
                mouse: pick(u.mouse, d.mouse, "display.mouse")?,
                copy: pick(u.copy, d.copy, "display.copy")?,
                due_soon_days: pick(u.due_soon_days, d.due_soon_days, "display.due_soon_days")?,
                good_rate: pick(u.good_rate, d.good_rate, "display.good_rate")?,
                warn_rate: pick(u.warn_rate, d.warn_rate, "display.warn_rate")?,
            },
            keys,
        })
    }

    /// `text` (a user's file, or a test's) over the defaults `default_text`.
    fn over(path: &Path, text: &str, default_text: &str) -> Result<Settings, SettingsError> {
        let default = Layer::parse(Path::new(DEFAULT_PATH), default_text)?;
        Settings::layered(Layer::parse(path, text)?, default)
    }

    /// Parse a configuration text over the defaults; `path` is only for messages.
    pub fn parse(path: &Path, text: &str) -> Result<Settings, SettingsError> {
        Settings::over(path, text, DEFAULT_CONFIG)
    }

    /// The defaults alone.
    pub fn defaults() -> Settings {
        // The built-in file is tested (`the_defaults_file_is_the_one_source`).
        Settings::parse(Path::new(DEFAULT_PATH), "").expect("built-in default config is valid")
    }

    /// Read `path` if it exists, else the defaults.
    pub fn load(path: &Path) -> Result<Settings, SettingsError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Settings::parse(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Settings::parse(Path::new(DEFAULT_PATH), "")
            }
            Err(e) => Err(SettingsError::Io {
                path: path.to_path_buf(),
                source: e,
            }),
        }
    }

    pub fn tz(&self) -> Tz {
        self.timezone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse() {
        let s = Settings::defaults();
        assert_eq!(s.rules.warn_after_days, 10);
        assert_eq!(s.tz(), chrono_tz::Asia::Shanghai);
        assert!(!s.display.mouse);
        assert_eq!(s.display.copy, CopyMode::Auto);
        assert_eq!(s.display.language, Lang::Zh);
    }

    /// Every key of `table` down to its leaves (an empty table is a leaf), dotted.
    fn leaves(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
        for (k, v) in table {
            let name = format!("{prefix}{k}");
            match v {
                toml::Value::Table(t) if !t.is_empty() => leaves(t, &format!("{name}."), out),
                _ => out.push(name),
            }
        }
    }

    fn remove(table: &mut toml::Table, dotted: &str) {
        match dotted.split_once('.') {
            Some((head, rest)) => {
                if let Some(toml::Value::Table(t)) = table.get_mut(head) {
                    remove(t, rest);
                }
            }
            None => {
                table.remove(dotted);
            }
        }
    }

    /// The file and the structures agree: every key of config/default.toml is read
    /// (unknown keys are refused, and the file parses), and no default lives anywhere
    /// else (without any one of its keys, the defaults are refused, naming that key).
    #[test]
    fn the_defaults_file_is_the_one_source() {
        let table: toml::Table = toml::from_str(DEFAULT_CONFIG).expect("default.toml");
        let mut keys = Vec::new();
        leaves(&table, "", &mut keys);
        assert_eq!(keys.len(), 13, "{keys:?}");
        for key in &keys {
            let mut without = table.clone();
            remove(&mut without, key);
            let text = toml::to_string(&without).expect("toml");
            let err = Settings::over(Path::new("c.toml"), "", &text)
                .expect_err(&format!("{key} has a default outside the file"));
            assert_eq!(
                err.to_string(),
                format!(
                    "config/default.toml, key {key}: missing; every setting's default is in this file"
                )
            );
        }
        // A key the structures do not read cannot sit in the defaults.
        let err = Settings::over(Path::new("c.toml"), "", "unread = 1\n").expect_err("unread");
        assert!(err.to_string().contains("key unread"), "{err}");
    }

    #[test]
    fn the_users_file_is_layered_over_the_defaults() {
        let p = Path::new("c.toml");
        let s = Settings::parse(p, "name = \"李四\"\n[display]\nascii = true\n").expect("ok");
        assert_eq!(s.name, "李四");
        assert!(s.display.ascii);
        // What the user left out is the defaults file's.
        assert_eq!(s.display.due_soon_days, 3);
        assert_eq!(s.display.language, Lang::Zh);
        assert_eq!(s.rules.warn_after_days, 10);
        assert_eq!(s.tz(), chrono_tz::Asia::Shanghai);
        let s = Settings::parse(
            p,
            "timezone = \"Asia/Urumqi\"\n[display]\nlanguage = \"en\"\n",
        )
        .expect("ok");
        assert_eq!(s.tz(), chrono_tz::Asia::Urumqi);
        assert_eq!(s.display.language, Lang::En);
        assert!(!s.display.ascii);
        let s = Settings::parse(p, "[keys]\nquit = [\"Q\"]\n").expect("keys");
        assert!(s.keys.contains_key("quit"));
    }

    #[test]
    fn copy_mode_is_one_of_three() {
        let p = Path::new("c.toml");
        let s = Settings::parse(p, "[display]\ncopy = \"status\"\n").expect("status");
        assert_eq!(s.display.copy, CopyMode::Status);
        let s = Settings::parse(p, "[display]\ncopy = \"osc52\"\n").expect("osc52");
        assert_eq!(s.display.copy, CopyMode::Osc52);
        let err = Settings::parse(p, "[display]\ncopy = \"xclip\"\n").expect_err("unknown");
        let msg = err.to_string();
        assert!(
            msg.starts_with("c.toml, line 2, column 8, key display.copy: "),
            "{msg}"
        );
        assert!(msg.contains("xclip"), "{msg}");
    }

    #[test]
    fn unknown_key_names_line() {
        let err = Settings::parse(
            Path::new("c.toml"),
            "name = \"李四\"\n[display]\nasci = true\n",
        )
        .expect_err("typo");
        let msg = err.to_string();
        assert!(
            msg.starts_with("c.toml, line 3, column 1, key display.asci: unknown field `asci`"),
            "{msg}"
        );
    }

    #[test]
    fn bad_timezone_is_refused() {
        let err = Settings::parse(
            Path::new("config.toml"),
            "\n\ntimezone = \"Asia/Shanghia\"\n",
        )
        .expect_err("tz");
        assert_eq!(
            err.to_string(),
            "config.toml, line 3, column 12, key timezone: \"Asia/Shanghia\" is not a time zone (e.g. Asia/Shanghai)"
        );
    }

    #[test]
    fn bad_language_is_refused() {
        let err = Settings::parse(Path::new("c.toml"), "[display]\nlanguage = \"fr\"\n")
            .expect_err("lang");
        assert_eq!(
            err.to_string(),
            "c.toml, line 2, column 12, key display.language: \"fr\" is not zh or en"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_names_its_key() {
        let err = Settings::parse(
            Path::new("c.toml"),
            "[rules]\nwarn_after_days = 10\n[display]\nmouse = \"yes\"\n",
        )
        .expect_err("type");
        let msg = err.to_string();
        assert!(
            msg.starts_with("c.toml, line 4, column 9, key display.mouse: "),
            "{msg}"
        );
        // A broken file (no key to blame) still names the line.
        let err =
            Settings::parse(Path::new("c.toml"), "name = \"a\"\nname =\n").expect_err("syntax");
        assert!(err.to_string().starts_with("c.toml, line 2"), "{err}");
        assert!(!err.to_string().contains(", key "), "{err}");
    }
}
