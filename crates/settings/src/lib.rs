//! The user's configuration: a TOML file in the config directory, over the documented
//! defaults in `config/default.toml`. A bad file is refused whole, with the line and
//! key, so the console never starts half-configured.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;

use govcheck_domain::text::line_col;

/// The documented defaults, compiled in.
pub const DEFAULT_CONFIG: &str = include_str!("../../../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub name: String,
    #[serde(default = "default_tz")]
    pub timezone: String,
    #[serde(default)]
    pub rules: Rules,
    #[serde(default)]
    pub display: Display,
    /// Key map overrides, interpreted by the console.
    #[serde(default)]
    pub keys: toml::Table,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default = "default_warn")]
    pub warn_after_days: i64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            warn_after_days: default_warn(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Display {
    #[serde(default = "default_lang")]
    pub language: String,
    #[serde(default)]
    pub ascii: bool,
    #[serde(default)]
    pub mouse: bool,
    /// How `y` copies (see [`CopyMode`]).
    #[serde(default)]
    pub copy: CopyMode,
    #[serde(default = "default_due_soon")]
    pub due_soon_days: i64,
    #[serde(default = "default_good")]
    pub good_rate: f64,
    #[serde(default = "default_warn_rate")]
    pub warn_rate: f64,
}

impl Default for Display {
    fn default() -> Self {
        Display {
            language: default_lang(),
            ascii: false,
            mouse: false,
            copy: CopyMode::default(),
            due_soon_days: default_due_soon(),
            good_rate: default_good(),
            warn_rate: default_warn_rate(),
        }
    }
}

/// How the console's copy key puts text on the clipboard. A terminal program can only
/// reach the clipboard of the machine the user sits at through the terminal itself
/// (OSC 52), and it cannot ask whether the terminal honoured the request, so the
/// copied text is always shown in the status line as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CopyMode {
    /// OSC 52 — over SSH the only way to the user's clipboard; locally it is sent
    /// too (most terminals honour it), and the status line invites selecting the
    /// text in case this one does not.
    #[default]
    Auto,
    /// Always OSC 52, worded as done.
    Osc52,
    /// Never send OSC 52 (terminals that print it or a policy against it): the text
    /// is only shown in the status line, to be selected with the terminal's mouse.
    Status,
}

fn default_tz() -> String {
    "Asia/Shanghai".into()
}
fn default_warn() -> i64 {
    10
}
fn default_lang() -> String {
    "zh".into()
}
fn default_due_soon() -> i64 {
    3
}
fn default_good() -> f64 {
    100.0
}
fn default_warn_rate() -> f64 {
    99.0
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{}, line {line}, column {column}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
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

/// Refuse a config directory that every user may write to (see
/// [`SettingsError::WorldWritable`]); one that does not exist yet is fine.
pub fn check_config_dir(dir: &Path) -> Result<(), SettingsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::metadata(dir) {
            Ok(m) => m.permissions().mode() & 0o7777,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(SettingsError::Io {
                    path: dir.to_path_buf(),
                    source: e,
                });
            }
        };
        if mode & 0o002 != 0 {
            return Err(SettingsError::WorldWritable {
                path: dir.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

impl Settings {
    /// Parse a configuration text; `path` is only for messages.
    pub fn parse(path: &Path, text: &str) -> Result<Settings, SettingsError> {
        let s: Settings = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |sp| line_col(text, sp.start));
            SettingsError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        let locate = |key: &str| text.find(key).map_or((1, 1), |o| line_col(text, o));
        if s.timezone.parse::<Tz>().is_err() {
            let (line, column) = locate("timezone");
            return Err(SettingsError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message: format!("unknown time zone {:?} (e.g. Asia/Shanghai)", s.timezone),
            });
        }
        if !matches!(s.display.language.as_str(), "zh" | "en") {
            let (line, column) = locate("language");
            return Err(SettingsError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message: format!("language {:?} is not zh or en", s.display.language),
            });
        }
        Ok(s)
    }

    /// The defaults alone.
    pub fn defaults() -> Settings {
        // The built-in file is tested (`defaults_parse`).
        Settings::parse(Path::new("config/default.toml"), DEFAULT_CONFIG)
            .expect("built-in default config is valid")
    }

    /// Read `path` if it exists, else the defaults.
    pub fn load(path: &Path) -> Result<Settings, SettingsError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Settings::parse(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::defaults()),
            Err(e) => Err(SettingsError::Io {
                path: path.to_path_buf(),
                source: e,
            }),
        }
    }

    pub fn tz(&self) -> Tz {
        self.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }
}

/// Where govcheck keeps things on this host, from the platform's conventions (XDG on
/// Linux), overridable with `GOVCHECK_CONFIG_DIR`, `GOVCHECK_DATA_DIR`,
/// `GOVCHECK_CACHE_DIR` and `GOVCHECK_STATE_DIR` for tests and shared installs.
#[derive(Debug, Clone)]
pub struct Dirs {
    pub config: PathBuf,
    pub data: PathBuf,
    pub cache: PathBuf,
    pub state: PathBuf,
}

/// Without a home directory (a service account, the static binary in an empty root),
/// everything goes under `$TMPDIR/govcheck-<uid>`: one per user, created private (0700).
/// A directory of that name that another user made, or that others may write to, could
/// hold a planted config (another registry) or token, so it is refused instead.
fn private_fallback(tmp: &Path) -> Result<PathBuf, SettingsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt};
        // SAFETY: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() };
        let dir = tmp.join(format!("govcheck-{uid}"));
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
        let meta = match std::fs::symlink_metadata(&dir) {
            Ok(m) => m,
            // No temporary directory at all (an empty root): nothing can be planted
            // there either; what needs the directory fails later, naming it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(dir),
            Err(e) => {
                return Err(SettingsError::Io {
                    path: dir,
                    source: e,
                });
            }
        };
        if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o022 != 0 {
            return Err(SettingsError::Io {
                path: dir,
                source: std::io::Error::other(
                    "there is no home directory, and this fallback is not a private directory of yours; set HOME, or GOVCHECK_CONFIG_DIR, GOVCHECK_DATA_DIR, GOVCHECK_CACHE_DIR and GOVCHECK_STATE_DIR",
                ),
            });
        }
        Ok(dir)
    }
    #[cfg(not(unix))]
    {
        Ok(tmp.join("govcheck"))
    }
}

/// The variables that place each of govcheck's directories.
const DIR_VARS: [&str; 4] = [
    "GOVCHECK_CONFIG_DIR",
    "GOVCHECK_DATA_DIR",
    "GOVCHECK_CACHE_DIR",
    "GOVCHECK_STATE_DIR",
];

impl Dirs {
    pub fn discover() -> Result<Dirs, SettingsError> {
        let pd = directories::ProjectDirs::from("cn.gov", "govcheck", "govcheck");
        let from_env = |var: &str| std::env::var_os(var).map(PathBuf::from);
        // The fallback only when something is left to put there: with every directory
        // given, a missing home (or an unusable fallback) does not matter.
        let all_given = DIR_VARS.iter().all(|v| from_env(v).is_some());
        let fallback = match &pd {
            None if !all_given => private_fallback(&std::env::temp_dir())?,
            _ => PathBuf::new(),
        };
        let config = from_env("GOVCHECK_CONFIG_DIR")
            .or_else(|| pd.as_ref().map(|p| p.config_dir().to_path_buf()))
            .unwrap_or_else(|| fallback.join("config"));
        let data = from_env("GOVCHECK_DATA_DIR")
            .or_else(|| pd.as_ref().map(|p| p.data_dir().join("store")))
            .unwrap_or_else(|| fallback.join("store"));
        let cache = from_env("GOVCHECK_CACHE_DIR")
            .or_else(|| pd.as_ref().map(|p| p.cache_dir().to_path_buf()))
            .unwrap_or_else(|| fallback.join("cache"));
        let state = from_env("GOVCHECK_STATE_DIR")
            .or_else(|| {
                pd.as_ref()
                    .and_then(|p| p.state_dir().map(Path::to_path_buf))
            })
            .unwrap_or_else(|| cache.clone());
        Ok(Dirs {
            config,
            data,
            cache,
            state,
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config.join("config.toml")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_homeless_fallback_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = private_fallback(tmp.path()).expect("created");
        let mode = std::fs::metadata(&dir).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        // Someone made it writable for others (or made it for us): refused, named.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let err = private_fallback(tmp.path())
            .expect_err("refused")
            .to_string();
        assert!(
            err.contains("govcheck-") && err.contains("not a private directory"),
            "{err}"
        );
        // No temporary directory at all: nothing to plant anything in.
        let absent = tmp.path().join("absent");
        assert!(private_fallback(&absent).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_world_writable_config_dir_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("config");
        assert!(check_config_dir(&dir).is_ok(), "absent is fine");
        std::fs::create_dir(&dir).expect("dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        assert!(check_config_dir(&dir).is_ok());
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
        let err = check_config_dir(&dir).expect_err("refused").to_string();
        assert!(
            err.contains("config")
                && err.contains("writable by every user")
                && err.contains("1777"),
            "{err}"
        );
    }

    #[test]
    fn defaults_parse() {
        let s = Settings::defaults();
        assert_eq!(s.rules.warn_after_days, 10);
        assert_eq!(s.tz(), chrono_tz::Asia::Shanghai);
        assert!(!s.display.mouse);
        assert_eq!(s.display.copy, CopyMode::Auto);
    }

    #[test]
    fn copy_mode_is_one_of_three() {
        let p = Path::new("c.toml");
        let s = Settings::parse(p, "[display]\ncopy = \"status\"\n").expect("status");
        assert_eq!(s.display.copy, CopyMode::Status);
        let s = Settings::parse(p, "[display]\ncopy = \"osc52\"\n").expect("osc52");
        assert_eq!(s.display.copy, CopyMode::Osc52);
        let err = Settings::parse(p, "[display]\ncopy = \"xclip\"\n").expect_err("unknown");
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn unknown_key_names_line() {
        let err = Settings::parse(
            Path::new("c.toml"),
            "name = \"李四\"\n[display]\nasci = true\n",
        )
        .expect_err("typo");
        let msg = err.to_string();
        assert!(msg.contains("c.toml, line 3"), "{msg}");
        assert!(msg.contains("asci"), "{msg}");
    }

    #[test]
    fn bad_timezone_is_refused() {
        let err =
            Settings::parse(Path::new("c.toml"), "\ntimezone = \"Mars/Base\"\n").expect_err("tz");
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
