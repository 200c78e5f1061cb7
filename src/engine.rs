//! The evaluator: one function, `evaluate`, takes the rules, one applicant's facts and the
//! as-of date, and returns every clause's outcome with the steps that produced it.
//! The single case, the batch and `explain` all call it; nothing else computes an award.
//!
//! Order of work, per clause: policy-wide gates (dates, district, applicant), the clause's
//! applicant kinds, then per item: date window, conditions, formula, rounding, per-item cap,
//! prior payment of the same item; then the clause's combination (sum under the annual cap in
//! item order, or 就高执行 with prior awards deducted).

use std::collections::HashMap;

use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::Decimal;

use crate::error::InputError;
use crate::facts::{Facts, Item, Value};
use crate::money::{Money, MoneyError};
use crate::outcome::{ClauseOutcome, Exclusions, ItemOutcome, Outcome, PriorRef, Status, Step};
use crate::prior::{Origin, PriorAward};
use crate::rules::clause::{Cap, Level, RateCase, Tier};
use crate::rules::{
    Award, CapScope, Clause, CombineMode, Condition, Field, FieldId, FieldType, Payout, RuleSet,
};

/// An award already granted under this policy, with its item id folded once.
#[derive(Clone, Debug)]
struct Prior<'a> {
    award: &'a PriorAward,
    /// The item id folded (`fold::key`), where it names one.
    key: Option<String>,
}

impl<'a> Prior<'a> {
    fn of(award: &'a PriorAward) -> Prior<'a> {
        Prior {
            award,
            key: award.item_key(),
        }
    }
}

impl Prior<'_> {
    /// The prior as a step names it.
    fn reference(&self) -> PriorRef {
        let a = self.award;
        // Where it came from, the same in either language: a file and line, a facts file's
        // `[[prior]]`, or a ledger entry.
        let origin = match &a.origin {
            Origin::File { file, line } => format!("{file}:{line}"),
            Origin::Facts { number, .. } => format!("prior[{number}]"),
            Origin::Ledger { seq } => format!("台账 #{seq}"),
        };
        PriorRef {
            item: a.item.clone().filter(|i| !i.is_empty()),
            year: a.year,
            amount: a.amount,
            origin: Some(origin),
        }
    }
}

/// Evaluates one applicant. Errors are input errors (a prior without the year its clause needs,
/// an amount so large the arithmetic would overflow), located in the facts source.
pub fn evaluate(rules: &RuleSet, facts: &Facts, as_of: NaiveDate) -> Result<Outcome, InputError> {
    let priors = crate::prior::of_facts(rules, facts)?;
    evaluate_clauses(
        rules,
        facts,
        &priors,
        as_of,
        &Exclusions::default(),
        &|_| true,
    )
}

/// `evaluate` with the applicant's priors as gathered (`prior::gather`: the facts file's own
/// `[[prior]]` tables among its sources, or a round's prior files); the facts' own `[[prior]]`
/// tables are not read again.
pub fn evaluate_with(
    rules: &RuleSet,
    facts: &Facts,
    priors: &[PriorAward],
    as_of: NaiveDate,
) -> Result<Outcome, InputError> {
    evaluate_clauses(rules, facts, priors, as_of, &Exclusions::default(), &|_| {
        true
    })
}

/// `evaluate` under the clauses `only` names, the others left out (and out of the total). Each
/// clause is evaluated on its own, so these clauses' outcomes are `evaluate`'s: a batch's quota
/// step recomputes only the clauses whose items it left out.
///
/// An item a clause quota left out (`excluded`) does not qualify under that clause, and its
/// steps say why; other clauses over the same section still weigh it.
pub fn evaluate_clauses(
    rules: &RuleSet,
    facts: &Facts,
    priors: &[PriorAward],
    as_of: NaiveDate,
    excluded: &Exclusions,
    only: &dyn Fn(u32) -> bool,
) -> Result<Outcome, InputError> {
    let roles = &rules.roles;
    let applicant = facts.single(roles.applicant).ok_or_else(|| {
        InputError::new(
            &facts.source,
            crate::text!("缺少 [applicant] 表", "the [applicant] table is missing"),
        )
        .field("applicant")
    })?;
    let priors: Vec<Prior<'_>> = priors.iter().map(Prior::of).collect();
    rate_facts_stated(rules, facts)?;
    let district = applicant
        .text(roles.district)
        .unwrap_or_default()
        .to_string();
    let kind = applicant.enum_value(roles.kind);
    let (policy_gates, policy_passed) = policy_gates(rules, applicant, &district, kind, as_of);

    let mut clauses = Vec::with_capacity(rules.clauses.len());
    let mut total = Money::ZERO;
    // One buffer for every clause's items: most applicants claim under few of the clauses.
    let mut claimed: Vec<(usize, &Item)> = Vec::new();
    for clause in rules.clauses.iter().filter(|c| only(c.number)) {
        claimed.clear();
        claimed.extend(
            facts
                .items(clause.section)
                .iter()
                .enumerate()
                .filter(|(_, item)| clause.claims(|f| item.get(f))),
        );
        if claimed.is_empty() {
            continue;
        }
        let mut gates = policy_gates.clone();
        let mut passed = policy_passed.clone();
        if let Some(k) = kind {
            match clause.applicants.contains(&k) {
                false => gates.push(Step::KindNotCovered { kind: k }),
                true => passed.push(Step::KindCovered { kind: k }),
            }
        }
        let out = |index: usize| excluded.of(clause.section, index, clause.number);
        let mut outcome = if gates.is_empty() {
            evaluate_clause(rules, clause, (&claimed, &out), &priors, as_of, facts)?
        } else {
            ineligible(rules, clause, (&claimed, &out), gates, as_of)
        };
        outcome.passed = passed;
        total = total
            .checked_add(outcome.amount)
            .map_err(|e| overflow(facts, e))?;
        clauses.push(outcome);
    }

    Ok(Outcome {
        as_of,
        rules_digest: rules.digest.clone(),
        name: applicant.text(roles.name).unwrap_or_default().to_string(),
        credit_code: applicant
            .text(roles.credit_code)
            .unwrap_or_default()
            .to_string(),
        district,
        clauses,
        total,
    })
}

/// Gates that hold for every clause: the policy's period of effect, its districts, and the
/// applicant facts some kinds must confirm (附则1): (those that failed, those that passed).
fn policy_gates(
    rules: &RuleSet,
    applicant: &Item,
    district: &str,
    kind: Option<u16>,
    as_of: NaiveDate,
) -> (Vec<Step>, Vec<Step>) {
    let p = &rules.policy;
    let (mut gates, mut passed) = (Vec::new(), Vec::new());
    if as_of < p.effective_from || as_of > p.effective_until {
        gates.push(Step::PolicyNotInForce { as_of });
    } else {
        passed.push(Step::PolicyInForce { as_of });
    }
    let district = district.to_string();
    if !p.districts.contains(&district) {
        gates.push(Step::DistrictOutside { district });
    } else {
        passed.push(Step::DistrictInside { district });
    }
    for (gi, gate) in rules.gates.iter().enumerate() {
        if !kind.is_some_and(|k| gate.kinds.contains(&k)) {
            continue;
        }
        for &field in &gate.require {
            let value = match applicant.get(field) {
                Some(Value::Bool(b)) => Some(*b),
                _ => None,
            };
            if value != Some(true) {
                gates.push(Step::GateUnconfirmed {
                    gate: gi,
                    field,
                    value,
                });
            } else {
                passed.push(Step::GateConfirmed { gate: gi, field });
            }
        }
    }
    (gates, passed)
}

/// Why a clause's quota left out the item at an index of its section, if it did.
type Excluded<'a> = dyn Fn(usize) -> Option<&'a Step> + 'a;

/// A clause a gate closes: nothing is computed, but each item's own failed conditions are
/// said too, so that every correction can be made at once (SPEC §4).
fn ineligible(
    rules: &RuleSet,
    clause: &Clause,
    (claimed, excluded): (&[(usize, &Item)], &Excluded<'_>),
    gates: Vec<Step>,
    as_of: NaiveDate,
) -> ClauseOutcome {
    let section = rules.section(clause.section);
    ClauseOutcome {
        clause: clause.number,
        status: Status::Ineligible,
        amount: Money::ZERO,
        ceiling: None,
        floor: None,
        gates,
        passed: Vec::new(),
        items: claimed
            .iter()
            .map(|(index, item)| {
                let mut steps = Vec::new();
                qualifies(rules, clause, (item, excluded(*index)), as_of, &mut steps);
                ItemOutcome {
                    index: *index,
                    id: item.key(section),
                    qualifies: false,
                    amount: Money::ZERO,
                    ceiling: None,
                    floor: None,
                    paid: false,
                    steps,
                }
            })
            .collect(),
    }
}

/// What one item would pay on its own, before the clause's combination.
enum Payable {
    Fixed(Money),
    Range {
        floor: Option<Money>,
        ceiling: Money,
    },
}

fn evaluate_clause(
    rules: &RuleSet,
    clause: &Clause,
    (claimed, excluded): (&[(usize, &Item)], &Excluded<'_>),
    priors: &[Prior<'_>],
    as_of: NaiveDate,
    facts: &Facts,
) -> Result<ClauseOutcome, InputError> {
    let section = rules.section(clause.section);
    let mut items: Vec<ItemOutcome> = Vec::with_capacity(claimed.len());
    let mut payables: Vec<Option<Payable>> = Vec::with_capacity(claimed.len());
    let by_days = matches!(clause.award, Award::Interest { .. });
    for (index, item) in claimed {
        // Room for the usual few steps of an item (conditions or formula, caps, combination).
        let mut steps = Vec::with_capacity(4);
        // A claim paid by days: the periods earlier awards on the same item paid.
        let paid: Vec<&Prior<'_>> = if by_days {
            let id = Some(crate::fold::key(&item.key(section)));
            (priors.iter())
                .filter(|p| p.award.clause == clause.number && p.key == id)
                .collect()
        } else {
            Vec::new()
        };
        let payable = evaluate_item(
            rules,
            clause,
            (item, &paid, excluded(*index)),
            as_of,
            &mut steps,
        )
        .map_err(|e| overflow(facts, e).field(format!("{}[{}]", section.name, index + 1)))?;
        let (amount, ceiling, floor) = match &payable {
            Some(Payable::Fixed(m)) => (*m, None, None),
            Some(Payable::Range { floor, ceiling }) => (Money::ZERO, Some(*ceiling), *floor),
            None => (Money::ZERO, None, None),
        };
        items.push(ItemOutcome {
            index: *index,
            id: item.key(section),
            qualifies: payable.is_some(),
            amount,
            ceiling,
            floor,
            paid: false,
            steps,
        });
        payables.push(payable);
    }

    let clause_priors = priors.iter().filter(|p| p.award.clause == clause.number);
    match clause.combine {
        CombineMode::Sum => {
            let paid = if by_days {
                PaidBy::Days
            } else if crate::prior::year_is_item(rules, clause) {
                PaidBy::Year
            } else {
                PaidBy::Item
            };
            combine_sum(clause, claimed, &mut items, clause_priors, paid)
        }
        CombineMode::Highest => {
            let groups = Groups::of(rules, clause, claimed, clause_priors, facts)?;
            combine_highest(&mut items, &payables, &groups);
            mark_paid(&mut items, &groups);
        }
    }

    let (status, amount, ceiling, floor) =
        clause_figures(&mut items).map_err(|e| overflow(facts, e))?;
    Ok(ClauseOutcome {
        clause: clause.number,
        status,
        amount,
        ceiling,
        floor,
        gates: Vec::new(),
        passed: Vec::new(),
        items,
    })
}

/// The clause's status and figures from its items. Determinate items add up; when any item is
/// discretionary the clause is, and a determinate amount of another group then becomes a range
/// of that one figure, so that the clause's floor and ceiling include it and, like the rest of a
/// discretionary clause, it stays out of the total (SPEC §4).
fn clause_figures(
    items: &mut [ItemOutcome],
) -> Result<(Status, Money, Option<Money>, Option<Money>), MoneyError> {
    if !items.iter().any(|i| i.qualifies) {
        return Ok((Status::Ineligible, Money::ZERO, None, None));
    }
    if !items.iter().any(|i| i.qualifies && i.ceiling.is_some()) {
        let mut amount = Money::ZERO;
        for it in items.iter().filter(|i| i.qualifies) {
            amount = amount.checked_add(it.amount)?;
        }
        return Ok((Status::Awarded, amount, None, None));
    }
    let (mut floor, mut ceiling, mut has_floor) = (Money::ZERO, Money::ZERO, false);
    for it in items.iter_mut().filter(|i| i.qualifies) {
        if it.ceiling.is_none() && !it.amount.is_zero() {
            (it.floor, it.ceiling, it.amount) = (Some(it.amount), Some(it.amount), Money::ZERO);
        }
        if let Some(c) = it.ceiling {
            ceiling = ceiling.checked_add(c)?;
        }
        if let Some(f) = it.floor {
            floor = floor.checked_add(f)?;
            has_floor = true;
        }
    }
    Ok((
        Status::Discretionary,
        Money::ZERO,
        Some(ceiling),
        has_floor.then_some(floor),
    ))
}

/// The non-duplication groups of a `highest` clause (SPEC §4): each claimed item's group (the
/// value of the clause's `per` fact, folded; `None` for an item that names none) and the sum
/// of the prior awards deducted within each group.
struct Groups {
    /// Per claimed item: its group, an index into `priors`.
    of_item: Vec<usize>,
    /// The field that makes the groups, when an unnamed subject must say so.
    unnamed_field: Option<FieldId>,
    /// (group key, prior awards in it), groups in the order of their first item; the key
    /// `Some("")` is the unit's one group.
    priors: Vec<(Option<String>, Money)>,
    /// Per group, the prior awards deducted in it, each named.
    named: Vec<Vec<PriorRef>>,
    /// The folded ids the clause's priors name: an item among them was already paid.
    paid: HashMap<String, PaidBefore>,
}

/// The award that paid an item, as the item's already-paid step names it.
struct PaidBefore {
    amount: Money,
    year: Option<i32>,
    origin: Option<String>,
}

impl Groups {
    fn of<'a>(
        rules: &RuleSet,
        clause: &Clause,
        claimed: &[(usize, &Item)],
        priors: impl Iterator<Item = &'a Prior<'a>>,
        facts: &Facts,
    ) -> Result<Groups, InputError> {
        let section = rules.section(clause.section);
        // Groups and ids are looked up, not searched for: a unit may claim thousands of items.
        let mut sums: Vec<(Option<String>, Money)> = Vec::new();
        let mut index: HashMap<Option<String>, usize> = HashMap::new();
        let mut of_item = Vec::with_capacity(claimed.len());
        for (_, item) in claimed {
            let g = group_key(clause, item);
            let at = *index.entry(g.clone()).or_insert_with(|| {
                sums.push((g, Money::ZERO));
                sums.len() - 1
            });
            of_item.push(at);
        }
        // Each claimed id's first item, folded only when there are priors to place.
        let mut priors = priors.peekable();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        let mut paid = HashMap::new();
        if priors.peek().is_some() {
            for (i, (_, item)) in claimed.iter().enumerate() {
                by_id
                    .entry(crate::fold::key(&item.key(section)))
                    .or_insert(i);
            }
        }
        let mut named_in: Vec<Vec<PriorRef>> = vec![Vec::new(); sums.len()];
        for p in priors {
            if let Some(k) = p.key.as_ref().filter(|k| !k.is_empty()) {
                paid.entry(k.clone()).or_insert(PaidBefore {
                    amount: p.award.amount,
                    year: p.award.year,
                    origin: p.reference().origin,
                });
            }
            let named = (p.key.as_ref()).and_then(|id| by_id.get(id).copied());
            let group = match (named, clause.per) {
                (Some(i), _) => Some(sums[of_item[i]].0.clone()),
                (None, None) => Some(Some(String::new())),
                (None, Some(f)) => (prior_group_text(rules, &section.fields[f], p.award))
                    .and_then(|s| subject_key(&section.fields[f], s)),
            };
            // One that identifies no group is a question, even where the facts have one group:
            // it may be another product's, person's or title's (SPEC §4 rev. 3).
            let Some(group) = group else {
                return Err(ambiguous_prior(rules, clause, p));
            };
            // A prior of a group the facts do not claim deducts from nothing here.
            if let Some(&at) = index.get(&group) {
                let sum = &mut sums[at].1;
                *sum = (sum.checked_add(p.award.amount)).map_err(|e| overflow(facts, e))?;
                named_in[at].push(p.reference());
            }
        }
        let unnamed_field = clause
            .per
            .filter(|f| section.fields[*f].ty == FieldType::Text);
        Ok(Groups {
            of_item,
            unnamed_field,
            priors: sums,
            named: named_in,
            paid,
        })
    }
}

/// An item's group under the clause's `per` fact: `Some("")` for a clause paid per unit.
fn group_key(clause: &Clause, item: &Item) -> Option<String> {
    let Some(f) = clause.per else {
        return Some(String::new());
    };
    match item.get(f) {
        Some(Value::Text(t)) => Some(crate::fold::subject(t)).filter(|k| !k.is_empty()),
        Some(Value::Enum(v)) => Some(format!("#{v}")),
        _ => None,
    }
}

/// What a prior says of a clause's `per` fact: its title where the clause is paid per title (the
/// prior's fact of the same name), else its subject.
fn prior_group_text<'a>(rules: &RuleSet, per: &Field, p: &'a PriorAward) -> Option<&'a str> {
    let r = &rules.roles;
    let named =
        |f: Option<FieldId>| f.is_some_and(|f| rules.section(r.prior).fields[f].name == per.name);
    let text = if named(r.prior_title) {
        p.title.as_deref()
    } else {
        p.subject.as_deref()
    };
    text.filter(|t| !t.trim().is_empty())
}

/// The group a prior's `subject` names: the folded text, or a value of an enum `per` fact.
fn subject_key(field: &Field, subject: &str) -> Option<Option<String>> {
    match field.ty {
        FieldType::Enum => field.enum_index(subject).map(|v| Some(format!("#{v}"))),
        _ => Some(Some(crate::fold::subject(subject)).filter(|k| !k.is_empty()))
            .filter(|k| k.is_some()),
    }
}

/// A prior that names no item of the facts and no group (subject or title) of a clause paid per
/// group: an input error at the prior, asking which.
fn ambiguous_prior(rules: &RuleSet, clause: &Clause, p: &Prior<'_>) -> InputError {
    let field = clause.per.map(|f| rules.field(clause.section, f));
    let (zh, en) = field.map_or(("", ""), |f| (f.label(false), f.label(true)));
    let name = field.map_or("subject", |f| f.name.as_str());
    let n = clause.number;
    p.award.origin.error(
        name,
        crate::text!(
            "第 {n} 条按{zh}分别就高: 已获奖补须指明是哪一项 (本单位事实中的事项编号 item，或{zh} {name})",
            "clause {n} pays the highest award per {en}: say which one this prior award was for (an item of these facts, or its {name})"
        ),
    )
}

/// Date window, conditions and formula for one item; `None` when it does not qualify. `paid`
/// are the earlier awards on the item of a clause paid by days.
fn evaluate_item(
    rules: &RuleSet,
    clause: &Clause,
    (item, paid, excluded): (&Item, &[&Prior<'_>], Option<&Step>),
    as_of: NaiveDate,
    steps: &mut Vec<Step>,
) -> Result<Option<Payable>, MoneyError> {
    if !qualifies(rules, clause, (item, excluded), as_of, steps) {
        return Ok(None);
    }
    let dp = rules.policy.rounding_dp;
    let payable = match &clause.award {
        Award::Rate { base, cases } => rate_award(item, *base, cases, dp, steps)?,
        Award::Tiers {
            base,
            ceiling,
            tiers,
        } => tier_award(item, *base, *ceiling, tiers, dp, steps)?,
        Award::Levels { by, levels } => level_award(item, *by, levels, steps),
        Award::Interest { .. } => interest_award(rules, &clause.award, (item, paid), as_of, steps)?,
    };
    Ok(payable.map(|p| item_cap(p, clause, steps)))
}

/// The item's date window, the clause's conditions, its level's requirements and a batch's
/// quota: every one that fails is recorded, so that the reasons are complete.
fn qualifies(
    rules: &RuleSet,
    clause: &Clause,
    (item, excluded): (&Item, Option<&Step>),
    as_of: NaiveDate,
    steps: &mut Vec<Step>,
) -> bool {
    let p = &rules.policy;
    let mut ok = true;
    if let Some(df) = clause.date_field
        && let Some(date) = item.date(df)
    {
        if date < p.events_from {
            steps.push(Step::DateBeforeEvents { date });
            ok = false;
        } else if date > as_of {
            steps.push(Step::DateAfterAsOf { date });
            ok = false;
        } else if date > p.effective_until {
            steps.push(Step::DateAfterPolicy { date });
            ok = false;
        } else {
            let until = as_of.min(p.effective_until);
            steps.push(Step::DateInWindow {
                date,
                from: p.events_from,
                until,
            });
        }
    }
    for (ci, cond) in clause.conditions.iter().enumerate() {
        if !condition_met(cond, item, as_of) {
            steps.push(Step::ConditionFailed {
                condition: ci,
                found: item.get(cond.field()).cloned(),
            });
            ok = false;
        }
    }
    if let Award::Levels { by, levels } = &clause.award
        && let Some(level) = item
            .enum_value(*by)
            .and_then(|v| levels.iter().find(|l| l.value == v))
    {
        for &r in &level.requires {
            if !item.flag(r) {
                let found = match item.get(r) {
                    Some(Value::Bool(b)) => Some(*b),
                    _ => None,
                };
                steps.push(Step::RequirementFailed { field: r, found });
                ok = false;
            }
        }
    }
    if let Some(step) = excluded {
        steps.push(step.clone());
        ok = false;
    }
    ok
}

fn condition_met(cond: &Condition, item: &Item, as_of: NaiveDate) -> bool {
    match cond {
        Condition::IsTrue { field } => item.flag(*field),
        Condition::Equals { field, value } => item.enum_value(*field) == Some(*value),
        Condition::YearBetween {
            field,
            from,
            years_before_as_of,
        } => item
            .year(*field)
            .is_some_and(|y| y >= *from && y <= as_of.year() - years_before_as_of),
        Condition::YearBeforeAsOf { field, years } => {
            item.year(*field) == Some(as_of.year() - years)
        }
    }
}

/// A rate on a base amount, the rate chosen by the first case the item's facts match.
fn rate_award(
    item: &Item,
    base: FieldId,
    cases: &[RateCase],
    dp: u32,
    steps: &mut Vec<Step>,
) -> Result<Option<Payable>, MoneyError> {
    let Some(case) = cases.iter().position(|c| {
        c.when.iter().all(|(f, v)| match v {
            Value::Bool(b) => item.flag(*f) == *b,
            other => item.get(*f) == Some(other),
        })
    }) else {
        steps.push(Step::NoRateCase);
        return Ok(None);
    };
    let base_amount = item.money(base).unwrap_or_default();
    let rate = cases[case].rate;
    let exact = mul(base_amount.as_decimal(), rate.as_decimal())?;
    let rounded = Money::round(exact, dp)?;
    steps.push(Step::RateApplied {
        base_field: base,
        base: base_amount,
        rate,
        case,
        exact,
        rounded,
    });
    Ok(Some(Payable::Fixed(rounded)))
}

/// The highest tier the base reaches, under the award's ceiling; without tiers, only the ceiling.
fn tier_award(
    item: &Item,
    base: FieldId,
    ceiling: Money,
    tiers: &[Tier],
    dp: u32,
    steps: &mut Vec<Step>,
) -> Result<Option<Payable>, MoneyError> {
    let base_amount = item.money(base).unwrap_or_default();
    if tiers.is_empty() {
        steps.push(Step::NoTiers { ceiling });
        return Ok(Some(Payable::Range {
            floor: None,
            ceiling,
        }));
    }
    let Some(ti) = tiers.iter().rposition(|t| t.from() <= base_amount) else {
        steps.push(Step::BelowTiers {
            base_field: base,
            base: base_amount,
        });
        return Ok(None);
    };
    let exact = match &tiers[ti] {
        Tier::Fixed { amount, .. } => amount.as_decimal(),
        Tier::Rate { rate, .. } => mul(base_amount.as_decimal(), rate.as_decimal())?,
    };
    let rounded = Money::round(exact, dp)?;
    steps.push(Step::TierApplied {
        base_field: base,
        base: base_amount,
        tier: ti,
        exact,
        rounded,
    });
    let after = rounded.min(ceiling);
    steps.push(Step::ItemCap {
        cap: ceiling,
        before: rounded,
        after,
    });
    Ok(Some(Payable::Fixed(after)))
}

/// What the item's level (a recognition, a talent grade) pays: an amount or a range.
fn level_award(
    item: &Item,
    by: FieldId,
    levels: &[Level],
    steps: &mut Vec<Step>,
) -> Option<Payable> {
    let value = item.enum_value(by).unwrap_or_default();
    match levels.iter().find(|l| l.value == value)?.payout {
        Payout::Fixed(amount) => {
            steps.push(Step::LevelFixed { value, amount });
            Some(Payable::Fixed(amount))
        }
        Payout::Range { floor, ceiling } => {
            steps.push(Step::LevelRange {
                value,
                floor,
                ceiling,
            });
            Some(Payable::Range { floor, ceiling })
        }
    }
}

/// Interest on the principal for the days of the claim window that no earlier award on the loan
/// subsidised, at most the interest paid.
fn interest_award(
    rules: &RuleSet,
    award: &Award,
    (item, earlier): (&Item, &[&Prior<'_>]),
    as_of: NaiveDate,
    steps: &mut Vec<Step>,
) -> Result<Option<Payable>, MoneyError> {
    let Award::Interest {
        principal,
        start,
        end,
        disbursed,
        paid,
        rate,
        day_basis,
        term_years,
        end_inclusive,
    } = award
    else {
        return Ok(None);
    };
    let p = &rules.policy;
    let (Some(s), Some(e), Some(d)) = (item.date(*start), item.date(*end), item.date(*disbursed))
    else {
        return Ok(None);
    };
    // 算头不算尾: the first day counts, the day the window closes does not.
    let from = s.max(d).max(p.events_from);
    let term_end = d
        .checked_add_months(Months::new(term_years * 12))
        .unwrap_or(NaiveDate::MAX);
    // The claim period's last day counts where the rule says so (SPEC §4 rev. 2).
    let end_excl = if *end_inclusive { next_day(e) } else { e };
    let until = end_excl
        .min(term_end)
        .min(next_day(p.effective_until))
        .min(next_day(as_of));
    let window = (until - from).num_days();
    if window <= 0 {
        steps.push(Step::NoInterestDays { from, until });
        return Ok(None);
    }
    let covered = days_covered((from, until), earlier);
    let days = window - covered;
    if covered > 0 {
        let amount = (earlier.iter()).fold(Money::ZERO, |acc, p| {
            acc.checked_add(p.award.amount).unwrap_or(acc)
        });
        if days == 0 {
            // Every day of the window was paid before: the item is paid, nothing more is due.
            let origins = earlier
                .iter()
                .filter_map(|p| p.reference().origin)
                .collect();
            steps.push(Step::AlreadyPaid {
                amount,
                year: None,
                origins,
            });
            return Ok(Some(Payable::Fixed(Money::ZERO)));
        }
        steps.push(Step::DaysPaidBefore {
            days: covered,
            amount,
        });
    }
    let principal_amount = item.money(*principal).unwrap_or_default();
    let exact = mul(
        mul(principal_amount.as_decimal(), rate.as_decimal())?,
        Decimal::from(days),
    )?
    .checked_div(Decimal::from(*day_basis))
    .ok_or(MoneyError::Overflow)?;
    let rounded = Money::round(exact, p.rounding_dp)?;
    steps.push(Step::InterestDays {
        principal: principal_amount,
        rate: *rate,
        from,
        until,
        days,
        day_basis: *day_basis,
        exact,
        rounded,
    });
    let paid_amount = item.money(*paid).unwrap_or_default();
    let after = rounded.min(paid_amount);
    steps.push(Step::LimitedByPaid {
        paid: paid_amount,
        before: rounded,
        after,
    });
    Ok(Some(Payable::Fixed(after)))
}

/// How many days of the window `[from, until)` the earlier awards' periods (first and last day
/// counted) cover, each day once however many periods cover it.
fn days_covered((from, until): (NaiveDate, NaiveDate), paid: &[&Prior<'_>]) -> i64 {
    let mut spans: Vec<(NaiveDate, NaiveDate)> = (paid.iter())
        .filter_map(|p| p.award.period)
        .map(|pd| (pd.start.max(from), next_day(pd.end).min(until)))
        .filter(|(a, b)| a < b)
        .collect();
    spans.sort_unstable();
    let (mut days, mut reached) = (0, from);
    for (a, b) in spans {
        let a = a.max(reached);
        if a < b {
            days += (b - a).num_days();
            reached = b;
        }
    }
    days
}

/// A per-item cap on a determinate amount; a range, or a clause without one, passes unchanged.
fn item_cap(payable: Payable, clause: &Clause, steps: &mut Vec<Step>) -> Payable {
    match (payable, &clause.cap) {
        (
            Payable::Fixed(m),
            Some(Cap {
                scope: CapScope::Item,
                amount,
                ..
            }),
        ) => {
            let after = m.min(*amount);
            steps.push(Step::ItemCap {
                cap: *amount,
                before: m,
                after,
            });
            Payable::Fixed(after)
        }
        (other, _) => other,
    }
}

/// How a clause's priors meet its items when they add up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PaidBy {
    /// An item a prior names is paid: it pays nothing again.
    Item,
    /// The year is the item: the year's priors are deducted from its award.
    Year,
    /// The days a prior on the item paid are left out of its claim (done by the item's formula).
    Days,
}

/// Items add up; a unit-year cap is shared in item order with the prior awards of that year.
/// A discretionary item (a ceiling only) is treated alike: an item already paid loses its
/// ceiling, and the year's prior awards lower the ceiling (the rule file's "扣除" applies to it too).
/// Where the year is the item (`prior::year_is_item`: one award per year of expense), the year's
/// priors are deducted from its award itself, determinate or discretionary, never below 0.00.
fn combine_sum<'a>(
    clause: &Clause,
    claimed: &[(usize, &Item)],
    items: &mut [ItemOutcome],
    priors: impl Iterator<Item = &'a Prior<'a>> + Clone,
    paid: PaidBy,
) {
    let annual = clause
        .cap
        .as_ref()
        .filter(|c| c.scope == CapScope::UnitYear);
    // (year, used by earlier items of this evaluation)
    let mut used: Vec<(i32, Money)> = Vec::new();
    for (out, (_, item)) in items.iter_mut().zip(claimed) {
        if !out.qualifies {
            continue;
        }
        // Ids compare trimmed, width- and case-folded (SPEC §3): a prior for ht-01 is HT-01's.
        let id = crate::fold::key(&out.id);
        let named = priors.clone().find(|p| p.key.as_ref() == Some(&id));
        if let Some(prior) = named.filter(|_| paid == PaidBy::Item) {
            out.steps.push(Step::AlreadyPaid {
                amount: prior.award.amount,
                year: prior.award.year,
                origins: prior.reference().origin.into_iter().collect(),
            });
            nothing_payable(out);
            out.paid = true;
            continue;
        }
        let Some(cap) = annual else { continue };
        let Some(year) = cap.year_field.and_then(|f| item.year(f)) else {
            out.steps.push(Step::NoYear);
            nothing_payable(out);
            continue;
        };
        let of_year = priors.clone().filter(|p| p.award.year == Some(year));
        let prior_sum = of_year.clone().fold(Money::ZERO, |acc, p| {
            acc.checked_add(p.award.amount).unwrap_or(acc)
        });
        if paid == PaidBy::Year && !prior_sum.is_zero() {
            deduct(
                out,
                prior_sum,
                of_year.clone().map(Prior::reference).collect(),
            );
        }
        let slot = match used.iter().position(|(y, _)| *y == year) {
            Some(i) => i,
            None => {
                used.push((year, Money::ZERO));
                used.len() - 1
            }
        };
        let earlier = used[slot].1;
        let room = cap.amount.saturating_sub(prior_sum).saturating_sub(earlier);
        let before = out.ceiling.unwrap_or(out.amount);
        let after = before.min(room);
        out.steps.push(Step::AnnualCap {
            year,
            cap: cap.amount,
            prior: prior_sum,
            earlier,
            before,
            after,
            priors: of_year.map(Prior::reference).collect(),
        });
        if out.ceiling.is_none() {
            out.amount = after;
        } else if after.is_zero() {
            // No room left: a ceiling of 0.00 is a determinate 0.00.
            nothing_payable(out);
        } else {
            out.ceiling = Some(after);
            out.floor = out.floor.map(|f| f.min(after));
        }
        used[slot].1 = earlier.checked_add(after).unwrap_or(earlier);
    }
}

/// An item's priors deducted from its award: from a determinate amount, or from a range's floor
/// and ceiling; never below 0.00.
fn deduct(out: &mut ItemOutcome, prior: Money, priors: Vec<PriorRef>) {
    match out.ceiling {
        None => {
            let before = out.amount;
            let after = before.saturating_sub(prior);
            out.steps.push(Step::PriorDeducted {
                prior,
                before,
                after,
                priors,
            });
            out.amount = after;
        }
        Some(ceiling) => {
            let ceiling_after = ceiling.saturating_sub(prior);
            let floor_after = out.floor.map(|f| f.saturating_sub(prior));
            out.steps.push(Step::PriorDeductedFromRange {
                prior,
                floor_before: out.floor,
                ceiling_before: ceiling,
                floor_after,
                ceiling_after,
                priors,
            });
            if ceiling_after.is_zero() {
                nothing_payable(out);
            } else {
                (out.ceiling, out.floor) = (Some(ceiling_after), floor_after);
            }
        }
    }
}

/// The item still qualifies, but pays a determinate 0.00 (no ceiling left either).
fn nothing_payable(out: &mut ItemOutcome) {
    out.amount = Money::ZERO;
    out.ceiling = None;
    out.floor = None;
}

/// 就高执行、不重复享受 within each group: the group's ceiling is its largest ceiling or fixed
/// amount, its floor the largest fixed amount or floor; the first item with that ceiling carries
/// them, less the group's prior awards (never below 0.00), and the others pay nothing.
fn combine_highest(items: &mut [ItemOutcome], payables: &[Option<Payable>], groups: &Groups) {
    let ceiling_of = |p: &Payable| match p {
        Payable::Fixed(m) => *m,
        Payable::Range { ceiling, .. } => *ceiling,
    };
    let floor_of = |p: &Payable| match p {
        Payable::Fixed(m) => Some(*m),
        Payable::Range { floor, .. } => *floor,
    };
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); groups.priors.len()];
    for (i, &g) in groups.of_item.iter().enumerate() {
        if payables[i].is_some() {
            members_of[g].push(i);
        }
    }
    for (((key, prior), named), members) in groups.priors.iter().zip(&groups.named).zip(members_of)
    {
        let payable = |i: usize| payables[i].as_ref().expect("members qualify");
        let Some(ceiling) = members.iter().map(|&i| ceiling_of(payable(i))).max() else {
            continue;
        };
        let floor = members
            .iter()
            .map(|&i| floor_of(payable(i)))
            .max()
            .flatten();
        // The first of the highest wins a tie: file order decides, as it does for caps.
        let w = members
            .iter()
            .copied()
            .find(|&i| ceiling_of(payable(i)) == ceiling)
            .expect("a member has the largest ceiling");
        let winner_id = items[w].id.clone();
        for &i in &members {
            let out = &mut items[i];
            if key.is_none()
                && let Some(field) = groups.unnamed_field
            {
                out.steps.push(Step::UnnamedSubject { field });
            }
            if i != w {
                out.steps.push(Step::NotHighest {
                    winner: winner_id.clone(),
                    winner_amount: ceiling,
                });
                nothing_payable(out);
                continue;
            }
            out.steps.push(Step::HighestChosen {
                competitors: members.len() - 1,
            });
            if floor == Some(ceiling) {
                let after = ceiling.saturating_sub(*prior);
                out.steps.push(Step::PriorDeducted {
                    prior: *prior,
                    before: ceiling,
                    after,
                    priors: named.clone(),
                });
                nothing_payable(out);
                out.amount = after;
                continue;
            }
            if floor != floor_of(payable(w)) {
                out.steps.push(Step::GroupRange { floor, ceiling });
            }
            let ceiling_after = ceiling.saturating_sub(*prior);
            let floor_after = floor.map(|f| f.saturating_sub(*prior));
            if !prior.is_zero() {
                out.steps.push(Step::PriorDeductedFromRange {
                    prior: *prior,
                    floor_before: floor,
                    ceiling_before: ceiling,
                    floor_after,
                    ceiling_after,
                    priors: named.clone(),
                });
            }
            if ceiling_after.is_zero() {
                nothing_payable(out);
            } else {
                out.amount = Money::ZERO;
                out.ceiling = Some(ceiling_after);
                out.floor = floor_after;
            }
        }
    }
}

/// Under a `highest` clause, an item a prior award names that pays nothing now (its group's
/// award, less what was paid, is 0.00, or a higher item is paid) was already paid: it says so
/// and has the status of its own (SPEC §5), never a 0.00 award.
fn mark_paid(items: &mut [ItemOutcome], groups: &Groups) {
    if groups.paid.is_empty() {
        return;
    }
    for out in items.iter_mut().filter(|i| i.qualifies) {
        if !out.amount.is_zero() || out.ceiling.is_some() {
            continue;
        }
        if let Some(before) = groups.paid.get(&crate::fold::key(&out.id)) {
            out.steps.push(Step::AlreadyPaid {
                amount: before.amount,
                year: before.year,
                origins: before.origin.iter().cloned().collect(),
            });
            out.paid = true;
        }
    }
}

/// A fact that chooses a rate (a rate case's `when`) must be stated: taking its absence as
/// false would pay the lower rate silently (SPEC §3).
fn rate_facts_stated(rules: &RuleSet, facts: &Facts) -> Result<(), InputError> {
    for clause in &rules.clauses {
        let Award::Rate { cases, .. } = &clause.award else {
            continue;
        };
        let section = rules.section(clause.section);
        for (i, item) in facts.items(clause.section).iter().enumerate() {
            let missing = cases
                .iter()
                .flat_map(|c| c.when.iter())
                .find(|(f, _)| item.get(*f).is_none());
            if let Some((f, _)) = missing {
                let field = &section.fields[*f];
                let mut e = InputError::new(
                    &facts.source,
                    crate::text!("须填写{} ({}): 它决定适用的比例，未填写不能按“否”计算", field.label(false), field.name; "{} ({}) must be stated: it chooses the rate, and is not taken as no", field.label(true), field.name),
                )
                .field(format!("{}[{}].{}", section.name, i + 1, field.name));
                e.line = Some(item.line);
                return Err(e);
            }
        }
    }
    Ok(())
}

fn mul(a: Decimal, b: Decimal) -> Result<Decimal, MoneyError> {
    a.checked_mul(b).ok_or(MoneyError::Overflow)
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}

fn overflow(facts: &Facts, e: MoneyError) -> InputError {
    InputError::new(&facts.source, e)
}

#[cfg(test)]
mod tests {
    //! The evaluator on the embedded rules, with facts built through the vocabulary. Every
    //! expected figure is worked by hand from the policy text and SPEC §4 in the comment beside it.

    use std::sync::OnceLock;

    use super::*;
    use crate::outcome::ClauseOutcome;

    fn rules() -> &'static RuleSet {
        static RULES: OnceLock<RuleSet> = OnceLock::new();
        RULES.get_or_init(|| RuleSet::embedded().expect("the embedded rules compile"))
    }

    fn day(text: &str) -> NaiveDate {
        crate::facts::parse_date(text).expect("a test date")
    }

    const AUTONOMOUS: bool = true;
    const NON_AUTONOMOUS: bool = false;

    /// An applicant being described, sentence by sentence.
    #[derive(Clone)]
    struct Case {
        facts: Facts,
        as_of: NaiveDate,
        lines: usize,
    }

    /// A unit in 鹿城区 with a name and a valid credit code; no kind until one is given.
    fn applicant() -> Case {
        let r = rules();
        let mut facts = Facts::new(r, "test.toml");
        facts.sections[r.roles.applicant].push(Item::empty(r.section(r.roles.applicant), 1));
        Case {
            facts,
            as_of: day("2026-06-30"),
            lines: 1,
        }
        .set("name", "测试单位")
        .set("credit_code", "91330302MA2H00001Y")
        .in_district("鹿城区")
    }

    impl Case {
        /// Sets a fact of the applicant from its text form.
        fn set(mut self, field: &str, text: &str) -> Case {
            let r = rules();
            let section = r.section(r.roles.applicant);
            let fi = section.field_index(field).expect("an applicant field");
            let value = Value::from_text(&section.fields[fi], text).expect("a valid value");
            self.facts.sections[r.roles.applicant][0].values[fi] = Some(value);
            self
        }

        fn kind(self, kind: &str) -> Case {
            self.set("kind", kind)
        }

        /// An enterprise with every 附则1 gate confirmed.
        fn enterprise(self) -> Case {
            self.kind("enterprise")
                .set("registered", "true")
                .set("tax_compliant", "true")
                .set("ai_industry", "true")
        }

        fn university(self) -> Case {
            self.kind("university")
        }

        fn in_district(self, district: &str) -> Case {
            self.set("district", district)
        }

        /// One item of `section`, facts given as text.
        fn item(mut self, section: &str, facts: &[(&str, &str)]) -> Case {
            let r = rules();
            let si = r.vocabulary.section_index(section).expect("a section");
            let sec = r.section(si);
            self.lines += 5;
            let mut item = Item::empty(sec, self.lines);
            for (name, text) in facts {
                let fi = sec.field_index(name).expect("a field of the section");
                item.values[fi] = Some(Value::from_text(&sec.fields[fi], text).expect("valid"));
            }
            self.facts.sections[si].push(item);
            self
        }

        fn compute(self, id: &str, amount: &str, autonomous: bool, date: &str) -> Case {
            let autonomous = if autonomous { "true" } else { "false" };
            self.item(
                "compute",
                &[
                    ("id", id),
                    ("amount", amount),
                    ("autonomous", autonomous),
                    ("date", date),
                ],
            )
        }

        /// A model contract for a vertical application.
        fn model(self, id: &str, amount: &str, date: &str) -> Case {
            self.item(
                "model",
                &[
                    ("id", id),
                    ("mode", "api"),
                    ("vertical", "true"),
                    ("amount", amount),
                    ("date", date),
                ],
            )
        }

        /// An enterprise-led, approved project.
        fn project(self, id: &str, investment: &str, date: &str) -> Case {
            self.item(
                "project",
                &[
                    ("id", id),
                    ("lead", "enterprise"),
                    ("approved", "true"),
                    ("investment", investment),
                    ("date", date),
                ],
            )
        }

        /// A first-time recognition (and filed, for a poc_center).
        fn recognition(self, id: &str, title: &str, date: &str) -> Case {
            self.item(
                "recognition",
                &[
                    ("id", id),
                    ("title", title),
                    ("date", date),
                    ("first_time", "true"),
                    ("filed", "true"),
                ],
            )
        }

        fn rnd(self, year: &str, expense: &str) -> Case {
            self.item("rnd", &[("year", year), ("expense", expense)])
        }

        /// An eligible loan: principal, disbursed = start, claim period end, interest paid.
        fn loan(self, id: &str, principal: &str, start: &str, end: &str, paid: &str) -> Case {
            self.item(
                "loan",
                &[
                    ("id", id),
                    ("eligible", "true"),
                    ("principal", principal),
                    ("disbursed", start),
                    ("start", start),
                    ("end", end),
                    ("interest_paid", paid),
                ],
            )
        }

        /// An award already granted: clause, year ("" for none), item ("" for none), amount.
        fn prior(self, clause: &str, year: &str, item: &str, amount: &str) -> Case {
            let mut facts = vec![("clause", clause), ("amount", amount)];
            if !year.is_empty() {
                facts.push(("year", year));
            }
            if !item.is_empty() {
                facts.push(("item", item));
            }
            self.item("prior", &facts)
        }

        // Named after the policy's term (the as-of date), not a conversion.
        #[allow(clippy::wrong_self_convention)]
        fn as_of(mut self, date: &str) -> Case {
            self.as_of = day(date);
            self
        }

        fn evaluate(self) -> Outcome {
            evaluate(rules(), &self.facts, self.as_of).expect("evaluates")
        }

        fn try_evaluate(self) -> Result<Outcome, InputError> {
            evaluate(rules(), &self.facts, self.as_of)
        }
    }

    /// Reading an outcome in the policy's terms.
    trait Read {
        fn clause(&self, number: u32) -> &ClauseOutcome;
        fn award(&self, number: u32) -> String;
        fn item_award(&self, number: u32, id: &str) -> String;
        fn item_steps(&self, number: u32, id: &str) -> &[Step];
    }

    impl Read for Outcome {
        fn clause(&self, number: u32) -> &ClauseOutcome {
            self.clauses
                .iter()
                .find(|c| c.clause == number)
                .unwrap_or_else(|| panic!("no outcome for clause {number}: {self:#?}"))
        }
        fn award(&self, number: u32) -> String {
            self.clause(number).amount.plain()
        }
        fn item_award(&self, number: u32, id: &str) -> String {
            self.clause(number)
                .items
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.amount.plain())
                .unwrap_or_else(|| panic!("no item {id} under clause {number}"))
        }
        fn item_steps(&self, number: u32, id: &str) -> &[Step] {
            self.clause(number)
                .items
                .iter()
                .find(|i| i.id == id)
                // The checks passed (the date window) lead; the tests read what follows.
                .map(|i| {
                    let checks = i.steps.iter().take_while(|s| s.is_check()).count();
                    &i.steps[checks..]
                })
                .unwrap_or_else(|| panic!("no item {id} under clause {number}"))
        }
    }

    fn field(section: &str, name: &str) -> FieldId {
        let r = rules();
        let si = r.vocabulary.section_index(section).expect("a section");
        r.section(si).field_index(name).expect("a field")
    }

    // ---- gates ----

    #[test]
    fn before_and_after_the_policy_period_nothing_is_payable() {
        // 附则3: in force from 2025-10-01 to 2027-12-31.
        for as_of in ["2025-09-30", "2028-01-01"] {
            let o = applicant()
                .enterprise()
                .compute("A", "1000000", AUTONOMOUS, "2025-06-01")
                .as_of(as_of)
                .evaluate();
            let c = o.clause(1);
            assert_eq!(c.status, Status::Ineligible, "{as_of}");
            assert!(matches!(c.gates[0], Step::PolicyNotInForce { .. }));
            assert_eq!(o.total, Money::ZERO);
        }
        // On the first day in force: 30% × 1,000,000 = 300,000.00.
        let o = applicant()
            .enterprise()
            .compute("A", "1000000", AUTONOMOUS, "2025-06-01")
            .as_of("2025-10-01")
            .evaluate();
        assert_eq!(o.award(1), "300000.00");
    }

    #[test]
    fn outside_the_city_districts_every_clause_is_ineligible() {
        let o = applicant()
            .enterprise()
            .in_district("乐清市")
            .compute("A", "1000000", AUTONOMOUS, "2026-02-01")
            .recognition("R", "little_giant", "2026-01-10")
            .evaluate();
        for n in [1, 9] {
            assert_eq!(o.clause(n).status, Status::Ineligible);
            assert!(
                o.clause(n).gates.iter().any(
                    |g| matches!(g, Step::DistrictOutside { district } if district == "乐清市")
                )
            );
        }
        assert_eq!(o.total, Money::ZERO);
    }

    #[test]
    fn an_enterprise_must_confirm_every_gate() {
        // tax_compliant not stated: the gate is unconfirmed (value None), nothing paid.
        let o = applicant()
            .kind("enterprise")
            .set("registered", "true")
            .set("ai_industry", "true")
            .compute("A", "1000000", AUTONOMOUS, "2026-02-01")
            .evaluate();
        let c = o.clause(1);
        assert_eq!(c.status, Status::Ineligible);
        assert_eq!(
            c.gates,
            vec![Step::GateUnconfirmed {
                gate: 0,
                field: field("applicant", "tax_compliant"),
                value: None
            }]
        );
        // Stated false: value Some(false).
        let o = applicant()
            .enterprise()
            .set("registered", "false")
            .compute("A", "1000000", AUTONOMOUS, "2026-02-01")
            .evaluate();
        assert!(o.clause(1).gates.iter().any(|g| matches!(
            g,
            Step::GateUnconfirmed {
                value: Some(false),
                ..
            }
        )));
    }

    #[test]
    fn a_university_needs_no_enterprise_gate_but_clause_12_does_not_cover_it() {
        // 30% × 500,000 = 150,000.00 for a university's compute contract.
        let o = applicant()
            .university()
            .compute("A", "500000", AUTONOMOUS, "2026-02-01")
            .loan("L", "1000000", "2026-01-01", "2026-03-01", "100000")
            .evaluate();
        assert_eq!(o.clause(1).status, Status::Awarded);
        assert_eq!(o.award(1), "150000.00");
        assert_eq!(o.clause(12).status, Status::Ineligible);
        assert!(matches!(o.clause(12).gates[0], Step::KindNotCovered { .. }));
        assert_eq!(o.total.plain(), "150000.00");
    }

    #[test]
    fn an_individual_gets_no_compute_voucher() {
        let o = applicant()
            .kind("individual")
            .compute("A", "500000", AUTONOMOUS, "2026-02-01")
            .evaluate();
        assert_eq!(o.clause(1).status, Status::Ineligible);
        assert!(matches!(o.clause(1).gates[0], Step::KindNotCovered { .. }));
    }

    // ---- date windows ----

    #[test]
    fn events_count_from_2025_01_01_and_not_after_the_as_of_date() {
        let o = applicant()
            .enterprise()
            .compute("before", "100000", AUTONOMOUS, "2024-12-31")
            .compute("first-day", "100000", AUTONOMOUS, "2025-01-01")
            .compute("as-of", "100000", AUTONOMOUS, "2026-06-30")
            .compute("after", "100000", AUTONOMOUS, "2026-07-01")
            .evaluate();
        // Two contracts inside the window, each 30% × 100,000 = 30,000.00 (years 2025 and 2026).
        assert_eq!(o.clause(1).status, Status::Awarded);
        assert_eq!(o.award(1), "60000.00");
        assert_eq!(o.item_award(1, "before"), "0.00");
        assert!(matches!(
            o.item_steps(1, "before")[0],
            Step::DateBeforeEvents { .. }
        ));
        assert_eq!(o.item_award(1, "first-day"), "30000.00");
        assert_eq!(o.item_award(1, "as-of"), "30000.00");
        assert!(matches!(
            o.item_steps(1, "after")[0],
            Step::DateAfterAsOf { .. }
        ));
    }

    #[test]
    fn a_clause_whose_every_item_is_out_of_window_is_ineligible() {
        let o = applicant()
            .enterprise()
            .compute("A", "100000", AUTONOMOUS, "2024-06-01")
            .evaluate();
        assert_eq!(o.clause(1).status, Status::Ineligible);
        assert_eq!(o.award(1), "0.00");
    }

    // ---- rates, conditions, rounding ----

    #[test]
    fn autonomous_compute_pays_30_percent_and_other_compute_10_percent() {
        // 30% × 1,200,000 = 360,000; 10% × 800,000 = 80,000; 2025 and 2026 are separate years.
        let o = applicant()
            .enterprise()
            .compute("A", "1200000", AUTONOMOUS, "2025-11-01")
            .compute("B", "800000", NON_AUTONOMOUS, "2026-02-01")
            .evaluate();
        assert_eq!(o.item_award(1, "A"), "360000.00");
        assert_eq!(o.item_award(1, "B"), "80000.00");
        assert_eq!(o.award(1), "440000.00");
    }

    #[test]
    fn an_unstated_autonomous_flag_is_an_input_error() {
        // SPEC §3 rev. 2: a fact that chooses a rate must be stated (was: absent = 10%).
        let e = applicant()
            .enterprise()
            .compute("A", "100000", AUTONOMOUS, "2026-02-01")
            .item(
                "compute",
                &[("id", "B"), ("amount", "800000"), ("date", "2026-02-01")],
            )
            .try_evaluate()
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("compute[2].autonomous"));
        assert!(e.message.contains("autonomous") && e.message.contains("须填写"));
    }

    #[test]
    fn each_item_is_rounded_half_away_from_zero() {
        // 30% × 0.15 = 0.045 → 0.05 (banker's rounding would give 0.04);
        // 30% × 1,234,567.89 = 370,370.367 → 370,370.37; total 370,370.42.
        let o = applicant()
            .enterprise()
            .compute("A", "0.15", AUTONOMOUS, "2026-02-01")
            .compute("B", "1234567.89", AUTONOMOUS, "2026-02-02")
            .evaluate();
        assert_eq!(o.item_award(1, "A"), "0.05");
        assert_eq!(o.item_award(1, "B"), "370370.37");
        assert_eq!(o.award(1), "370370.42");
    }

    #[test]
    fn a_model_contract_needs_a_vertical_application() {
        let o = applicant()
            .enterprise()
            .item(
                "model",
                &[
                    ("id", "M"),
                    ("mode", "private"),
                    ("amount", "300000"),
                    ("date", "2026-01-10"),
                ],
            )
            .evaluate();
        assert_eq!(o.clause(2).status, Status::Ineligible);
        assert!(matches!(
            o.item_steps(2, "M")[0],
            Step::ConditionFailed { found: None, .. }
        ));
        // With vertical: 30% × 300,000 = 90,000.00.
        let o = applicant()
            .enterprise()
            .model("M", "300000", "2026-01-10")
            .evaluate();
        assert_eq!(o.award(2), "90000.00");
    }

    #[test]
    fn a_dataset_must_be_listed_and_selected() {
        let o = applicant()
            .enterprise()
            .item(
                "dataset",
                &[
                    ("id", "D"),
                    ("investment", "800000"),
                    ("listed", "true"),
                    ("date", "2026-04-01"),
                ],
            )
            .evaluate();
        assert_eq!(o.clause(3).status, Status::Ineligible);
        // Listed and selected: 30% × 800,000 = 240,000.00.
        let o = applicant()
            .enterprise()
            .item(
                "dataset",
                &[
                    ("id", "D"),
                    ("investment", "800000"),
                    ("listed", "true"),
                    ("selected", "true"),
                    ("date", "2026-04-01"),
                ],
            )
            .evaluate();
        assert_eq!(o.award(3), "240000.00");
    }

    #[test]
    fn a_project_must_be_enterprise_led() {
        let o = applicant()
            .university()
            .item(
                "project",
                &[
                    ("id", "P"),
                    ("lead", "other"),
                    ("approved", "true"),
                    ("investment", "1000000"),
                    ("date", "2026-05-01"),
                ],
            )
            .evaluate();
        assert_eq!(o.clause(5).status, Status::Ineligible);
    }

    // ---- annual cap, in item order ----

    #[test]
    fn the_annual_cap_is_shared_in_item_order() {
        // A: 30% × 1,200,000 = 360,000, room 500,000 → 360,000;
        // B: 30% × 800,000 = 240,000, room 500,000 − 360,000 = 140,000 → 140,000.
        let o = applicant()
            .enterprise()
            .compute("A", "1200000", AUTONOMOUS, "2026-02-01")
            .compute("B", "800000", AUTONOMOUS, "2026-03-01")
            .evaluate();
        assert_eq!(o.item_award(1, "A"), "360000.00");
        assert_eq!(o.item_award(1, "B"), "140000.00");
        assert_eq!(o.award(1), "500000.00");
        // In the other order B takes 240,000 first and A the remaining 260,000.
        let o = applicant()
            .enterprise()
            .compute("B", "800000", AUTONOMOUS, "2026-03-01")
            .compute("A", "1200000", AUTONOMOUS, "2026-02-01")
            .evaluate();
        assert_eq!(o.item_award(1, "B"), "240000.00");
        assert_eq!(o.item_award(1, "A"), "260000.00");
        assert_eq!(o.award(1), "500000.00");
    }

    #[test]
    fn each_calendar_year_has_its_own_cap() {
        // 2025: 30% × 2,000,000 = 600,000 → 500,000; 2026: 30% × 1,000,000 = 300,000.
        let o = applicant()
            .enterprise()
            .compute("A", "2000000", AUTONOMOUS, "2025-12-31")
            .compute("B", "1000000", AUTONOMOUS, "2026-01-01")
            .evaluate();
        assert_eq!(o.item_award(1, "A"), "500000.00");
        assert_eq!(o.item_award(1, "B"), "300000.00");
        assert_eq!(o.award(1), "800000.00");
    }

    #[test]
    fn prior_awards_of_the_year_reduce_the_room() {
        // Prior 2026 award 200,000: room 300,000; A asks 360,000 → 300,000; B → 0.
        // A prior of 2025 does not touch 2026.
        let o = applicant()
            .enterprise()
            .compute("A", "1200000", AUTONOMOUS, "2026-02-01")
            .compute("B", "800000", AUTONOMOUS, "2026-03-01")
            .prior("1", "2026", "", "200000")
            .prior("1", "2025", "", "400000")
            .evaluate();
        assert_eq!(o.item_award(1, "A"), "300000.00");
        assert_eq!(o.item_award(1, "B"), "0.00");
        assert_eq!(o.clause(1).status, Status::Awarded);
        assert!(o.item_steps(1, "A").contains(&Step::AnnualCap {
            year: 2026,
            cap: Money::parse("500000").unwrap(),
            prior: Money::parse("200000").unwrap(),
            earlier: Money::ZERO,
            before: Money::parse("360000").unwrap(),
            after: Money::parse("300000").unwrap(),
            // The 2026 prior names no item: only its year and amount.
            priors: vec![PriorRef {
                item: None,
                year: Some(2026),
                amount: Money::parse("200000").unwrap(),
                origin: Some("prior[1]".into()),
            }],
        }));
    }

    #[test]
    fn an_item_already_paid_is_not_paid_again_and_its_award_uses_the_cap() {
        // Prior: A paid 360,000 in 2026. A → 0 (already paid);
        // B: 30% × 800,000 = 240,000, room 500,000 − 360,000 = 140,000.
        let o = applicant()
            .enterprise()
            .compute("A", "1200000", AUTONOMOUS, "2026-02-01")
            .compute("B", "800000", AUTONOMOUS, "2026-03-01")
            .prior("1", "2026", "A", "360000")
            .evaluate();
        assert_eq!(o.item_award(1, "A"), "0.00");
        assert!(matches!(
            o.item_steps(1, "A").last(),
            Some(Step::AlreadyPaid { .. })
        ));
        assert_eq!(o.item_award(1, "B"), "140000.00");
    }

    #[test]
    fn caps_of_different_clauses_do_not_mix() {
        // Clause 1: 30% × 2,000,000 = 600,000 → 500,000; clause 2 likewise → 500,000.
        let o = applicant()
            .enterprise()
            .compute("A", "2000000", AUTONOMOUS, "2026-02-01")
            .model("M", "2000000", "2026-02-01")
            .evaluate();
        assert_eq!(o.award(1), "500000.00");
        assert_eq!(o.award(2), "500000.00");
        assert_eq!(o.total.plain(), "1000000.00");
    }

    #[test]
    fn a_prior_of_an_annual_clause_without_a_year_is_an_input_error() {
        let e = applicant()
            .enterprise()
            .compute("A", "100000", AUTONOMOUS, "2026-02-01")
            .prior("1", "", "", "100000")
            .try_evaluate()
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("prior[1].year"));
        let e = applicant()
            .enterprise()
            .prior("13", "2026", "", "1")
            .try_evaluate()
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("prior[1].clause"));
    }

    // ---- per-item cap ----

    #[test]
    fn each_project_is_capped_and_projects_add_up() {
        // P1: 20% × 12,000,000 = 2,400,000 → cap 2,000,000; P2: 20% × 5,000,000 = 1,000,000.
        let o = applicant()
            .enterprise()
            .project("P1", "12000000", "2026-05-01")
            .project("P2", "5000000", "2026-05-02")
            .evaluate();
        assert_eq!(o.item_award(5, "P1"), "2000000.00");
        assert_eq!(o.item_award(5, "P2"), "1000000.00");
        assert_eq!(o.award(5), "3000000.00");
        // P1 already paid: only P2's 1,000,000 is payable; a prior without an item changes nothing.
        let o = applicant()
            .enterprise()
            .project("P1", "12000000", "2026-05-01")
            .project("P2", "5000000", "2026-05-02")
            .prior("5", "", "P1", "2000000")
            .prior("5", "", "", "777")
            .evaluate();
        assert_eq!(o.award(5), "1000000.00");
    }

    // ---- 就高执行, prior deduction ----

    #[test]
    fn only_the_highest_recognition_of_a_clause_pays() {
        // 小巨人 1,000,000 beats 专精特新 100,000.
        let o = applicant()
            .enterprise()
            .recognition("SME", "specialized_sme", "2025-05-01")
            .recognition("LG", "little_giant", "2026-01-10")
            .evaluate();
        assert_eq!(o.item_award(9, "LG"), "1000000.00");
        assert_eq!(o.item_award(9, "SME"), "0.00");
        assert!(matches!(
            o.item_steps(9, "SME").last(),
            Some(Step::NotHighest { winner, .. }) if winner == "LG"
        ));
        assert_eq!(o.award(9), "1000000.00");
    }

    #[test]
    fn moving_up_a_level_pays_the_difference() {
        // Prior 专精特新 100,000 under clause 9: 小巨人 1,000,000 − 100,000 = 900,000.
        let o = applicant()
            .enterprise()
            .recognition("LG", "little_giant", "2026-01-10")
            .prior("9", "", "", "100000")
            .evaluate();
        assert_eq!(o.award(9), "900000.00");
        // A prior larger than the award leaves 0.00, still awarded.
        let o = applicant()
            .enterprise()
            .recognition("LG", "little_giant", "2026-01-10")
            .prior("9", "", "", "2000000")
            .evaluate();
        assert_eq!(o.award(9), "0.00");
        assert_eq!(o.clause(9).status, Status::Awarded);
    }

    #[test]
    fn a_first_time_recognition_is_required_where_the_text_says_so() {
        let o = applicant()
            .enterprise()
            .item(
                "recognition",
                &[
                    ("id", "LG"),
                    ("title", "little_giant"),
                    ("date", "2026-01-10"),
                ],
            )
            .evaluate();
        assert_eq!(o.clause(9).status, Status::Ineligible);
        assert!(matches!(
            o.item_steps(9, "LG")[0],
            Step::RequirementFailed { found: None, .. }
        ));
    }

    #[test]
    fn recognitions_of_different_clauses_add_up() {
        // Clause 7 国际首台（套） 2,000,000 + clause 9 隐形冠军 500,000 = 2,500,000.
        let o = applicant()
            .enterprise()
            .recognition("FS", "first_set_international", "2026-03-01")
            .recognition("HC", "hidden_champion", "2026-03-02")
            .evaluate();
        assert_eq!(o.award(7), "2000000.00");
        assert_eq!(o.award(9), "500000.00");
        assert_eq!(o.total.plain(), "2500000.00");
    }

    #[test]
    fn a_tie_goes_to_the_first_item() {
        let o = applicant()
            .enterprise()
            .recognition("first", "little_giant", "2026-01-10")
            .recognition("second", "little_giant", "2026-02-10")
            .evaluate();
        assert_eq!(o.item_award(9, "first"), "1000000.00");
        assert_eq!(o.item_award(9, "second"), "0.00");
    }

    // ---- discretionary results ----

    #[test]
    fn a_talent_award_is_discretionary_and_outside_the_total() {
        // A类引才: 一人一策, ceiling 100,000,000; the total holds only determinate amounts.
        let o = applicant()
            .enterprise()
            .recognition("T", "talent_a_class", "2026-01-10")
            .compute("A", "100000", AUTONOMOUS, "2026-02-01")
            .evaluate();
        let c = o.clause(10);
        assert_eq!(c.status, Status::Discretionary);
        assert_eq!(c.ceiling, Money::parse("100000000").ok());
        assert_eq!(c.amount, Money::ZERO);
        // Only clause 1: 30% × 100,000 = 30,000.00.
        assert_eq!(o.total.plain(), "30000.00");
    }

    #[test]
    fn a_fixed_amount_is_the_floor_of_a_range_and_a_prior_lowers_both() {
        // Clause 11, one unnamed group: ceiling max(30,000,000, 5,000,000) = 30,000,000, floor
        // max(300,000, 5,000,000) = 5,000,000; prior 1,000,000 → 4,000,000 to 29,000,000. The
        // prior names LT, which puts it in that group (SPEC rev. 3 §4: a prior naming no item and
        // no subject is an input error; under rev. 2 it fell in the one group).
        let o = applicant()
            .enterprise()
            .recognition("LT", "leading_team_provincial", "2026-01-10")
            .recognition("EO", "entrepreneur_ouyue", "2026-02-10")
            .prior("11", "", "LT", "1000000")
            .evaluate();
        let c = o.clause(11);
        assert_eq!(c.status, Status::Discretionary);
        assert_eq!(c.ceiling, Money::parse("29000000").ok());
        assert_eq!(c.floor, Money::parse("4000000").ok());
        assert_eq!(o.item_award(11, "LT"), "0.00");
        let m = |t: &str| Money::parse(t).unwrap();
        assert!(o.item_steps(11, "EO").contains(&Step::GroupRange {
            floor: Some(m("5000000")),
            ceiling: m("30000000"),
        }));
        assert!(
            o.item_steps(11, "EO")
                .contains(&Step::PriorDeductedFromRange {
                    prior: m("1000000"),
                    floor_before: Some(m("5000000")),
                    ceiling_before: m("30000000"),
                    floor_after: Some(m("4000000")),
                    ceiling_after: m("29000000"),
                    priors: vec![PriorRef {
                        item: Some("LT".into()),
                        year: None,
                        amount: m("1000000"),
                        origin: Some("prior[1]".into()),
                    }],
                })
        );
        assert!(matches!(o.item_steps(11, "EO")[0], Step::LevelRange { .. }));
        assert!(
            o.item_steps(11, "EO")
                .iter()
                .any(|s| matches!(s, Step::UnnamedSubject { .. }))
        );
        assert_eq!(o.total, Money::ZERO);
    }

    /// A recognition naming its subject (a product, a person).
    fn subject_recognition(case: Case, id: &str, title: &str, subject: &str, date: &str) -> Case {
        case.item(
            "recognition",
            &[
                ("id", id),
                ("title", title),
                ("subject", subject),
                ("date", date),
                ("first_time", "true"),
                ("filed", "true"),
            ],
        )
    }

    #[test]
    fn each_product_is_paid_its_highest_and_a_product_moving_up_pays_the_difference() {
        // Clause 7 per product: A 国际 2,000,000 (prior 省内 500,000 for A → 1,500,000);
        // B 国内 1,000,000 and 省内 500,000 → 1,000,000. 1,500,000 + 1,000,000 = 2,500,000.
        let c = applicant().enterprise();
        let c = subject_recognition(c, "A2", "first_set_international", "产品A", "2026-03-01");
        let c = subject_recognition(c, "B1", "first_set_national", "产品B", "2026-03-02");
        let c = subject_recognition(c, "B2", "first_set_provincial", "产品B", "2025-03-02");
        let o = c.item(
            "prior",
            &[("clause", "7"), ("subject", "产品Ａ"), ("amount", "500000")],
        );
        let o = o.evaluate();
        assert_eq!(o.item_award(7, "A2"), "1500000.00");
        assert_eq!(o.item_award(7, "B1"), "1000000.00");
        assert_eq!(o.item_award(7, "B2"), "0.00");
        assert_eq!(o.award(7), "2500000.00");
        assert_eq!(o.clause(7).status, Status::Awarded);
    }

    #[test]
    fn a_thousand_products_are_each_paid_and_a_prior_deducts_from_its_own() {
        // Regression: each group was found by a search over every item. Clause 7, 1,000
        // products, each 国内 1,000,000 and 省内 500,000 (the 国内 is the highest); a prior 省内
        // 500,000 for 产品7: 999 x 1,000,000 + (1,000,000 - 500,000) = 999,500,000.
        let mut c = applicant().enterprise();
        for p in 0..1000 {
            let (id, subject) = (format!("N{p}"), format!("产品{p}"));
            c = subject_recognition(c, &id, "first_set_national", &subject, "2026-03-02");
            let id = format!("P{p}");
            c = subject_recognition(c, &id, "first_set_provincial", &subject, "2025-03-02");
        }
        let prior = [("clause", "7"), ("subject", "产品7"), ("amount", "500000")];
        let o = c.item("prior", &prior).evaluate();
        assert_eq!(o.item_award(7, "N7"), "500000.00");
        assert_eq!(o.item_award(7, "N8"), "1000000.00");
        assert_eq!(o.item_award(7, "P8"), "0.00");
        assert_eq!(o.award(7), "999500000.00");
    }

    #[test]
    fn a_prior_that_names_no_group_of_several_is_an_input_error() {
        let c = applicant().enterprise();
        let c = subject_recognition(c, "A", "first_set_national", "产品A", "2026-03-01");
        let c = subject_recognition(c, "B", "first_set_national", "产品B", "2026-03-02");
        let e = c.prior("7", "", "", "500000").try_evaluate().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("prior[1].subject"));
        assert!(e.message.contains("say which one"), "{}", e.message);
        // SPEC rev. 3 §4: even where the facts have one product (rev. 2 took the one group).
        let c = applicant().enterprise();
        let c = subject_recognition(c, "A", "first_set_national", "产品A", "2026-03-01");
        let e = c.prior("7", "", "", "500000").try_evaluate().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("prior[1].subject"));
    }

    #[test]
    fn a_poc_centre_and_a_pilot_platform_are_both_paid() {
        // Clause 8 per title: 2,000,000 + 500,000 = 2,500,000.
        let o = applicant()
            .enterprise()
            .recognition("POC", "poc_center", "2026-01-10")
            .recognition("PP", "pilot_platform", "2026-02-10")
            .evaluate();
        assert_eq!(o.award(8), "2500000.00");
    }

    #[test]
    fn groups_mixing_a_range_and_an_amount_make_the_clause_discretionary() {
        // Clause 11: 张三 leading team 5,000,000 (determinate), 李四 entrepreneur 300,000 to
        // 30,000,000: discretionary, floor 5,000,000 + 300,000 = 5,300,000, ceiling 5,000,000 +
        // 30,000,000 = 35,000,000; nothing in the total.
        let c = applicant().enterprise();
        let c = subject_recognition(c, "Z", "leading_team_provincial", "张三", "2026-01-10");
        let c = subject_recognition(c, "L", "entrepreneur_ouyue", "李四", "2026-01-11");
        let o = c.evaluate();
        let cl = o.clause(11);
        assert_eq!(cl.status, Status::Discretionary);
        assert_eq!(cl.floor, Money::parse("5300000").ok());
        assert_eq!(cl.ceiling, Money::parse("35000000").ok());
        assert_eq!(cl.amount, Money::ZERO);
        // 张三's determinate 5,000,000 is shown as the range 5,000,000 to 5,000,000 of his group.
        let z = cl.items.iter().find(|i| i.id == "Z").unwrap();
        assert_eq!(
            (z.floor, z.ceiling),
            (Money::parse("5000000").ok(), Money::parse("5000000").ok())
        );
        assert_eq!(o.item_award(11, "Z"), "0.00");
        assert_eq!(o.total, Money::ZERO);
    }

    #[test]
    fn a_prior_listed_a_thousand_times_counts_once_and_a_later_other_amount_names_the_first() {
        // Regression: priors were compared each with every other (folding ids each time).
        // 专精特新 100,000 listed 1,000 times over: 1,000,000 − 100,000 = 900,000.
        let mut a = applicant()
            .enterprise()
            .recognition("LG", "little_giant", "2026-01-10");
        for i in 0..1000 {
            a = a.prior(
                "9",
                "",
                if i % 2 == 0 { "SME" } else { " ｓｍｅ " },
                "100000",
            );
        }
        let later = a.clone().prior("9", "", "SME", "150000");
        assert_eq!(a.evaluate().award(9), "900000.00");
        let e = later.try_evaluate().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("prior[1001].amount"));
        assert!(e.message.contains("prior[1]") && e.message.contains("prior[1001]"));
    }

    #[test]
    fn identical_priors_count_once_and_different_amounts_are_an_error() {
        // Prior 专精特新 100,000 listed twice: 1,000,000 − 100,000 = 900,000.
        let o = applicant()
            .enterprise()
            .recognition("LG", "little_giant", "2026-01-10")
            .prior("9", "", "SME", "100000")
            .prior("9", "", "ｓｍｅ", "100000")
            .evaluate();
        assert_eq!(o.award(9), "900000.00");
        let e = applicant()
            .enterprise()
            .recognition("LG", "little_giant", "2026-01-10")
            .prior("9", "", "SME", "100000")
            .prior("9", "", "SME", "150000")
            .try_evaluate()
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("prior[2].amount"));
        assert!(e.message.contains("prior[1]") && e.message.contains("prior[2]"));
    }

    #[test]
    fn rnd_without_tiers_is_discretionary_for_last_year_only() {
        // As of 2026-06-30: only 2025 (上年度) qualifies; 2026 (this year), 2024 and 2023 do not.
        let o = applicant().enterprise().rnd("2025", "8000000").evaluate();
        assert_eq!(o.clause(4).status, Status::Discretionary);
        assert_eq!(o.clause(4).ceiling, Money::parse("3000000").ok());
        for year in ["2026", "2024", "2023"] {
            let o = applicant().enterprise().rnd(year, "8000000").evaluate();
            assert_eq!(o.clause(4).status, Status::Ineligible, "{year}");
        }
    }

    // ---- interest days ----

    #[test]
    fn interest_counts_the_last_day_of_the_claim_period() {
        // SPEC §4 rev. 2: `end` is counted. 2025-06-01 to 2026-05-31 inclusive: until 2026-06-01,
        // 365 days. 10,000,000 × 1.5% × 365 / 360 = 150,000 × 365 / 360 = 152,083.333… → 152,083.33.
        let o = applicant()
            .enterprise()
            .loan("L", "10000000", "2025-06-01", "2026-05-31", "300000")
            .evaluate();
        assert_eq!(o.award(12), "152083.33");
        assert!(
            o.item_steps(12, "L")
                .iter()
                .any(|s| matches!(s, Step::InterestDays { days: 365, .. }))
        );
    }

    #[test]
    fn interest_stops_the_day_after_the_as_of_date() {
        // As of 2025-12-31: 2025-06-01 to 2026-01-01 = 30+31+31+30+31+30+31 = 214 days;
        // 150,000 × 214 / 360 = 89,166.666… → 89,166.67.
        let o = applicant()
            .enterprise()
            .loan("L", "10000000", "2025-06-01", "2026-05-31", "300000")
            .as_of("2025-12-31")
            .evaluate();
        assert_eq!(o.award(12), "89166.67");
    }

    #[test]
    fn interest_starts_no_earlier_than_2025_01_01() {
        // Disbursed 2024-10-01: counted from 2025-01-01 to 2025-03-01 inclusive = 31 + 28 + 1
        // = 60 days; 10,000,000 × 1.5% × 60 / 360 = 150,000 × 60 / 360 = 25,000.00.
        let o = applicant()
            .enterprise()
            .loan("L", "10000000", "2024-10-01", "2025-03-01", "300000")
            .evaluate();
        assert_eq!(o.award(12), "25000.00");
    }

    #[test]
    fn interest_runs_at_most_two_years_from_disbursement() {
        // Disbursed 2025-01-01, claimed to 2027-12-31, as of 2027-12-31: until 2027-01-01,
        // 365 + 365 = 730 days; 1,000,000 × 1.5% × 730 / 360 = 15,000 × 730 / 360
        // = 30,416.666… → 30,416.67.
        let o = applicant()
            .enterprise()
            .loan("L", "1000000", "2025-01-01", "2027-12-31", "1000000")
            .as_of("2027-12-31")
            .evaluate();
        assert_eq!(o.award(12), "30416.67");
    }

    #[test]
    fn two_years_from_29_february_end_on_28_february() {
        // Disbursed 2024-02-29: the term ends 2026-02-28. From 2025-01-01 to 2026-02-28:
        // 365 + 31 + 27 = 423 days; 1,000,000 × 1.5% × 423 / 360 = 15,000 × 423 / 360 = 17,625.00.
        let o = applicant()
            .enterprise()
            .loan("L", "1000000", "2024-02-29", "2026-12-31", "1000000")
            .evaluate();
        assert_eq!(o.award(12), "17625.00");
    }

    #[test]
    fn interest_is_never_more_than_what_was_paid() {
        // 152,083.33 computed (as above) but only 100,000 paid → 100,000.00.
        let o = applicant()
            .enterprise()
            .loan("L", "10000000", "2025-06-01", "2026-05-31", "100000")
            .evaluate();
        assert_eq!(o.award(12), "100000.00");
    }

    #[test]
    fn a_loan_without_days_or_eligibility_pays_nothing() {
        // End before start: no day to count.
        let o = applicant()
            .enterprise()
            .loan("L", "10000000", "2026-03-01", "2026-02-01", "100000")
            .evaluate();
        assert_eq!(o.clause(12).status, Status::Ineligible);
        assert!(matches!(
            o.item_steps(12, "L")[0],
            Step::NoInterestDays { .. }
        ));
        // Eligibility not stated.
        let o = applicant()
            .enterprise()
            .item(
                "loan",
                &[
                    ("id", "L"),
                    ("principal", "1000000"),
                    ("disbursed", "2025-06-01"),
                    ("start", "2025-06-01"),
                    ("end", "2026-05-31"),
                    ("interest_paid", "100000"),
                ],
            )
            .evaluate();
        assert_eq!(o.clause(12).status, Status::Ineligible);
    }

    #[test]
    fn the_total_adds_the_clauses() {
        // 360,000 (clause 1) + 90,000 (clause 2) + 2,000,000 (clause 5, capped)
        // + 1,000,000 (clause 9) + 152,083.33 (clause 12, 365 days) = 3,602,083.33.
        let o = applicant()
            .enterprise()
            .compute("A", "1200000", AUTONOMOUS, "2026-02-01")
            .model("M", "300000", "2026-01-10")
            .project("P", "12000000", "2026-05-01")
            .recognition("LG", "little_giant", "2026-01-10")
            .loan("L", "10000000", "2025-06-01", "2026-05-31", "300000")
            .evaluate();
        assert_eq!(o.total.plain(), "3602083.33");
    }
}
