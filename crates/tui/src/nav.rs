//! Where the supervisor is and how they move: the selection kept on the same finding,
//! account or region when someone else's change reloads the data (and said when it
//! moved or vanished), `Esc` going up one scope level on every tab, and `:region`
//! finding a region as the search does (`zhoushan`, `zs`, `舟山` all find 舟山市).

use crate::app::{App, Overlay, Page, StatusLine, Tone, View, selectable};
use crate::i18n::fill;
use govcheck_domain::search::{Query, SearchKey, Target, score_key};

/// What the selection was on, by identity rather than by place.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Finding(String),
    Account(String),
    /// A row of the overview: the region (`None` for a `…本级` row) and its code.
    Region(Option<usize>, String),
}

#[derive(Debug, Clone)]
struct Selection {
    view: View,
    depth: usize,
    key: Key,
    /// What the message calls it (the finding id, the account or region name).
    label: String,
    pos: usize,
}

/// What [`after`] needs from before a message was handled.
#[derive(Debug, Default)]
pub struct Before {
    /// The message answered one of our own writes: the load it asks for follows our
    /// change, not someone else's.
    written: bool,
    /// A load arrived: the selection it may move.
    loaded: Option<Option<Selection>>,
}

/// Before a message is handled: `written` when it answers one of our writes, `loaded`
/// when it brings a load.
pub fn before(app: &App, written: bool, loaded: bool) -> Before {
    Before {
        written,
        // A conflict's reload selects its finding itself (`App::reselect`).
        loaded: loaded.then(|| selection(app).filter(|_| app.reselect.is_none())),
    }
}

/// After a message (`asked_load`: its outcome starts a load): remember whether the
/// load comes from someone else's change (the poll saw a new change token, a reload
/// key, a conflict), and when a load arrived, put the selection back on what it was on
/// and say so when it moved or vanished because of such a change.
pub fn after(app: &mut App, before: Before, asked_load: bool) {
    if !before.written && asked_load {
        app.following = true;
    }
    let Some(sel) = before.loaded else { return };
    let following = std::mem::take(&mut app.following);
    app.demo_data = app
        .registry()
        .is_some_and(|r| r.accounts().iter().any(|a| a.synthetic));
    let Some(sel) = sel else { return };
    let Some(moved) = reselect(app, &sel) else {
        return;
    };
    if !following {
        return;
    }
    let text = match moved {
        Some((pos, of)) => fill(
            app.t("nav.moved"),
            &[("what", &sel.label), ("pos", &format!("{pos}/{of}"))],
        ),
        None => fill(app.t("nav.vanished"), &[("what", &sel.label)]),
    };
    app.status = Some(StatusLine {
        text: govcheck_domain::text::sanitize(&text),
        tone: Tone::Info,
    });
}

/// Store the first line each list on screen now shows, as the view lays it out (after
/// a move, a resize, a reload): the next move scrolls from there.
pub fn follow(app: &mut App) {
    // The detail scrolls no further than its last full page, so the first `Up` after
    // `End` moves it.
    if app.overlay.is_none()
        && let Some(last) = crate::view::position::detail_last_first(app)
        && let Some(Page::Detail(d)) = app.page_mut()
    {
        d.scroll = d.scroll.min(last);
    }
    let Some(rows) = crate::view::list_rows(app) else {
        return;
    };
    match &mut app.overlay {
        Some(Overlay::Search(s)) => s.first = rows.first,
        Some(_) => {}
        None => match app.page_mut() {
            Some(Page::Overview(p)) => p.first = rows.first,
            Some(Page::Problems(p)) => p.first = rows.first,
            Some(Page::Deadlines(p)) => p.first = rows.first,
            Some(Page::Warnings(p)) => p.first = rows.first,
            Some(Page::Detail(_)) | None => {}
        },
    }
}

/// The selection of the page on screen (lists only; not under an overlay).
fn selection(app: &App) -> Option<Selection> {
    if app.overlay.is_some() {
        return None;
    }
    let (key, label, pos) = match app.page()? {
        Page::Overview(p) => {
            let r = p.summary.as_ref()?.rows.get(*p.visible.get(p.cursor)?)?;
            (
                Key::Region(r.region_idx, r.code.clone()),
                r.region.clone(),
                p.cursor,
            )
        }
        Page::Problems(p) => {
            let r = p.rows.get(*p.visible.get(p.cursor)?)?;
            (Key::Finding(r.id.clone()), r.id.clone(), p.cursor)
        }
        Page::Deadlines(p) => {
            let r = p.rows.get(*selectable(&p.lines).get(p.cursor)?)?;
            (Key::Finding(r.id.clone()), r.id.clone(), p.cursor)
        }
        Page::Warnings(p) => {
            let w = p.items.get(p.cursor)?;
            let name = app
                .registry()
                .and_then(|r| r.accounts().get(w.account_idx))
                .map_or_else(|| w.account.clone(), |a| a.name.clone());
            (Key::Account(w.account.clone()), name, p.cursor)
        }
        Page::Detail(_) => return None,
    };
    Some(Selection {
        view: app.view,
        depth: app.stack().len(),
        key,
        label,
        pos,
    })
}

/// Put the cursor back on `sel` in the reloaded page. `None` when nothing changed (or
/// the page is another one now); `Some(Some((place, of)))` when it is there but at
/// another place (1-based); `Some(None)` when it is gone from the list.
fn reselect(app: &mut App, sel: &Selection) -> Option<Option<(usize, usize)>> {
    if app.view != sel.view || app.stack().len() != sel.depth {
        return None;
    }
    let page = app.page_mut()?;
    let (found, len, cursor) = match (page, &sel.key) {
        (Page::Overview(p), Key::Region(idx, code)) => {
            let rows = p.summary.as_ref().map_or(&[][..], |s| s.rows.as_slice());
            let found = p.visible.iter().position(|&i| {
                rows.get(i)
                    .is_some_and(|r| r.region_idx == *idx && r.code == *code)
            });
            (found, p.visible.len(), &mut p.cursor)
        }
        (Page::Problems(p), Key::Finding(id)) => {
            let found = p
                .visible
                .iter()
                .position(|&i| p.rows.get(i).is_some_and(|r| r.id == *id));
            (found, p.visible.len(), &mut p.cursor)
        }
        (Page::Deadlines(p), Key::Finding(id)) => {
            let sel = selectable(&p.lines);
            let found = sel
                .iter()
                .position(|&i| p.rows.get(i).is_some_and(|r| r.id == *id));
            (found, sel.len(), &mut p.cursor)
        }
        (Page::Warnings(p), Key::Account(id)) => {
            let found = p.items.iter().position(|w| w.account == *id);
            (found, p.items.len(), &mut p.cursor)
        }
        _ => return None,
    };
    match found {
        Some(pos) => {
            *cursor = pos;
            (pos != sel.pos).then_some(Some((pos + 1, len)))
        }
        None => Some(None),
    }
}

/// `Esc` / `Backspace` on tabs 2–4 at a scope with nothing left to close: the same
/// tab one scope level up, as the overview goes up. The console has one scope, so the
/// overview follows (its pages below the new scope are closed). False when there is
/// no level above (the whole registry) or this is not such a page.
pub fn scope_up(app: &mut App) -> bool {
    if app.view == View::Overview || app.stack().len() != 1 {
        return false;
    }
    let scope = match app.page() {
        Some(Page::Problems(p)) => p.scope,
        Some(Page::Deadlines(p)) => p.scope,
        Some(Page::Warnings(p)) => p.scope,
        _ => None,
    };
    let (Some(scope), Some(reg)) = (scope, app.data.as_ref().map(|d| d.registry.clone())) else {
        return false;
    };
    let tree = reg.tree();
    let up = tree.parent(scope).filter(|&u| u != tree.root());
    // The overview's pages at or below the scope left are closed.
    while app.stacks[0].len() > 1 && app.scope().is_some_and(|s| tree.is_within(s, scope)) {
        app.stacks[0].pop();
    }
    if let Some(u) = up
        && app.scope() != Some(u)
    {
        let page = if tree.children(u).is_empty() {
            app.problems_page(Some(u))
        } else {
            app.overview_page(u)
        };
        app.stacks[0].push(page);
    }
    let page = match app.view {
        View::Problems => app.problems_page(up),
        View::Deadlines => app.deadlines_page(up),
        View::Warnings => app.warnings_page(up),
        View::Overview => return false,
    };
    *app.stack_mut() = vec![page];
    true
}

/// Most candidates an ambiguous `:region` lists.
const CANDIDATES: usize = 6;

/// The region `:region TEXT` means: a code, a path or a unique name as everywhere
/// (`RegionTree::resolve`), else the region the search ranks first when it ranks it
/// above every other (Chinese, pinyin, initials, part of a name); an error message in the interface language when none
/// or several do (listing them).
pub fn find_region(app: &App, text: &str) -> Result<usize, String> {
    let text = text.trim();
    let Some(reg) = app.registry() else {
        return Err(fill(app.t("nav.region_none"), &[("query", text)]));
    };
    let tree = reg.tree();
    match tree.resolve(text) {
        Ok(i) => return Ok(i),
        Err(govcheck_domain::region::RegionLookupError::Ambiguous { candidates, .. }) => {
            return Err(fill(
                app.t("nav.region_ambiguous"),
                &[("query", text), ("candidates", &candidates)],
            ));
        }
        Err(_) => {}
    }
    let q = Query::new(text);
    if q.is_empty() {
        return Err(fill(app.t("nav.region_none"), &[("query", text)]));
    }
    // The prepared names of the loaded index when it has them (the second delivery
    // of a load), else prepared here: a tree has thousands of regions at most.
    let mut hits: Vec<(i64, usize)> = match app.data.as_ref() {
        Some(d)
            if d.index
                .entries
                .iter()
                .any(|(t, _)| matches!(t, Target::Region(_))) =>
        {
            d.index
                .entries
                .iter()
                .filter_map(|(t, k)| match t {
                    Target::Region(r) => score_key(&q, k).map(|s| (s, *r)),
                    _ => None,
                })
                .collect()
        }
        _ => tree
            .regions()
            .iter()
            .enumerate()
            .filter_map(|(i, r)| score_key(&q, &SearchKey::new(&r.name)).map(|s| (s, i)))
            .collect(),
    };
    hits.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    match hits.as_slice() {
        [] => Err(fill(app.t("nav.region_none"), &[("query", text)])),
        // One region, or one that matches better than any other (`zs`: the initials of
        // 舟山市 from its start, where 杭州市 has them only inside).
        [(_, one)] => Ok(*one),
        [(best, one), (next, _), ..] if best > next => Ok(*one),
        many => {
            let mut list: Vec<String> = many
                .iter()
                .take(CANDIDATES)
                .map(|&(_, i)| tree.path(i))
                .collect();
            if many.len() > CANDIDATES {
                list.push(format!("… (+{})", many.len() - CANDIDATES));
            }
            Err(fill(
                app.t("nav.region_ambiguous"),
                &[("query", text), ("candidates", &list.join(", "))],
            ))
        }
    }
}
