//! Where govcheck keeps things on this host: the config, data, cache and state
//! directories, and the checks that keep another user's files out of them.

use std::path::{Path, PathBuf};

use crate::SettingsError;

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
}
