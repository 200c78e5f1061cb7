//! `--format json`: the output contract of SPEC §5, with every item's steps.

use serde_json::{Value as Json, json};

use super::{Ctx, Lang, describe, reasons};
use crate::outcome::{ClauseOutcome, Outcome, Status, Step};
use crate::rules::RuleSet;

pub fn to_json(outcome: &Outcome, rules: &RuleSet, lang: Lang) -> Json {
    let en = lang.en();
    let clauses: Vec<Json> = outcome
        .clauses
        .iter()
        .filter_map(|co| {
            let cx = Ctx::of(rules, outcome, co, lang)?;
            let clause = cx.clause;
            let items: Vec<Json> = co
                .items
                .iter()
                .map(|it| {
                    let mut item = json!({
                        "id": it.id,
                        "qualifies": it.qualifies,
                        "amount": it.amount.plain(),
                        "steps": it.steps.iter().map(|s| json!({
                            "kind": step_kind(s),
                            "text": describe(s, &cx),
                        })).collect::<Vec<_>>(),
                    });
                    if let Some(c) = it.ceiling {
                        item["ceiling"] = json!(c.plain());
                    }
                    if let Some(f) = it.floor {
                        item["floor"] = json!(f.plain());
                    }
                    item
                })
                .collect();
            let mut c = json!({
                "clause": co.clause,
                "title": clause.title(en),
                "status": co.status.as_str(),
                "amount": co.amount.plain(),
                "reasons": reasons(co, &cx),
                "items": items,
            });
            put_range(&mut c, co);
            Some(c)
        })
        .collect();
    json!({
        "as_of": outcome.as_of.to_string(),
        "rules_digest": outcome.rules_digest,
        "rules_version": rules.policy.version,
        "policy": rules.policy.document,
        "applicant": {
            "name": outcome.name,
            "credit_code": outcome.credit_code,
            "district": outcome.district,
        },
        "clauses": clauses,
        "total": outcome.total.plain(),
    })
}

/// A discretionary clause's `ceiling` and `floor` (SPEC §5), shared with `explain --format json`.
pub fn put_range(c: &mut Json, co: &ClauseOutcome) {
    if co.status == Status::Discretionary {
        if let Some(ceiling) = co.ceiling {
            c["ceiling"] = json!(ceiling.plain());
        }
        if let Some(floor) = co.floor {
            c["floor"] = json!(floor.plain());
        }
    }
}

pub fn render(outcome: &Outcome, rules: &RuleSet, lang: Lang) -> String {
    let mut s = serde_json::to_string_pretty(&to_json(outcome, rules, lang)).unwrap_or_default();
    s.push('\n');
    s
}

/// A stable machine name for each kind of step.
pub fn step_kind(s: &Step) -> &'static str {
    match s {
        Step::PolicyNotInForce { .. } => "policy_not_in_force",
        Step::DistrictOutside { .. } => "district_outside",
        Step::GateUnconfirmed { .. } => "gate_unconfirmed",
        Step::KindNotCovered { .. } => "kind_not_covered",
        Step::DateBeforeEvents { .. } => "date_before_events",
        Step::DateAfterAsOf { .. } => "date_after_as_of",
        Step::DateAfterPolicy { .. } => "date_after_policy",
        Step::ConditionFailed { .. } => "condition_failed",
        Step::RequirementFailed { .. } => "requirement_failed",
        Step::Unstated { .. } => "unstated",
        Step::NoRateCase => "no_rate_case",
        Step::NoInterestDays { .. } => "no_interest_days",
        Step::RateApplied { .. } => "rate_applied",
        Step::TierApplied { .. } => "tier_applied",
        Step::BelowTiers { .. } => "below_tiers",
        Step::NoTiers { .. } => "no_tiers",
        Step::LevelFixed { .. } => "level_fixed",
        Step::LevelRange { .. } => "level_range",
        Step::InterestDays { .. } => "interest_days",
        Step::LimitedByPaid { .. } => "limited_by_paid",
        Step::ItemCap { .. } => "item_cap",
        Step::AnnualCap { .. } => "annual_cap",
        Step::NoYear => "no_year",
        Step::QuotaExcluded { .. } => "quota_excluded",
        Step::AlreadyPaid { .. } => "already_paid",
        Step::HighestChosen { .. } => "highest_chosen",
        Step::NotHighest { .. } => "not_highest",
        Step::PriorDeducted { .. } => "prior_deducted",
        Step::PriorNotDeductedFromCeiling { .. } => "prior_not_deducted_from_ceiling",
    }
}
