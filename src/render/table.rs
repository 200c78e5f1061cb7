//! The default output: a table an official reads at a glance, one row per clause claimed (and,
//! under a clause of several items, a line per item with its amount and what changed it), then
//! the determinate total, the discretionary ranges apart, and the rule version. It fits the
//! width it is given: the reason wraps between words or Chinese characters, never inside a
//! number, and below 100 columns the title column gives way to the amount.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use super::wrap::{width as text_width, wrap};
use super::{Ctx, Lang, amount_text, chain, paid_label, short_reason, status_label};
use crate::outcome::{ClauseOutcome, ItemOutcome, Outcome};
use crate::rules::RuleSet;
use crate::say;

/// Below this width the title column is left out, so that the reason keeps room to be read.
const TITLE_FROM: usize = 100;
/// The narrowest reason column laid out; narrower terminals get a wider table.
const MIN_REASON: usize = 16;

pub fn render(outcome: &Outcome, rules: &RuleSet, lang: Lang, width: usize) -> String {
    let p = &rules.policy;
    let mut out = String::new();
    let mut para = |text: String| {
        for line in wrap(&text, width) {
            out.push_str(&line);
            out.push('\n');
        }
    };
    let title = if lang.en() { &p.title_en } else { &p.title };
    // The document number is never broken: on the title's line when it fits, else its own.
    let heading = format!("{title} {}", p.document);
    if text_width(&heading) <= width {
        para(heading);
    } else {
        para(title.to_string());
        para(p.document.clone());
    }
    para(format!(
        "{}: {} ({}) {}",
        lang.pick("申报单位", "Applicant"),
        outcome.name,
        outcome.credit_code,
        outcome.district
    ));
    para(format!(
        "{}: {}",
        lang.pick("计算基准日", "As of"),
        outcome.as_of
    ));
    // The overlays in effect for this applicant, by their names (SPEC §5).
    if !rules.overlay_names.is_empty() {
        para(format!(
            "{}: {}",
            lang.pick("叠加规则", "Overlays"),
            rules.overlay_names.join(lang.pick("；", "; "))
        ));
    }
    if outcome.clauses.is_empty() {
        para(
            lang.pick("未申报任何条款的事项。", "No claim under any clause.")
                .into(),
        );
    } else {
        para(table(outcome, rules, lang, width));
    }
    para(format!(
        "{}: {} {}",
        lang.pick("确定金额合计", "Determinate total"),
        outcome.total,
        lang.pick("元", "yuan")
    ));
    for co in outcome.discretionary() {
        let title = rules
            .clause(co.clause)
            .map(|c| c.title(lang.en()))
            .unwrap_or_default();
        let range = amount_text(co);
        let n = co.clause;
        para(say!(
            lang,
            "酌定（不计入合计）: 第 {n} 条 {title} {range} 元",
            "Discretionary (not in the total): clause {n} {title} {range} yuan"
        ));
    }
    // The digest is never parted from its label: on the version's line when it fits, else
    // "sha256 …" on a line of its own (71 columns).
    let version = format!("{} {}", lang.pick("规则版本", "Rules version"), p.version);
    let digest = format!("sha256 {}", outcome.rules_digest);
    if text_width(&version) + 3 + text_width(&digest) <= width {
        para(format!("{version} · {digest}"));
    } else {
        para(version);
        para(digest);
    }
    out
}

/// One line of the table: clause, title, status, amount, reason.
type TableRow = [String; 5];

fn table(outcome: &Outcome, rules: &RuleSet, lang: Lang, width: usize) -> String {
    let mut lines: Vec<TableRow> = Vec::new();
    for co in &outcome.clauses {
        if let Some(cx) = Ctx::of(rules, outcome, co, lang) {
            clause_lines(co, &cx, &mut lines);
        }
    }
    let header: TableRow = [
        lang.pick("条款", "Clause"),
        lang.pick("名称", "Title"),
        lang.pick("状态", "Status"),
        lang.pick("金额（元）", "Amount (yuan)"),
        lang.pick("说明", "Reason"),
    ]
    .map(String::from);
    let with_title = width >= TITLE_FROM;
    if !with_title {
        // A range's floor and ceiling on two lines, so that the reason keeps its room.
        for l in &mut lines {
            l[3] = l[3].replacen(" ~ ", " ~\n", 1);
        }
    }
    let shown: Vec<usize> = (0..5).filter(|&c| c != 1 || with_title).collect();
    let cell_width = |t: &str| t.split('\n').map(text_width).max().unwrap_or(0);
    let col_width = |c: usize| {
        let cells = lines.iter().map(|l| cell_width(&l[c]));
        cells.chain([text_width(&header[c])]).max().unwrap_or(0)
    };
    // Each column has a space either side, and each border a column of its own.
    let fixed: usize = shown[..shown.len() - 1].iter().map(|&c| col_width(c)).sum();
    let reason = width
        .saturating_sub(fixed + 3 * shown.len() + 1)
        .max(MIN_REASON);
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(shown.iter().map(|&c| header[c].clone()));
    for l in &lines {
        let mut l = l.clone();
        if !with_title {
            // Without a title column, the clause's title or the item's id leads its reason.
            l[4] = format!("{}: {}", l[1], l[4]);
        }
        l[4] = wrap(&l[4], reason).join("\n");
        t.add_row(shown.iter().map(|&c| l[c].clone()));
    }
    for (i, &c) in shown.iter().enumerate() {
        if let (Some(col), true) = (t.column_mut(i), c == 0 || c == 3) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    t.to_string()
}

/// A clause's line, then one per item when it has several, so that its figure can be followed.
fn clause_lines(co: &ClauseOutcome, cx: &Ctx<'_>, lines: &mut Vec<TableRow>) {
    lines.push([
        co.clause.to_string(),
        cx.clause.title(cx.lang.en()).to_string(),
        status_label(co.status, cx.lang).to_string(),
        amount_text(co),
        short_reason(co, cx),
    ]);
    // An item paid before shows its own status even when it is the clause's only one.
    if !super::listed(co) {
        return;
    }
    for it in &co.items {
        let status = match (it.qualifies, it.paid) {
            (_, true) => paid_label(cx.lang).to_string(),
            (true, false) => String::new(),
            (false, false) => status_label(crate::outcome::Status::Ineligible, cx.lang).to_string(),
        };
        lines.push([
            String::new(),
            format!("· {}", it.id),
            status,
            item_amount(it),
            item_reason(it, cx),
        ]);
    }
}

fn item_amount(it: &ItemOutcome) -> String {
    if it.paid {
        return String::new();
    }
    match (it.floor, it.ceiling) {
        (Some(f), Some(c)) if it.qualifies => format!("{f} ~ {c}"),
        (None, Some(c)) if it.qualifies => format!("≤ {c}"),
        _ => it.amount.to_string(),
    }
}

/// What an item came to: why it fails, else its way from the fact to the figure.
fn item_reason(it: &ItemOutcome, cx: &Ctx<'_>) -> String {
    chain(it, cx)
}
