//! What the evaluator returns: per clause, per item, the amount and every step that led to it.
//! Steps are data (indices and figures), not text: the renderers say them in Chinese or English.
//! Everything here is `Serialize`: a step as `{"kind": "rate_applied", "base": "1200000.00", ...}`,
//! every figure, count and date a string. Indices into the rules (a field, a condition, a rate
//! case, a gate, a tier, an enum value) are left out: only the rules can name them, and
//! `render::json` adds those names and the sentence beside each step.

use std::fmt::Display;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use crate::money::{Money, Rate};
use crate::rules::{FieldId, SectionId};
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A determinate amount (possibly 0.00 after caps and prior awards).
    Awarded,
    /// Only a ceiling (and maybe a floor) is known: the department decides the amount.
    Discretionary,
    /// No item qualifies.
    Ineligible,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Awarded => "awarded",
            Status::Discretionary => "discretionary",
            Status::Ineligible => "ineligible",
        }
    }
}

/// A figure, count or date as the decimal text its `Display` writes: JSON readers get exact strings.
fn as_text<T: Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// `Some(v)` as the decimal text its `Display` writes, `None` as null.
fn opt_text<T: Display, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

/// A prior award a step deducts or counts: what it names, so that a reason can say which one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PriorRef {
    /// The item it paid, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_text")]
    pub year: Option<i32>,
    pub amount: Money,
    /// Where it came from (a prior file and its line, or a ledger entry `台账 #seq`), when the
    /// facts carry it. Hook: the facts' `[[prior]]` has no origin yet (branch `priors` adds
    /// one); until then it is `None` and a reason names the item or year only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// One step of a computation or one reason, in policy terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    // ---- policy-wide and applicant gates ----
    /// The as-of date is outside the policy's period of effect.
    PolicyNotInForce {
        #[serde(serialize_with = "as_text")]
        as_of: NaiveDate,
    },
    /// The applicant's district is not one the policy covers.
    DistrictOutside { district: String },
    /// An applicant fact required by a gate is not true (`None`: not stated).
    GateUnconfirmed {
        #[serde(skip)]
        gate: usize,
        #[serde(skip)]
        field: FieldId,
        value: Option<bool>,
    },
    /// The clause does not cover this kind of applicant.
    KindNotCovered {
        #[serde(skip)]
        kind: u16,
    },
    // ---- item conditions ----
    DateBeforeEvents {
        #[serde(serialize_with = "as_text")]
        date: NaiveDate,
    },
    DateAfterAsOf {
        #[serde(serialize_with = "as_text")]
        date: NaiveDate,
    },
    DateAfterPolicy {
        #[serde(serialize_with = "as_text")]
        date: NaiveDate,
    },
    /// A clause condition failed; `found` is the fact as given (`None`: not stated).
    ConditionFailed {
        #[serde(skip)]
        condition: usize,
        #[serde(skip)]
        found: Option<Value>,
    },
    /// A level needs a boolean fact (新认定, 市级备案) that is not true.
    RequirementFailed {
        #[serde(skip)]
        field: FieldId,
        found: Option<bool>,
    },
    /// No rate case matched the item's facts.
    NoRateCase,
    /// The claim window of an interest subsidy is empty.
    NoInterestDays {
        #[serde(serialize_with = "as_text")]
        from: NaiveDate,
        #[serde(serialize_with = "as_text")]
        until: NaiveDate,
    },
    // ---- computation ----
    RateApplied {
        #[serde(skip)]
        base_field: FieldId,
        base: Money,
        rate: Rate,
        #[serde(skip)]
        case: usize,
        #[serde(serialize_with = "as_text")]
        exact: Decimal,
        rounded: Money,
    },
    TierApplied {
        #[serde(skip)]
        base_field: FieldId,
        base: Money,
        #[serde(skip)]
        tier: usize,
        #[serde(serialize_with = "as_text")]
        exact: Decimal,
        rounded: Money,
    },
    BelowTiers {
        #[serde(skip)]
        base_field: FieldId,
        base: Money,
    },
    /// No tiers in the rules: only a ceiling can be given.
    NoTiers { ceiling: Money },
    LevelFixed {
        #[serde(skip)]
        value: u16,
        amount: Money,
    },
    LevelRange {
        #[serde(skip)]
        value: u16,
        #[serde(skip_serializing_if = "Option::is_none")]
        floor: Option<Money>,
        ceiling: Money,
    },
    InterestDays {
        principal: Money,
        rate: Rate,
        #[serde(serialize_with = "as_text")]
        from: NaiveDate,
        #[serde(serialize_with = "as_text")]
        until: NaiveDate,
        #[serde(serialize_with = "as_text")]
        days: i64,
        #[serde(serialize_with = "as_text")]
        day_basis: u32,
        #[serde(serialize_with = "as_text")]
        exact: Decimal,
        rounded: Money,
    },
    /// Days of the claim window that earlier awards on the same loan already subsidised: left
    /// out (a day is never subsidised twice).
    DaysPaidBefore {
        #[serde(serialize_with = "as_text")]
        days: i64,
        /// What the earlier awards on the loan came to.
        amount: Money,
    },
    /// Interest subsidy limited to the interest actually paid.
    LimitedByPaid {
        paid: Money,
        before: Money,
        after: Money,
    },
    /// Per-item cap.
    ItemCap {
        cap: Money,
        before: Money,
        after: Money,
    },
    /// Per unit and year: what prior awards and earlier items took from the cap.
    AnnualCap {
        #[serde(serialize_with = "as_text")]
        year: i32,
        cap: Money,
        prior: Money,
        earlier: Money,
        before: Money,
        after: Money,
        /// The prior awards of that year, each named.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        priors: Vec<PriorRef>,
    },
    /// A unit-year cap needs the item's year, and the item has none.
    NoYear,
    /// Left out by the clause's quota (a batch ranks the round's items by `rank_by`):
    /// `taken` of the `count` places are held by earlier rounds; this item ranks `rank` with
    /// `score` among the rest; the last item within the places scored `cutoff`.
    QuotaExcluded {
        #[serde(serialize_with = "as_text")]
        count: u32,
        #[serde(serialize_with = "as_text")]
        taken: u32,
        #[serde(serialize_with = "as_text")]
        rank: u32,
        #[serde(serialize_with = "as_text")]
        score: Decimal,
        #[serde(serialize_with = "as_text")]
        cutoff: Decimal,
    },
    // ---- non-duplication and prior awards ----
    /// The same item was already paid under this clause.
    AlreadyPaid {
        amount: Money,
        /// The year the prior award names, if any.
        #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_text")]
        year: Option<i32>,
        /// Where the awards that paid it came from (`prior[2]`, `out1.csv:5`, `台账 #3`), so
        /// that an auditor finds the payment.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        origins: Vec<String>,
    },
    /// 就高执行: this item is the highest of the clause.
    HighestChosen {
        #[serde(serialize_with = "as_text")]
        competitors: usize,
    },
    /// 就高执行: a higher (or equal, earlier) item of the clause wins.
    NotHighest {
        winner: String,
        winner_amount: Money,
    },
    /// Earlier awards under this clause are deducted (moving up a level pays the difference).
    PriorDeducted {
        #[serde(rename = "deducted")]
        prior: Money,
        before: Money,
        after: Money,
        /// The prior awards deducted, each named.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        priors: Vec<PriorRef>,
    },
    /// The item names no value of the clause's group fact (`subject`): it is grouped with the
    /// unit's other unnamed subjects.
    UnnamedSubject {
        #[serde(skip)]
        field: FieldId,
    },
    /// 就高执行 over ranges: the group's floor is the largest fixed amount or floor among its
    /// items, its ceiling the largest ceiling or fixed amount.
    GroupRange {
        #[serde(skip_serializing_if = "Option::is_none")]
        floor: Option<Money>,
        ceiling: Money,
    },
    /// Earlier awards under the clause and group deducted from a range's floor and ceiling.
    PriorDeductedFromRange {
        #[serde(rename = "deducted")]
        prior: Money,
        #[serde(skip_serializing_if = "Option::is_none")]
        floor_before: Option<Money>,
        ceiling_before: Money,
        #[serde(skip_serializing_if = "Option::is_none")]
        floor_after: Option<Money>,
        ceiling_after: Money,
        /// The prior awards deducted, each named.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        priors: Vec<PriorRef>,
    },
    // ---- checks passed (explain shows them; no reason) ----
    /// The as-of date is within the policy's period of effect.
    PolicyInForce {
        #[serde(serialize_with = "as_text")]
        as_of: NaiveDate,
    },
    /// The applicant's district is one the policy covers.
    DistrictInside { district: String },
    /// An applicant fact a gate requires is true.
    GateConfirmed {
        #[serde(skip)]
        gate: usize,
        #[serde(skip)]
        field: FieldId,
    },
    /// The clause covers this kind of applicant.
    KindCovered {
        #[serde(skip)]
        kind: u16,
    },
    /// The item's date lies in the window events count in: from `from` to `until`, both counted.
    DateInWindow {
        #[serde(serialize_with = "as_text")]
        date: NaiveDate,
        #[serde(serialize_with = "as_text")]
        from: NaiveDate,
        #[serde(serialize_with = "as_text")]
        until: NaiveDate,
    },
}

impl Step {
    /// Whether this step explains why an item pays nothing or less than it otherwise would.
    pub fn is_reason(&self) -> bool {
        !matches!(
            self,
            Step::RateApplied { .. }
                | Step::TierApplied { .. }
                | Step::LevelFixed { .. }
                | Step::LevelRange { .. }
                | Step::InterestDays { .. }
                | Step::HighestChosen { .. }
        ) && !self.is_check()
            && !matches!(self, Step::ItemCap { before, after, .. } | Step::LimitedByPaid { before, after, .. } if before == after)
            && !matches!(self, Step::AnnualCap { before, after, .. } if before == after)
            && !matches!(self, Step::PriorDeducted { prior, .. } if prior.is_zero())
    }
}

impl Step {
    /// Whether this step is a check that passed (a gate, a date window): shown by explain only.
    pub fn is_check(&self) -> bool {
        matches!(
            self,
            Step::PolicyInForce { .. }
                | Step::DistrictInside { .. }
                | Step::GateConfirmed { .. }
                | Step::KindCovered { .. }
                | Step::DateInWindow { .. }
        )
    }
}

/// One item (a contract, a recognition, a loan) under one clause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemOutcome {
    /// Index within its facts section (file order).
    pub index: usize,
    pub id: String,
    /// Whether it met the clause's conditions.
    pub qualifies: bool,
    pub amount: Money,
    /// For a discretionary item: the range the department decides within.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ceiling: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor: Option<Money>,
    /// Already paid (a prior award of the same clause and item): it pays nothing again and
    /// has its own status, 已兑现 / `paid` (SPEC §5).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub paid: bool,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClauseOutcome {
    pub clause: u32,
    pub status: Status,
    pub amount: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ceiling: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor: Option<Money>,
    /// Gates that failed for the whole clause (policy dates, district, applicant).
    pub gates: Vec<Step>,
    /// Gates checked and passed (explain shows them beside the failed ones).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub passed: Vec<Step>,
    pub items: Vec<ItemOutcome>,
}

/// The evaluation of one applicant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    #[serde(serialize_with = "as_text")]
    pub as_of: NaiveDate,
    pub rules_digest: String,
    pub name: String,
    pub credit_code: String,
    pub district: String,
    pub clauses: Vec<ClauseOutcome>,
    /// The sum of determinate amounts.
    pub total: Money,
}

impl Outcome {
    /// Discretionary clauses: (clause, floor, ceiling), reported apart from the total.
    pub fn discretionary(&self) -> impl Iterator<Item = &ClauseOutcome> {
        self.clauses
            .iter()
            .filter(|c| c.status == Status::Discretionary)
    }
}

/// The items a clause quota left out, and why (SPEC §4), handed to the evaluator beside the
/// facts: the facts are what the applicant said; these are the round's decision about them.
#[derive(Clone, Debug, Default)]
pub struct Exclusions(Vec<Exclusion>);

/// One item a quota left out of a clause.
#[derive(Clone, Debug)]
pub struct Exclusion {
    pub section: SectionId,
    /// The item's place among its section's items.
    pub index: usize,
    pub clause: u32,
    pub why: Step,
}

impl Exclusions {
    pub fn push(&mut self, e: Exclusion) {
        self.0.push(e);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Why a clause's quota left out the `index`-th item of `section`, if it did.
    pub fn of(&self, section: SectionId, index: usize, clause: u32) -> Option<&Step> {
        (self.0.iter())
            .find(|e| e.section == section && e.index == index && e.clause == clause)
            .map(|e| &e.why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(yuan: i64) -> Money {
        Money::from_integer(yuan).expect("a small amount")
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    /// One step of each kind, with the kind name the JSON gives it. The match has no catch-all,
    /// so a new kind of step does not compile until it is listed here.
    fn every_step() -> Vec<(Step, &'static str)> {
        let rate = Rate::parse("30%").expect("a rate");
        let exact = Decimal::new(3_600_005, 1);
        let all = vec![
            Step::PolicyNotInForce {
                as_of: day("2028-01-01"),
            },
            Step::DistrictOutside {
                district: "瑞安市".into(),
            },
            Step::GateUnconfirmed {
                gate: 0,
                field: FieldId(1),
                value: Some(false),
            },
            Step::KindNotCovered { kind: 2 },
            Step::DateBeforeEvents {
                date: day("2024-12-31"),
            },
            Step::DateAfterAsOf {
                date: day("2026-07-01"),
            },
            Step::DateAfterPolicy {
                date: day("2028-01-01"),
            },
            Step::ConditionFailed {
                condition: 0,
                found: Some(Value::Bool(false)),
            },
            Step::RequirementFailed {
                field: FieldId(3),
                found: None,
            },
            Step::NoRateCase,
            Step::NoInterestDays {
                from: day("2026-01-01"),
                until: day("2026-01-01"),
            },
            Step::DaysPaidBefore {
                days: 120,
                amount: money(50_000),
            },
            Step::RateApplied {
                base_field: FieldId(2),
                base: money(1_200_000),
                rate,
                case: 0,
                exact,
                rounded: money(360_001),
            },
            Step::TierApplied {
                base_field: FieldId(2),
                base: money(8_000_000),
                tier: 1,
                exact: Decimal::new(500_000, 0),
                rounded: money(500_000),
            },
            Step::BelowTiers {
                base_field: FieldId(2),
                base: money(10),
            },
            Step::NoTiers {
                ceiling: money(3_000_000),
            },
            Step::LevelFixed {
                value: 1,
                amount: money(150_000),
            },
            Step::LevelRange {
                value: 1,
                floor: Some(money(100_000)),
                ceiling: money(1_000_000),
            },
            Step::InterestDays {
                principal: money(10_000_000),
                rate,
                from: day("2025-06-01"),
                until: day("2026-05-31"),
                days: 364,
                day_basis: 360,
                exact,
                rounded: money(151_667),
            },
            Step::LimitedByPaid {
                paid: money(300_000),
                before: money(2),
                after: money(1),
            },
            Step::ItemCap {
                cap: money(2_000_000),
                before: money(2_400_000),
                after: money(2_000_000),
            },
            Step::AnnualCap {
                year: 2026,
                cap: money(500_000),
                prior: money(100_000),
                earlier: money(360_000),
                before: money(80_000),
                after: money(40_000),
                priors: vec![PriorRef {
                    item: Some("HT-000".into()),
                    year: Some(2026),
                    amount: money(100_000),
                    origin: None,
                }],
            },
            Step::NoYear,
            Step::QuotaExcluded {
                count: 20,
                taken: 0,
                rank: 21,
                score: Decimal::new(875, 1),
                cutoff: Decimal::new(90, 0),
            },
            Step::AlreadyPaid {
                amount: money(90_000),
                year: Some(2026),
                origins: vec!["台账 #3".into()],
            },
            Step::HighestChosen { competitors: 1 },
            Step::NotHighest {
                winner: "RZ-001".into(),
                winner_amount: money(1_000_000),
            },
            Step::PriorDeducted {
                prior: money(100_000),
                before: money(1_000_000),
                after: money(900_000),
                priors: Vec::new(),
            },
            Step::UnnamedSubject { field: FieldId(2) },
            Step::GroupRange {
                floor: Some(money(5_000_000)),
                ceiling: money(30_000_000),
            },
            Step::PriorDeductedFromRange {
                prior: money(1_000_000),
                floor_before: Some(money(5_000_000)),
                ceiling_before: money(30_000_000),
                floor_after: Some(money(4_000_000)),
                ceiling_after: money(29_000_000),
                priors: Vec::new(),
            },
            Step::PolicyInForce {
                as_of: day("2026-06-30"),
            },
            Step::DistrictInside {
                district: "鹿城区".into(),
            },
            Step::GateConfirmed {
                gate: 0,
                field: FieldId(1),
            },
            Step::KindCovered { kind: 0 },
            Step::DateInWindow {
                date: day("2026-02-01"),
                from: day("2025-01-01"),
                until: day("2026-06-30"),
            },
        ];
        all.into_iter()
            .map(|s| {
                let kind = match &s {
                    Step::PolicyNotInForce { .. } => "policy_not_in_force",
                    Step::DistrictOutside { .. } => "district_outside",
                    Step::GateUnconfirmed { .. } => "gate_unconfirmed",
                    Step::KindNotCovered { .. } => "kind_not_covered",
                    Step::DateBeforeEvents { .. } => "date_before_events",
                    Step::DateAfterAsOf { .. } => "date_after_as_of",
                    Step::DateAfterPolicy { .. } => "date_after_policy",
                    Step::ConditionFailed { .. } => "condition_failed",
                    Step::RequirementFailed { .. } => "requirement_failed",
                    Step::NoRateCase => "no_rate_case",
                    Step::NoInterestDays { .. } => "no_interest_days",
                    Step::RateApplied { .. } => "rate_applied",
                    Step::TierApplied { .. } => "tier_applied",
                    Step::BelowTiers { .. } => "below_tiers",
                    Step::NoTiers { .. } => "no_tiers",
                    Step::LevelFixed { .. } => "level_fixed",
                    Step::LevelRange { .. } => "level_range",
                    Step::InterestDays { .. } => "interest_days",
                    Step::DaysPaidBefore { .. } => "days_paid_before",
                    Step::LimitedByPaid { .. } => "limited_by_paid",
                    Step::ItemCap { .. } => "item_cap",
                    Step::AnnualCap { .. } => "annual_cap",
                    Step::NoYear => "no_year",
                    Step::QuotaExcluded { .. } => "quota_excluded",
                    Step::AlreadyPaid { .. } => "already_paid",
                    Step::HighestChosen { .. } => "highest_chosen",
                    Step::NotHighest { .. } => "not_highest",
                    Step::PriorDeducted { .. } => "prior_deducted",
                    Step::UnnamedSubject { .. } => "unnamed_subject",
                    Step::GroupRange { .. } => "group_range",
                    Step::PriorDeductedFromRange { .. } => "prior_deducted_from_range",
                    Step::PolicyInForce { .. } => "policy_in_force",
                    Step::DistrictInside { .. } => "district_inside",
                    Step::GateConfirmed { .. } => "gate_confirmed",
                    Step::KindCovered { .. } => "kind_covered",
                    Step::DateInWindow { .. } => "date_in_window",
                };
                (s, kind)
            })
            .collect()
    }

    #[test]
    fn every_step_serialises_with_its_kind_and_its_numbers_as_strings() {
        let all = every_step();
        assert_eq!(all.len(), 36);
        for (step, kind) in &all {
            let v = serde_json::to_value(step).expect("a step serialises");
            let map = v.as_object().expect("a step is an object");
            assert_eq!(map["kind"], *kind, "{step:?}");
            for (key, value) in map {
                // Figures, counts and dates are strings; only a yes/no fact stays a boolean; the
                // priors a step names are objects of strings, their origins strings.
                let plain = |v: &serde_json::Value| v.is_string() || v.is_boolean() || v.is_null();
                let named = value.as_array().is_some_and(|a| {
                    a.iter().all(|p| {
                        p.is_string() || p.as_object().is_some_and(|o| o.values().all(plain))
                    })
                });
                assert!(plain(value) || named, "{kind}.{key} = {value}");
            }
        }
    }

    #[test]
    fn step_figures_come_out_exact() {
        let all = every_step();
        let json = |kind: &str| {
            let (step, _) = all.iter().find(|(_, k)| *k == kind).expect("listed");
            serde_json::to_value(step).expect("serialises")
        };
        let rate = json("rate_applied");
        assert_eq!(rate["base"], "1200000.00");
        assert_eq!(rate["rate"], "0.30");
        assert_eq!(rate["exact"], "360000.5");
        assert_eq!(rate["rounded"], "360001.00");
        // Indices into the rules are left to the renderers, which can name them.
        assert!(rate.get("base_field").is_none() && rate.get("case").is_none());
        let interest = json("interest_days");
        assert_eq!(interest["days"], "364");
        assert_eq!(interest["day_basis"], "360");
        assert_eq!(interest["from"], "2025-06-01");
        let cap = json("annual_cap");
        assert_eq!(cap["year"], "2026");
        assert_eq!(cap["before"], "80000.00");
        assert_eq!(cap["after"], "40000.00");
        assert_eq!(json("prior_deducted")["deducted"], "100000.00");
        assert_eq!(json("quota_excluded")["score"], "87.5");
        assert_eq!(cap["priors"][0]["item"], "HT-000");
        assert_eq!(cap["priors"][0]["year"], "2026");
        assert_eq!(json("already_paid")["year"], "2026");
        assert_eq!(json("already_paid")["origins"][0], "台账 #3");
        assert_eq!(json("date_in_window")["until"], "2026-06-30");
        assert_eq!(json("gate_unconfirmed")["value"], false);
        assert_eq!(json("requirement_failed")["found"], serde_json::Value::Null);
        assert_eq!(json("no_year"), serde_json::json!({"kind": "no_year"}));
    }

    #[test]
    fn an_outcome_serialises_with_its_clauses_and_items() {
        let item = ItemOutcome {
            index: 0,
            id: "HT-001".into(),
            qualifies: true,
            amount: money(360_000),
            ceiling: None,
            floor: None,
            paid: false,
            steps: vec![Step::NoYear],
        };
        let outcome = Outcome {
            as_of: day("2026-06-30"),
            rules_digest: "abc".into(),
            name: "甲".into(),
            credit_code: "91330302MA2H00001Y".into(),
            district: "鹿城区".into(),
            clauses: vec![ClauseOutcome {
                clause: 1,
                status: Status::Awarded,
                amount: money(360_000),
                ceiling: None,
                floor: None,
                gates: Vec::new(),
                passed: Vec::new(),
                items: vec![item],
            }],
            total: money(360_000),
        };
        let v = serde_json::to_value(&outcome).expect("serialises");
        assert_eq!(v["as_of"], "2026-06-30");
        assert_eq!(v["total"], "360000.00");
        assert_eq!(v["clauses"][0]["status"], "awarded");
        assert_eq!(v["clauses"][0]["items"][0]["amount"], "360000.00");
        assert_eq!(v["clauses"][0]["items"][0]["steps"][0]["kind"], "no_year");
        assert!(v["clauses"][0].get("ceiling").is_none());
    }
}
