//! The default output: a table an official reads at a glance, one row per clause claimed,
//! then the determinate total, the discretionary ceilings apart, and the rule version.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use super::{Ctx, Lang, amount_text, short_reason, status_label};
use crate::outcome::Outcome;
use crate::rules::RuleSet;

pub fn render(outcome: &Outcome, rules: &RuleSet, lang: Lang) -> String {
    let en = lang.en();
    let p = &rules.policy;
    let mut out = String::new();
    out.push_str(&format!(
        "{} {}\n",
        if en { &p.title_en } else { &p.title },
        p.document
    ));
    out.push_str(&format!(
        "{}: {} ({}) {}\n",
        lang.pick("申报单位", "Applicant"),
        outcome.name,
        outcome.credit_code,
        outcome.district
    ));
    out.push_str(&format!(
        "{}: {}\n",
        lang.pick("计算基准日", "As of"),
        outcome.as_of
    ));

    if outcome.clauses.is_empty() {
        out.push_str(lang.pick("未申报任何条款的事项。\n", "No claim under any clause.\n"));
    } else {
        let mut table = Table::new();
        table
            .load_style(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(120)
            .set_header(vec![
                lang.pick("条款", "Clause"),
                lang.pick("名称", "Title"),
                lang.pick("状态", "Status"),
                lang.pick("金额（元）", "Amount (yuan)"),
                lang.pick("说明", "Reason"),
            ]);
        for co in &outcome.clauses {
            let Some(cx) = Ctx::of(rules, outcome, co, lang) else {
                continue;
            };
            let clause = cx.clause;
            let amount = amount_text(co);
            table.add_row(vec![
                co.clause.to_string(),
                clause.title(en).to_string(),
                status_label(co.status, lang).to_string(),
                amount,
                short_reason(co, &cx),
            ]);
        }
        if let Some(col) = table.column_mut(3) {
            col.set_cell_alignment(CellAlignment::Right);
        }
        if let Some(col) = table.column_mut(0) {
            col.set_cell_alignment(CellAlignment::Right);
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }

    out.push_str(&format!(
        "{}: {} {}\n",
        lang.pick("确定金额合计", "Determinate total"),
        outcome.total,
        lang.pick("元", "yuan")
    ));
    for co in outcome.discretionary() {
        let title = rules
            .clause(co.clause)
            .map(|c| c.title(en))
            .unwrap_or_default();
        let range = amount_text(co);
        out.push_str(&match lang {
            Lang::Zh => format!(
                "酌定（不计入合计）: 第 {} 条 {title} {range} 元\n",
                co.clause
            ),
            Lang::En => format!(
                "Discretionary (not in the total): clause {} {title} {range} yuan\n",
                co.clause
            ),
        });
    }
    out.push_str(&format!(
        "{} {} · sha256 {}\n",
        lang.pick("规则版本", "Rules version"),
        p.version,
        outcome.rules_digest
    ));
    out
}
