//! `govcheck outbox`: the actions recorded while the registry server was unreachable —
//! those still waiting to be sent, and those the server refused when they were sent
//! (a conflict with another supervisor's action, a revoked permission). Refused actions
//! stay listed until the supervisor dismisses them, so none disappears unseen.

use anyhow::bail;
use serde_json::json;

use crate::context::Context;
use crate::output::{Format, Table, json_string};
use crate::report::print;
use govcheck_domain::event::EventKind;
use govcheck_domain::text::sanitize;
use govcheck_store::remote::Pending;

/// The action for scripts (`deadline_extended 2022-05-10`) and for people (`延期至 …`).
fn action_labels(p: &Pending) -> (String, String) {
    match &p.event.kind {
        EventKind::DeadlineExtended { to } => (
            format!("{} {to}", p.event.kind.label()),
            format!("{}至{to}", p.event.kind.label_zh()),
        ),
        k => (k.label().to_string(), k.label_zh().to_string()),
    }
}

pub fn outbox(ctx: &Context, dismiss: bool, format: Format) -> anyhow::Result<i32> {
    let Some(url) = &ctx.registry else {
        bail!(
            "there is no outbox: actions on a local store are written at once (the outbox holds actions taken while a registry server (--registry URL) was unreachable)"
        );
    };
    let remote = ctx.remote(url)?;
    if dismiss {
        let n = remote.dismiss_refused()?;
        crate::output::emit(&format!("dismissed {n} refused action(s)\n"))?;
        return Ok(0);
    }
    let pending = remote.pending()?;
    let refused = remote.refused()?;
    let unreadable = remote.unreadable_outbox_lines()?.len();
    if unreadable > 0 {
        eprintln!(
            "govcheck: {unreadable} line(s) of the outbox are not actions this version reads (a newer govcheck's?): kept, not sent"
        );
    }
    let headers = ["state", "finding", "action", "note", "reason", "at"];
    let mut rows = Vec::new();
    let mut table = Table::new(&["状态", "问题编号", "操作", "备注", "原因", "时间"]);
    let listed = pending
        .iter()
        .map(|p| (("pending", "待发送"), p, String::new(), p.event.at))
        .chain(
            refused
                .iter()
                .map(|r| (("refused", "被拒绝"), &r.action, sanitize(&r.reason), r.at)),
        );
    for ((state, state_zh), p, reason, at) in listed {
        let (action, action_zh) = action_labels(p);
        let finding = sanitize(&p.event.finding);
        let note = sanitize(p.event.note.as_deref().unwrap_or_default());
        let at = at
            .with_timezone(&ctx.tz)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string();
        table.push(vec![
            state_zh.to_string(),
            finding.clone(),
            action_zh,
            note.clone(),
            reason.clone(),
            at.clone(),
        ]);
        rows.push(vec![state.to_string(), finding, action, note, reason, at]);
    }
    let json = json_string(&json!({"pending": pending, "refused": refused}));
    print(format, table, &headers, rows, &[], json.map_err(Into::into))
}
