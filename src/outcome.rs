//! What the evaluator returns: per clause, per item, the amount and every step that led to it.
//! Steps are data (indices and figures), not text: the renderers say them in Chinese or English.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::facts::Value;
use crate::money::{Money, Rate};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// One step of a computation or one reason, in policy terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    // ---- policy-wide and applicant gates ----
    /// The as-of date is outside the policy's period of effect.
    PolicyNotInForce {
        as_of: NaiveDate,
    },
    /// The applicant's district is not one the policy covers.
    DistrictOutside {
        district: String,
    },
    /// An applicant fact required by a gate is not true (`None`: not stated).
    GateUnconfirmed {
        gate: usize,
        field: usize,
        value: Option<bool>,
    },
    /// The clause does not cover this kind of applicant.
    KindNotCovered {
        kind: u16,
    },
    // ---- item conditions ----
    DateBeforeEvents {
        date: NaiveDate,
    },
    DateAfterAsOf {
        date: NaiveDate,
    },
    DateAfterPolicy {
        date: NaiveDate,
    },
    /// A clause condition failed; `found` is the fact as given (`None`: not stated).
    ConditionFailed {
        condition: usize,
        found: Option<Value>,
    },
    /// A level needs a boolean fact (新认定, 市级备案) that is not true.
    RequirementFailed {
        field: usize,
        found: Option<bool>,
    },
    /// A boolean fact the computation depended on was not stated and counted as false.
    Unstated {
        field: usize,
    },
    /// No rate case matched the item's facts.
    NoRateCase,
    /// The claim window of an interest subsidy is empty.
    NoInterestDays {
        from: NaiveDate,
        until: NaiveDate,
    },
    // ---- computation ----
    RateApplied {
        base_field: usize,
        base: Money,
        rate: Rate,
        case: usize,
        exact: Decimal,
        rounded: Money,
    },
    TierApplied {
        base_field: usize,
        base: Money,
        tier: usize,
        exact: Decimal,
        rounded: Money,
    },
    BelowTiers {
        base_field: usize,
        base: Money,
    },
    /// No tiers in the rules: only a ceiling can be given.
    NoTiers {
        ceiling: Money,
    },
    LevelFixed {
        value: u16,
        amount: Money,
    },
    LevelRange {
        value: u16,
        floor: Option<Money>,
        ceiling: Money,
    },
    InterestDays {
        principal: Money,
        rate: Rate,
        from: NaiveDate,
        until: NaiveDate,
        days: i64,
        day_basis: u32,
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
        count: u32,
        rank: u32,
        score: Decimal,
        cutoff: Decimal,
    },
    // ---- non-duplication and prior awards ----
    /// The same item was already paid under this clause.
    AlreadyPaid {
        amount: Money,
    },
    /// 就高执行: this item is the highest of the clause.
    HighestChosen {
        competitors: usize,
    },
    /// 就高执行: a higher (or equal, earlier) item of the clause wins.
    NotHighest {
        winner: String,
        winner_amount: Money,
    },
    /// Earlier awards under this clause are deducted (moving up a level pays the difference).
    PriorDeducted {
        prior: Money,
        before: Money,
        after: Money,
    },
    /// A discretionary ceiling is shown unchanged, whatever was paid before.
    PriorNotDeductedFromCeiling {
        prior: Money,
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
        ) && !matches!(self, Step::ItemCap { before, after, .. } | Step::LimitedByPaid { before, after, .. } if before == after)
            && !matches!(self, Step::AnnualCap { before, after, .. } if before == after)
            && !matches!(self, Step::PriorDeducted { prior, .. } if prior.is_zero())
    }
}

/// One item (a contract, a recognition, a loan) under one clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemOutcome {
    /// Index within its facts section (file order).
    pub index: usize,
    pub id: String,
    /// Whether it met the clause's conditions.
    pub qualifies: bool,
    pub amount: Money,
    /// For a discretionary item: the range the department decides within.
    pub ceiling: Option<Money>,
    pub floor: Option<Money>,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClauseOutcome {
    pub clause: u32,
    pub status: Status,
    pub amount: Money,
    pub ceiling: Option<Money>,
    pub floor: Option<Money>,
    /// Gates that failed for the whole clause (policy dates, district, applicant).
    pub gates: Vec<Step>,
    pub items: Vec<ItemOutcome>,
}

/// The evaluation of one applicant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
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
