//! The evaluator: one function, `evaluate`, takes the rules, one applicant's facts and the
//! as-of date, and returns every clause's outcome with the steps that produced it.
//! The single case, the batch and `explain` all call it; nothing else computes an award.
//!
//! Order of work, per clause: policy-wide gates (dates, district, applicant), the clause's
//! applicant kinds, then per item: date window, conditions, formula, rounding, per-item cap,
//! prior payment of the same item; then the clause's combination (sum under the annual cap in
//! item order, or 就高执行 with prior awards deducted).

use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::Decimal;

use crate::error::InputError;
use crate::facts::{Facts, Item, Value};
use crate::money::{Money, MoneyError};
use crate::outcome::{ClauseOutcome, ItemOutcome, Outcome, Status, Step};
use crate::rules::clause::{Cap, Tier};
use crate::rules::{Award, CapScope, Clause, CombineMode, Condition, Payout, RuleSet};

/// An award already granted under this policy.
#[derive(Clone, Debug)]
struct Prior<'a> {
    clause: u32,
    year: Option<i32>,
    item: Option<&'a str>,
    amount: Money,
}

/// Evaluates one applicant. Errors are input errors (a prior without the year its clause needs,
/// an amount so large the arithmetic would overflow), located in the facts source.
pub fn evaluate(rules: &RuleSet, facts: &Facts, as_of: NaiveDate) -> Result<Outcome, InputError> {
    let roles = &rules.roles;
    let applicant = facts.single(roles.applicant).ok_or_else(|| {
        InputError::new(
            &facts.source,
            "缺少 [applicant] 表 / the [applicant] table is missing",
        )
        .field("applicant")
    })?;
    let priors = collect_priors(rules, facts)?;
    let district = applicant
        .text(roles.district)
        .unwrap_or_default()
        .to_string();
    let kind = applicant.enum_value(roles.kind);
    let policy_gates = policy_gates(rules, applicant, &district, kind, as_of);

    let mut clauses = Vec::new();
    let mut total = Money::ZERO;
    for clause in &rules.clauses {
        let claimed: Vec<(usize, &Item)> = facts
            .items(clause.section)
            .iter()
            .enumerate()
            .filter(|(_, item)| clause.claims(item))
            .collect();
        if claimed.is_empty() {
            continue;
        }
        let mut gates = policy_gates.clone();
        if let Some(k) = kind
            && !clause.applicants.contains(&k)
        {
            gates.push(Step::KindNotCovered { kind: k });
        }
        let outcome = if gates.is_empty() {
            evaluate_clause(rules, clause, &claimed, &priors, as_of, facts)?
        } else {
            ineligible(rules, clause, &claimed, gates)
        };
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
/// applicant facts some kinds must confirm (附则1).
fn policy_gates(
    rules: &RuleSet,
    applicant: &Item,
    district: &str,
    kind: Option<u16>,
    as_of: NaiveDate,
) -> Vec<Step> {
    let p = &rules.policy;
    let mut gates = Vec::new();
    if as_of < p.effective_from || as_of > p.effective_until {
        gates.push(Step::PolicyNotInForce { as_of });
    }
    if !p.districts.iter().any(|d| d == district) {
        gates.push(Step::DistrictOutside {
            district: district.to_string(),
        });
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
            }
        }
    }
    gates
}

fn ineligible(
    rules: &RuleSet,
    clause: &Clause,
    claimed: &[(usize, &Item)],
    gates: Vec<Step>,
) -> ClauseOutcome {
    let section = rules.section(clause.section);
    ClauseOutcome {
        clause: clause.number,
        status: Status::Ineligible,
        amount: Money::ZERO,
        ceiling: None,
        floor: None,
        gates,
        items: claimed
            .iter()
            .map(|(index, item)| ItemOutcome {
                index: *index,
                id: item.key(section),
                qualifies: false,
                amount: Money::ZERO,
                ceiling: None,
                floor: None,
                steps: Vec::new(),
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
    claimed: &[(usize, &Item)],
    priors: &[Prior<'_>],
    as_of: NaiveDate,
    facts: &Facts,
) -> Result<ClauseOutcome, InputError> {
    let section = rules.section(clause.section);
    let mut items: Vec<ItemOutcome> = Vec::with_capacity(claimed.len());
    let mut payables: Vec<Option<Payable>> = Vec::with_capacity(claimed.len());
    for (index, item) in claimed {
        let mut steps = Vec::new();
        let payable = evaluate_item(rules, clause, item, as_of, &mut steps)
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
            steps,
        });
        payables.push(payable);
    }

    let clause_priors = priors.iter().filter(|p| p.clause == clause.number);
    match clause.combine {
        CombineMode::Sum => combine_sum(clause, claimed, &mut items, clause_priors),
        CombineMode::Highest => combine_highest(&mut items, &payables, clause_priors),
    }

    let mut amount = Money::ZERO;
    let mut ceiling: Option<Money> = None;
    let mut floor: Option<Money> = None;
    for it in items.iter().filter(|i| i.qualifies) {
        amount = amount
            .checked_add(it.amount)
            .map_err(|e| overflow(facts, e))?;
        if let Some(c) = it.ceiling {
            ceiling = Some(
                ceiling
                    .unwrap_or(Money::ZERO)
                    .checked_add(c)
                    .map_err(|e| overflow(facts, e))?,
            );
            if let Some(f) = it.floor {
                floor = Some(
                    floor
                        .unwrap_or(Money::ZERO)
                        .checked_add(f)
                        .map_err(|e| overflow(facts, e))?,
                );
            }
        }
    }
    let status = if !items.iter().any(|i| i.qualifies) {
        Status::Ineligible
    } else if ceiling.is_some() {
        Status::Discretionary
    } else {
        Status::Awarded
    };
    Ok(ClauseOutcome {
        clause: clause.number,
        status,
        amount,
        ceiling,
        floor,
        gates: Vec::new(),
        items,
    })
}

/// Date window, conditions and formula for one item; `None` when it does not qualify.
fn evaluate_item(
    rules: &RuleSet,
    clause: &Clause,
    item: &Item,
    as_of: NaiveDate,
    steps: &mut Vec<Step>,
) -> Result<Option<Payable>, MoneyError> {
    let p = &rules.policy;
    let dp = p.rounding_dp;
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
        }
    }
    for (ci, cond) in clause.conditions.iter().enumerate() {
        let met = match cond {
            Condition::IsTrue { field } => item.flag(*field),
            Condition::Equals { field, value } => item.enum_value(*field) == Some(*value),
            Condition::YearBetween {
                field,
                from,
                years_before_as_of,
            } => item
                .year(*field)
                .is_some_and(|y| y >= *from && y <= as_of.year() - years_before_as_of),
        };
        if !met {
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
    if let Some(step) = &item.excluded {
        steps.push(step.as_ref().clone());
        ok = false;
    }
    if !ok {
        return Ok(None);
    }

    let payable = match &clause.award {
        Award::Rate { base, cases } => {
            let Some(case) = cases.iter().position(|c| {
                c.when.iter().all(|(f, v)| match v {
                    Value::Bool(b) => item.flag(*f) == *b,
                    other => item.get(*f) == Some(other),
                })
            }) else {
                steps.push(Step::NoRateCase);
                return Ok(None);
            };
            let base_amount = item.money(*base).unwrap_or_default();
            let rate = cases[case].rate;
            let exact = mul(base_amount.as_decimal(), rate.as_decimal())?;
            let rounded = Money::round(exact, dp)?;
            steps.push(Step::RateApplied {
                base_field: *base,
                base: base_amount,
                rate,
                case,
                exact,
                rounded,
            });
            Payable::Fixed(rounded)
        }
        Award::Tiers {
            base,
            ceiling,
            tiers,
        } => {
            let base_amount = item.money(*base).unwrap_or_default();
            if tiers.is_empty() {
                steps.push(Step::NoTiers { ceiling: *ceiling });
                Payable::Range {
                    floor: None,
                    ceiling: *ceiling,
                }
            } else {
                let Some(ti) = tiers.iter().rposition(|t| t.from() <= base_amount) else {
                    steps.push(Step::BelowTiers {
                        base_field: *base,
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
                    base_field: *base,
                    base: base_amount,
                    tier: ti,
                    exact,
                    rounded,
                });
                let after = rounded.min(*ceiling);
                steps.push(Step::ItemCap {
                    cap: *ceiling,
                    before: rounded,
                    after,
                });
                Payable::Fixed(after)
            }
        }
        Award::Levels { by, levels } => {
            let value = item.enum_value(*by).unwrap_or_default();
            match levels.iter().find(|l| l.value == value).map(|l| l.payout) {
                Some(Payout::Fixed(amount)) => {
                    steps.push(Step::LevelFixed { value, amount });
                    Payable::Fixed(amount)
                }
                Some(Payout::Range { floor, ceiling }) => {
                    steps.push(Step::LevelRange {
                        value,
                        floor,
                        ceiling,
                    });
                    Payable::Range { floor, ceiling }
                }
                None => return Ok(None),
            }
        }
        Award::Interest {
            principal,
            start,
            end,
            disbursed,
            paid,
            rate,
            day_basis,
            term_years,
        } => {
            let (Some(s), Some(e), Some(d)) =
                (item.date(*start), item.date(*end), item.date(*disbursed))
            else {
                return Ok(None);
            };
            // 算头不算尾: the first day counts, the last does not.
            let from = s.max(d).max(p.events_from);
            let term_end = d
                .checked_add_months(Months::new(term_years * 12))
                .unwrap_or(NaiveDate::MAX);
            let until = e
                .min(term_end)
                .min(next_day(p.effective_until))
                .min(next_day(as_of));
            let days = (until - from).num_days();
            if days <= 0 {
                steps.push(Step::NoInterestDays { from, until });
                return Ok(None);
            }
            let principal_amount = item.money(*principal).unwrap_or_default();
            let exact = mul(
                mul(principal_amount.as_decimal(), rate.as_decimal())?,
                Decimal::from(days),
            )?
            .checked_div(Decimal::from(*day_basis))
            .ok_or(MoneyError::Overflow)?;
            let rounded = Money::round(exact, dp)?;
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
            Payable::Fixed(after)
        }
    };

    Ok(Some(match (payable, &clause.cap) {
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
    }))
}

/// Items add up; a unit-year cap is shared in item order with the prior awards of that year.
fn combine_sum<'a>(
    clause: &Clause,
    claimed: &[(usize, &Item)],
    items: &mut [ItemOutcome],
    priors: impl Iterator<Item = &'a Prior<'a>> + Clone,
) {
    let annual = clause
        .cap
        .as_ref()
        .filter(|c| c.scope == CapScope::UnitYear);
    // (year, used by earlier items of this evaluation)
    let mut used: Vec<(i32, Money)> = Vec::new();
    for (out, (_, item)) in items.iter_mut().zip(claimed) {
        if !out.qualifies || out.ceiling.is_some() {
            continue;
        }
        if let Some(prior) = priors.clone().find(|p| p.item == Some(out.id.as_str())) {
            out.steps.push(Step::AlreadyPaid {
                amount: prior.amount,
            });
            out.amount = Money::ZERO;
            continue;
        }
        let Some(cap) = annual else { continue };
        let Some(year) = cap.year_field.and_then(|f| item.year(f)) else {
            out.steps.push(Step::NoYear);
            out.amount = Money::ZERO;
            continue;
        };
        let prior_sum = priors
            .clone()
            .filter(|p| p.year == Some(year))
            .fold(Money::ZERO, |acc, p| {
                acc.checked_add(p.amount).unwrap_or(acc)
            });
        let slot = match used.iter().position(|(y, _)| *y == year) {
            Some(i) => i,
            None => {
                used.push((year, Money::ZERO));
                used.len() - 1
            }
        };
        let earlier = used[slot].1;
        let room = cap.amount.saturating_sub(prior_sum).saturating_sub(earlier);
        let after = out.amount.min(room);
        out.steps.push(Step::AnnualCap {
            year,
            cap: cap.amount,
            prior: prior_sum,
            earlier,
            before: out.amount,
            after,
        });
        out.amount = after;
        used[slot].1 = earlier.checked_add(after).unwrap_or(earlier);
    }
}

/// 就高执行、不重复享受: the single highest award of the clause, less every prior award of it.
fn combine_highest<'a>(
    items: &mut [ItemOutcome],
    payables: &[Option<Payable>],
    priors: impl Iterator<Item = &'a Prior<'a>>,
) {
    let prior_sum = priors.fold(Money::ZERO, |acc, p| {
        acc.checked_add(p.amount).unwrap_or(acc)
    });
    let ceiling_of = |p: &Payable| match p {
        Payable::Fixed(m) => *m,
        Payable::Range { ceiling, .. } => *ceiling,
    };
    // The first of the highest wins a tie: file order decides, as it does for caps.
    let mut winner: Option<usize> = None;
    for (i, p) in payables.iter().enumerate() {
        if let Some(p) = p
            && winner.is_none_or(|w| ceiling_of(p) > ceiling_of(payables[w].as_ref().unwrap_or(p)))
        {
            winner = Some(i);
        }
    }
    let Some(w) = winner else { return };
    let competitors = payables.iter().filter(|p| p.is_some()).count() - 1;
    let winner_id = items[w].id.clone();
    let winner_amount = payables[w].as_ref().map(ceiling_of).unwrap_or_default();
    for (i, out) in items.iter_mut().enumerate() {
        if !out.qualifies {
            continue;
        }
        if i == w {
            out.steps.push(Step::HighestChosen { competitors });
            match &payables[w] {
                Some(Payable::Fixed(m)) => {
                    let after = m.saturating_sub(prior_sum);
                    out.steps.push(Step::PriorDeducted {
                        prior: prior_sum,
                        before: *m,
                        after,
                    });
                    out.amount = after;
                }
                Some(Payable::Range { .. }) if !prior_sum.is_zero() => {
                    out.steps
                        .push(Step::PriorNotDeductedFromCeiling { prior: prior_sum });
                }
                _ => {}
            }
        } else {
            out.steps.push(Step::NotHighest {
                winner: winner_id.clone(),
                winner_amount,
            });
            out.amount = Money::ZERO;
            out.ceiling = None;
            out.floor = None;
        }
    }
}

fn collect_priors<'a>(rules: &RuleSet, facts: &'a Facts) -> Result<Vec<Prior<'a>>, InputError> {
    let r = &rules.roles;
    let mut out = Vec::new();
    for (i, item) in facts.items(r.prior).iter().enumerate() {
        let here = |field: &str, msg: String| {
            let mut e =
                InputError::new(&facts.source, msg).field(format!("prior[{}].{field}", i + 1));
            e.line = Some(item.line);
            e
        };
        let number = item.int(r.prior_clause).unwrap_or_default();
        let Some(clause) = u32::try_from(number).ok().and_then(|n| rules.clause(n)) else {
            let known: Vec<String> = rules.clauses.iter().map(|c| c.number.to_string()).collect();
            return Err(here(
                "clause",
                format!(
                    "规则中没有第 {number} 条，应为: {} / no clause {number} in the rules; expected one of: {}",
                    known.join(", "),
                    known.join(", ")
                ),
            ));
        };
        let year = item.int(r.prior_year).and_then(|y| i32::try_from(y).ok());
        let annual = clause
            .cap
            .as_ref()
            .is_some_and(|c| c.scope == CapScope::UnitYear);
        if annual && year.is_none() {
            return Err(here(
                "year",
                format!(
                    "第 {} 条有年度上限，已获奖补须填写年度 year / clause {} has an annual cap: the prior award needs its year",
                    clause.number, clause.number
                ),
            ));
        }
        out.push(Prior {
            clause: clause.number,
            year,
            item: item.text(r.prior_item),
            amount: item.money(r.prior_amount).unwrap_or_default(),
        });
    }
    Ok(out)
}

fn mul(a: Decimal, b: Decimal) -> Result<Decimal, MoneyError> {
    a.checked_mul(b).ok_or(MoneyError::Overflow)
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}

fn overflow(facts: &Facts, e: MoneyError) -> InputError {
    InputError::new(&facts.source, e.to_string())
}
