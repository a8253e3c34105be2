//! What every command needs: settings, where the store is, who is acting, what day it
//! is in the office's time zone, and the indicator catalogue.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use chrono_tz::Tz;

use super::Cli;
use crate::domain::event::Actor;
use crate::domain::indicator::Catalogue;
use crate::settings::{Dirs, Settings};
use crate::store::LocalStore;
use crate::store::import::values::parse_date;

pub struct Context {
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
        let dirs = Dirs::discover();
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
        let (data, data_is_default) = match (&cli.data, settings.source.trim()) {
            (Some(d), _) => (d.clone(), false),
            (None, "") => (dirs.data.clone(), true),
            (None, s) if s.starts_with("http://") || s.starts_with("https://") => {
                bail!(
                    "{}: source {s:?}: registry servers are not supported yet; use a local store directory",
                    config_path.display()
                )
            }
            (None, s) => (PathBuf::from(s), false),
        };
        let today = Utc::now().with_timezone(&tz).date_naive();
        let as_of = match &cli.as_of {
            Some(t) => parse_day(t, "--as-of")?,
            None => today,
        };
        Ok(Context {
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

    /// The current moment in the office's time zone, for event records.
    pub fn now(&self) -> DateTime<FixedOffset> {
        Utc::now().with_timezone(&self.tz).fixed_offset()
    }

    pub fn open_store(&self) -> anyhow::Result<LocalStore> {
        Ok(LocalStore::open(&self.data)?)
    }
}

/// Who is acting: the configured name (else the OS user), the OS user, and the SSH
/// client address when the session came in over SSH.
pub fn actor_from_env(settings: &Settings) -> Actor {
    let os_user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty());
    let ssh_client = std::env::var("SSH_CLIENT")
        .or_else(|_| std::env::var("SSH_CONNECTION"))
        .ok()
        .and_then(|s| s.split_whitespace().next().map(String::from));
    let name = if settings.name.trim().is_empty() {
        os_user.clone().unwrap_or_else(|| "unknown".into())
    } else {
        settings.name.trim().to_string()
    };
    Actor {
        name,
        os_user,
        ssh_client,
    }
}
