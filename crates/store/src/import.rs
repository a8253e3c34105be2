//! Import of CSV files into a local store. Every file is read, decoded and checked
//! first; then all changes are built against the latest registry under the writers'
//! lock and committed with the posts as one batch ([`crate::LocalStore::commit_with_posts`]:
//! one commit point for the journal and the posts file). Any error names the file, line and field, and
//! nothing is stored. Re-importing the same files changes nothing.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

use crate::commit::{BatchWriter, Committed};
use crate::error::{InputError, StoreError};
use crate::posts::RawPosts;
use govcheck_domain::account::{Account, AccountStatus};
use govcheck_domain::event::{Actor, Event, EventKind};
use govcheck_domain::finding::{Finding, FindingSource, finding_id};
use govcheck_domain::indicator::Catalogue;
use govcheck_domain::region::{Region, RegionLookupError};
use govcheck_domain::registry::{Change, Registry};
use govcheck_domain::round::{Round, RoundMode};
use govcheck_domain::text::sanitize;
use govcheck_formats::headers::FileKind;
pub use govcheck_formats::table::{SourceFile, Table, read_table};
use govcheck_formats::values::{parse_bool, parse_date, parse_timestamp};

/// What the import needs besides the files.
#[derive(Debug, Clone)]
pub struct ImportContext<'a> {
    pub catalogue: &'a Catalogue,
    pub tz: Tz,
    pub actor: Actor,
    pub now: DateTime<FixedOffset>,
    /// When new findings count as reported; `now` when absent. A notice loaded later
    /// keeps the date it was published.
    pub reported_at: Option<DateTime<FixedOffset>>,
}

/// What an import did, for the summary line (and the import endpoint's answer).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ImportReport {
    pub files: Vec<(PathBuf, FileKind, usize)>,
    pub regions: usize,
    pub accounts: usize,
    pub rounds: usize,
    pub inspected: usize,
    pub findings: usize,
    pub posts_added: usize,
    /// Journal batch written, if anything changed.
    pub seq: Option<u64>,
    pub warnings: Vec<String>,
}

impl ImportReport {
    pub fn changed(&self) -> bool {
        self.seq.is_some() || self.posts_added > 0
    }
}

/// Import files into the store: all or nothing.
pub fn import<S: BatchWriter + ?Sized>(
    store: &S,
    files: &[SourceFile],
    ctx: &ImportContext<'_>,
) -> Result<ImportReport, StoreError> {
    let mut tables = files
        .iter()
        .map(read_table)
        .collect::<Result<Vec<_>, _>>()?;
    tables.sort_by_key(|t| t.cols.kind);
    let mut report = ImportReport {
        files: tables
            .iter()
            .map(|t| (t.path.clone(), t.cols.kind, t.rows.len()))
            .collect(),
        ..ImportReport::default()
    };
    let (committed, posts_added) = store.commit_with_posts(&ctx.actor, ctx.now, |reg| {
        let mut b = Builder::new(
            reg,
            ctx,
            tables.iter().any(|t| t.cols.kind == FileKind::Regions),
        );
        for t in &tables {
            match t.cols.kind {
                FileKind::Regions => b.regions(t)?,
                FileKind::Accounts => b.accounts(t)?,
                FileKind::Rounds => b.rounds(t)?,
                FileKind::Inspected => b.inspected(t)?,
                FileKind::Findings => b.findings(t)?,
                FileKind::Posts => b.posts(t)?,
            }
        }
        report.regions = b.region_changes.len();
        report.accounts = b.account_changes.len();
        report.rounds = b.round_changes.len();
        report.inspected = b.inspected_count;
        report.findings = b.new_findings;
        report.warnings = std::mem::take(&mut b.warnings);
        let posts = std::mem::take(&mut b.posts);
        Ok((b.into_changes(), posts))
    })?;
    if let Committed::Batch { seq, .. } = committed {
        report.seq = Some(seq);
    }
    report.posts_added = posts_added;
    Ok(report)
}

/// One data row with access by canonical column name.
struct Row<'t> {
    table: &'t Table,
    line: u64,
    cells: &'t [String],
}

impl<'t> Row<'t> {
    fn get(&self, col: &str) -> Option<&'t str> {
        self.table
            .cols
            .get(col)
            .and_then(|i| self.cells.get(i))
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }
    fn err(&self, col: &str, msg: impl Into<String>) -> StoreError {
        StoreError::Input(
            InputError::new(&self.table.path, msg)
                .at(self.line)
                .field(col),
        )
    }
    fn req(&self, col: &str) -> Result<&'t str, StoreError> {
        self.get(col).ok_or_else(|| self.err(col, "is empty"))
    }
    /// A required identifier: no control characters (they would break the posts file
    /// and the terminal).
    fn ident(&self, col: &str) -> Result<&'t str, StoreError> {
        let v = self.req(col)?;
        if v.chars().any(char::is_control) {
            return Err(self.err(col, "contains control characters"));
        }
        Ok(v)
    }
    fn text(&self, col: &str) -> Result<&'t str, StoreError> {
        let v = self.req(col)?;
        if sanitize(v) != v {
            return Err(self.err(col, "contains control characters"));
        }
        Ok(v)
    }
    fn date(&self, col: &str) -> Result<Option<chrono::NaiveDate>, StoreError> {
        self.get(col)
            .map(|v| {
                parse_date(v)
                    .ok_or_else(|| self.err(col, format!("{v:?} is not a date (use YYYY-MM-DD)")))
            })
            .transpose()
    }
    fn req_date(&self, col: &str) -> Result<chrono::NaiveDate, StoreError> {
        self.date(col)?.ok_or_else(|| self.err(col, "is empty"))
    }
}

fn rows(t: &Table) -> impl Iterator<Item = Row<'_>> {
    t.rows.iter().map(move |(line, cells)| Row {
        table: t,
        line: *line,
        cells,
    })
}

/// Builds one batch of changes against the registry as it stands under the lock.
struct Builder<'a> {
    reg: &'a Registry,
    ctx: &'a ImportContext<'a>,
    may_create_regions: bool,
    region_changes: Vec<Change>,
    /// Regions known in this batch (new or changed), by code.
    pending_regions: HashMap<String, Region>,
    account_changes: Vec<Change>,
    new_accounts: HashMap<String, (PathBuf, u64)>,
    round_changes: Vec<Change>,
    new_rounds: HashMap<String, Round>,
    inspected_changes: Vec<Change>,
    inspected_count: usize,
    finding_changes: Vec<Change>,
    new_findings: usize,
    finding_keys: HashSet<(String, String, String)>,
    per_round: HashMap<String, usize>,
    posts: RawPosts,
    warnings: Vec<String>,
}

impl<'a> Builder<'a> {
    fn new(reg: &'a Registry, ctx: &'a ImportContext<'a>, has_regions_file: bool) -> Self {
        Builder {
            reg,
            ctx,
            may_create_regions: !has_regions_file,
            region_changes: Vec::new(),
            pending_regions: HashMap::new(),
            account_changes: Vec::new(),
            new_accounts: HashMap::new(),
            round_changes: Vec::new(),
            new_rounds: HashMap::new(),
            inspected_changes: Vec::new(),
            inspected_count: 0,
            finding_changes: Vec::new(),
            new_findings: 0,
            finding_keys: HashSet::new(),
            per_round: HashMap::new(),
            posts: RawPosts::new(),
            warnings: Vec::new(),
        }
    }

    fn into_changes(self) -> Vec<Change> {
        let mut out = self.region_changes;
        out.extend(self.account_changes);
        out.extend(self.round_changes);
        out.extend(self.inspected_changes);
        out.extend(self.finding_changes);
        out
    }

    fn root_code(&self) -> Result<String, StoreError> {
        self.reg
            .root_region()
            .map(|r| r.code.clone())
            .ok_or_else(|| StoreError::Other("the store has no root region".into()))
    }

    fn region_exists(&self, code: &str) -> bool {
        self.pending_regions.contains_key(code) || self.reg.tree().by_code(code).is_some()
    }

    fn add_region(&mut self, r: Region) {
        let existing = self
            .reg
            .tree()
            .by_code(&r.code)
            .map(|i| self.reg.tree().get(i));
        if existing != Some(&r) && self.pending_regions.get(&r.code) != Some(&r) {
            self.pending_regions.insert(r.code.clone(), r.clone());
            self.region_changes.push(Change::Region(r));
        }
    }

    fn regions(&mut self, t: &Table) -> Result<(), StoreError> {
        let root = self.root_code()?;
        let mut todo: Vec<(Row<'_>, Region)> = Vec::new();
        let mut seen: HashMap<String, u64> = HashMap::new();
        for row in rows(t) {
            let code = row.ident("code")?.to_string();
            if let Some(first) = seen.insert(code.clone(), row.line) {
                return Err(row.err("code", format!("{code} appears twice (also line {first})")));
            }
            let name = row.text("name")?.to_string();
            let parent = match row.get("parent_code") {
                _ if code == root => None,
                None => Some(root.clone()),
                Some(p) => Some(p.to_string()),
            };
            todo.push((row, Region { code, name, parent }));
        }
        // Parents may come after their children in the file: add in rounds.
        while !todo.is_empty() {
            let before = todo.len();
            let mut rest = Vec::new();
            for (row, r) in todo {
                if r.parent.as_ref().is_none_or(|p| self.region_exists(p)) {
                    self.add_region(r);
                } else {
                    rest.push((row, r));
                }
            }
            if rest.len() == before {
                let (row, r) = &rest[0];
                return Err(row.err(
                    "parent_code",
                    format!(
                        "unknown parent region {:?}",
                        r.parent.clone().unwrap_or_default()
                    ),
                ));
            }
            todo = rest;
        }
        Ok(())
    }

    /// Resolve an account's region: a code, a path, or a unique name; unknown regions
    /// are created under the root only when no regions file is part of the import.
    fn resolve_region(&mut self, row: &Row<'_>, text: &str) -> Result<String, StoreError> {
        if self.region_exists(text) {
            return Ok(text.to_string());
        }
        let root = self.root_code()?;
        let tree = self.reg.tree();
        if text.contains('/') {
            let mut cur = root.clone();
            let mut parts: Vec<&str> = text
                .split('/')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            if parts
                .first()
                .is_some_and(|p| Some(*p) == self.reg.root_region().map(|r| r.name.as_str()))
            {
                parts.remove(0);
            }
            for part in parts {
                cur = match self.child_named(&cur, part) {
                    Some(c) => c,
                    None if self.may_create_regions => {
                        let code = format!("{cur}/{part}");
                        self.add_region(Region {
                            code: code.clone(),
                            name: part.to_string(),
                            parent: Some(cur.clone()),
                        });
                        code
                    }
                    None => {
                        return Err(
                            row.err("region", format!("no region {part:?} in path {text:?}"))
                        );
                    }
                };
            }
            return Ok(cur);
        }
        let mut candidates: Vec<String> = Vec::new();
        match tree.resolve(text) {
            Ok(i) => candidates.push(tree.get(i).code.clone()),
            Err(RegionLookupError::Ambiguous {
                candidates: list, ..
            }) => {
                return Err(row.err(
                    "region",
                    format!("{text:?} is ambiguous: {list}; use a code or a path"),
                ));
            }
            Err(RegionLookupError::NotFound(_)) => {}
        }
        candidates.extend(
            self.pending_regions
                .values()
                .filter(|r| r.name == text && tree.by_code(&r.code).is_none())
                .map(|r| r.code.clone()),
        );
        match candidates.as_slice() {
            [one] => Ok(one.clone()),
            [] if self.may_create_regions => {
                let code = format!("{root}/{text}");
                self.add_region(Region {
                    code: code.clone(),
                    name: text.to_string(),
                    parent: Some(root),
                });
                Ok(code)
            }
            [] => Err(row.err(
                "region",
                format!("no region {text:?} (not in the store nor in the regions file)"),
            )),
            many => Err(row.err(
                "region",
                format!("{text:?} is ambiguous: {}", many.join(", ")),
            )),
        }
    }

    fn child_named(&self, parent: &str, name: &str) -> Option<String> {
        let tree = self.reg.tree();
        if let Some(c) = tree.by_code(parent).and_then(|p| tree.child_named(p, name)) {
            return Some(tree.get(c).code.clone());
        }
        self.pending_regions
            .values()
            .find(|r| r.parent.as_deref() == Some(parent) && r.name == name)
            .map(|r| r.code.clone())
    }

    fn accounts(&mut self, t: &Table) -> Result<(), StoreError> {
        for row in rows(t) {
            let id = row.ident("id")?.to_string();
            if let Some((p, l)) = self.new_accounts.get(&id) {
                return Err(row.err(
                    "id",
                    format!(
                        "account {id} appears twice (also {}, line {l})",
                        p.display()
                    ),
                ));
            }
            let platform_text = row.text("platform")?;
            let platform = match self.ctx.catalogue.canonical_platform(platform_text) {
                Some(p) => p.name.clone(),
                None => {
                    self.warnings.push(format!(
                        "{}, line {}: platform {platform_text:?} is not in the catalogue; kept as written",
                        t.path.display(),
                        row.line
                    ));
                    platform_text.to_string()
                }
            };
            let region_text = row.req("region")?;
            let region = self.resolve_region(&row, region_text)?;
            let status = match row.get("status") {
                None => AccountStatus::Operating,
                Some(s) => AccountStatus::parse(s).ok_or_else(|| {
                    row.err(
                        "status",
                        format!("{s:?} is not operating, suspended or closed"),
                    )
                })?,
            };
            let synthetic = match row.get("synthetic") {
                None => false,
                Some(s) => parse_bool(s)
                    .ok_or_else(|| row.err("synthetic", format!("{s:?} is not true/false")))?,
            };
            let opened_on = row.date("opened_on")?;
            let closed_on = row.date("closed_on")?;
            if let (Some(o), Some(c)) = (opened_on, closed_on)
                && c < o
            {
                return Err(row.err("closed_on", format!("{c} is before opened_on {o}")));
            }
            let a = Account {
                id: id.clone(),
                name: row.text("name")?.to_string(),
                platform,
                region,
                host_unit: row.text("host_unit")?.to_string(),
                supervisor_unit: row.get("supervisor_unit").map(String::from),
                status,
                opened_on,
                closed_on,
                synthetic,
                contact: row.get("contact").map(String::from),
                phone: row.get("phone").map(String::from),
            };
            self.new_accounts
                .insert(id.clone(), (t.path.clone(), row.line));
            if self.reg.account(&id) != Some(&a) {
                self.account_changes.push(Change::Account(a));
            }
        }
        Ok(())
    }

    fn account_known(&self, id: &str) -> bool {
        self.new_accounts.contains_key(id) || self.reg.account(id).is_some()
    }

    fn round_of(&self, id: &str) -> Option<Round> {
        self.new_rounds
            .get(id)
            .cloned()
            .or_else(|| self.reg.round(id).cloned())
    }

    fn rounds(&mut self, t: &Table) -> Result<(), StoreError> {
        for row in rows(t) {
            let id = row.ident("round")?.to_string();
            if self.new_rounds.contains_key(&id) {
                return Err(row.err("round", format!("round {id} appears twice")));
            }
            let mode_text = row.req("mode")?;
            let mode = RoundMode::parse(mode_text)
                .ok_or_else(|| row.err("mode", format!("{mode_text:?} is not full or sample")))?;
            let r = Round {
                id: id.clone(),
                title: row.text("title")?.to_string(),
                period_start: row.req_date("period_start")?,
                period_end: row.req_date("period_end")?,
                monitoring_point: row.req_date("monitoring_point")?,
                mode,
                deadline: row.date("deadline")?,
                note: row.get("note").map(String::from),
            };
            if r.period_end < r.period_start {
                return Err(row.err("period_end", "is before period_start"));
            }
            if r.monitoring_point < r.period_start {
                return Err(row.err("monitoring_point", "is before period_start"));
            }
            if let Some(old) = self.reg.round(&id)
                && old.mode != r.mode
                && self.reg.finding_count(&id) > 0
            {
                return Err(row.err(
                    "mode",
                    "cannot change the mode of a round that has findings",
                ));
            }
            self.new_rounds.insert(id.clone(), r.clone());
            if self.reg.round(&id) != Some(&r) {
                self.round_changes.push(Change::Round(r));
            }
        }
        Ok(())
    }

    fn inspected(&mut self, t: &Table) -> Result<(), StoreError> {
        // Per round: the list in file order, and a set to drop repeats in constant time
        // (a national sample list has tens of thousands of accounts).
        let mut per_round: HashMap<String, (Vec<String>, HashSet<String>)> = HashMap::new();
        for row in rows(t) {
            let round = row.ident("round")?;
            let r = self
                .round_of(round)
                .ok_or_else(|| row.err("round", format!("no round {round:?}")))?;
            if r.mode != RoundMode::Sample {
                return Err(row.err(
                    "round",
                    format!(
                        "round {round} is a full inspection; an inspected list is for sample rounds"
                    ),
                ));
            }
            let account = row.ident("account")?;
            if !self.account_known(account) {
                return Err(row.err("account", format!("no account with id {account:?}")));
            }
            let already = self
                .reg
                .account_index(account)
                .is_some_and(|i| self.reg.is_inspected(round, i));
            let (list, seen) = per_round.entry(round.to_string()).or_default();
            if !already && seen.insert(account.to_string()) {
                list.push(account.to_string());
            }
        }
        let mut rounds: Vec<_> = per_round
            .into_iter()
            .map(|(round, (list, _))| (round, list))
            .filter(|(_, l)| !l.is_empty())
            .collect();
        rounds.sort();
        for (round, accounts) in rounds {
            self.inspected_count += accounts.len();
            self.inspected_changes
                .push(Change::Inspected { round, accounts });
        }
        Ok(())
    }

    fn findings(&mut self, t: &Table) -> Result<(), StoreError> {
        for row in rows(t) {
            let round = row.ident("round")?.to_string();
            if self.round_of(&round).is_none() {
                return Err(row.err("round", format!("no round {round:?}")));
            }
            let account = row.ident("account")?.to_string();
            if !self.account_known(&account) {
                return Err(row.err("account", format!("no account with id {account:?}")));
            }
            let problem = row.text("problem")?;
            let ind = self.ctx.catalogue.match_problem(problem).ok_or_else(|| {
                row.err(
                    "problem",
                    format!("{problem:?} matches no indicator of the catalogue; add it as an alias in catalogue.toml"),
                )
            })?;
            let key = (round.clone(), account.clone(), ind.code.clone());
            if self
                .reg
                .finding_by_key(&round, &account, &ind.code)
                .is_some()
                || !self.finding_keys.insert(key)
            {
                continue;
            }
            let source = match row.get("source") {
                None => FindingSource::Manual,
                Some(s) => match s.to_lowercase().as_str() {
                    "auto" => FindingSource::Auto,
                    "manual" => FindingSource::Manual,
                    "notice" | "通报" => FindingSource::Notice,
                    _ => {
                        return Err(
                            row.err("source", format!("{s:?} is not auto, manual or notice"))
                        );
                    }
                },
            };
            let points = row
                .get("points")
                .map(|p| {
                    p.parse::<u32>()
                        .map_err(|_| row.err("points", format!("{p:?} is not a whole number")))
                })
                .transpose()?;
            let n = self.reg.finding_count(&round) + {
                let c = self.per_round.entry(round.clone()).or_default();
                *c += 1;
                *c
            };
            let id = finding_id(&round, n);
            let note = row.get("note").map(String::from);
            self.finding_changes.push(Change::Finding(Finding {
                id: id.clone(),
                round,
                account,
                indicator: ind.code.clone(),
                problem: (problem != ind.name).then(|| problem.to_string()),
                note,
                source,
                deadline: row.date("deadline")?,
                points,
            }));
            self.finding_changes.push(Change::Event(Event {
                finding: id,
                kind: EventKind::Reported,
                at: self.ctx.reported_at.unwrap_or(self.ctx.now),
                by: self.ctx.actor.clone(),
                note: None,
            }));
            self.new_findings += 1;
        }
        Ok(())
    }

    fn posts(&mut self, t: &Table) -> Result<(), StoreError> {
        for row in rows(t) {
            let account = row.ident("account")?;
            if !self.account_known(account) {
                return Err(row.err("account", format!("no account with id {account:?}")));
            }
            let at = row.req("published_at")?;
            let stamp = parse_timestamp(at, self.ctx.tz).ok_or_else(|| {
                row.err(
                    "published_at",
                    format!("{at:?} is not a time (use 2022-03-15T09:30:00+08:00)"),
                )
            })?;
            self.posts
                .entry(account.to_string())
                .or_default()
                .push(stamp);
        }
        Ok(())
    }
}
