//! What every command needs: settings, where the store is, who is acting, what day it
//! is in the office's time zone, and the indicator catalogue.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::Cli;
use govcheck_domain::event::Actor;
use govcheck_domain::indicator::Catalogue;
use govcheck_settings::{Dirs, Settings};
use std::sync::Arc;

use govcheck_domain::text::sanitize;
use govcheck_formats::values::parse_date;
use govcheck_store::remote::RemoteStore;
use govcheck_store::sqlite::{self, SqliteStore};
use govcheck_store::{RegistrySource, StoreError};

pub struct Context {
    /// Registry server URL, when working against one (`--registry` or config `source`).
    pub registry: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub settings: Settings,
    pub dirs: Dirs,
    /// Store directory in use.
    pub data: PathBuf,
    /// Whether the store directory was chosen explicitly (flag or config), or is the
    /// default location (where the console may create the demo on first run).
    pub data_is_default: bool,
    pub catalogue: Catalogue,
    pub tz: Tz,
    pub as_of: NaiveDate,
    pub actor: Actor,
    pub config_path: PathBuf,
}

/// Parse a YYYY-MM-DD argument, naming the flag on error.
pub fn parse_day(text: &str, flag: &str) -> anyhow::Result<NaiveDate> {
    match parse_date(text) {
        Some(d) => Ok(d),
        None => bail!("{flag}: {text:?} is not a date (use YYYY-MM-DD)"),
    }
}

impl Context {
    pub fn new(cli: &Cli) -> anyhow::Result<Context> {
        let dirs = Dirs::discover()?;
        govcheck_settings::check_config_dir(&dirs.config)?;
        let config_path = cli.config.clone().unwrap_or_else(|| dirs.config_file());
        if cli.config.is_some() && !config_path.exists() {
            bail!("{}: no such configuration file", config_path.display());
        }
        let settings = Settings::load(&config_path)?;
        let tz = settings.tz();
        let catalogue_path = dirs.config.join("catalogue.toml");
        let catalogue = match std::fs::read_to_string(&catalogue_path) {
            Ok(text) => Catalogue::from_toml(&text)
                .with_context(|| format!("{}", catalogue_path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Catalogue::builtin(),
            Err(e) => return Err(e).with_context(|| format!("{}", catalogue_path.display())),
        };
        let source = settings.source.trim();
        let is_url = |s: &str| s.starts_with("http://") || s.starts_with("https://");
        let registry = match (&cli.registry, &cli.data) {
            (Some(u), _) => Some(u.clone()),
            (None, None) if is_url(source) => Some(source.to_string()),
            _ => None,
        };
        let (data, data_is_default) = match (&cli.data, source) {
            (Some(d), _) => (d.clone(), false),
            (None, "") => (dirs.data.clone(), true),
            (None, s) if is_url(s) => (dirs.data.clone(), false),
            (None, s) => (PathBuf::from(s), false),
        };
        let today = Utc::now().with_timezone(&tz).date_naive();
        let as_of = match &cli.as_of {
            Some(t) => parse_day(t, "--as-of")?,
            None => today,
        };
        Ok(Context {
            registry,
            ca_file: cli.ca_file.clone(),
            actor: actor_from_env(&settings),
            settings,
            dirs,
            data,
            data_is_default,
            catalogue,
            tz,
            as_of,
            config_path,
        })
    }

    /// What the console needs of this context.
    pub fn launch(&self) -> govcheck_tui::Launch {
        govcheck_tui::Launch {
            settings: self.settings.clone(),
            config_path: self.config_path.clone(),
            catalogue: self.catalogue.clone(),
            tz: self.tz,
            as_of: self.as_of,
            actor: self.actor.clone(),
            state_dir: self.dirs.state.clone(),
            first_run_demo: None,
        }
    }

    /// The current moment in the office's time zone, for event records.
    pub fn now(&self) -> DateTime<FixedOffset> {
        use chrono::SubsecRound;
        Utc::now()
            .with_timezone(&self.tz)
            .fixed_offset()
            .trunc_subsecs(0)
    }

    /// The local store, for the commands that only run where the data is (import,
    /// check, notice import, serve): the SQLite registry the data location holds.
    pub fn open_store(&self) -> anyhow::Result<SqliteStore> {
        if let Some(url) = &self.registry {
            bail!(
                "this command works on a local store (--data DIR) on the registry's host, not over {url}"
            );
        }
        let db = self.database()?;
        if !db.exists() {
            // A directory that holds no registry (or does not exist): the message names
            // the data location the user gave, not the file inside it.
            let missing = if sqlite::is_database_path(&self.data) {
                db
            } else {
                self.data.clone()
            };
            return Err(StoreError::NotAStore(missing).into());
        }
        Ok(SqliteStore::open(&db)?)
    }

    /// The SQLite registry of the data location (see [`sqlite::locate`]): the database
    /// file it names or holds, else where one would be created in it. A directory
    /// holding only an old journal store is refused with how to migrate it (see
    /// [`refuse_old_journal`]), before anything is opened.
    pub fn database(&self) -> anyhow::Result<PathBuf> {
        refuse_old_journal(&self.data)?;
        Ok(sqlite::locate(&self.data).unwrap_or_else(|| sqlite::database_for(&self.data)))
    }

    /// The store `serve` shares, writes waiting at most `lock_wait` for another writer.
    pub fn open_served(
        &self,
        lock_wait: std::time::Duration,
    ) -> anyhow::Result<Arc<dyn govcheck_store::ServedStore>> {
        Ok(Arc::new(self.open_store()?.with_lock_wait(lock_wait)))
    }

    /// The registry this context reads and writes: the server when one is configured,
    /// else the local store.
    pub fn source(&self) -> anyhow::Result<Arc<dyn RegistrySource>> {
        match &self.registry {
            Some(url) => Ok(Arc::new(self.remote(url)?)),
            None => Ok(Arc::new(self.open_store()?)),
        }
    }

    /// A client for the registry server at `url`.
    pub fn remote(&self, url: &str) -> anyhow::Result<RemoteStore> {
        // The URL first: `user:pass@` in it is the likelier mistake than a missing token.
        govcheck_store::remote::refuse_userinfo(url)?;
        let token = registry_token(&self.dirs.config)?;
        let ca = self.ca_file.clone().or_else(|| {
            let p = self.dirs.config.join("ca.pem");
            p.exists().then_some(p)
        });
        Ok(RemoteStore::new(
            url,
            &token,
            ca.as_deref(),
            &self.dirs.cache,
        )?)
    }
}

/// Refuse a data directory that holds a store in the old journal format (format 1)
/// and no SQLite registry: one message saying what it is and the exact command that
/// moves it, and nothing read or changed. `govcheck migrate` is the one command that
/// reads such a store.
pub fn refuse_old_journal(data: &Path) -> anyhow::Result<()> {
    if sqlite::is_old_journal_store(data) {
        // Its manifest is read (only read): one written by a newer govcheck, or not a
        // journal store at all, says so rather than offering a migration.
        govcheck_store::LocalStore::open(data)?;
        let dir = shell_word(&data.display().to_string());
        bail!(
            "{}: a store in the old journal format (store.json, journal.jsonl: format 1), \
             which this govcheck no longer opens; it keeps the registry in {} instead. \
             Move it, with its whole history, with: govcheck migrate --from {dir} --to {dir} \
             (the old files stay beside it as a backup). Nothing was changed",
            sanitize(&data.display().to_string()),
            sqlite::FILE,
        );
    }
    Ok(())
}

/// `text` as one word a POSIX shell reads back as `text`: as is when it holds only
/// characters no shell treats specially, else in single quotes. Control characters
/// are neutralised first, so a path shown to the terminal cannot drive it.
pub fn shell_word(text: &str) -> String {
    let text = sanitize(text);
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || "/._-+,:@%=".contains(c));
    if plain {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The registry token: `GOVCHECK_TOKEN`, else the `token` file in the config dir, which
/// is refused when other users can read it.
pub fn registry_token(config_dir: &std::path::Path) -> anyhow::Result<String> {
    if let Ok(t) = std::env::var("GOVCHECK_TOKEN")
        && !t.trim().is_empty()
    {
        return Ok(t.trim().to_string());
    }
    let p = config_dir.join("token");
    let text = match std::fs::read_to_string(&p) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!(
                "no registry token: set GOVCHECK_TOKEN or put it in {} (mode 600)",
                p.display()
            )
        }
        Err(e) => return Err(e).with_context(|| format!("{}", p.display())),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p)
            .with_context(|| format!("{}", p.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "{}: readable by other users (mode {:o}); refusing to use it. Run: chmod 600 {}",
                p.display(),
                mode & 0o777,
                p.display()
            );
        }
    }
    Ok(text.trim().to_string())
}

/// Who is acting: the configured name (else the OS user), the OS user, and the SSH
/// client address when the session came in over SSH.
///
/// The OS user is `USER` (else `LOGNAME`) as before; when neither is set (cron, a
/// service manager, `env -i`) it is the account the process runs as, looked up in the
/// system's user database, and failing that the uid (`uid 1000`), so the history never
/// says `unknown` of someone the system knows.
pub fn actor_from_env(settings: &Settings) -> Actor {
    let os_user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(system_user);
    let ssh_client = std::env::var("SSH_CLIENT")
        .or_else(|_| std::env::var("SSH_CONNECTION"))
        .ok()
        .and_then(|s| s.split_whitespace().next().map(String::from));
    let name = if settings.name.trim().is_empty() {
        os_user.clone()
    } else {
        settings.name.trim().to_string()
    };
    Actor {
        name,
        os_user: Some(os_user),
        ssh_client,
        ..Actor::default()
    }
}

/// The name of the account the process runs as (effective uid), from the system's user
/// database; `uid N` when it has no entry (a container's bare uid).
fn system_user() -> String {
    // SAFETY: geteuid cannot fail and touches no memory.
    let uid = unsafe { libc::geteuid() };
    passwd_name(uid).unwrap_or_else(|| format!("uid {uid}"))
}

/// `getpwuid_r` into a buffer we own (thread-safe, unlike `getpwuid`), growing the
/// buffer while the system says it is too small, up to a bound.
fn passwd_name(uid: libc::uid_t) -> Option<String> {
    let mut size = 1024usize;
    while size <= 1 << 20 {
        let mut buf = vec![0 as libc::c_char; size];
        // SAFETY: an all-zero passwd is a valid value of this plain C struct.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer refers to memory owned here and live for the call;
        // `buf.len()` is the buffer's true size.
        let rc =
            unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
        if rc == libc::ERANGE {
            size *= 4;
            continue;
        }
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        // SAFETY: on success pw_name points at a NUL-terminated string inside `buf`.
        let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
        let name = name.to_string_lossy().trim().to_string();
        return (!name.is_empty()).then_some(name);
    }
    None
}
