//! `calc explain`: the auditor's view of the same `Outcome` the table shows, step by step:
//! the facts each item used, the clause text quoted, rate, figure, rounding, caps and what
//! prior awards took, the non-duplication decision, the failed condition with the fact's
//! value, the interpretation notes, and the rule version. It computes nothing.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value as Json;

use super::json::{Applicant, FactsUsed, FundingView, ItemView, Range, StepView};
use super::{Ctx, Lang, amount_text, describe, status_label};
use crate::facts::{Facts, Item};
use crate::money::Money;
use crate::outcome::{ClauseOutcome, ItemOutcome, Outcome, Status, Step};
use crate::rules::{Award, Clause, CombineMode, Condition, FieldId, RuleSet};

/// The facts a clause reads, by field index of its section, in vocabulary order.
fn facts_read(clause: &Clause, rules: &RuleSet) -> Vec<FieldId> {
    let section = rules.section(clause.section);
    let mut used: Vec<FieldId> = Vec::new();
    if let Some(k) = section.key_index {
        used.push(k);
    }
    used.extend(clause.date_field);
    used.extend(clause.conditions.iter().map(Condition::field));
    match &clause.award {
        Award::Rate { base, cases } => {
            used.push(*base);
            used.extend(cases.iter().flat_map(|c| c.when.iter().map(|(f, _)| *f)));
        }
        Award::Tiers { base, .. } => used.push(*base),
        Award::Levels { by, levels } => {
            used.push(*by);
            used.extend(levels.iter().flat_map(|l| l.requires.iter().copied()));
        }
        Award::Interest {
            principal,
            start,
            end,
            disbursed,
            paid,
            ..
        } => used.extend([*principal, *disbursed, *start, *end, *paid]),
    }
    if let Some(c) = &clause.cap {
        used.extend(c.year_field);
    }
    used.sort_unstable();
    used.dedup();
    used
}

/// "label = value" for each fact read; a fact not given says so.
pub(crate) fn fact_lines(
    clause: &Clause,
    item: Option<&Item>,
    rules: &RuleSet,
    lang: Lang,
) -> Vec<String> {
    let en = lang.en();
    facts_read(clause, rules)
        .into_iter()
        .map(|f| {
            let field = rules.field(clause.section, f);
            let value = item
                .and_then(|i| i.get(f))
                .map(|v| v.show(field, en))
                .unwrap_or_else(|| lang.pick("未填写", "not stated").to_string());
            format!("{} = {value}", field.label(en))
        })
        .collect()
}

/// The extra sentence an auditor needs beside a step: the rounding, the text of a cap, the
/// policy's words on non-duplication, the reason one item lost to another.
pub(crate) fn note(step: &Step, item: &ItemOutcome, cx: &Ctx<'_>) -> Option<String> {
    let lang = cx.lang;
    match step {
        Step::RateApplied { exact, rounded, .. }
        | Step::TierApplied { exact, rounded, .. }
        | Step::InterestDays { exact, rounded, .. } => Some(rounding_note(*exact, *rounded, cx)),
        Step::AnnualCap { before, after, .. } | Step::ItemCap { before, after, .. } => {
            Some(cap_note(*before, *after, cx))
        }
        Step::HighestChosen { .. } | Step::NotHighest { .. } => {
            Some(non_duplication_note(step, item, cx))
        }
        Step::PriorDeducted { prior, .. } if !prior.is_zero() => Some(
            lang.pick(
                "已获同条款奖励从中扣除 (晋级补差)",
                "earlier awards under the same clause are deducted (moving up pays the difference)",
            )
            .to_string(),
        ),
        _ => None,
    }
}

/// How the exact figure was rounded, before any cap.
fn rounding_note(exact: Decimal, rounded: Money, cx: &Ctx<'_>) -> String {
    let dp = cx.rules.policy.rounding_dp;
    match (exact == rounded.as_decimal(), cx.lang) {
        (true, Lang::Zh) => format!("舍入: 结果恰为 {rounded}，无需舍入"),
        (true, Lang::En) => format!("rounding: the result is exactly {rounded}, nothing to round"),
        (false, Lang::Zh) => format!(
            "舍入: {} 按 {dp} 位小数四舍五入 (远离零) 为 {rounded}，在上限之前",
            super::exact(exact)
        ),
        (false, Lang::En) => format!(
            "rounding: {} rounded half away from zero to {dp} decimals gives {rounded}, before caps",
            super::exact(exact)
        ),
    }
}

/// The policy words of the clause's cap, and whether it cut this item.
fn cap_note(before: Money, after: Money, cx: &Ctx<'_>) -> String {
    let basis = cx
        .clause
        .cap
        .as_ref()
        .and_then(|c| c.text.as_deref())
        .map(|t| format!("“{t}”"))
        .unwrap_or_default();
    match (before == after, cx.lang) {
        (true, Lang::Zh) => format!("上限依据 {basis}；未触及上限"),
        (true, Lang::En) => format!("cap per {basis}; not reached"),
        (false, Lang::Zh) => format!("上限依据 {basis}；本项由 {before} 减为 {after}"),
        (false, Lang::En) => format!("cap per {basis}; this item is cut from {before} to {after}"),
    }
}

/// 就高执行 in the policy's words: only the highest award pays, and why this item lost.
fn non_duplication_note(step: &Step, item: &ItemOutcome, cx: &Ctx<'_>) -> String {
    let policy_words = format!("“{}”", cx.rules.policy.provisions.non_duplication);
    let Step::NotHighest {
        winner,
        winner_amount,
    } = step
    else {
        return match cx.lang {
            Lang::Zh => format!("不重复享受 (附则 {policy_words}): 本条只兑现最高一项"),
            Lang::En => format!(
                "no double payment ({policy_words}): only the highest award of the clause is paid"
            ),
        };
    };
    // What this item would have paid on its own.
    let own = item
        .steps
        .iter()
        .find_map(|s| match s {
            Step::LevelFixed { amount, .. } => Some(*amount),
            Step::LevelRange { ceiling, .. } => Some(*ceiling),
            Step::TierApplied { rounded, .. } | Step::RateApplied { rounded, .. } => Some(*rounded),
            _ => None,
        })
        .map(|m| m.to_string())
        .unwrap_or_default();
    match cx.lang {
        Lang::Zh => format!(
            "不重复享受 (附则 {policy_words}): 本项 {own} 不高于 {winner} 的 {winner_amount} (相同时取在先一项)，本项不予兑现"
        ),
        Lang::En => format!(
            "no double payment ({policy_words}): this item's {own} is not above {winner}'s {winner_amount} (on a tie the earlier wins), so it is not paid"
        ),
    }
}

/// The policy words a failed gate rests on.
pub(crate) fn gate_basis(step: &Step, rules: &RuleSet) -> Option<String> {
    let p = &rules.policy;
    let quote = |t: &str| (!t.is_empty()).then(|| format!("“{t}”"));
    match step {
        Step::PolicyNotInForce { .. } | Step::PolicyInForce { .. } => quote(&p.provisions.effect),
        Step::DistrictOutside { .. } | Step::DistrictInside { .. } => quote(&p.provisions.scope),
        Step::GateUnconfirmed { gate, .. } | Step::GateConfirmed { gate, .. } => {
            p.gates.get(*gate).and_then(|g| quote(&g.text))
        }
        _ => None,
    }
}

/// How the clause's items combine; for 就高执行 per a fact, the fact that makes the groups.
pub(crate) fn combine_label(clause: &Clause, rules: &RuleSet, lang: Lang) -> String {
    match (clause.combine, clause.per) {
        (CombineMode::Sum, _) => lang.pick("各项累加", "items add up").to_string(),
        (CombineMode::Highest, None) => lang
            .pick(
                "就高执行、不重复享受 (取最高一项)",
                "highest only, no double payment",
            )
            .to_string(),
        (CombineMode::Highest, Some(f)) => {
            let label = rules.field(clause.section, f).label(lang.en());
            match lang {
                Lang::Zh => format!("就高执行、不重复享受 (每个{label}取最高一项)"),
                Lang::En => format!("highest only, no double payment, per {label}"),
            }
        }
    }
}

pub(crate) fn selected(outcome: &Outcome, only: Option<u32>) -> Vec<&ClauseOutcome> {
    outcome
        .clauses
        .iter()
        .filter(|c| only.is_none_or(|n| c.clause == n))
        .collect()
}

/// The text form.
pub fn render(
    outcome: &Outcome,
    facts: &Facts,
    rules: &RuleSet,
    lang: Lang,
    only: Option<u32>,
) -> String {
    let mut out = Lines::default();
    applicant_header(&mut out, outcome, facts, rules, lang);
    let shown = selected(outcome, only);
    if shown.is_empty() {
        out.line(match (only, lang) {
            (Some(n), Lang::Zh) => format!("\n未申报第 {n} 条的事项。"),
            (Some(n), Lang::En) => format!("\nNo claim under clause {n}."),
            (None, _) => format!(
                "\n{}",
                lang.pick("未申报任何条款的事项。", "No claim under any clause.")
            ),
        });
    }
    for co in shown {
        if let Some(cx) = Ctx::of(rules, outcome, co, lang) {
            clause_section(&mut out, co, facts, &cx);
        }
    }
    out.0.push('\n');
    if only.is_none() {
        totals(&mut out, outcome, lang);
    }
    rules_footer(&mut out, outcome, rules, lang);
    out.0
}

/// The text being written, line by line.
#[derive(Default)]
struct Lines(String);

impl Lines {
    fn line(&mut self, s: impl AsRef<str>) {
        self.0.push_str(s.as_ref());
        self.0.push('\n');
    }
}

/// The policy, the county adopting it, the applicant and the as-of date.
fn applicant_header(
    out: &mut Lines,
    outcome: &Outcome,
    facts: &Facts,
    rules: &RuleSet,
    lang: Lang,
) {
    let en = lang.en();
    let p = &rules.policy;
    out.line(format!(
        "{} · {} {}",
        lang.pick("审计说明", "Audit explanation"),
        if en { &p.title_en } else { &p.title },
        p.document
    ));
    if let Some(by) = &p.adopted_by {
        out.line(format!(
            "{}: {by} ({})",
            lang.pick("参照执行", "Adopted by"),
            p.provisions.counties
        ));
    }
    let kind = facts
        .single(rules.roles.applicant)
        .and_then(|a| a.get(rules.roles.kind))
        .map(|v| v.show(rules.kind_field(), en))
        .unwrap_or_default();
    out.line(format!(
        "{}: {} ({}) {} · {}",
        lang.pick("申报单位", "Applicant"),
        outcome.name,
        outcome.credit_code,
        outcome.district,
        kind
    ));
    out.line(format!(
        "{}: {}",
        lang.pick("计算基准日", "As of"),
        outcome.as_of
    ));
}

/// One clause: its heading and text, the gates that failed, each item, its interpretation notes.
fn clause_section(out: &mut Lines, co: &ClauseOutcome, facts: &Facts, cx: &Ctx<'_>) {
    let (rules, clause, lang) = (cx.rules, cx.clause, cx.lang);
    out.0.push('\n');
    out.line(match lang {
        Lang::Zh => format!(
            "━━ 第 {} 条 {} ━━ {} {} 元",
            co.clause,
            clause.title,
            status_label(co.status, lang),
            amount_text(co)
        ),
        Lang::En => format!(
            "━━ Clause {} {} ━━ {} {} yuan",
            co.clause,
            clause.title_en,
            status_label(co.status, lang),
            amount_text(co)
        ),
    });
    out.line(format!(
        "{}: “{}”",
        lang.pick("条款原文", "Clause text"),
        clause.text
    ));
    if !clause.responsible_units.is_empty() {
        out.line(format!(
            "{}: {}",
            lang.pick("责任单位", "Responsible units"),
            clause.responsible_units.join(lang.pick("、", ", "))
        ));
    }
    if let Some(f) = cx.rules.funding(clause) {
        out.line(format!(
            "{}: {}",
            lang.pick("资金来源", "Funding"),
            f.label(lang.en())
        ));
    }
    out.line(format!(
        "{}: {} ({})",
        lang.pick("规则文件", "Rule file"),
        clause.source,
        combine_label(clause, rules, lang)
    ));
    if !co.passed.is_empty() {
        out.line(lang.pick("已核对的门槛:", "Gates checked and met:"));
        for g in &co.passed {
            out.line(format!("  ✓ {}", describe(g, cx)));
        }
    }
    if !co.gates.is_empty() {
        out.line(lang.pick(
            "不符合以下条件，本条不予兑现:",
            "Not payable: these conditions are not met:",
        ));
        for g in &co.gates {
            out.line(format!("  ✗ {}", describe(g, cx)));
            if let Some(b) = gate_basis(g, rules) {
                out.line(format!("    {}: {b}", lang.pick("依据", "basis")));
            }
        }
    }
    let items = facts.items(clause.section);
    for it in &co.items {
        item_section(out, it, items.get(it.index), cx);
    }
    if !clause.interpretation.is_empty() {
        out.line(lang.pick("  规则解释说明:", "  Interpretation notes:"));
        for n in &clause.interpretation {
            out.line(format!("    - {n}"));
        }
    }
}

/// One item: the facts used, each step with its note, and what the item comes to.
fn item_section(out: &mut Lines, it: &ItemOutcome, item: Option<&Item>, cx: &Ctx<'_>) {
    let (rules, clause, lang) = (cx.rules, cx.clause, cx.lang);
    let id = shown_id(it, clause, rules, lang.en());
    out.line(match lang {
        Lang::Zh => format!("  事项 {id}:"),
        Lang::En => format!("  Item {id}:"),
    });
    out.line(format!(
        "    {}: {}",
        lang.pick("所用事实", "facts used"),
        fact_lines(clause, item, rules, lang).join(lang.pick("；", "; "))
    ));
    let mark = if !it.qualifies { "✗" } else { "·" };
    for s in &it.steps {
        out.line(format!("    {mark} {}", describe(s, cx)));
        if let Some(n) = note(s, it, cx) {
            out.line(format!("      {n}"));
        }
    }
    if it.paid {
        out.line(lang.pick(
            "    = 已兑现，本次不再兑现 (0.00)",
            "    = paid before: not paid again (0.00)",
        ));
        return;
    }
    out.line(match (it.qualifies, it.ceiling, lang) {
        (false, _, Lang::Zh) => "    = 不符合条件，0.00".to_string(),
        (false, _, Lang::En) => "    = not eligible, 0.00".to_string(),
        (true, Some(c), Lang::Zh) => match it.floor {
            Some(f) => format!("    = 酌定 {f} 至 {c}"),
            None => format!("    = 酌定，最高 {c}"),
        },
        (true, Some(c), Lang::En) => match it.floor {
            Some(f) => format!("    = discretionary, {f} to {c}"),
            None => format!("    = discretionary, at most {c}"),
        },
        (true, None, Lang::Zh) => format!("    = 本项 {} 元", it.amount),
        (true, None, Lang::En) => format!("    = this item {} yuan", it.amount),
    });
}

/// The determinate total, and the discretionary ranges apart from it.
fn totals(out: &mut Lines, outcome: &Outcome, lang: Lang) {
    out.line(format!(
        "{}: {} {}",
        lang.pick("确定金额合计", "Determinate total"),
        outcome.total,
        lang.pick("元", "yuan")
    ));
    for co in outcome.discretionary() {
        out.line(match lang {
            Lang::Zh => format!(
                "酌定（不计入合计）: 第 {} 条 {} 元",
                co.clause,
                amount_text(co)
            ),
            Lang::En => format!(
                "Discretionary (not in the total): clause {} {} yuan",
                co.clause,
                amount_text(co)
            ),
        });
    }
}

/// The policy's interpretation notes, where the rules come from, and their version and digest.
fn rules_footer(out: &mut Lines, outcome: &Outcome, rules: &RuleSet, lang: Lang) {
    let p = &rules.policy;
    if !p.interpretation.is_empty() {
        out.line(lang.pick("政策解释说明:", "Policy interpretation notes:"));
        for n in &p.interpretation {
            out.line(format!("  - {n}"));
        }
    }
    let overlays = if rules.overlays.is_empty() {
        String::new()
    } else {
        format!(" + overlay {}", rules.overlays.join(", "))
    };
    out.line(format!(
        "{}: {}{overlays}",
        lang.pick("规则来源", "Rules from"),
        rules.origin,
    ));
    // The digest on a line of its own (71 columns): at 80 columns it was cut from its label
    // and the as-of date split after it.
    out.line(format!(
        "{} {} · {} {}",
        lang.pick("规则版本", "Rules version"),
        p.version,
        lang.pick("计算基准日", "as of"),
        outcome.as_of
    ));
    out.line(format!("sha256 {}", outcome.rules_digest));
}

pub(crate) fn shown_id(it: &ItemOutcome, clause: &Clause, rules: &RuleSet, en: bool) -> String {
    if it.id.is_empty() {
        format!(
            "{} #{}",
            rules.section(clause.section).label(en),
            it.index + 1
        )
    } else {
        it.id.clone()
    }
}

/// `--format json`: the same content as data: each item with the facts it used, each step
/// with its kind, figures, sentence and note, each failed gate with the policy words it rests on.
pub fn to_json(
    outcome: &Outcome,
    facts: &Facts,
    rules: &RuleSet,
    lang: Lang,
    only: Option<u32>,
) -> Json {
    let p = &rules.policy;
    let clauses: Vec<ExplainedClause<'_>> = selected(outcome, only)
        .into_iter()
        .filter_map(|co| {
            let cx = Ctx::of(rules, outcome, co, lang)?;
            Some(explained_clause(co, facts, &cx))
        })
        .collect();
    let explanation = Explanation {
        as_of: outcome.as_of.to_string(),
        rules_digest: &outcome.rules_digest,
        rules_version: &p.version,
        rules_origin: &rules.origin,
        overlays: &rules.overlays,
        policy: &p.document,
        adopted_by: p.adopted_by.as_deref(),
        applicant: Applicant::of(outcome),
        clauses,
        total: outcome.total,
        interpretation: &p.interpretation,
    };
    serde_json::to_value(explanation).unwrap_or_default()
}

#[derive(Serialize)]
struct Explanation<'a> {
    as_of: String,
    rules_digest: &'a str,
    rules_version: &'a str,
    rules_origin: &'a str,
    overlays: &'a [String],
    policy: &'a str,
    adopted_by: Option<&'a str>,
    applicant: Applicant<'a>,
    clauses: Vec<ExplainedClause<'a>>,
    total: Money,
    interpretation: &'a [String],
}

#[derive(Serialize)]
struct ExplainedClause<'a> {
    clause: u32,
    title: &'a str,
    text: &'a str,
    responsible_units: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    funding: Option<FundingView<'a>>,
    rule_file: &'a str,
    combine: &'static str,
    status: Status,
    amount: Money,
    gates: Vec<StepView<'a>>,
    items: Vec<ItemView<'a>>,
    interpretation: &'a [String],
    #[serde(flatten)]
    range: Range,
}

fn explained_clause<'a>(
    co: &'a ClauseOutcome,
    facts: &'a Facts,
    cx: &Ctx<'a>,
) -> ExplainedClause<'a> {
    let (rules, clause) = (cx.rules, cx.clause);
    let section = rules.section(clause.section);
    let read = facts_read(clause, rules);
    let items_facts = facts.items(clause.section);
    let items = co
        .items
        .iter()
        .map(|it| {
            let item = items_facts.get(it.index);
            let used = read
                .iter()
                .map(|&f| {
                    let field = &section.fields[f];
                    let value = item.and_then(|i| i.get(f)).map(|v| v.plain(field));
                    (field.name.as_str(), value)
                })
                .collect();
            let mut view = ItemView::new(it, cx).with_facts(FactsUsed(used));
            for s in view.steps_mut() {
                s.note = note(s.step(), it, cx);
            }
            view
        })
        .collect();
    let gates = (co.gates.iter().chain(&co.passed))
        .map(|g| {
            let mut view = StepView::new(g, cx);
            view.basis = gate_basis(g, rules);
            view
        })
        .collect();
    ExplainedClause {
        clause: co.clause,
        title: clause.title(cx.lang.en()),
        text: &clause.text,
        responsible_units: &clause.responsible_units,
        funding: FundingView::of(rules, clause, cx.lang),
        rule_file: &clause.source,
        combine: match clause.combine {
            CombineMode::Sum => "sum",
            CombineMode::Highest => "highest",
        },
        status: co.status,
        amount: co.amount,
        gates,
        items,
        interpretation: &clause.interpretation,
        range: Range::of(co),
    }
}
