//! `calc explain`: the auditor's view of the same `Outcome` the table shows, step by step:
//! the facts each item used, the clause text quoted, rate, figure, rounding, caps and what
//! prior awards took, the non-duplication decision, the failed condition with the fact's
//! value, the interpretation notes, and the rule version. It computes nothing.

use serde_json::{Value as Json, json};

use super::json::step_kind;
use super::{Ctx, Lang, amount_text, describe, status_label};
use crate::facts::{Facts, Item};
use crate::outcome::{ClauseOutcome, ItemOutcome, Outcome, Step};
use crate::rules::{Award, Clause, CombineMode, Condition, RuleSet};

/// The facts a clause reads, by field index of its section, in vocabulary order.
fn facts_read(clause: &Clause, rules: &RuleSet) -> Vec<usize> {
    let section = rules.section(clause.section);
    let mut used: Vec<usize> = Vec::new();
    if let Some(k) = section.key.as_ref().and_then(|k| section.field_index(k)) {
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
fn fact_lines(clause: &Clause, item: Option<&Item>, rules: &RuleSet, lang: Lang) -> Vec<String> {
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
fn note(step: &Step, item: &ItemOutcome, cx: &Ctx<'_>) -> Option<String> {
    let (rules, clause, lang) = (cx.rules, cx.clause, cx.lang);
    let dp = rules.policy.rounding_dp;
    let rounding = |exact: rust_decimal::Decimal, rounded: crate::money::Money| {
        if exact == rounded.as_decimal() {
            match lang {
                Lang::Zh => format!("舍入: 结果恰为 {rounded}，无需舍入"),
                Lang::En => format!("rounding: the result is exactly {rounded}, nothing to round"),
            }
        } else {
            match lang {
                Lang::Zh => format!(
                    "舍入: {} 按 {dp} 位小数四舍五入 (远离零) 为 {rounded}，在上限之前",
                    super::exact(exact)
                ),
                Lang::En => format!(
                    "rounding: {} rounded half away from zero to {dp} decimals gives {rounded}, before caps",
                    super::exact(exact)
                ),
            }
        }
    };
    let cap_text = clause
        .cap
        .as_ref()
        .and_then(|c| c.text.clone())
        .map(|t| format!("“{t}”"));
    match step {
        Step::RateApplied { exact, rounded, .. }
        | Step::TierApplied { exact, rounded, .. }
        | Step::InterestDays { exact, rounded, .. } => Some(rounding(*exact, *rounded)),
        Step::AnnualCap { before, after, .. } | Step::ItemCap { before, after, .. } => {
            let basis = cap_text.unwrap_or_default();
            Some(match (before == after, lang) {
                (true, Lang::Zh) => format!("上限依据 {basis}；未触及上限"),
                (true, Lang::En) => format!("cap per {basis}; not reached"),
                (false, Lang::Zh) => format!("上限依据 {basis}；本项由 {before} 减为 {after}"),
                (false, Lang::En) => {
                    format!("cap per {basis}; this item is cut from {before} to {after}")
                }
            })
        }
        Step::HighestChosen { .. } | Step::NotHighest { .. } => {
            let policy_words = format!("“{}”", rules.policy.provisions.non_duplication);
            let own = item.steps.iter().find_map(|s| match s {
                Step::LevelFixed { amount, .. } => Some(*amount),
                Step::LevelRange { ceiling, .. } => Some(*ceiling),
                Step::TierApplied { rounded, .. } | Step::RateApplied { rounded, .. } => {
                    Some(*rounded)
                }
                _ => None,
            });
            Some(match (step, lang) {
                (
                    Step::NotHighest {
                        winner,
                        winner_amount,
                    },
                    Lang::Zh,
                ) => format!(
                    "不重复享受 (附则 {policy_words}): 本项 {} 不高于 {winner} 的 {winner_amount} (相同时取在先一项)，本项不予兑现",
                    own.map(|m| m.to_string()).unwrap_or_default()
                ),
                (
                    Step::NotHighest {
                        winner,
                        winner_amount,
                    },
                    Lang::En,
                ) => format!(
                    "no double payment ({policy_words}): this item's {} is not above {winner}'s {winner_amount} (on a tie the earlier wins), so it is not paid",
                    own.map(|m| m.to_string()).unwrap_or_default()
                ),
                (_, Lang::Zh) => format!("不重复享受 (附则 {policy_words}): 本条只兑现最高一项"),
                (_, Lang::En) => {
                    format!(
                        "no double payment ({policy_words}): only the highest award of the clause is paid"
                    )
                }
            })
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

/// The policy words a failed gate rests on.
fn gate_basis(step: &Step, rules: &RuleSet) -> Option<String> {
    let p = &rules.policy;
    let quote = |t: &str| (!t.is_empty()).then(|| format!("“{t}”"));
    match step {
        Step::PolicyNotInForce { .. } => quote(&p.provisions.effect),
        Step::DistrictOutside { .. } => quote(&p.provisions.scope),
        Step::GateUnconfirmed { gate, .. } => p.gates.get(*gate).and_then(|g| quote(&g.text)),
        _ => None,
    }
}

fn combine_label(c: CombineMode, lang: Lang) -> &'static str {
    match c {
        CombineMode::Sum => lang.pick("各项累加", "items add up"),
        CombineMode::Highest => lang.pick(
            "就高执行、不重复享受 (取最高一项)",
            "highest only, no double payment",
        ),
    }
}

fn selected(outcome: &Outcome, only: Option<u32>) -> Vec<&ClauseOutcome> {
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
    let en = lang.en();
    let p = &rules.policy;
    let mut out = String::new();
    let line = |out: &mut String, s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(
        &mut out,
        format!(
            "{} · {} {}",
            lang.pick("审计说明", "Audit explanation"),
            if en { &p.title_en } else { &p.title },
            p.document
        ),
    );
    if let Some(by) = &p.adopted_by {
        line(
            &mut out,
            format!(
                "{}: {by} ({})",
                lang.pick("参照执行", "Adopted by"),
                p.provisions.counties
            ),
        );
    }
    let kind = facts
        .single(rules.roles.applicant)
        .and_then(|a| a.get(rules.roles.kind))
        .map(|v| v.show(rules.kind_field(), en))
        .unwrap_or_default();
    line(
        &mut out,
        format!(
            "{}: {} ({}) {} · {}",
            lang.pick("申报单位", "Applicant"),
            outcome.name,
            outcome.credit_code,
            outcome.district,
            kind
        ),
    );
    line(
        &mut out,
        format!("{}: {}", lang.pick("计算基准日", "As of"), outcome.as_of),
    );
    let shown = selected(outcome, only);
    if shown.is_empty() {
        line(
            &mut out,
            match (only, lang) {
                (Some(n), Lang::Zh) => format!("\n未申报第 {n} 条的事项。"),
                (Some(n), Lang::En) => format!("\nNo claim under clause {n}."),
                (None, _) => format!(
                    "\n{}",
                    lang.pick("未申报任何条款的事项。", "No claim under any clause.")
                ),
            },
        );
    }
    for co in shown {
        let Some(cx) = Ctx::of(rules, outcome, co, lang) else {
            continue;
        };
        let clause = cx.clause;
        out.push('\n');
        line(
            &mut out,
            match lang {
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
            },
        );
        line(
            &mut out,
            format!(
                "{}: “{}”",
                lang.pick("条款原文", "Clause text"),
                clause.text
            ),
        );
        if !clause.responsible_units.is_empty() {
            line(
                &mut out,
                format!(
                    "{}: {}",
                    lang.pick("责任单位", "Responsible units"),
                    clause.responsible_units.join(lang.pick("、", ", "))
                ),
            );
        }
        line(
            &mut out,
            format!(
                "{}: {} ({})",
                lang.pick("规则文件", "Rule file"),
                clause.source,
                combine_label(clause.combine, lang)
            ),
        );
        if !co.gates.is_empty() {
            line(
                &mut out,
                lang.pick(
                    "不符合以下条件，本条不予兑现:",
                    "Not payable: these conditions are not met:",
                )
                .to_string(),
            );
            for g in &co.gates {
                line(&mut out, format!("  ✗ {}", describe(g, &cx)));
                if let Some(b) = gate_basis(g, rules) {
                    line(&mut out, format!("    {}: {b}", lang.pick("依据", "basis")));
                }
            }
        }
        let items = facts.items(clause.section);
        for it in &co.items {
            line(
                &mut out,
                match lang {
                    Lang::Zh => format!("  事项 {}:", shown_id(it, clause, rules, en)),
                    Lang::En => format!("  Item {}:", shown_id(it, clause, rules, en)),
                },
            );
            line(
                &mut out,
                format!(
                    "    {}: {}",
                    lang.pick("所用事实", "facts used"),
                    fact_lines(clause, items.get(it.index), rules, lang)
                        .join(lang.pick("；", "; "))
                ),
            );
            for s in &it.steps {
                let mark = if !it.qualifies { "✗" } else { "·" };
                line(&mut out, format!("    {mark} {}", describe(s, &cx)));
                if let Some(n) = note(s, it, &cx) {
                    line(&mut out, format!("      {n}"));
                }
            }
            let result = match (it.qualifies, it.ceiling, lang) {
                (false, _, Lang::Zh) => "    = 不符合条件，0.00".to_string(),
                (false, _, Lang::En) => "    = not eligible, 0.00".to_string(),
                (true, Some(c), Lang::Zh) => format!("    = 酌定，最高 {c}"),
                (true, Some(c), Lang::En) => format!("    = discretionary, at most {c}"),
                (true, None, Lang::Zh) => format!("    = 本项 {} 元", it.amount),
                (true, None, Lang::En) => format!("    = this item {} yuan", it.amount),
            };
            line(&mut out, result);
        }
        if !clause.interpretation.is_empty() {
            line(
                &mut out,
                lang.pick("  规则解释说明:", "  Interpretation notes:")
                    .to_string(),
            );
            for n in &clause.interpretation {
                line(&mut out, format!("    - {n}"));
            }
        }
    }
    out.push('\n');
    if only.is_none() {
        line(
            &mut out,
            format!(
                "{}: {} {}",
                lang.pick("确定金额合计", "Determinate total"),
                outcome.total,
                lang.pick("元", "yuan")
            ),
        );
        for co in outcome.discretionary() {
            line(
                &mut out,
                match lang {
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
                },
            );
        }
    }
    if !p.interpretation.is_empty() {
        line(
            &mut out,
            lang.pick("政策解释说明:", "Policy interpretation notes:")
                .to_string(),
        );
        for n in &p.interpretation {
            line(&mut out, format!("  - {n}"));
        }
    }
    line(
        &mut out,
        format!(
            "{}: {}{}",
            lang.pick("规则来源", "Rules from"),
            rules.origin,
            if rules.overlays.is_empty() {
                String::new()
            } else {
                format!(" + overlay {}", rules.overlays.join(", "))
            }
        ),
    );
    line(
        &mut out,
        format!(
            "{} {} · sha256 {} · {} {}",
            lang.pick("规则版本", "Rules version"),
            p.version,
            outcome.rules_digest,
            lang.pick("计算基准日", "as of"),
            outcome.as_of
        ),
    );
    out
}

fn shown_id(it: &ItemOutcome, clause: &Clause, rules: &RuleSet, en: bool) -> String {
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

/// `--format json`: the same content as data, steps with their kind, sentence and note.
pub fn to_json(
    outcome: &Outcome,
    facts: &Facts,
    rules: &RuleSet,
    lang: Lang,
    only: Option<u32>,
) -> Json {
    let en = lang.en();
    let p = &rules.policy;
    let clauses: Vec<Json> = selected(outcome, only)
        .into_iter()
        .filter_map(|co| {
            let cx = Ctx::of(rules, outcome, co, lang)?;
            let clause = cx.clause;
            let section = rules.section(clause.section);
            let items_facts = facts.items(clause.section);
            let items: Vec<Json> = co
                .items
                .iter()
                .map(|it| {
                    let mut used = serde_json::Map::new();
                    let item = items_facts.get(it.index);
                    for f in facts_read(clause, rules) {
                        let field = &section.fields[f];
                        let v = item
                            .and_then(|i| i.get(f))
                            .map_or(Json::Null, |v| json!(v.plain(field)));
                        used.insert(field.name.clone(), v);
                    }
                    let mut j = json!({
                        "id": it.id,
                        "qualifies": it.qualifies,
                        "amount": it.amount.plain(),
                        "facts": used,
                        "steps": it.steps.iter().map(|s| {
                            let mut step = json!({"kind": step_kind(s), "text": describe(s, &cx)});
                            if let Some(n) = note(s, it, &cx) {
                                step["note"] = json!(n);
                            }
                            step
                        }).collect::<Vec<_>>(),
                    });
                    if let Some(c) = it.ceiling {
                        j["ceiling"] = json!(c.plain());
                    }
                    if let Some(f) = it.floor {
                        j["floor"] = json!(f.plain());
                    }
                    j
                })
                .collect();
            let mut c = json!({
                "clause": co.clause,
                "title": clause.title(en),
                "text": clause.text,
                "responsible_units": clause.responsible_units,
                "rule_file": clause.source,
                "combine": match clause.combine {
                    CombineMode::Sum => "sum",
                    CombineMode::Highest => "highest",
                },
                "status": co.status.as_str(),
                "amount": co.amount.plain(),
                "gates": co.gates.iter().map(|g| {
                    let mut j = json!({"kind": step_kind(g), "text": describe(g, &cx)});
                    if let Some(b) = gate_basis(g, rules) {
                        j["basis"] = json!(b);
                    }
                    j
                }).collect::<Vec<_>>(),
                "items": items,
                "interpretation": clause.interpretation,
            });
            super::json::put_range(&mut c, co);
            Some(c)
        })
        .collect();
    json!({
        "as_of": outcome.as_of.to_string(),
        "rules_digest": outcome.rules_digest,
        "rules_version": p.version,
        "rules_origin": rules.origin,
        "overlays": rules.overlays,
        "policy": p.document,
        "adopted_by": p.adopted_by,
        "applicant": {
            "name": outcome.name,
            "credit_code": outcome.credit_code,
            "district": outcome.district,
        },
        "clauses": clauses,
        "total": outcome.total.plain(),
        "interpretation": p.interpretation,
    })
}
