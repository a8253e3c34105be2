//! A round built from a published notice alone, so a province's history can be loaded
//! from its past notices: the regions of 附件1, the problem accounts of 附件2 with their
//! findings, and synthetic filler accounts (marked synthetic, operating only during the
//! round's window) up to each region's published total and inspected count. A county
//! notice that lists every inspected account (a per-account result table) gives the
//! round those accounts and a finding for each problem of each that did not pass.

use std::collections::HashMap;

use super::NoticeError;
use crate::account::{Account, AccountStatus};
use crate::event::{Actor, Event, EventKind};
use crate::finding::{Finding, FindingSource, finding_id};
use crate::indicator::Catalogue;
use crate::notice::PublishedNotice;
use crate::region::Region;
use crate::registry::{Change, Registry};
use crate::round::{Round, RoundMode};

/// Changes that create `round` from `notice`. The round must not exist yet.
pub fn changes(
    reg: &Registry,
    cat: &Catalogue,
    notice: &PublishedNotice,
    mut round: Round,
    actor: &Actor,
    at: chrono::DateTime<chrono::FixedOffset>,
) -> Result<Vec<Change>, NoticeError> {
    let id = round.id.clone();
    if reg.round(&id).is_some() {
        return Err(NoticeError::RoundExists(id));
    }
    if !notice.accounts.is_empty() {
        return from_accounts(reg, cat, notice, round, actor, at);
    }
    let root = reg
        .root_region()
        .cloned()
        .ok_or(NoticeError::NoRootRegion)?;
    let tree = reg.tree();
    let full = notice.rows.iter().all(|r| r.inspected == r.total);
    round.mode = if full {
        RoundMode::Full
    } else {
        RoundMode::Sample
    };
    let mut out = Vec::new();

    // Regions of 附件1, by name among the root's children, created when missing.
    let mut region_code: HashMap<&str, String> = HashMap::new();
    for r in &notice.rows {
        let code = match tree.child_named(tree.root(), &r.region) {
            Some(i) => tree.get(i).code.clone(),
            None => {
                let code = format!("{}/{}", root.code, r.region);
                out.push(Change::Region(Region {
                    code: code.clone(),
                    name: r.region.clone(),
                    parent: Some(root.code.clone()),
                }));
                code
            }
        };
        region_code.insert(r.region.as_str(), code);
    }
    out.push(Change::Round(round.clone()));

    // Problem accounts: an existing account with the same name and platform in that
    // region is reused; otherwise a new (real, not synthetic) account is registered.
    let mut new_ids: Vec<String> = Vec::new();
    let mut problem_accounts: Vec<(String, &str)> = Vec::new();
    for (k, p) in notice.problems.iter().enumerate() {
        let code =
            region_code
                .get(p.region.as_str())
                .ok_or_else(|| NoticeError::RegionNotInTable1 {
                    row: k + 1,
                    region: p.region.clone(),
                })?;
        let (account_id, change, is_new) = account_named(
            reg,
            cat,
            code,
            (&p.name, &p.platform, &p.host_unit),
            &round,
            format!("{id}-n{:04}", k + 1),
        );
        if let Some(c) = change
            && !(is_new && new_ids.contains(&account_id))
        {
            out.push(c);
            if is_new {
                new_ids.push(account_id.clone());
            }
        }
        problem_accounts.push((account_id, p.problem.as_str()));
    }

    // Fillers up to each region's total; the sample list up to its inspected count.
    let mut inspected: Vec<String> = Vec::new();
    for (a, _) in &problem_accounts {
        if !inspected.contains(a) {
            inspected.push(a.clone());
        }
    }
    for r in &notice.rows {
        let code = &region_code[r.region.as_str()];
        let scope = tree.by_code(code);
        // Problem accounts of this region count whatever their recorded window says
        // (an older notice may name an account registered by a newer one).
        let mut listed: Vec<&String> = Vec::new();
        for (p, (a, _)) in notice.problems.iter().zip(&problem_accounts) {
            if p.region == r.region && !listed.contains(&a) {
                listed.push(a);
            }
        }
        let existing: Vec<&Account> = reg
            .accounts()
            .iter()
            .enumerate()
            .filter(|(i, _)| scope.is_some_and(|s| tree.is_within(reg.account_region(*i), s)))
            .filter(|(i, a)| counted_in(reg, &round, *i) && !listed.contains(&&a.id))
            .map(|(_, a)| a)
            .collect();
        let have = (existing.len() + listed.len()) as u64;
        let mut fillers = Vec::new();
        for n in 0..r.total.saturating_sub(have) {
            let aid = format!("{id}-{}-f{:05}", code.replace('/', "-"), n + 1);
            out.push(Change::Account(Account {
                id: aid.clone(),
                name: format!("{}账号{:04}", r.region, n + 1),
                platform: "微信公众号".into(),
                region: code.clone(),
                host_unit: format!("{}（通报未列明）", r.region),
                supervisor_unit: None,
                status: AccountStatus::Closed,
                opened_on: Some(round.period_start),
                closed_on: Some(round.period_end),
                synthetic: true,
                contact: None,
                phone: None,
            }));
            fillers.push(aid);
        }
        if !full {
            let listed_here = listed.len() as u64;
            let pool = existing.iter().map(|a| a.id.clone()).chain(fillers);
            let want = r.inspected.saturating_sub(listed_here) as usize;
            inspected.extend(
                pool.filter(|a| !inspected.contains(a))
                    .take(want)
                    .collect::<Vec<_>>(),
            );
        }
    }
    if !full {
        out.push(Change::Inspected {
            round: id.clone(),
            accounts: inspected,
        });
    }

    for (n, (account, problem)) in problem_accounts.iter().enumerate() {
        let ind = cat
            .match_problem(problem)
            .ok_or_else(|| NoticeError::UnknownProblem {
                row: n + 1,
                problem: problem.to_string(),
            })?;
        let wording = (*problem != ind.name).then(|| problem.to_string());
        let finding = (
            finding_id(&id, n + 1),
            account.clone(),
            ind.code.clone(),
            wording,
        );
        push_reported(&mut out, &id, finding, actor, at);
    }
    let mut n = notice.clone();
    n.round = id;
    out.push(Change::Notice(n));
    Ok(out)
}

/// Changes that create `round` from a per-account result table: its regions (when it
/// has a region column; otherwise the accounts belong to the root), every listed
/// account (reused when one with that name and platform exists there), and the
/// findings of those that did not pass. The round is full when the listed accounts are
/// all the registry has operating in the window, else a sample of exactly them.
fn from_accounts(
    reg: &Registry,
    cat: &Catalogue,
    notice: &PublishedNotice,
    mut round: Round,
    actor: &Actor,
    at: chrono::DateTime<chrono::FixedOffset>,
) -> Result<Vec<Change>, NoticeError> {
    let id = round.id.clone();
    let root = reg
        .root_region()
        .cloned()
        .ok_or(NoticeError::NoRootRegion)?;
    let tree = reg.tree();
    let mut out = Vec::new();
    let mut region_code: HashMap<&str, String> = HashMap::new();
    for name in notice.accounts.iter().filter_map(|a| a.region.as_deref()) {
        if region_code.contains_key(name) {
            continue;
        }
        let code = match tree.child_named(tree.root(), name) {
            Some(i) => tree.get(i).code.clone(),
            None => {
                let code = format!("{}/{}", root.code, name);
                out.push(Change::Region(Region {
                    code: code.clone(),
                    name: name.to_string(),
                    parent: Some(root.code.clone()),
                }));
                code
            }
        };
        region_code.insert(name, code);
    }

    let mut accounts = Vec::new();
    let mut listed: Vec<String> = Vec::new();
    let mut failing: Vec<(usize, String, &str)> = Vec::new();
    for (k, p) in notice.accounts.iter().enumerate() {
        let code = p
            .region
            .as_deref()
            .and_then(|r| region_code.get(r))
            .unwrap_or(&root.code);
        let (account_id, change, _) = account_named(
            reg,
            cat,
            code,
            (&p.name, &p.platform, &p.host_unit),
            &round,
            format!("{id}-n{:04}", k + 1),
        );
        accounts.extend(change);
        if !p.passed {
            failing.push((k + 1, account_id.clone(), p.problem.as_str()));
        }
        if !listed.contains(&account_id) {
            listed.push(account_id);
        }
    }
    let others = reg
        .accounts()
        .iter()
        .enumerate()
        .any(|(i, a)| counted_in(reg, &round, i) && !listed.contains(&a.id));
    round.mode = if others {
        RoundMode::Sample
    } else {
        RoundMode::Full
    };
    out.push(Change::Round(round.clone()));
    out.extend(accounts);
    if others {
        out.push(Change::Inspected {
            round: id.clone(),
            accounts: listed,
        });
    }

    let mut n = 0;
    for (row, account, problem) in failing {
        for ind in problem_indicators(cat, row, problem)? {
            n += 1;
            let wording = (ind.wording != ind.name).then_some(ind.wording);
            let finding = (
                finding_id(&id, n),
                account.clone(),
                ind.code.clone(),
                wording,
            );
            push_reported(&mut out, &id, finding, actor, at);
        }
    }
    let mut record = notice.clone();
    record.round = id;
    out.push(Change::Notice(record));
    Ok(out)
}

/// An indicator named in a 存在问题 cell, with the wording as printed.
struct Named {
    code: String,
    name: String,
    wording: String,
}

/// The indicators a 存在问题 cell names: the whole cell when it is one indicator's
/// wording, else each of its parts (separated by ；, ; or 。). An account that did not
/// pass needs at least one, and every part must be known.
fn problem_indicators(cat: &Catalogue, row: usize, text: &str) -> Result<Vec<Named>, NoticeError> {
    let named = |wording: &str| {
        cat.match_problem(wording).map(|i| Named {
            code: i.code.clone(),
            name: i.name.clone(),
            wording: wording.to_string(),
        })
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(NoticeError::NoProblem { row });
    }
    if let Some(one) = named(text) {
        return Ok(vec![one]);
    }
    text.split(['；', ';', '。', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            named(p).ok_or_else(|| NoticeError::UnknownAccountProblem {
                row,
                problem: p.to_string(),
            })
        })
        .collect()
}

/// A finding a notice reports, as the notice worded it (`None` when in the catalogue's
/// words), and its reported event: `(id, account, indicator, wording)`.
fn push_reported(
    out: &mut Vec<Change>,
    round: &str,
    (id, account, indicator, problem): (String, String, String, Option<String>),
    actor: &Actor,
    at: chrono::DateTime<chrono::FixedOffset>,
) {
    out.push(Change::Finding(Finding {
        id: id.clone(),
        round: round.to_string(),
        account,
        indicator,
        problem,
        note: None,
        source: FindingSource::Notice,
        deadline: None,
        points: None,
    }));
    out.push(Change::Event(Event {
        finding: id,
        kind: EventKind::Reported,
        at,
        by: actor.clone(),
        note: None,
    }));
}

/// The account a notice names: one already registered with that name and platform
/// within the region (moved to have opened by the round's start when it was
/// registered later: it was operating then too), else a new, real account known from
/// this round on, so it does not swell earlier rounds. Its id, the change it needs,
/// and whether it is new.
fn account_named(
    reg: &Registry,
    cat: &Catalogue,
    code: &str,
    (name, platform, host_unit): (&str, &str, &str),
    round: &Round,
    new_id: String,
) -> (String, Option<Change>, bool) {
    let tree = reg.tree();
    let platform = cat
        .canonical_platform(platform)
        .map_or_else(|| platform.to_string(), |d| d.name.clone());
    let scope = tree.by_code(code);
    let existing = reg.accounts().iter().enumerate().find(|(i, a)| {
        a.name == name
            && a.platform == platform
            && scope.is_some_and(|s| tree.is_within(reg.account_region(*i), s))
    });
    match existing {
        Some((_, a)) => {
            let earlier = a
                .opened_on
                .is_some_and(|o| o > round.period_start)
                .then(|| {
                    let mut earlier = a.clone();
                    earlier.opened_on = Some(round.period_start);
                    Change::Account(earlier)
                });
            (a.id.clone(), earlier, false)
        }
        None => {
            let account = Account {
                id: new_id.clone(),
                name: name.to_string(),
                platform,
                region: code.to_string(),
                host_unit: host_unit.to_string(),
                supervisor_unit: None,
                status: AccountStatus::Operating,
                opened_on: Some(round.period_start),
                closed_on: None,
                synthetic: false,
                contact: None,
                phone: None,
            };
            (new_id, Some(Change::Account(account)), true)
        }
    }
}

/// Operating during the round's window (the round is not in the registry yet, so
/// `figures::counted` cannot be asked).
fn counted_in(reg: &Registry, round: &Round, idx: usize) -> bool {
    reg.accounts()[idx].operating_during(round.period_start, round.period_end)
}
