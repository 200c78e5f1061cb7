//! Renderers: they turn an `Outcome` (or the rules, or a round's totals) into text for a person
//! or a machine, and compute nothing.
//! This module says each step in Chinese or English; `table`, `json` and `explain` lay it out.

pub mod decision;
pub mod explain;
pub mod impact;
pub mod json;
pub mod rules;
pub mod table;
pub mod wrap;

use std::fmt::Write;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::facts::Value;
use crate::money::{Money, Rate, push_decimal};
use crate::outcome::{ClauseOutcome, ItemOutcome, Outcome, Status, Step};
use crate::rules::{Award, Clause, Condition, FieldId, RuleSet};

pub use crate::text::Lang;

/// Everything a sentence about a step may need.
pub struct Ctx<'a> {
    pub rules: &'a RuleSet,
    pub clause: &'a Clause,
    pub outcome: &'a Outcome,
    pub lang: Lang,
}

impl<'a> Ctx<'a> {
    /// The context for one clause of an outcome; `None` when the rules lack that clause.
    pub fn of(
        rules: &'a RuleSet,
        outcome: &'a Outcome,
        co: &ClauseOutcome,
        lang: Lang,
    ) -> Option<Ctx<'a>> {
        let clause = rules.clause(co.clause)?;
        Some(Ctx {
            rules,
            clause,
            outcome,
            lang,
        })
    }
}

/// A clause's amount as a person reads it: the figure, or a discretionary range ("≤ c", "f ~ c").
pub fn amount_text(co: &ClauseOutcome) -> String {
    match (co.status, co.floor, co.ceiling) {
        (Status::Discretionary, Some(f), Some(c)) => format!("{f} ~ {c}"),
        (Status::Discretionary, None, Some(c)) => format!("≤ {c}"),
        _ => co.amount.to_string(),
    }
}

pub fn status_label(s: Status, lang: Lang) -> &'static str {
    match s {
        Status::Awarded => lang.pick("核定", "awarded"),
        Status::Discretionary => lang.pick("酌定", "discretionary"),
        Status::Ineligible => lang.pick("不符合", "ineligible"),
    }
}

/// The status of an item already paid (SPEC §5).
pub fn paid_label(lang: Lang) -> &'static str {
    lang.pick("已兑现", "paid")
}

/// "= exact → rounded", or just "= rounded" when rounding changed nothing.
fn push_equals(out: &mut String, x: Decimal, rounded: Money) {
    if x == rounded.as_decimal() {
        out.push_str("= ");
    } else {
        out.push_str("= ");
        push_exact(out, x);
        out.push_str(" → ");
    }
    rounded.push_grouped(out);
}

/// An exact intermediate figure: as it is when short, else to six decimals marked as such.
pub(crate) fn exact(d: Decimal) -> String {
    let mut out = String::new();
    push_exact(&mut out, d);
    out
}

fn push_exact(out: &mut String, d: Decimal) {
    let start = out.len();
    let n = d.normalize();
    if n.scale() <= 6 {
        push_decimal(out, n);
    } else {
        push_decimal(
            out,
            d.round_dp_with_strategy(6, rust_decimal::RoundingStrategy::ToZero),
        );
        out.push('…');
    }
    group_thousands(out, start);
}

/// Thousands separators in the whole part of the figure written at `out[start..]`, so that an
/// unrounded product reads like the amounts beside it (151,666.666666… → 151,666.67).
fn group_thousands(out: &mut String, start: usize) {
    let digits_from = start + usize::from(out[start..].starts_with('-'));
    let whole = out[digits_from..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(out.len(), |i| digits_from + i);
    let mut at = whole;
    while at > digits_from + 3 {
        at -= 3;
        out.insert(at, ',');
    }
}

/// An integer as `Display` writes it, without the format machinery.
fn push_int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    let mut v = n.unsigned_abs();
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[at..]).unwrap_or_default());
}

/// A date as chrono's `Display` writes it ("2026-06-30").
fn push_date(out: &mut String, d: NaiveDate) {
    let year = d.year();
    if (0..=9999).contains(&year) {
        let pair = |out: &mut String, v: u32| {
            out.push(char::from(b'0' + (v / 10) as u8));
            out.push(char::from(b'0' + (v % 10) as u8));
        };
        let y = year as u32;
        pair(out, y / 100);
        pair(out, y % 100);
        out.push('-');
        pair(out, d.month());
        out.push('-');
        pair(out, d.day());
    } else {
        let _ = write!(out, "{d}");
    }
}

/// One step as a sentence.
pub fn describe(step: &Step, cx: &Ctx<'_>) -> String {
    let mut out = String::with_capacity(96);
    describe_into(step, cx, &mut out);
    out
}

/// `describe`, appended to `out`: a batch describes millions of steps, so the frequent ones
/// are put together piece by piece rather than through `format!`.
pub fn describe_into(step: &Step, cx: &Ctx<'_>, out: &mut String) {
    let p = &cx.rules.policy;
    let s = &mut Sentence { cx, out };
    match step {
        Step::PolicyNotInForce { as_of } => policy_not_in_force(s, *as_of),
        Step::DistrictOutside { district } => district_outside(s, district),
        Step::GateUnconfirmed { field, value, .. } => gate_unconfirmed(s, *field, *value),
        Step::KindNotCovered { kind } => kind_not_covered(s, *kind),
        Step::DateBeforeEvents { date } => {
            s.say("日期 ", "date ").date(*date);
            s.say(" 早于奖补起算日 ", " is before ").date(p.events_from);
            s.say("", ", when awards start to count");
        }
        Step::DateAfterAsOf { date } => {
            s.say("日期 ", "date ").date(*date);
            s.say(" 晚于计算基准日 ", " is after the as-of date ")
                .date(cx.outcome.as_of);
        }
        Step::DateAfterPolicy { date } => {
            s.say("日期 ", "date ").date(*date);
            s.say(" 晚于政策有效期截止日 ", " is after the policy's end ")
                .date(p.effective_until);
        }
        Step::ConditionFailed { condition, found } => {
            condition_failed(s, &cx.clause.conditions[*condition], found.as_ref())
        }
        Step::RequirementFailed { field, found } => s.not_true(*field, *found),
        Step::NoRateCase => {
            s.say("没有适用的比例", "no rate applies");
        }
        Step::NoInterestDays { from, until } => {
            s.say("贴息期间为空 (自 ", "the subsidised period is empty (from ");
            s.date(*from).say(" 至 ", " to ").date(*until).text(")");
        }
        Step::RateApplied {
            base_field,
            base,
            rate,
            case,
            exact,
            rounded,
        } => rate_applied(s, *base_field, *base, *rate, *case, *exact, *rounded),
        Step::TierApplied {
            base_field,
            base,
            tier,
            exact,
            rounded,
        } => {
            s.label(*base_field).text(" ").money(*base);
            s.say(" 适用第 ", " falls in tier ").int(*tier as i64 + 1);
            s.say(" 档 ", " ").equals(*exact, *rounded);
        }
        Step::BelowTiers { base_field, base } => {
            s.label(*base_field).text(" ").money(*base);
            s.say(" 低于最低档", " is below the lowest tier");
        }
        Step::NoTiers { ceiling } => {
            s.say(
                "规则未给出分档标准，由主管部门核定，最高 ",
                "the rules carry no tiers: the department decides, at most ",
            )
            .money(*ceiling);
        }
        Step::LevelFixed { value, amount } => {
            s.level(*value).text(": ").money(*amount);
        }
        Step::LevelRange {
            value,
            floor,
            ceiling,
        } => level_range(s, *value, *floor, *ceiling),
        Step::InterestDays { .. } => interest_days(s, step),
        Step::DaysPaidBefore { days, amount } => {
            s.say("贴息期间中 ", "").int(*days);
            s.say(
                " 天已由往期贴息 ",
                " days of the period were subsidised before (",
            );
            s.money(*amount);
            s.say(" 覆盖，不再计算", "): left out");
        }
        Step::LimitedByPaid {
            paid,
            before,
            after,
        } => {
            s.say("不超过实付利息 ", "not more than the interest paid ");
            s.money(*paid).text(": ").arrow(*before, *after);
        }
        Step::ItemCap { cap, before, after } => {
            s.say("单项上限 ", "cap per item ").money(*cap);
            s.text(": ").arrow(*before, *after);
        }
        Step::AnnualCap { .. } => annual_cap(s, step),
        Step::NoYear => {
            s.say("无法确定年度", "the year cannot be determined");
        }
        Step::QuotaExcluded {
            count,
            taken,
            rank,
            score,
            cutoff,
        } => quota_excluded(s, (*count, *taken), *rank, *score, *cutoff),
        Step::AlreadyPaid {
            amount,
            year,
            origins,
        } => {
            s.say("该事项已兑现 ", "this item was already paid ")
                .money(*amount);
            // "(2025年度，prior[2])": the year and where the payment is recorded.
            let mut parts = 0;
            if let Some(y) = year {
                s.text(" (").int(i64::from(*y)).say("年度", "");
                parts += 1;
            }
            for o in origins {
                match parts {
                    0 => s.text(" ("),
                    _ => s.say("，", ", "),
                };
                s.text(o);
                parts += 1;
            }
            if parts > 0 {
                s.text(")");
            }
            s.say("，不再重复兑现", ": not paid again");
        }
        Step::HighestChosen { competitors } => highest_chosen(s, *competitors),
        Step::NotHighest {
            winner,
            winner_amount,
        } => {
            s.say(
                "就高执行、不重复享受: 按 ",
                "highest only, no double payment: ",
            );
            s.text(winner).text(" (").money(*winner_amount);
            s.say(") 执行", ") is paid instead");
        }
        Step::PriorDeducted {
            prior,
            before,
            after,
            priors,
        } => {
            s.say(
                "扣除本条已获奖励 ",
                "prior awards under this clause deducted ",
            );
            s.money(*prior).priors(priors, true);
            s.text(": ").arrow(*before, *after);
        }
        Step::UnnamedSubject { field } => {
            s.label(*field);
            s.say(
                " 未填写: 与本单位其他未具名的对象合为一组就高",
                " not stated: grouped with the unit's other unnamed subjects, highest one only",
            );
        }
        Step::GroupRange { floor, ceiling } => {
            s.say(
                "同组就高: 下限取最高的确定金额或下限，上限取最高的上限或确定金额: ",
                "highest within the group: the floor is the largest fixed amount or floor, the ceiling the largest ceiling or fixed amount: ",
            );
            range(s, *floor, *ceiling);
        }
        Step::PriorDeductedFromRange {
            prior,
            floor_before,
            ceiling_before,
            floor_after,
            ceiling_after,
            priors,
        } => {
            s.say(
                "扣除本条本组已获奖励 ",
                "prior awards under this clause and group deducted ",
            );
            s.money(*prior).priors(priors, true).text(": ");
            range(s, *floor_before, *ceiling_before);
            s.text(" → ");
            range(s, *floor_after, *ceiling_after);
        }
        Step::PolicyInForce { as_of } => {
            s.say("计算基准日 ", "the as-of date ").date(*as_of);
            s.say(" 在政策有效期 ", " is within the policy's period ")
                .date(p.effective_from);
            s.say(" 至 ", " to ").date(p.effective_until);
            s.say(" 内", "");
        }
        Step::DistrictInside { district } => {
            s.say("所属区县 ", "district ").text(district);
            s.say(" 在", " is within ");
            s.text(if s.en() { &p.region_en } else { &p.region });
            s.say("范围内", "");
        }
        Step::GateConfirmed { field, .. } => {
            let rules = cx.rules;
            let label = rules.field(rules.roles.applicant, *field).label(s.en());
            s.text(label).say(": 是", ": yes");
        }
        Step::KindCovered { kind } => {
            let name = cx
                .rules
                .kind_field()
                .values
                .get(*kind as usize)
                .map_or("?", |v| v.label(s.en()));
            s.say("本条适用于", "this clause covers applicants of kind ");
            s.text(name);
        }
        Step::DateInWindow { date, from, until } => {
            s.say("日期 ", "date ").date(*date);
            s.say(" 在时间窗 ", " is within the window ").date(*from);
            s.say(" 至 ", " to ").date(*until);
            s.say(" 内", "");
        }
    }
}

/// "5,000,000.00 至 30,000,000.00", or "最高 2,000,000.00" without a floor.
fn range(s: &mut Sentence<'_, '_>, floor: Option<Money>, ceiling: Money) {
    match floor {
        Some(f) => {
            s.money(f).say(" 至 ", " to ").money(ceiling);
        }
        None => {
            s.say("最高 ", "at most ").money(ceiling);
        }
    }
}

/// A sentence being written about one step: what it may need to name, and where it goes.
/// Each piece is appended in place, without the format machinery (see `describe_into`).
struct Sentence<'s, 'a> {
    cx: &'s Ctx<'a>,
    out: &'s mut String,
}

impl Sentence<'_, '_> {
    fn en(&self) -> bool {
        self.cx.lang.en()
    }

    /// The Chinese or the English words.
    fn say(&mut self, zh: &str, en: &str) -> &mut Self {
        let words = if self.en() { en } else { zh };
        self.out.push_str(words);
        self
    }

    fn text(&mut self, s: &str) -> &mut Self {
        self.out.push_str(s);
        self
    }

    fn money(&mut self, m: Money) -> &mut Self {
        m.push_grouped(self.out);
        self
    }

    fn date(&mut self, d: NaiveDate) -> &mut Self {
        push_date(self.out, d);
        self
    }

    fn int(&mut self, n: i64) -> &mut Self {
        push_int(self.out, n);
        self
    }

    /// The label of a field of the clause's section.
    fn label(&mut self, f: FieldId) -> &mut Self {
        let (rules, clause) = (self.cx.rules, self.cx.clause);
        let label = rules.field(clause.section, f).label(self.en());
        self.text(label)
    }

    /// The label of a level of the clause's award.
    fn level(&mut self, value: u16) -> &mut Self {
        let (rules, clause) = (self.cx.rules, self.cx.clause);
        let label = rules
            .field(clause.section, level_field(clause))
            .value_label(value, self.en());
        self.text(label)
    }

    /// The prior awards a step counts, named: " (RZ-002，2025年度)", each with its amount when
    /// there are several. `with_year`: the year is named (an annual cap names it already).
    fn priors(&mut self, priors: &[crate::outcome::PriorRef], with_year: bool) -> &mut Self {
        let named: Vec<&crate::outcome::PriorRef> = priors
            .iter()
            .filter(|p| p.item.is_some() || (with_year && p.year.is_some()) || p.origin.is_some())
            .collect();
        if named.is_empty() {
            return self;
        }
        self.text(" (");
        for (i, p) in named.iter().enumerate() {
            if i > 0 {
                self.say("；", "; ");
            }
            if let Some(item) = &p.item {
                self.text(item);
            }
            if let (Some(y), true) = (p.year, with_year) {
                if p.item.is_some() {
                    self.say("，", ", ");
                }
                self.int(i64::from(y)).say("年度", "");
            }
            if priors.len() > 1 {
                self.text(" ").money(p.amount);
            }
            if let Some(o) = &p.origin {
                self.say("，", ", ").text(o);
            }
        }
        self.text(")")
    }

    /// "{before} → {after}", the end of every limiting step.
    fn arrow(&mut self, before: Money, after: Money) -> &mut Self {
        self.money(before).text(" → ").money(after)
    }

    /// "= exact → rounded", or just "= rounded" when rounding changed nothing.
    fn equals(&mut self, exact: Decimal, rounded: Money) {
        push_equals(self.out, exact, rounded);
    }

    /// A boolean fact of the clause's section that is not true (`None`: not stated).
    fn not_true(&mut self, f: FieldId, found: Option<bool>) {
        self.label(f);
        match found {
            None => self.say(": 未填写 (视为否)", ": not stated (counts as no)"),
            Some(_) => self.say(": 否", ": no"),
        };
    }
}

fn policy_not_in_force(s: &mut Sentence<'_, '_>, as_of: NaiveDate) {
    let p = &s.cx.rules.policy;
    let (from, until) = (p.effective_from, p.effective_until);
    let _ = match s.en() {
        false => write!(
            s.out,
            "计算基准日 {as_of} 不在政策有效期 {from} 至 {until} 内，不予兑现"
        ),
        true => write!(
            s.out,
            "the as-of date {as_of} is outside the policy's period {from} to {until}: nothing is payable"
        ),
    };
}

fn district_outside(s: &mut Sentence<'_, '_>, district: &str) {
    let p = &s.cx.rules.policy;
    let _ = match s.en() {
        false => write!(
            s.out,
            "不适用: 仅限{} ({})，“{district}”不在其中；县（市）可通过 overlay 参照执行",
            p.region,
            p.districts.join("、")
        ),
        true => write!(
            s.out,
            "not applicable: {} only ({}); \"{district}\" is not one; a county may adopt it by overlay",
            p.region_en,
            p.districts.join(", ")
        ),
    };
}

/// An applicant fact a gate requires (a field of the applicant section, not the clause's).
fn gate_unconfirmed(s: &mut Sentence<'_, '_>, field: FieldId, value: Option<bool>) {
    let rules = s.cx.rules;
    let label = rules.field(rules.roles.applicant, field).label(s.en());
    s.text(label);
    match value {
        None => s.say(": 未确认 (未填写)", ": not confirmed (not stated)"),
        Some(_) => s.say(": 否", ": no"),
    };
}

fn kind_not_covered(s: &mut Sentence<'_, '_>, kind: u16) {
    let rules = s.cx.rules;
    let name = rules
        .kind_field()
        .values
        .get(kind as usize)
        .map_or("?", |v| v.label(s.en()));
    s.say(
        "本条不适用于",
        "this clause does not cover applicants of kind ",
    );
    s.text(name);
}

fn condition_failed(s: &mut Sentence<'_, '_>, cond: &Condition, found: Option<&Value>) {
    let (rules, clause, en) = (s.cx.rules, s.cx.clause, s.en());
    let f = cond.field();
    let field = rules.field(clause.section, f);
    match cond {
        Condition::IsTrue { .. } => s.not_true(f, found.map(|_| false)),
        Condition::Equals { value, .. } => {
            s.label(f).say("须为“", " must be \"");
            s.text(field.value_label(*value, en))
                .say("”，实为“", "\", found \"");
            match found {
                Some(v) => push_value(s.out, v, field, en),
                None => {
                    s.say("未填写", "not stated");
                }
            }
            s.say("”", "\"");
        }
        Condition::YearBetween {
            from,
            years_before_as_of,
            ..
        } => {
            let to = s.cx.outcome.as_of.year() - years_before_as_of;
            s.label(f).text(" ");
            if let Some(v) = found {
                push_value(s.out, v, field, en);
            }
            let _ = match en {
                false => write!(s.out, " 不在 {from} 至 {to} 之间"),
                true => write!(s.out, " is not between {from} and {to}"),
            };
        }
        Condition::YearBeforeAsOf { years, .. } => {
            let want = s.cx.outcome.as_of.year() - years;
            s.label(f).text(" ");
            if let Some(v) = found {
                push_value(s.out, v, field, en);
            }
            let _ = match en {
                false => write!(s.out, " 不是计算基准日的上年度 {want}，不予计算"),
                true => write!(
                    s.out,
                    " is not {want}, the year before the as-of year: not counted"
                ),
            };
        }
    }
}

/// "label base × rate (case) = exact → rounded".
fn rate_applied(
    s: &mut Sentence<'_, '_>,
    base_field: FieldId,
    base: Money,
    rate: Rate,
    case: usize,
    exact: Decimal,
    rounded: Money,
) {
    let en = s.en();
    let case_label = match &s.cx.clause.award {
        Award::Rate { cases, .. } => cases.get(case).and_then(|c| {
            if en {
                c.label_en.as_deref()
            } else {
                c.label.as_deref()
            }
        }),
        _ => None,
    };
    s.label(base_field).text(" ").money(base).text(" × ");
    rate.push_percent(s.out);
    if let Some(l) = case_label {
        s.text(" (").text(l).text(")");
    }
    s.text(" ").equals(exact, rounded);
}

fn level_range(s: &mut Sentence<'_, '_>, value: u16, floor: Option<Money>, ceiling: Money) {
    s.level(value);
    match floor {
        Some(f) => {
            s.say(": 酌定 ", ": discretionary, ").money(f);
            s.say(" 至 ", " to ");
        }
        None => {
            s.say(": 酌定，最高 ", ": discretionary, at most ");
        }
    }
    s.money(ceiling);
}

fn interest_days(s: &mut Sentence<'_, '_>, step: &Step) {
    let Step::InterestDays {
        principal,
        rate,
        from,
        until,
        days,
        day_basis,
        exact,
        rounded,
    } = step
    else {
        return;
    };
    s.say("本金 ", "principal ").money(*principal).text(" × ");
    rate.push_percent(s.out);
    s.text(" × ").int(*days).say(" 天 / ", " days / ");
    s.int(i64::from(*day_basis))
        .text(" ")
        .equals(*exact, *rounded);
    s.say(" (自 ", " (from ").date(*from);
    s.say(" 起至 ", " inclusive to ").date(*until);
    s.say(" 前，算头不算尾)", " exclusive)");
}

fn annual_cap(s: &mut Sentence<'_, '_>, step: &Step) {
    let Step::AnnualCap {
        year,
        cap,
        prior,
        earlier,
        before,
        after,
        priors,
    } = step
    else {
        return;
    };
    let year = i64::from(*year);
    // What the prior awards and the earlier items took, each said only when it took something.
    if s.en() {
        s.text("annual cap ").money(*cap).text(" for ").int(year);
        if !prior.is_zero() {
            s.text(", prior awards ")
                .money(*prior)
                .priors(priors, false);
        }
        if !earlier.is_zero() {
            s.text(", used by earlier items ").money(*earlier);
        }
    } else {
        s.int(year).text("年度上限 ").money(*cap);
        if !prior.is_zero() {
            s.text("，已获 ").money(*prior).priors(priors, false);
        }
        if !earlier.is_zero() {
            s.text("，前项已用 ").money(*earlier);
        }
    }
    s.text(": ").arrow(*before, *after);
}

fn quota_excluded(
    s: &mut Sentence<'_, '_>,
    (count, taken): (u32, u32),
    rank: u32,
    score: Decimal,
    cutoff: Decimal,
) {
    let (rules, clause) = (s.cx.rules, s.cx.clause);
    let quota = clause.quota.as_ref();
    let text = quota.and_then(|q| q.text.as_deref()).unwrap_or_default();
    let by = quota
        .and_then(|q| rules.section(clause.section).field_index(&q.rank_by))
        .map(|f| rules.field(clause.section, f).label(s.en()))
        .unwrap_or_default();
    let left = count.saturating_sub(taken);
    let _ = match (s.en(), taken) {
        (false, 0) => write!(
            s.out,
            "超出名额 ({text}): {by} {score} 排第 {rank} 名，前 {count} 名最低 {cutoff}"
        ),
        (true, 0) => write!(
            s.out,
            "outside the quota of {count}: {by} {score} ranks {rank}; the lowest within the quota is {cutoff}"
        ),
        (false, _) if left == 0 => {
            write!(s.out, "名额已满 ({text}): {count} 个名额已由往期入选项占用")
        }
        (true, _) if left == 0 => write!(
            s.out,
            "the quota of {count} is full: earlier rounds hold all {count} places"
        ),
        (false, _) => write!(
            s.out,
            "超出名额 ({text}): 往期已占 {taken} 个，余 {left} 个；{by} {score} 排第 {rank} 名，余下名额内最低 {cutoff}"
        ),
        (true, _) => write!(
            s.out,
            "outside the quota of {count}: earlier rounds hold {taken}, {left} left; {by} {score} ranks {rank}; the lowest within them is {cutoff}"
        ),
    };
}

fn highest_chosen(s: &mut Sentence<'_, '_>, competitors: usize) {
    match (competitors, s.en()) {
        (0, _) => s.say(
            "就高执行: 本条唯一一项",
            "highest only: the only award of this clause",
        ),
        (n, false) => s
            .text("就高执行: 本项最高 (另有 ")
            .int(n as i64)
            .text(" 项不重复享受)"),
        (n, true) => s
            .text("highest only: this is the highest (")
            .int(n as i64)
            .text(" other(s) not paid as well)"),
    };
}

/// A fact as `Value::show` says it, appended without an intermediate string where it can.
fn push_value(out: &mut String, v: &Value, field: &crate::rules::vocabulary::Field, en: bool) {
    match v {
        Value::Text(s) => out.push_str(s),
        Value::Money(m) => m.push_grouped(out),
        Value::Enum(i) => out.push_str(field.value_label(*i, en)),
        other => out.push_str(&other.show(field, en)),
    }
}

fn level_field(clause: &Clause) -> FieldId {
    match &clause.award {
        Award::Levels { by, .. } => *by,
        _ => FieldId(0),
    }
}

/// The reasons of a clause: its gates, then each item's reasons prefixed with the item id.
pub fn reasons(co: &ClauseOutcome, cx: &Ctx<'_>) -> Vec<String> {
    let mut out: Vec<String> = co.gates.iter().map(|s| describe(s, cx)).collect();
    for item in &co.items {
        for s in item.steps.iter().filter(|s| s.is_reason()) {
            out.push(format!("[{}] {}", item.id, describe(s, cx)));
        }
    }
    out
}

/// An item's way from the fact to its figure (SPEC §5): why it fails; else how it was computed
/// (the base times the rate, the level and its amount), then each step that changed the amount
/// (a cap, a deduction, a higher item, an earlier payment).
pub fn chain(it: &ItemOutcome, cx: &Ctx<'_>) -> String {
    let sep = cx.lang.pick("；", "; ");
    let mut said: Vec<String> = Vec::new();
    let mut push = |d: String| {
        if !said.contains(&d) {
            said.push(d);
        }
    };
    let reasons = it.steps.iter().filter(|s| s.is_reason());
    if !it.qualifies {
        reasons.for_each(|s| push(describe(s, cx)));
        return said.join(sep);
    }
    let computed = it.steps.iter().find(|s| {
        matches!(
            s,
            Step::RateApplied { .. }
                | Step::TierApplied { .. }
                | Step::LevelFixed { .. }
                | Step::LevelRange { .. }
                | Step::InterestDays { .. }
        )
    });
    computed
        .into_iter()
        .chain(reasons)
        .for_each(|s| push(describe(s, cx)));
    said.join(sep)
}

/// One short reason for a table row.
pub fn short_reason(co: &ClauseOutcome, cx: &Ctx<'_>) -> String {
    // Every failed gate and condition, so that one correction is not followed by the next.
    let all = |steps: &mut dyn Iterator<Item = &Step>| {
        let mut said: Vec<String> = Vec::new();
        for s in steps {
            let d = describe(s, cx);
            if !said.contains(&d) {
                said.push(d);
            }
        }
        said.join(cx.lang.pick("；", "; "))
    };
    if !co.gates.is_empty() {
        let items = co.items.iter().flat_map(|i| i.steps.iter());
        return all(&mut co.gates.iter().chain(items.filter(|s| s.is_reason())));
    }
    let en = cx.lang.en();
    match co.status {
        Status::Ineligible => all(&mut co
            .items
            .iter()
            .flat_map(|i| i.steps.iter())
            .filter(|s| s.is_reason())),
        // Items listed under it: the clause line says which is paid, each item its way.
        Status::Discretionary if listed(co) => items_summary(co, cx),
        Status::Discretionary if contributors(co).count() == 1 => contributors(co)
            .next()
            .map(|i| chain(i, cx))
            .unwrap_or_default(),
        Status::Discretionary => match (co.floor, co.ceiling, en) {
            (Some(f), Some(c), false) => format!("由主管部门酌定: {f} 至 {c}"),
            (Some(f), Some(c), true) => format!("decided by the department: {f} to {c}"),
            (None, Some(c), false) => format!("由主管部门酌定，最高 {c}"),
            (None, Some(c), true) => format!("decided by the department, at most {c}"),
            _ => String::new(),
        },
        Status::Awarded => {
            let paying: Vec<&ItemOutcome> = contributors(co).collect();
            if listed(co) {
                return items_summary(co, cx);
            }
            paying
                .first()
                .copied()
                .or(co.items.first())
                .map(|i| chain(i, cx))
                .unwrap_or_default()
        }
    }
}

/// Whether the table lists a clause's items under it: when it has several, or one paid before
/// (whose status is its own).
pub fn listed(co: &ClauseOutcome) -> bool {
    co.items.len() > 1 || co.items.iter().any(|i| i.paid)
}

/// A clause line above its items: what was paid and what was not, each item's way being on
/// its own line ("2 项合计", "就高执行: 按 RZ-001；1 项已兑现").
fn items_summary(co: &ClauseOutcome, cx: &Ctx<'_>) -> String {
    let en = cx.lang.en();
    let paying: Vec<&ItemOutcome> = contributors(co).collect();
    let paid = co.items.iter().filter(|i| i.paid).count();
    let failing = co.items.iter().filter(|i| !i.qualifies).count();
    let mut parts: Vec<String> = Vec::new();
    match (cx.clause.combine, paying.len()) {
        (_, 0) => {}
        (crate::rules::CombineMode::Highest, _) => {
            let ids: Vec<&str> = paying.iter().map(|i| i.id.as_str()).collect();
            let ids = ids.join(cx.lang.pick("、", ", "));
            parts.push(match en {
                false => format!("就高执行: 按 {ids}"),
                true => format!("highest only: {ids}"),
            });
        }
        (crate::rules::CombineMode::Sum, n) => parts.push(match en {
            false => format!("{n} 项合计"),
            true => format!("{n} items added up"),
        }),
    }
    if paid > 0 {
        parts.push(match en {
            false => format!("{paid} 项已兑现"),
            true => format!("{paid} paid before"),
        });
    }
    if failing > 0 {
        parts.push(match en {
            false => format!("{failing} 项不符合"),
            true => format!("{failing} not eligible"),
        });
    }
    parts.join(cx.lang.pick("；", "; "))
}

/// The items that make a clause's figure: those that qualify, neither paid before nor
/// giving way to a higher item of their group.
fn contributors(co: &ClauseOutcome) -> impl Iterator<Item = &ItemOutcome> {
    co.items.iter().filter(|i| {
        i.qualifies && !i.paid && !i.steps.iter().any(|s| matches!(s, Step::NotHighest { .. }))
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_unrounded_figure_is_grouped_like_an_amount() {
        let x = |t: &str| exact(t.parse().unwrap());
        assert_eq!(x("151666.666666666666"), "151,666.666666…");
        assert_eq!(x("510000.015"), "510,000.015");
        assert_eq!(x("999.5"), "999.5");
        assert_eq!(x("1000"), "1,000");
        assert_eq!(x("0.045"), "0.045");
        assert_eq!(x("12345678901.25"), "12,345,678,901.25");
    }
    use super::*;

    #[test]
    fn dates_and_integers_are_written_as_display_writes_them() {
        for (y, m, d) in [
            (2026, 6, 30),
            (2025, 1, 1),
            (999, 12, 9),
            (9999, 12, 31),
            (10000, 1, 1),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).expect("a valid date");
            let mut out = String::new();
            push_date(&mut out, date);
            assert_eq!(out, date.to_string());
        }
        for n in [0, 1, 9, 10, 365, -1, -2026, i64::MAX, i64::MIN] {
            let mut out = String::new();
            push_int(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }
}
