//! The console's whole state. Rendering reads only this; only [`crate::update`] changes
//! it. Derived tables (a page's summary, its finding rows) are computed here when the
//! data, the round or the scope change, never while drawing, so a frame costs the same
//! however large the registry is.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::i18n::{I18n, Lang};
use crate::keymap::Keymap;
use govcheck_domain::event::{Actor, Status};
use govcheck_domain::figures::{Summary, summarize};
use govcheck_domain::indicator::Catalogue;
use govcheck_domain::listing::{
    DeadlineGroup, FindingRow, FindingSort, RegionSort, Scope, SortDir, WarningSort, findings_in,
    sort_findings, sort_regions, sort_warnings,
};
use govcheck_domain::notice::{Discrepancy, check_arithmetic, check_registry};
use govcheck_domain::registry::Registry;
use govcheck_domain::rules::{Posts, Warning, early_warnings};
/// Search lives in the domain (one index and one ranking for the console, the CLI and
/// the server); the console's state holds its results.
pub use govcheck_domain::search::{Hit, LetterHits, SearchIndex, Target};

/// Display settings the console needs, taken from the configuration once.
#[derive(Debug, Clone)]
pub struct Options {
    pub lang: Lang,
    pub ascii: bool,
    pub color: bool,
    pub mouse: bool,
    /// How `y` copies, and whether this session is over SSH (read once at start, so
    /// [`crate::clipboard::plan`] stays a pure decision).
    pub copy: govcheck_settings::CopyMode,
    pub over_ssh: bool,
    pub due_soon_days: i64,
    pub good_rate: f64,
    pub warn_rate: f64,
    pub warn_after_days: i64,
}

impl Options {
    pub fn from_settings(s: &govcheck_settings::Settings, no_color: bool) -> Options {
        Options {
            lang: s.display.language,
            ascii: s.display.ascii,
            color: !no_color,
            mouse: s.display.mouse,
            copy: s.display.copy,
            over_ssh: crate::clipboard::over_ssh(),
            due_soon_days: s.display.due_soon_days,
            good_rate: s.display.good_rate,
            warn_rate: s.display.warn_rate,
            warn_after_days: s.rules.warn_after_days,
        }
    }
}

/// A loaded registry with what goes with it.
#[derive(Debug, Clone)]
pub struct Data {
    pub registry: Arc<Registry>,
    pub posts: Arc<Posts>,
    pub index: Arc<SearchIndex>,
    pub seq: u64,
    /// The registry was unreachable and this is the cached copy fetched then.
    pub stale_since: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Who the registry says we are (remote sources only).
    pub identity: Option<String>,
    /// Offline actions the registry refused, not yet dismissed (remote sources only).
    pub refused_offline: usize,
    /// Findings with an action waiting in the outbox (remote sources only).
    pub pending: BTreeSet<String>,
    /// False for the first delivery of a load (registry only, so the first frame comes
    /// early); posts, the search index and the identity follow in a second one.
    pub complete: bool,
}

/// Filters of the problems list: each `None` means "all".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub status: Option<Status>,
    pub indicator: Option<String>,
    pub platform: Option<String>,
}

/// The overview of one scope.
#[derive(Debug, Clone)]
pub struct OverviewPage {
    pub scope: usize,
    pub cursor: usize,
    /// The first row shown (see [`crate::scroll`]).
    pub first: usize,
    pub sort: RegionSort,
    pub dir: SortDir,
    pub summary: Option<Summary>,
    /// The previous round's table for the same scope (trend).
    pub previous: Option<Summary>,
    /// Rows shown, in order: indexes into `summary.rows`.
    pub visible: Vec<usize>,
    /// Where the round's published notice disagrees with its arithmetic or with the
    /// registry (root scope only: a notice's table is the province's).
    pub discrepancies: Vec<Discrepancy>,
}

/// A list of findings in a scope (the problems view, or a leaf region's accounts).
#[derive(Debug, Clone)]
pub struct ProblemsPage {
    pub scope: Option<usize>,
    /// Only the accounts registered at `scope` itself (opened from its 本级 row), not
    /// those of the regions under it.
    pub own_level: bool,
    pub cursor: usize,
    /// The first row shown (see [`crate::scroll`]).
    pub first: usize,
    pub sort: FindingSort,
    pub dir: SortDir,
    pub filter: Filter,
    pub rows: Vec<FindingRow>,
    /// Each row's region with as much of its path as tells it apart (舟山市/市本级, not
    /// a bare 市本级), worked out when the rows are, not per frame.
    pub regions: Vec<String>,
    /// Cells the widest of `regions` takes.
    pub region_width: usize,
    pub visible: Vec<usize>,
    /// Cells the widest days-left figure takes (`-1681` is 5): that column is never
    /// cut, and measuring it here keeps the frame free of a pass over the rows.
    pub days_width: usize,
}

/// One line of the deadline-tracking view.
#[derive(Debug, Clone, PartialEq)]
pub enum DeadlineLine {
    /// Group heading with its size and counts per region (most first).
    Heading {
        group: DeadlineGroup,
        count: usize,
        regions: Vec<(String, usize)>,
    },
    /// A finding: index into `rows`.
    Row(usize),
}

#[derive(Debug, Clone)]
pub struct DeadlinesPage {
    pub scope: Option<usize>,
    /// Index into the selectable rows (not the lines).
    pub cursor: usize,
    /// How the rows sort within each deadline group (`s` / `S`).
    pub sort: FindingSort,
    pub dir: SortDir,
    /// The first line shown, headings included (see [`crate::scroll`]).
    pub first: usize,
    pub rows: Vec<FindingRow>,
    /// Each row's region as the 地区 column shows it (`舟山市/市本级`), and the widest
    /// of them in cells (measured here, not per frame).
    pub regions: Vec<String>,
    pub region_width: usize,
    pub lines: Vec<DeadlineLine>,
    /// As [`ProblemsPage::days_width`].
    pub days_width: usize,
}

#[derive(Debug, Clone)]
pub struct WarningsPage {
    pub scope: Option<usize>,
    pub cursor: usize,
    /// How the warnings sort (`s` / `S`).
    pub sort: WarningSort,
    pub dir: SortDir,
    /// The first row shown (see [`crate::scroll`]).
    pub first: usize,
    pub items: Vec<Warning>,
}

/// One account, and (when opened from a finding) that finding.
#[derive(Debug, Clone)]
pub struct DetailPage {
    pub account: String,
    pub finding: Option<String>,
    pub scroll: usize,
    /// The selected one of the account's findings in other rounds (Enter opens it).
    pub other: usize,
}

#[derive(Debug, Clone)]
pub enum Page {
    /// Boxed: a summary is large, and pages move around the stacks.
    Overview(Box<OverviewPage>),
    Problems(ProblemsPage),
    Deadlines(DeadlinesPage),
    Warnings(WarningsPage),
    Detail(DetailPage),
}

/// The top-level views (`1` … `4`, `Tab`), each with its own page stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Overview,
    Problems,
    Deadlines,
    Warnings,
}

impl View {
    pub const ALL: [View; 4] = [
        View::Overview,
        View::Problems,
        View::Deadlines,
        View::Warnings,
    ];
    pub fn index(self) -> usize {
        match self {
            View::Overview => 0,
            View::Problems => 1,
            View::Deadlines => 2,
            View::Warnings => 3,
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            View::Overview => "view.overview",
            View::Problems => "view.problems",
            View::Deadlines => "view.deadlines",
            View::Warnings => "view.warnings",
        }
    }
}

/// The remediation actions a dialog records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogKind {
    Verify,
    Reject,
    Rectified,
    Extend,
    Reopen,
    /// 催办: a reminder by the channel in [`crate::chase::Marks`].
    Remind,
}

impl DialogKind {
    pub fn key(self) -> &'static str {
        match self {
            DialogKind::Verify => "dialog.verify",
            DialogKind::Reject => "dialog.reject",
            DialogKind::Rectified => "dialog.rectified",
            DialogKind::Extend => "dialog.extend",
            DialogKind::Reopen => "dialog.reopen",
            DialogKind::Remind => "dialog.remind",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogState {
    /// The note field has the focus.
    Editing,
    /// Sent to the store; waiting for it to say the event is durable.
    Saving,
    /// The store (or a check) refused; the message is shown, the note kept, and
    /// `Enter` tries again.
    Failed(String),
    /// Someone else changed the finding first: the message says who, when and to what.
    /// The note is kept on screen but no longer sent: `Enter` (or `r`) reloads, since
    /// the action was decided on a state that is gone.
    Conflict(String),
}

#[derive(Debug, Clone)]
pub struct Dialog {
    pub kind: DialogKind,
    pub finding: String,
    pub account: String,
    pub problem: String,
    pub status: Status,
    /// The finding version the supervisor saw: a different one in the store is a
    /// conflict, never silently overwritten.
    pub version: u32,
    /// The note (a reason, or a date and a note for an extension): keeps line breaks.
    pub input: crate::input::TextInput,
    pub state: DialogState,
}

#[derive(Debug, Clone, Default)]
pub struct SearchState {
    pub input: crate::input::TextInput,
    /// Incremented per query; results of an older one are dropped (latest wins).
    pub generation: u64,
    pub hits: Vec<Hit>,
    /// Hits of the current generation arrived.
    pub done: bool,
    /// Matched names in total (hits keeps the best ones).
    pub total: usize,
    pub cursor: usize,
    /// The first hit shown (see [`crate::scroll`]).
    pub first: usize,
    /// The input has the focus (typing goes into it); otherwise the list has.
    pub editing: bool,
}

/// The note viewer: a finding's whole history, every note unabridged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotesState {
    pub finding: String,
    /// First line shown.
    pub scroll: usize,
}

#[derive(Debug, Clone)]
pub enum Overlay {
    /// The key help; it scrolls by [`App::help_scroll`].
    Help,
    /// A finding's history with its notes in full (`n`).
    Notes(NotesState),
    Dialog(Dialog),
    /// The command line after `:`.
    Command(crate::input::TextInput),
    Search(SearchState),
    /// Choose filters of the problems list: which field is selected.
    Filter(usize),
    /// The export's file exists: replace it? (its path, as the task found it)
    Overwrite(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Done,
    Error,
}

#[derive(Debug, Clone)]
pub struct StatusLine {
    pub text: String,
    pub tone: Tone,
}

/// Everything the console shows.
/// What an export writes (`e` on the overview, `E`, `e` on the deadlines tab).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// The notice attachments as XLSX.
    Attachments,
    /// The whole notice as .docx.
    Notice,
    /// The chasing list (催办清单) as CSV.
    Chase,
}

#[derive(Debug, Clone)]
pub struct App {
    pub opts: Options,
    pub i18n: Arc<I18n>,
    pub keymap: Arc<Keymap>,
    pub catalogue: Arc<Catalogue>,
    pub tz: Tz,
    pub as_of: NaiveDate,
    pub actor: Actor,
    /// Where the data comes from (`local: /path`).
    pub source: String,
    pub data: Option<Data>,
    /// The last change token seen: a different one means someone wrote.
    pub token: Option<u64>,
    pub round: Option<String>,
    pub view: View,
    /// One page stack per view; never empty once data is loaded.
    pub stacks: [Vec<Page>; 4],
    pub problems_only: bool,
    pub overlay: Option<Overlay>,
    pub status: Option<StatusLine>,
    pub loading: bool,
    pub width: u16,
    pub height: u16,
    pub quit: bool,
    /// Writes sent to the store and not yet answered.
    pub writes_in_flight: usize,
    /// Findings with an action queued in the outbox, not yet sent: their actions are
    /// not offered again (a second copy would be queued). Set from each load and as
    /// soon as a write comes back queued.
    pub pending: BTreeSet<String>,
    /// The finding to select again when the reload a conflict asked for arrives.
    pub reselect: Option<String>,
    /// First line the help shows (it lists every layer, more than a screen holds).
    pub help_scroll: usize,
    /// The supervisor asked for the load under way (Ctrl-r, or a conflict's reload):
    /// its arrival is said on the status line.
    pub reload_asked: bool,
    /// The load under way follows someone else's change (not one of our writes): when
    /// it moves the selection, the status line says so (`crate::nav`).
    pub following: bool,
    /// The registry holds synthetic accounts: the demo (演示数据), shown beside the
    /// source so nobody mistakes it for the office's registry.
    pub demo_data: bool,
    /// Marked findings and the reminder channel (`crate::chase`).
    pub marks: crate::marks::Marks,
    /// What the last export wrote: when its file exists and the supervisor says to
    /// replace it, the same export is built again.
    pub last_export: ExportKind,
}

impl App {
    pub fn new(
        opts: Options,
        keymap: Keymap,
        catalogue: Catalogue,
        tz: Tz,
        as_of: NaiveDate,
        actor: Actor,
        source: String,
    ) -> App {
        App {
            i18n: Arc::new(I18n::new(opts.lang)),
            opts,
            keymap: Arc::new(keymap),
            catalogue: Arc::new(catalogue),
            tz,
            as_of,
            actor,
            source,
            data: None,
            token: None,
            round: None,
            view: View::Overview,
            stacks: [Vec::new(), Vec::new(), Vec::new(), Vec::new()],
            problems_only: false,
            overlay: None,
            status: None,
            loading: true,
            width: 80,
            height: 24,
            quit: false,
            writes_in_flight: 0,
            pending: BTreeSet::new(),
            reselect: None,
            help_scroll: 0,
            reload_asked: false,
            following: false,
            demo_data: false,
            marks: crate::marks::Marks::default(),
            last_export: ExportKind::Attachments,
        }
    }

    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.i18n.t(key)
    }

    pub fn registry(&self) -> Option<&Registry> {
        self.data.as_ref().map(|d| d.registry.as_ref())
    }

    pub fn stack(&self) -> &[Page] {
        &self.stacks[self.view.index()]
    }

    pub fn stack_mut(&mut self) -> &mut Vec<Page> {
        &mut self.stacks[self.view.index()]
    }

    pub fn page(&self) -> Option<&Page> {
        self.stack().last()
    }

    pub fn page_mut(&mut self) -> Option<&mut Page> {
        self.stack_mut().last_mut()
    }

    /// The region the user is looking at: the scope of the overview's top page.
    pub fn scope(&self) -> Option<usize> {
        self.stacks[0].iter().rev().find_map(|p| match p {
            Page::Overview(o) => Some(o.scope),
            Page::Problems(p) => p.scope,
            _ => None,
        })
    }

    /// Rows the list part of the screen holds (header, tabs, borders, column titles and
    /// the status line taken away), for paging.
    pub fn list_height(&self) -> usize {
        usize::from(self.height.saturating_sub(7)).max(1)
    }

    // --------------------------------------------------------------- derived data

    pub fn overview_page(&self, scope: usize) -> Page {
        let mut p = OverviewPage {
            scope,
            cursor: 0,
            first: 0,
            sort: RegionSort::Registry,
            dir: SortDir::Natural,
            summary: None,
            previous: None,
            visible: Vec::new(),
            discrepancies: Vec::new(),
        };
        self.fill_overview(&mut p);
        Page::Overview(Box::new(p))
    }

    pub fn problems_page(&self, scope: Option<usize>) -> Page {
        self.problems_page_of(scope, false)
    }

    /// The findings of the accounts registered at `region` itself: what its 本级 row
    /// counts.
    pub fn own_level_page(&self, region: usize) -> Page {
        self.problems_page_of(Some(region), true)
    }

    fn problems_page_of(&self, scope: Option<usize>, own_level: bool) -> Page {
        let mut p = ProblemsPage {
            scope,
            own_level,
            cursor: 0,
            first: 0,
            sort: FindingSort::Deadline,
            dir: SortDir::Natural,
            filter: Filter::default(),
            rows: Vec::new(),
            visible: Vec::new(),
            region_width: 0,
            regions: Vec::new(),
            days_width: 0,
        };
        self.fill_problems(&mut p);
        Page::Problems(p)
    }

    pub fn deadlines_page(&self, scope: Option<usize>) -> Page {
        let mut p = DeadlinesPage {
            scope,
            cursor: 0,
            sort: FindingSort::Deadline,
            dir: SortDir::Natural,
            first: 0,
            rows: Vec::new(),
            regions: Vec::new(),
            region_width: 0,
            lines: Vec::new(),
            days_width: 0,
        };
        self.fill_deadlines(&mut p);
        Page::Deadlines(p)
    }

    pub fn warnings_page(&self, scope: Option<usize>) -> Page {
        let mut p = WarningsPage {
            scope,
            cursor: 0,
            sort: WarningSort::Silent,
            dir: SortDir::Natural,
            first: 0,
            items: Vec::new(),
        };
        self.fill_warnings(&mut p);
        Page::Warnings(p)
    }

    fn fill_overview(&self, p: &mut OverviewPage) {
        let (Some(reg), Some(round)) = (self.registry(), self.round.as_deref()) else {
            return;
        };
        // The row selected before, by its region (its code; the 本级 row has the
        // scope's), so a sort or a reload keeps the cursor on it.
        let keep = p
            .summary
            .as_ref()
            .and_then(|s| p.visible.get(p.cursor).and_then(|&i| s.rows.get(i)))
            .map(|r| (r.code.clone(), r.region_idx));
        // The round and the one before it (for the trend), side by side: each is a pass
        // over every account, and this is on the way to the first frame and every drill.
        let (summary, previous) = rayon::join(
            || summarize(reg, &self.catalogue, round, p.scope, self.as_of).ok(),
            || {
                reg.previous_round(round)
                    .and_then(|r| summarize(reg, &self.catalogue, &r.id, p.scope, self.as_of).ok())
            },
        );
        p.summary = summary;
        p.previous = previous;
        let Some(s) = &p.summary else {
            p.visible.clear();
            return;
        };
        p.discrepancies = match reg.notice(round) {
            Some(n) if p.scope == reg.tree().root() => {
                let mut d = check_arithmetic(n);
                d.extend(check_registry(n, s, reg, &self.catalogue));
                d
            }
            _ => Vec::new(),
        };
        let mut vis: Vec<usize> = (0..s.rows.len())
            .filter(|&i| !self.problems_only || s.rows[i].has_open_work())
            .collect();
        sort_regions(&s.rows, &mut vis, p.sort, p.dir);
        if let Some((code, idx)) = keep
            && let Some(pos) = vis
                .iter()
                .position(|&i| s.rows[i].code == code && s.rows[i].region_idx == idx)
        {
            p.cursor = pos;
        }
        p.visible = vis;
        p.cursor = p.cursor.min(p.visible.len().saturating_sub(1));
    }

    fn rows_in(&self, scope: Scope) -> Vec<FindingRow> {
        match (self.registry(), self.round.as_deref()) {
            (Some(reg), Some(round)) => {
                findings_in(reg, &self.catalogue, round, scope, None, self.as_of)
            }
            _ => Vec::new(),
        }
    }

    fn fill_problems(&self, p: &mut ProblemsPage) {
        let keep = selected_id(&p.rows, &p.visible, p.cursor);
        p.rows = self.rows_in(match (p.scope, p.own_level) {
            (None, _) => Scope::All,
            (Some(s), false) => Scope::Within(s),
            (Some(s), true) => Scope::At(s),
        });
        let rows = &p.rows;
        let mut vis: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                let r = &rows[i];
                (!self.problems_only || !r.status.is_closed())
                    && p.filter.status.is_none_or(|s| s == r.status)
                    && p.filter
                        .indicator
                        .as_ref()
                        .is_none_or(|x| *x == r.indicator)
                    && p.filter.platform.as_ref().is_none_or(|x| *x == r.platform)
            })
            .collect();
        sort_findings(rows, &mut vis, p.sort, p.dir);
        p.days_width = days_width(rows);
        p.regions = self
            .registry()
            .map_or_else(Vec::new, |reg| crate::rollup::region_labels(reg, rows));
        p.region_width = crate::rollup::widest(&p.regions);
        p.visible = vis;
        p.cursor = restore_cursor(&p.rows, &p.visible, keep.as_deref(), p.cursor);
    }

    fn fill_deadlines(&self, p: &mut DeadlinesPage) {
        let keep = selectable(&p.lines)
            .get(p.cursor)
            .and_then(|&i| p.rows.get(i))
            .map(|r| r.id.clone());
        let mut rows = self.rows_in(p.scope.map_or(Scope::All, Scope::Within));
        if self.problems_only {
            rows.retain(|r| !r.status.is_closed());
        }
        rows.sort_by(|x, y| {
            x.days_left
                .unwrap_or(i64::MAX)
                .cmp(&y.days_left.unwrap_or(i64::MAX))
                .then_with(|| x.id.cmp(&y.id))
        });
        let mut groups: Vec<(DeadlineGroup, Vec<usize>)> = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let g = DeadlineGroup::of(r, self.opts.due_soon_days);
            match groups.iter_mut().find(|(x, _)| *x == g) {
                Some((_, v)) => v.push(i),
                None => groups.push((g, vec![i])),
            }
        }
        groups.sort_by_key(|(g, _)| *g);
        // Within each group, by the column chosen with `s` (soonest first by default).
        for (_, idx) in &mut groups {
            sort_findings(&rows, idx, p.sort, p.dir);
        }
        let mut lines = Vec::new();
        let reg = self.registry();
        let scope = p.scope.or(reg.map(|r| r.tree().root()));
        for (g, idx) in groups {
            let per = match (reg, scope) {
                (Some(reg), Some(scope)) => crate::rollup::per_region(reg, scope, &rows, &idx),
                _ => Vec::new(),
            };
            lines.push(DeadlineLine::Heading {
                group: g,
                count: idx.len(),
                regions: per,
            });
            lines.extend(idx.into_iter().map(DeadlineLine::Row));
        }
        p.days_width = days_width(&rows);
        p.regions = reg.map_or_else(Vec::new, |reg| crate::rollup::region_labels(reg, &rows));
        p.region_width = crate::rollup::widest(&p.regions);
        p.rows = rows;
        p.lines = lines;
        let sel = selectable(&p.lines);
        p.cursor = match keep {
            Some(id) => sel
                .iter()
                .position(|&i| p.rows[i].id == id)
                .unwrap_or(p.cursor),
            None => p.cursor,
        }
        .min(sel.len().saturating_sub(1));
    }

    fn fill_warnings(&self, p: &mut WarningsPage) {
        let (Some(d), Some(round)) = (&self.data, self.round.as_deref()) else {
            return;
        };
        let reg = d.registry.as_ref();
        // Without the posts (first delivery of a load, or offline) every account would
        // look silent: no warnings rather than false ones.
        let Some(r) = reg
            .round(round)
            .filter(|_| d.complete && d.stale_since.is_none())
        else {
            p.items.clear();
            return;
        };
        let mut items = early_warnings(
            reg,
            r,
            &d.posts,
            self.tz,
            self.as_of,
            self.opts.warn_after_days,
        );
        if let Some(s) = p.scope {
            items.retain(|w| reg.tree().is_within(reg.account_region(w.account_idx), s));
        }
        let keep = p.items.get(p.cursor).map(|w| w.account.clone());
        let mut order: Vec<usize> = (0..items.len()).collect();
        sort_warnings(reg, &items, &mut order, p.sort, p.dir);
        let mut slots: Vec<Option<Warning>> = items.into_iter().map(Some).collect();
        p.items = order.into_iter().filter_map(|i| slots[i].take()).collect();
        if let Some(pos) = keep.and_then(|a| p.items.iter().position(|w| w.account == a)) {
            p.cursor = pos;
        }
        p.cursor = p.cursor.min(p.items.len().saturating_sub(1));
    }

    /// Recompute every page's derived data (after a load, a write, a round switch or a
    /// toggle), keeping cursors on the same finding where there is one.
    pub fn refresh_pages(&mut self) {
        let mut stacks = std::mem::take(&mut self.stacks);
        for stack in &mut stacks {
            for page in stack.iter_mut() {
                match page {
                    Page::Overview(p) => self.fill_overview(p),
                    Page::Problems(p) => self.fill_problems(p),
                    Page::Deadlines(p) => self.fill_deadlines(p),
                    Page::Warnings(p) => self.fill_warnings(p),
                    Page::Detail(_) => {}
                }
            }
        }
        self.stacks = stacks;
    }

    /// Start every view afresh at the root (first load, or a store whose regions
    /// changed under us).
    pub fn reset_stacks(&mut self) {
        let Some(root) = self.registry().map(|r| r.tree().root()) else {
            return;
        };
        if self.registry().is_some_and(|r| r.tree().is_empty()) {
            return;
        }
        self.stacks = [
            vec![self.overview_page(root)],
            vec![self.problems_page(None)],
            vec![self.deadlines_page(None)],
            vec![self.warnings_page(None)],
        ];
    }
}

/// Cells the widest days-left figure of `rows` takes (`-` when none).
pub fn days_width(rows: &[FindingRow]) -> usize {
    rows.iter()
        .filter_map(|r| r.days_left)
        .map(|d| d.to_string().len())
        .max()
        .unwrap_or(1)
}

/// Indexes into `rows` of the selectable lines of a deadline view.
pub fn selectable(lines: &[DeadlineLine]) -> Vec<usize> {
    lines
        .iter()
        .filter_map(|l| match l {
            DeadlineLine::Row(i) => Some(*i),
            DeadlineLine::Heading { .. } => None,
        })
        .collect()
}

fn selected_id(rows: &[FindingRow], visible: &[usize], cursor: usize) -> Option<String> {
    visible
        .get(cursor)
        .and_then(|&i| rows.get(i))
        .map(|r| r.id.clone())
}

fn restore_cursor(rows: &[FindingRow], visible: &[usize], id: Option<&str>, old: usize) -> usize {
    let found = id.and_then(|id| visible.iter().position(|&i| rows[i].id == id));
    found.unwrap_or(old).min(visible.len().saturating_sub(1))
}

/// The values a filter field cycles through: `None` (all) first.
pub fn filter_values(app: &App, field: usize) -> Vec<Option<String>> {
    let mut vals: Vec<Option<String>> = vec![None];
    match field {
        0 => vals.extend(
            [
                Status::Open,
                Status::Rectified,
                Status::Verified,
                Status::Waived,
            ]
            .map(|s| Some(s.as_str().to_string())),
        ),
        _ => {
            if let Some(Page::Problems(p)) = app.page() {
                let mut seen: Vec<String> = p
                    .rows
                    .iter()
                    .map(|r| {
                        if field == 1 {
                            r.indicator.clone()
                        } else {
                            r.platform.clone()
                        }
                    })
                    .collect();
                seen.sort();
                seen.dedup();
                vals.extend(seen.into_iter().map(Some));
            }
        }
    }
    vals
}
