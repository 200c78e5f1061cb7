//! One applicant through `engine::evaluate`, the one evaluator: each of its rows gets its
//! item's clause, award, status and reason.

use chrono::NaiveDate;

use super::group::Unit;
use super::{Range, RowResult, RowStatus};
use crate::engine::evaluate;
use crate::money::Money;
use crate::outcome::{ClauseOutcome, ItemOutcome, Step};
use crate::render::{Ctx, Lang, describe, describe_into};
use crate::rules::RuleSet;

/// Evaluates an applicant: (row, result) for each of its rows (the caller names the unit).
pub fn unit(rules: &RuleSet, unit: &Unit, as_of: NaiveDate, lang: Lang) -> Vec<(usize, RowResult)> {
    let outcome = match evaluate(rules, &unit.facts, as_of) {
        Ok(o) => o,
        Err(e) => {
            let field = e.field.map(|f| format!("{f}: ")).unwrap_or_default();
            let message = format!("{field}{}", e.message);
            return (unit.rows.iter())
                .map(|&(row, _, _)| (row, RowResult::error(message.clone(), None)))
                .collect();
        }
    };
    // Rows by section, in item order: the k-th item of a section is at[section][k].
    let mut at: Vec<Vec<usize>> = vec![Vec::new(); unit.facts.sections.len()];
    for (k, (_, section, _)) in unit.rows.iter().enumerate() {
        at[section.0].push(k);
    }
    let mut out: Vec<Option<RowResult>> = vec![None; unit.rows.len()];
    for co in &outcome.clauses {
        let Some(cx) = Ctx::of(rules, &outcome, co, lang) else {
            continue;
        };
        // The clause's gates read the same for each of its items: described once.
        let gates: Vec<String> = co.gates.iter().map(|g| describe(g, &cx)).collect();
        for it in &co.items {
            let Some(&k) = at[cx.clause.section.0].get(it.index) else {
                continue;
            };
            let r = item_result(co, it, &gates, &cx);
            match &mut out[k] {
                None => out[k] = Some(r),
                // A further clause over the same section: the row's award under it too.
                Some(first) => first.also.push(RowResult {
                    reason: format!("{}{}", lang.pick("（续上行）", "(continued) "), r.reason),
                    ..r
                }),
            }
        }
    }
    let none = || RowResult {
        unit: None,
        clause: None,
        award: Some(Money::ZERO),
        range: None,
        status: RowStatus::Ineligible,
        reason: lang
            .pick("不属于任何条款", "no clause covers this item")
            .to_string(),
        also: Vec::new(),
    };
    (unit.rows.iter().zip(out))
        .map(|(&(row, _, _), r)| (row, r.unwrap_or_else(none)))
        .collect()
}

fn item_result(co: &ClauseOutcome, it: &ItemOutcome, gates: &[String], cx: &Ctx<'_>) -> RowResult {
    let sep = cx.lang.pick("；", "; ");
    let mut reason = gates.join(sep);
    for (parts, s) in (gates.len()..).zip(it.steps.iter().filter(|s| shown(s))) {
        if parts > 0 {
            reason.push_str(sep);
        }
        describe_into(s, cx, &mut reason);
    }
    let (status, award) = if !it.qualifies {
        (RowStatus::Ineligible, Some(Money::ZERO))
    } else if it.ceiling.is_some() {
        (RowStatus::Discretionary, None)
    } else {
        (RowStatus::Awarded, Some(it.amount))
    };
    let range = (it.ceiling)
        .filter(|_| status == RowStatus::Discretionary)
        .map(|ceiling| {
            Box::new(Range {
                ceiling,
                floor: it.floor,
            })
        });
    RowResult {
        unit: None,
        clause: Some(co.clause),
        award,
        range,
        status,
        reason,
        also: Vec::new(),
    }
}

/// The steps a row's reason shows: every reason, and the computation itself.
fn shown(s: &Step) -> bool {
    s.is_reason()
        || matches!(
            s,
            Step::RateApplied { .. }
                | Step::TierApplied { .. }
                | Step::LevelFixed { .. }
                | Step::LevelRange { .. }
                | Step::InterestDays { .. }
        )
        || matches!(s, Step::HighestChosen { competitors } if *competitors > 0)
}
