//! One applicant through `engine::evaluate`, the one evaluator: each of its rows gets its
//! item's clause, award, status and reason.

use chrono::NaiveDate;

use super::group::Unit;
use super::{Range, RowResult};
use crate::engine::evaluate_clauses;
use crate::money::Money;
use crate::outcome::{ClauseOutcome, ItemOutcome, Step};
use crate::render::{Ctx, Lang, describe, describe_into};
use crate::round::{CONTINUED, RowStatus};
use crate::rules::{RuleSet, SectionId};
use crate::say;

/// Evaluates an applicant: (row, result) for each of its rows (the caller names the unit).
/// A row's item under a further clause over its section is a continuation of its result.
pub fn unit(rules: &RuleSet, unit: &Unit, as_of: NaiveDate, lang: Lang) -> Vec<(usize, RowResult)> {
    let results = match by_clause(rules, unit, as_of, lang, &|_| true) {
        Ok(r) => r,
        Err(message) => {
            return (unit.rows.iter())
                .map(|at| (at.row, RowResult::error(message.clone(), None)))
                .collect();
        }
    };
    let mut out: Vec<Option<RowResult>> = vec![None; unit.rows.len()];
    for (k, r) in results {
        match &mut out[k] {
            None => out[k] = Some(r),
            Some(first) => first.also.push(continued(r, lang)),
        }
    }
    // An item no clause in effect covers: under a clause the rules disable, said so.
    let none = |section: SectionId| {
        let off = rules.disabled_sections.iter().find(|&&(_, s)| s == section);
        let reason = match off {
            Some((n, _)) => say!(
                lang,
                "第 {n} 条在所用规则中已停用 (overlay 的 disable)，本项不予计算",
                "clause {n} is disabled by the rules in use (an overlay's `disable`): not computed"
            ),
            None => lang
                .pick("不属于任何条款", "no clause covers this item")
                .into(),
        };
        RowResult {
            clause: off.map(|&(n, _)| n),
            award: Some(Money::ZERO),
            status: RowStatus::Ineligible,
            reason,
            ..RowResult::empty()
        }
    };
    (unit.rows.iter().zip(out))
        .map(|(at, r)| (at.row, r.unwrap_or_else(|| none(at.section))))
        .collect()
}

/// An applicant's rows again under the clauses `only` names (its facts changed under those
/// only), each result put in place of the row's earlier one under its clause; or, when the
/// evaluation fails, every row's result.
pub fn again(
    rules: &RuleSet,
    unit: &Unit,
    (as_of, lang): (NaiveDate, Lang),
    only: &dyn Fn(u32) -> bool,
    results: &[RowResult],
) -> Vec<(usize, RowResult)> {
    let Ok(new) = by_clause(rules, unit, as_of, lang, only) else {
        return self::unit(rules, unit, as_of, lang);
    };
    // Each row touched, once, in the order first touched: changed[k] is its place in `out`.
    let mut changed: Vec<Option<usize>> = vec![None; unit.rows.len()];
    let mut out: Vec<(usize, RowResult)> = Vec::new();
    for (k, n) in new {
        let at = *changed[k].get_or_insert_with(|| {
            let row = unit.rows[k].row;
            let old = &results[row];
            // A row's own result under the clause evaluated again is replaced whole: not copied.
            let start = if old.clause == n.clause {
                RowResult {
                    clause: old.clause,
                    also: old.also.clone(),
                    ..RowResult::empty()
                }
            } else {
                old.clone()
            };
            out.push((row, start));
            out.len() - 1
        });
        put(&mut out[at].1, n, lang);
    }
    out
}

/// `n` in place of the row's result under its clause: the row's own, or a continuation's.
fn put(r: &mut RowResult, n: RowResult, lang: Lang) {
    if r.clause == n.clause {
        *r = RowResult {
            also: std::mem::take(&mut r.also),
            ..n
        };
    } else if let Some(a) = r.also.iter_mut().find(|a| a.clause == n.clause) {
        *a = continued(n, lang);
    }
}

/// A row's result under a further clause: written as a continuation row.
fn continued(r: RowResult, lang: Lang) -> RowResult {
    RowResult {
        reason: format!("{}{}", lang.pick(CONTINUED[0], CONTINUED[1]), r.reason),
        ..r
    }
}

/// The applicant's results under the clauses `only` names, in clause order, each with its
/// row's place among the applicant's rows; or the message of an evaluation that failed.
fn by_clause(
    rules: &RuleSet,
    unit: &Unit,
    as_of: NaiveDate,
    lang: Lang,
    only: &dyn Fn(u32) -> bool,
) -> Result<Vec<(usize, RowResult)>, String> {
    let outcome = evaluate_clauses(
        rules,
        &unit.facts,
        &unit.priors,
        as_of,
        &unit.excluded,
        only,
    )
    .map_err(|e| {
        let field = e.field.map(|f| format!("{f}: ")).unwrap_or_default();
        format!("{field}{}", e.message)
    })?;
    // Rows by section, in item order: the k-th item of a section is at[section][k].
    let mut at: Vec<Vec<usize>> = vec![Vec::new(); unit.facts.sections.len()];
    for (k, r) in unit.rows.iter().enumerate() {
        at[r.section.0].push(k);
    }
    let mut out = Vec::with_capacity(unit.rows.len());
    // Each reason is written here, then copied at its length (no growing, no slack kept).
    let mut buf = String::new();
    for co in &outcome.clauses {
        let Some(cx) = Ctx::of(rules, &outcome, co, lang) else {
            continue;
        };
        // The clause's gates read the same for each of its items: described once.
        let gates: Vec<String> = co.gates.iter().map(|g| describe(g, &cx)).collect();
        for it in &co.items {
            if let Some(&k) = at[cx.clause.section.0].get(it.index) {
                let mut r = item_result(co, it, &gates, &cx, &mut buf);
                name_scoped(&mut r, rules, lang);
                out.push((k, r));
            }
        }
    }
    Ok(out)
}

/// A row computed under a district's own rules names the scoped overlays that made them (SPEC
/// §2: every output names the overlays that applied to each applicant).
fn name_scoped(r: &mut RowResult, rules: &RuleSet, lang: Lang) {
    if rules.scoped_names.is_empty() {
        return;
    }
    let names = rules.scoped_names.join(lang.pick("、", ", "));
    r.reason.push_str(&say!(
        lang,
        "；按本区规则调整计算: {names}",
        "; computed under this district's overlays: {names}"
    ));
}

fn item_result(
    co: &ClauseOutcome,
    it: &ItemOutcome,
    gates: &[String],
    cx: &Ctx<'_>,
    reason: &mut String,
) -> RowResult {
    let sep = cx.lang.pick("；", "; ");
    reason.clear();
    for (parts, gate) in gates.iter().enumerate() {
        if parts > 0 {
            reason.push_str(sep);
        }
        reason.push_str(gate);
    }
    for (parts, s) in (gates.len()..).zip(it.steps.iter().filter(|s| shown(s))) {
        if parts > 0 {
            reason.push_str(sep);
        }
        describe_into(s, cx, reason);
    }
    let (status, award) = if it.paid {
        (RowStatus::Paid, Some(Money::ZERO))
    } else if !it.qualifies {
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
        clause: Some(co.clause),
        award,
        range,
        status,
        reason: reason.as_str().to_owned(),
        ..RowResult::empty()
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
