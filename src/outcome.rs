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

use crate::facts::Value;
use crate::money::{Money, Rate};

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
fn text<T: Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// One step of a computation or one reason, in policy terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    // ---- policy-wide and applicant gates ----
    /// The as-of date is outside the policy's period of effect.
    PolicyNotInForce {
        #[serde(serialize_with = "text")]
        as_of: NaiveDate,
    },
    /// The applicant's district is not one the policy covers.
    DistrictOutside { district: String },
    /// An applicant fact required by a gate is not true (`None`: not stated).
    GateUnconfirmed {
        #[serde(skip)]
        gate: usize,
        #[serde(skip)]
        field: usize,
        value: Option<bool>,
    },
    /// The clause does not cover this kind of applicant.
    KindNotCovered {
        #[serde(skip)]
        kind: u16,
    },
    // ---- item conditions ----
    DateBeforeEvents {
        #[serde(serialize_with = "text")]
        date: NaiveDate,
    },
    DateAfterAsOf {
        #[serde(serialize_with = "text")]
        date: NaiveDate,
    },
    DateAfterPolicy {
        #[serde(serialize_with = "text")]
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
        field: usize,
        found: Option<bool>,
    },
    /// A boolean fact the computation depended on was not stated and counted as false.
    Unstated {
        #[serde(skip)]
        field: usize,
    },
    /// No rate case matched the item's facts.
    NoRateCase,
    /// The claim window of an interest subsidy is empty.
    NoInterestDays {
        #[serde(serialize_with = "text")]
        from: NaiveDate,
        #[serde(serialize_with = "text")]
        until: NaiveDate,
    },
    // ---- computation ----
    RateApplied {
        #[serde(skip)]
        base_field: usize,
        base: Money,
        rate: Rate,
        #[serde(skip)]
        case: usize,
        #[serde(serialize_with = "text")]
        exact: Decimal,
        rounded: Money,
    },
    TierApplied {
        #[serde(skip)]
        base_field: usize,
        base: Money,
        #[serde(skip)]
        tier: usize,
        #[serde(serialize_with = "text")]
        exact: Decimal,
        rounded: Money,
    },
    BelowTiers {
        #[serde(skip)]
        base_field: usize,
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
        #[serde(serialize_with = "text")]
        from: NaiveDate,
        #[serde(serialize_with = "text")]
        until: NaiveDate,
        #[serde(serialize_with = "text")]
        days: i64,
        #[serde(serialize_with = "text")]
        day_basis: u32,
        #[serde(serialize_with = "text")]
        exact: Decimal,
        rounded: Money,
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
        #[serde(serialize_with = "text")]
        year: i32,
        cap: Money,
        prior: Money,
        earlier: Money,
        before: Money,
        after: Money,
    },
    /// A unit-year cap needs the item's year, and the item has none.
    NoYear,
    /// Left out by the clause's quota (a batch ranks the round's items by `rank_by`):
    /// this item ranks `rank` with `score`; the last item within the `count` places scored `cutoff`.
    QuotaExcluded {
        #[serde(serialize_with = "text")]
        count: u32,
        #[serde(serialize_with = "text")]
        rank: u32,
        #[serde(serialize_with = "text")]
        score: Decimal,
        #[serde(serialize_with = "text")]
        cutoff: Decimal,
    },
    // ---- non-duplication and prior awards ----
    /// The same item was already paid under this clause.
    AlreadyPaid { amount: Money },
    /// 就高执行: this item is the highest of the clause.
    HighestChosen {
        #[serde(serialize_with = "text")]
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
    },
    /// A discretionary ceiling is shown unchanged, whatever was paid before.
    PriorNotDeductedFromCeiling { prior: Money },
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
        ) && !matches!(self, Step::ItemCap { before, after, .. } | Step::LimitedByPaid { before, after, .. } if before == after)
            && !matches!(self, Step::AnnualCap { before, after, .. } if before == after)
            && !matches!(self, Step::PriorDeducted { prior, .. } if prior.is_zero())
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
    pub items: Vec<ItemOutcome>,
}

/// The evaluation of one applicant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    #[serde(serialize_with = "text")]
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
