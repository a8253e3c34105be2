//! Commands that change data: remediation events and the automatic rules. Each is one
//! durable batch in the store before it reports success.

use anyhow::{Context as _, anyhow, bail};
use chrono::NaiveDate;

use crate::context::Context;
use crate::output::{emit, emit_confirmation, recorded_but};
use govcheck_domain::event::{Channel, Event, EventKind};
use govcheck_domain::finding::{Finding, FindingSource, finding_id};
use govcheck_domain::indicator::AutoRule;
use govcheck_domain::registry::Change;
use govcheck_domain::rules::silent_accounts;
use govcheck_domain::text::sanitize;
use govcheck_store::local::Committed;
use govcheck_store::{RegistrySource, StoreError};

/// A remediation action from the command line.
pub enum Act {
    Verify,
    Reject,
    Rectified,
    Reopen,
    Extend(NaiveDate),
    Waive,
    Remind(Channel),
}

impl Act {
    fn kind(&self) -> EventKind {
        match self {
            Act::Verify => EventKind::Verified,
            Act::Reject => EventKind::Rejected,
            Act::Rectified => EventKind::RectificationReported,
            Act::Reopen => EventKind::Reopened,
            Act::Extend(to) => EventKind::DeadlineExtended { to: *to },
            Act::Waive => EventKind::Waived,
            Act::Remind(channel) => EventKind::reminded(*channel),
        }
    }
}

pub fn record(ctx: &Context, finding: &str, act: Act, note: Option<String>) -> anyhow::Result<i32> {
    let store = ctx.source()?;
    let event = Event {
        finding: finding.to_string(),
        kind: act.kind(),
        at: ctx.now(),
        by: ctx.actor.clone(),
        note: note.filter(|n| !n.trim().is_empty()),
    };
    let label = event.kind.label_zh();
    let seq = store.append_events(vec![(event, None)])?;
    // The event is durable from here on: whatever fails now only concerns the
    // confirmation, and must not read as "not done" (a retry would record it twice).
    let confirm = || -> anyhow::Result<()> {
        let reg = store.load_part(&[finding])?.registry;
        let idx = reg
            .finding_index(finding)
            .ok_or_else(|| anyhow!("finding {finding} vanished after writing"))?;
        let f = &reg.findings()[idx];
        let name = reg.account(&f.account).map_or("?", |a| a.name.as_str());
        emit(&sanitize(&format!(
            "{finding} {name}: {label}, now {} (recorded, journal batch {seq})\n",
            reg.state(idx).status.label_zh()
        )))?;
        Ok(())
    };
    confirm().map_err(|e| {
        recorded_but(
            &format!("{finding}: {label} recorded (journal batch {seq})"),
            &e,
        )
    })?;
    Ok(0)
}

/// Turn the automatic rules into findings for a round. Running it twice records
/// nothing new the second time.
pub fn check(ctx: &Context, round: &str) -> anyhow::Result<i32> {
    let store = ctx.open_store()?;
    let posts = store.posts().context("reading posts")?;
    if ctx.catalogue.for_rule(AutoRule::TwoWeekSilence).is_none() {
        bail!("the catalogue has no indicator with rule = \"two_week_silence\"");
    }
    let mut found = 0usize;
    let mut known = 0usize;
    let mut new = 0usize;
    let now = ctx.now();
    let done = store.commit(&ctx.actor, now, |reg| {
        let r = reg
            .round(round)
            .ok_or_else(|| StoreError::Other(format!("no round {round:?}")))?
            .clone();
        let silent = silent_accounts(reg, &r, &posts, ctx.tz);
        found = silent.len();
        let mut changes = Vec::new();
        let mut n = reg.finding_count(round);
        for idx in silent {
            let account = reg.accounts()[idx].id.clone();
            // Websites and new media fail different indicators for the same silence;
            // a kind the catalogue has no rule for is left alone.
            let Some(ind) = ctx
                .catalogue
                .for_rule_on(AutoRule::TwoWeekSilence, &reg.accounts()[idx].platform)
            else {
                continue;
            };
            if reg.finding_by_key(round, &account, &ind.code).is_some() {
                known += 1;
                continue;
            }
            n += 1;
            new += 1;
            let id = finding_id(round, n);
            changes.push(Change::Finding(Finding {
                id: id.clone(),
                round: round.to_string(),
                account,
                indicator: ind.code.clone(),
                problem: None,
                note: Some(format!(
                    "自动检查：监测点 {} 前两周无发布",
                    r.monitoring_point
                )),
                source: FindingSource::Auto,
                deadline: None,
                points: None,
            }));
            changes.push(Change::Event(Event {
                finding: id,
                kind: EventKind::Reported,
                at: now,
                by: ctx.actor.clone(),
                note: None,
            }));
        }
        Ok(changes)
    })?;
    match done {
        Committed::Batch { seq, .. } => emit_confirmation(
            &format!(
                "{round}: {found} account(s) with no post in the two weeks up to the monitoring point; {new} new finding(s) recorded (journal batch {seq}), {known} already recorded\n"
            ),
            &format!("{round}: {new} new finding(s) recorded (journal batch {seq})"),
        )?,
        Committed::Unchanged { .. } => emit(&format!(
            "{round}: {found} account(s) with no post in the two weeks up to the monitoring point; all already recorded, nothing changed\n"
        ))?,
    }
    Ok(0)
}

/// `remind --channel`: how the host unit was chased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChannelArg {
    /// 电话
    Phone,
    /// 发文
    Document,
    /// 消息
    Message,
}

impl From<ChannelArg> for Channel {
    fn from(c: ChannelArg) -> Channel {
        match c {
            ChannelArg::Phone => Channel::Phone,
            ChannelArg::Document => Channel::Document,
            ChannelArg::Message => Channel::Message,
        }
    }
}
