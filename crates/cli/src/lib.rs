//! The command line: the non-interactive commands for scripts and cron, and the entry
//! to the console. Parses arguments, builds the context, dispatches; each command lives
//! in a module named for what it does.

pub mod actions;
pub mod chase;
pub mod console;
pub mod context;
pub mod migrate;
pub mod notice;
pub mod outbox;
pub mod output;
pub mod report;
pub mod serve;
pub mod setup;
pub mod synthetic;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use context::Context;
use output::Format;

#[derive(Debug, Parser)]
#[command(
    name = "govcheck",
    version,
    about = "Supervision console for government websites and new-media accounts (政务新媒体)",
    long_about = "Without a command, opens the full-screen console on the configured store \
                  (on first run, the embedded Zhejiang 2022 Q1 demo)."
)]
pub struct Cli {
    /// Store directory (default: the configured source, else the user's data dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Review as of this day (YYYY-MM-DD): deadlines, overdue and warnings as they stood.
    #[arg(long, global = true, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Configuration file (default: config.toml in the user's config dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Work against a registry server instead of a local store (token from
    /// GOVCHECK_TOKEN or the `token` file in the config dir).
    #[arg(long, global = true, value_name = "URL")]
    pub registry: Option<String>,
    /// Extra CA certificate (PEM) for an intranet registry's HTTPS.
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a store; --demo fills it with the Zhejiang 2022 Q1 round.
    Init {
        #[arg(long)]
        demo: bool,
        /// Name of the root region of a new empty store.
        #[arg(long, default_value = "全国")]
        root_name: String,
        /// Code of the root region of a new empty store.
        #[arg(long, default_value = "100000")]
        root_code: String,
        /// Share the new store with the OS group NAME (several users on one host): the
        /// directory becomes setgid to the group (mode 2770) and its files 0660.
        /// Without it the store is private to you (0700, files 0600).
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
    },
    /// Import CSV files (regions, accounts, rounds, inspected, findings, posts).
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Per-region table of a round: children of the region, then the total.
    Summary {
        #[arg(long)]
        round: String,
        #[arg(long)]
        region: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Registered accounts.
    Accounts {
        #[arg(long)]
        region: Option<String>,
        /// Chinese text, pinyin or pinyin initials (tzsf finds 台州司法).
        #[arg(long)]
        search: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Inspection rounds, newest last.
    Rounds {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Findings of a round.
    Findings {
        #[arg(long)]
        round: String,
        #[arg(long)]
        region: Option<String>,
        #[arg(long, value_parser = ["open", "rectified", "verified", "waived"])]
        status: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Record that a rectification was re-checked and verified (已复核).
    Verify {
        finding: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Reject a reported rectification; the finding goes back to open.
    Reject {
        finding: String,
        #[arg(long)]
        reason: String,
    },
    /// Record that the host unit reported its rectification (已整改).
    Rectified {
        finding: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Reopen a verified or waived finding.
    Reopen {
        finding: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Move a finding's deadline later.
    Extend {
        finding: String,
        /// New deadline (YYYY-MM-DD).
        #[arg(long)]
        to: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Record that the host unit was chased (催办); changes neither status nor version.
    Remind {
        finding: String,
        #[arg(long, value_enum)]
        channel: actions::ChannelArg,
        #[arg(long)]
        note: Option<String>,
    },
    /// The chasing list (催办清单): open findings of a round, overdue first, then by
    /// days left, with whom to call.
    Chase {
        #[arg(long)]
        round: String,
        #[arg(long)]
        region: Option<String>,
        /// Only findings overdue or due within this many days.
        #[arg(long, value_name = "DAYS")]
        due_within: Option<u32>,
        #[arg(long, value_enum, default_value_t)]
        format: chase::ChaseFormat,
        /// Write to this file instead of stdout (required for xlsx).
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Waive a finding (no rectification required, e.g. the account was closed).
    Waive {
        finding: String,
        #[arg(long)]
        reason: String,
    },
    /// A finding's full history: who did what, when.
    History {
        finding: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Run the automatic rules (监测点前两周未更新) and record new findings; idempotent.
    Check {
        #[arg(long)]
        round: String,
    },
    /// Early warning: accounts drifting towards the two-week line.
    Warnings {
        #[arg(long)]
        round: String,
        /// Days without a post that trigger a warning (default from config: 10).
        #[arg(long)]
        days: Option<i64>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Generate a synthetic national dataset for benchmarks (deterministic per seed).
    Demo {
        #[arg(long)]
        accounts: usize,
        #[arg(long)]
        out: PathBuf,
        /// Write the import CSV files instead of a store.
        #[arg(long)]
        csv: bool,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Published notices (通报): import 附件1/附件2, reconcile, export.
    #[command(subcommand)]
    Notice(NoticeCommand),
    /// Serve the store over HTTP/JSON (/api/v1) to consoles and scripts.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// The tokens file (see `govcheck token create`); not with --database, whose
        /// tokens are kept in the database.
        #[arg(long, conflicts_with = "database")]
        tokens: Option<PathBuf>,
        /// Serve the registry in this PostgreSQL database (postgres://…), shared with
        /// other `serve` instances; config `database` otherwise. Its tokens are in it.
        #[arg(long, value_name = "postgres://…")]
        database: Option<String>,
        /// TLS certificate chain (PEM); with --tls-key.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// TLS private key (PEM); with --tls-cert.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Close a connection that sends nothing for this many seconds while the server
        /// waits for it (silent clients, half-sent headers); keep it above the change
        /// feed's 25 s wait.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        idle_timeout: u64,
        /// How many seconds a remediation event waits for a running import to release
        /// the store before it is answered 503 `busy` (nothing written); below the
        /// 30 s request timeout, so a write is never reported failed and made anyway.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=20))]
        lock_wait: u64,
        /// Connections served at once; further ones wait until one closes.
        #[arg(long, default_value_t = govcheck_server::gate::MAX_CONNECTIONS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000))]
        max_connections: usize,
        /// Connections from one address at once; further ones are closed. Behind a
        /// --trusted-proxy: requests at once from one forwarded client (429 past it).
        #[arg(long, default_value_t = govcheck_server::gate::MAX_PER_PEER, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000))]
        max_per_peer: usize,
        /// Close a connection whose request head (request line and headers) is not
        /// complete this many seconds after its first byte, however it trickles in.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
        head_timeout: u64,
        /// How many seconds an import's upload (`POST /api/v1/import`) may take to
        /// arrive (408 past it, nothing imported); the import itself is not cut short.
        #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        upload_timeout: u64,
        /// A reverse proxy (address or network, e.g. 10.0.0.5 or 10.0.0.0/24) whose
        /// X-Forwarded-For names the client: for the access log, the findings'
        /// history and the per-client share. Repeat for several. From any other peer
        /// the header is ignored.
        #[arg(long = "trusted-proxy", value_name = "ADDR")]
        trusted_proxy: Vec<String>,
    },
    /// Access tokens of the registry server.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print where configuration, data, cache and logs live.
    Paths,
    /// Move a registry with its complete history between engines: a store directory
    /// in the old journal format (format 1) into a new SQLite registry (DIR/registry.sqlite,
    /// or the database file named), or an SQLite registry back into a new store
    /// directory. All or nothing; the target must not exist.
    Migrate {
        /// The store directory or database file to read (left as it is).
        #[arg(long, value_name = "DIR|FILE")]
        from: PathBuf,
        /// Where to create the registry: a directory gets registry.sqlite (the same
        /// directory as --from keeps the old files beside it, as a backup), a file
        /// named .sqlite/.db is the database; from a database, the store directory.
        #[arg(long, value_name = "DIR|FILE")]
        to: PathBuf,
    },
    /// Actions recorded while the registry server was unreachable: waiting to be sent,
    /// or refused by the server when sent (listed until dismissed).
    Outbox {
        /// Forget the refused actions, once dealt with.
        #[arg(long)]
        dismiss: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once and only its hash is stored.
    #[command(group(clap::ArgGroup::new("kept").required(true).args(["tokens", "database"])))]
    Create {
        /// The tokens file of a server (`serve --tokens FILE`).
        #[arg(long)]
        tokens: Option<PathBuf>,
        /// The PostgreSQL registry whose servers the token is for (`serve --database`).
        #[arg(long, value_name = "postgres://…")]
        database: Option<String>,
        /// Display name, recorded in histories and the access log.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: govcheck_server::auth::Role,
        /// Region the token may act in (code, path or unique name), looked up in the
        /// store (--data) now and bound to its code; default everywhere.
        #[arg(long)]
        scope: Option<String>,
    },
    /// List tokens (never the tokens themselves).
    #[command(group(clap::ArgGroup::new("kept").required(true).args(["tokens", "database"])))]
    List {
        #[arg(long)]
        tokens: Option<PathBuf>,
        #[arg(long, value_name = "postgres://…")]
        database: Option<String>,
    },
    /// Revoke a token by id or name.
    #[command(group(clap::ArgGroup::new("kept").required(true).args(["tokens", "database"])))]
    Revoke {
        #[arg(long)]
        tokens: Option<PathBuf>,
        #[arg(long, value_name = "postgres://…")]
        database: Option<String>,
        which: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NoticeCommand {
    /// Store a notice's attachments (XLSX or CSV) as the round's published record.
    #[command(group(clap::ArgGroup::new("target").required(true).args(["round", "as_round"])))]
    Import {
        /// Attach the notice to this existing round.
        #[arg(long)]
        round: Option<String>,
        /// Create this round from the notice alone (regions of 附件1, accounts and
        /// findings of 附件2, synthetic filler accounts up to the published totals).
        #[arg(long, requires = "monitoring_point")]
        as_round: Option<String>,
        /// With --as-round: the round's title (default: the round id).
        #[arg(long)]
        title: Option<String>,
        /// With --as-round: first day of the monitoring window (default: 89 days before the point).
        #[arg(long)]
        period_start: Option<String>,
        /// With --as-round: the monitoring point, also the window's last day.
        #[arg(long)]
        monitoring_point: Option<String>,
        /// With --as-round: the rectification deadline, if the notice names one.
        #[arg(long)]
        deadline: Option<String>,
        /// 附件1 (and optionally 附件2), or a county's per-account result table; a
        /// workbook may hold them all.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Compare the published record with its own arithmetic and with the registry;
    /// exits 1 when anything disagrees.
    Check {
        #[arg(long)]
        round: String,
        #[arg(long)]
        region: Option<String>,
    },
    /// Check a draft notice's figures (.txt, .md or .docx): each rate against its
    /// counts at the printed precision, and with --round the counts against the
    /// registry; one line per discrepancy, exits 1 when there is any.
    Lint {
        /// The notice's text: .txt, .md or .docx.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Also check the counts against this round of the registry.
        #[arg(long)]
        round: Option<String>,
        /// Also list the rates that could not be paired with their counts.
        #[arg(long)]
        verbose: bool,
    },
    /// Write 附件1, 附件2 and a draft 总体情况 paragraph for a scope; with
    /// `--format docx`, the whole notice as a Word document.
    Export {
        #[arg(long)]
        round: String,
        #[arg(long)]
        region: Option<String>,
        #[arg(long, value_enum)]
        format: notice::ExportFormat,
        #[arg(long)]
        out: PathBuf,
    },
}

/// Run the command line; returns the process exit code.
/// Offline actions the registry refused stay listed until dismissed; every command
/// against the registry says so, so they are not forgotten.
fn warn_refused(ctx: &Context) {
    if let Some(url) = &ctx.registry
        && let Ok(remote) = ctx.remote(url)
        && let Ok(list) = remote.refused()
        && !list.is_empty()
    {
        eprintln!(
            "govcheck: {} action(s) taken offline were refused by the registry; see `govcheck outbox`",
            list.len()
        );
    }
}

pub fn run() -> i32 {
    // The console logs its first full frame against this (the speed target is "from
    // process start"); argument parsing and all that follows count.
    let started = std::time::Instant::now();
    let cli = Cli::parse();
    match dispatch(cli, started) {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "govcheck: {}",
                govcheck_domain::text::sanitize(&one_line(&e))
            );
            1
        }
    }
}

/// The error and its causes on one line, each said once. Library errors often print
/// their source inside their own message (`#[error("{0}")]` over a `#[from]`, or
/// `"{path}: {source}"`), so anyhow's `{:#}` would repeat it (`unknown finding "X":
/// unknown finding "X"`); a cause already contained in what is written is skipped.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || msg.contains(&text) {
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&text);
    }
    msg
}

fn dispatch(cli: Cli, started: std::time::Instant) -> anyhow::Result<i32> {
    if let Some(Command::Migrate { from, to }) = &cli.command {
        // Needs no configuration or store of its own: both are named.
        return migrate::migrate(from, to);
    }
    let ctx = Context::new(&cli)?;
    let Some(command) = cli.command else {
        return console::console(&ctx, started);
    };
    let is_outbox = matches!(command, Command::Outbox { .. });
    let result = match command {
        Command::Init {
            demo,
            root_name,
            root_code,
            group,
        } => setup::init(&ctx, demo, &root_name, &root_code, group.as_deref()),
        Command::Import { files } => setup::import_files(&ctx, &files),
        Command::Summary {
            round,
            region,
            format,
        } => report::summary(&ctx, &round, region.as_deref(), format),
        Command::Accounts {
            region,
            search,
            format,
        } => report::accounts(&ctx, region.as_deref(), search.as_deref(), format),
        Command::Rounds { format } => report::rounds(&ctx, format),
        Command::Findings {
            round,
            region,
            status,
            format,
        } => report::findings(&ctx, &round, region.as_deref(), status.as_deref(), format),
        Command::Verify { finding, note } => {
            actions::record(&ctx, &finding, actions::Act::Verify, note)
        }
        Command::Reject { finding, reason } => {
            actions::record(&ctx, &finding, actions::Act::Reject, Some(reason))
        }
        Command::Rectified { finding, note } => {
            actions::record(&ctx, &finding, actions::Act::Rectified, note)
        }
        Command::Reopen { finding, note } => {
            actions::record(&ctx, &finding, actions::Act::Reopen, note)
        }
        Command::Extend { finding, to, note } => {
            let to = context::parse_day(&to, "--to")?;
            actions::record(&ctx, &finding, actions::Act::Extend(to), note)
        }
        Command::Waive { finding, reason } => {
            actions::record(&ctx, &finding, actions::Act::Waive, Some(reason))
        }
        Command::Remind {
            finding,
            channel,
            note,
        } => actions::record(&ctx, &finding, actions::Act::Remind(channel.into()), note),
        Command::Chase {
            round,
            region,
            due_within,
            format,
            out,
        } => chase::chase(
            &ctx,
            &round,
            region.as_deref(),
            due_within,
            format,
            out.as_deref(),
        ),
        Command::History { finding, format } => report::history(&ctx, &finding, format),
        Command::Check { round } => actions::check(&ctx, &round),
        Command::Warnings {
            round,
            days,
            format,
        } => report::warnings(&ctx, &round, days, format),
        Command::Demo {
            accounts,
            out,
            csv,
            seed,
        } => synthetic::synthetic(&ctx, accounts, &out, csv, seed),
        Command::Notice(NoticeCommand::Import {
            round,
            as_round,
            title,
            period_start,
            monitoring_point,
            deadline,
            files,
        }) => match (round, as_round) {
            (Some(round), _) => notice::import(&ctx, &round, &files),
            (None, Some(id)) => notice::import_as_round(
                &ctx,
                &id,
                title,
                period_start.as_deref(),
                monitoring_point.as_deref(),
                deadline.as_deref(),
                &files,
            ),
            (None, None) => unreachable!("clap requires --round or --as-round"),
        },
        Command::Notice(NoticeCommand::Check { round, region }) => {
            notice::check(&ctx, &round, region.as_deref())
        }
        Command::Notice(NoticeCommand::Lint {
            file,
            round,
            verbose,
        }) => notice::lint(&ctx, &file, round.as_deref(), verbose),
        Command::Notice(NoticeCommand::Export {
            round,
            region,
            format,
            out,
        }) => notice::export(&ctx, &round, region.as_deref(), format, &out),
        Command::Serve {
            listen,
            tokens,
            database,
            tls_cert,
            tls_key,
            idle_timeout,
            lock_wait,
            max_connections,
            max_per_peer,
            head_timeout,
            upload_timeout,
            trusted_proxy,
        } => serve::run_server(
            &ctx,
            serve::ServeArgs {
                listen: &listen,
                tokens: tokens.as_deref(),
                database: database.as_deref(),
                tls: tls_cert.zip(tls_key),
                idle: std::time::Duration::from_secs(idle_timeout),
                lock_wait: std::time::Duration::from_secs(lock_wait),
                max_connections,
                max_per_peer,
                head: std::time::Duration::from_secs(head_timeout),
                upload: std::time::Duration::from_secs(upload_timeout),
                trusted_proxies: &trusted_proxy,
            },
        ),
        Command::Token(TokenCommand::Create {
            tokens,
            database,
            name,
            role,
            scope,
        }) => serve::create(&ctx, &serve::kept(tokens, database)?, &name, role, scope),
        Command::Token(TokenCommand::List { tokens, database }) => {
            serve::list(&serve::kept(tokens, database)?)
        }
        Command::Token(TokenCommand::Revoke {
            tokens,
            database,
            which,
        }) => serve::revoke(&ctx, &serve::kept(tokens, database)?, &which),
        Command::Paths => setup::paths(&ctx),
        Command::Migrate { from, to } => migrate::migrate(&from, &to),
        Command::Outbox { dismiss, format } => outbox::outbox(&ctx, dismiss, format),
    };
    if !is_outbox {
        warn_refused(&ctx);
    }
    result
}

#[cfg(test)]
mod tests {
    use crate::one_line;
    use govcheck_store::StoreError;

    #[test]
    fn each_cause_is_said_once() {
        let io = std::io::Error::other("No space left on device");
        let e = anyhow::Error::from(StoreError::io("journal.jsonl", io)).context("recording");
        assert_eq!(
            one_line(&e),
            "recording: journal.jsonl: No space left on device"
        );
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(one_line(&e), "outer: inner");
    }
}
