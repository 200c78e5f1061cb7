//! Renderers: they turn an `Outcome` into text for a person or a machine, and compute nothing.
//! This module says each step in Chinese or English; `table`, `json` and `explain` lay it out.

pub mod explain;
pub mod json;
pub mod rules;
pub mod table;

use std::fmt::Write;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::facts::Value;
use crate::money::{Money, push_decimal};
use crate::outcome::{ClauseOutcome, ItemOutcome, Outcome, Status, Step};
use crate::rules::{Clause, Condition, RuleSet};

/// The language of labels and sentences.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn en(self) -> bool {
        self == Lang::En
    }

    /// Picks the Chinese or the English text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        if self.en() { en } else { zh }
    }
}

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
    let (rules, clause, lang) = (cx.rules, cx.clause, cx.lang);
    let en = lang.en();
    let p = &rules.policy;
    let field = |f: usize| rules.field(clause.section, f);
    let label = |f: usize| field(f).label(en);
    let enum_label = |f: usize, v: u16| field(f).value_label(v, en);
    let not_true = |out: &mut String, name: &str, found: Option<bool>| {
        out.push_str(name);
        out.push_str(match (found, en) {
            (None, false) => ": 未填写 (视为否)",
            (None, true) => ": not stated (counts as no)",
            (Some(_), false) => ": 否",
            (Some(_), true) => ": no",
        });
    };
    // "{before} → {after}", the end of every limiting step.
    let arrow = |out: &mut String, before: &Money, after: &Money| {
        before.push_grouped(out);
        out.push_str(" → ");
        after.push_grouped(out);
    };
    match step {
        Step::PolicyNotInForce { as_of } => {
            let _ = match en {
                false => write!(
                    out,
                    "计算基准日 {as_of} 不在政策有效期 {} 至 {} 内，不予兑现",
                    p.effective_from, p.effective_until
                ),
                true => write!(
                    out,
                    "the as-of date {as_of} is outside the policy's period {} to {}: nothing is payable",
                    p.effective_from, p.effective_until
                ),
            };
        }
        Step::DistrictOutside { district } => {
            let _ = match en {
                false => write!(
                    out,
                    "不适用: 仅限{} ({})，“{district}”不在其中；县（市）可通过 overlay 参照执行",
                    p.region,
                    p.districts.join("、")
                ),
                true => write!(
                    out,
                    "not applicable: {} only ({}); \"{district}\" is not one; a county may adopt it by overlay",
                    p.region_en,
                    p.districts.join(", ")
                ),
            };
        }
        Step::GateUnconfirmed {
            field: f, value, ..
        } => {
            let fl = rules.field(rules.roles.applicant, *f);
            out.push_str(fl.label(en));
            out.push_str(match (value, en) {
                (None, false) => ": 未确认 (未填写)",
                (None, true) => ": not confirmed (not stated)",
                (Some(_), false) => ": 否",
                (Some(_), true) => ": no",
            });
        }
        Step::KindNotCovered { kind } => {
            let name = rules
                .kind_field()
                .values
                .get(*kind as usize)
                .map_or("?", |v| v.label(en));
            out.push_str(lang.pick(
                "本条不适用于",
                "this clause does not cover applicants of kind ",
            ));
            out.push_str(name);
        }
        Step::DateBeforeEvents { date } => {
            out.push_str(lang.pick("日期 ", "date "));
            push_date(out, *date);
            out.push_str(lang.pick(" 早于奖补起算日 ", " is before "));
            push_date(out, p.events_from);
            if en {
                out.push_str(", when awards start to count");
            }
        }
        Step::DateAfterAsOf { date } => {
            out.push_str(lang.pick("日期 ", "date "));
            push_date(out, *date);
            out.push_str(lang.pick(" 晚于计算基准日 ", " is after the as-of date "));
            push_date(out, cx.outcome.as_of);
        }
        Step::DateAfterPolicy { date } => {
            out.push_str(lang.pick("日期 ", "date "));
            push_date(out, *date);
            out.push_str(lang.pick(" 晚于政策有效期截止日 ", " is after the policy's end "));
            push_date(out, p.effective_until);
        }
        Step::ConditionFailed { condition, found } => {
            let cond = &clause.conditions[*condition];
            let f = cond.field();
            match cond {
                Condition::IsTrue { .. } => {
                    not_true(out, label(f), found.as_ref().map(|_| false));
                }
                Condition::Equals { value, .. } => {
                    out.push_str(label(f));
                    out.push_str(lang.pick("须为“", " must be \""));
                    out.push_str(enum_label(f, *value));
                    out.push_str(lang.pick("”，实为“", "\", found \""));
                    match found {
                        Some(v) => push_value(out, v, field(f), en),
                        None => out.push_str(lang.pick("未填写", "not stated")),
                    }
                    out.push_str(lang.pick("”", "\""));
                }
                Condition::YearBetween {
                    from,
                    years_before_as_of,
                    ..
                } => {
                    let to = cx.outcome.as_of.year() - years_before_as_of;
                    out.push_str(label(f));
                    out.push(' ');
                    if let Some(v) = found {
                        push_value(out, v, field(f), en);
                    }
                    let _ = match en {
                        false => write!(out, " 不在 {from} 至 {to} 之间"),
                        true => write!(out, " is not between {from} and {to}"),
                    };
                }
            }
        }
        Step::RequirementFailed { field: f, found } => not_true(out, label(*f), *found),
        Step::Unstated { field: f } => not_true(out, label(*f), None),
        Step::NoRateCase => out.push_str(lang.pick("没有适用的比例", "no rate applies")),
        Step::NoInterestDays { from, until } => {
            out.push_str(lang.pick("贴息期间为空 (自 ", "the subsidised period is empty (from "));
            push_date(out, *from);
            out.push_str(lang.pick(" 至 ", " to "));
            push_date(out, *until);
            out.push(')');
        }
        Step::RateApplied {
            base_field,
            base,
            rate,
            case,
            exact: x,
            rounded,
        } => {
            let case_label = match &clause.award {
                crate::rules::Award::Rate { cases, .. } => cases.get(*case).and_then(|c| {
                    if en {
                        c.label_en.as_deref()
                    } else {
                        c.label.as_deref()
                    }
                }),
                _ => None,
            };
            out.push_str(label(*base_field));
            out.push(' ');
            base.push_grouped(out);
            out.push_str(" × ");
            rate.push_percent(out);
            if let Some(l) = case_label {
                out.push_str(" (");
                out.push_str(l);
                out.push(')');
            }
            out.push(' ');
            push_equals(out, *x, *rounded);
        }
        Step::TierApplied {
            base_field,
            base,
            tier,
            exact: x,
            rounded,
        } => {
            out.push_str(label(*base_field));
            out.push(' ');
            base.push_grouped(out);
            out.push_str(lang.pick(" 适用第 ", " falls in tier "));
            push_int(out, *tier as i64 + 1);
            out.push_str(lang.pick(" 档 ", " "));
            push_equals(out, *x, *rounded);
        }
        Step::BelowTiers { base_field, base } => {
            out.push_str(label(*base_field));
            out.push(' ');
            base.push_grouped(out);
            out.push_str(lang.pick(" 低于最低档", " is below the lowest tier"));
        }
        Step::NoTiers { ceiling } => {
            out.push_str(lang.pick(
                "规则未给出分档标准，由主管部门核定，最高 ",
                "the rules carry no tiers: the department decides, at most ",
            ));
            ceiling.push_grouped(out);
        }
        Step::LevelFixed { value, amount } => {
            out.push_str(enum_label(level_field(clause), *value));
            out.push_str(": ");
            amount.push_grouped(out);
        }
        Step::LevelRange {
            value,
            floor,
            ceiling,
        } => {
            out.push_str(enum_label(level_field(clause), *value));
            match floor {
                Some(f) => {
                    out.push_str(lang.pick(": 酌定 ", ": discretionary, "));
                    f.push_grouped(out);
                    out.push_str(lang.pick(" 至 ", " to "));
                }
                None => out.push_str(lang.pick(": 酌定，最高 ", ": discretionary, at most ")),
            }
            ceiling.push_grouped(out);
        }
        Step::InterestDays {
            principal,
            rate,
            from,
            until,
            days,
            day_basis,
            exact: x,
            rounded,
        } => {
            out.push_str(lang.pick("本金 ", "principal "));
            principal.push_grouped(out);
            out.push_str(" × ");
            rate.push_percent(out);
            out.push_str(" × ");
            push_int(out, *days);
            out.push_str(lang.pick(" 天 / ", " days / "));
            push_int(out, i64::from(*day_basis));
            out.push(' ');
            push_equals(out, *x, *rounded);
            out.push_str(lang.pick(" (自 ", " (from "));
            push_date(out, *from);
            out.push_str(lang.pick(" 起至 ", " inclusive to "));
            push_date(out, *until);
            out.push_str(lang.pick(" 前，算头不算尾)", " exclusive)"));
        }
        Step::LimitedByPaid {
            paid,
            before,
            after,
        } => {
            out.push_str(lang.pick("不超过实付利息 ", "not more than the interest paid "));
            paid.push_grouped(out);
            out.push_str(": ");
            arrow(out, before, after);
        }
        Step::ItemCap { cap, before, after } => {
            out.push_str(lang.pick("单项上限 ", "cap per item "));
            cap.push_grouped(out);
            out.push_str(": ");
            arrow(out, before, after);
        }
        Step::AnnualCap {
            year,
            cap,
            prior,
            earlier,
            before,
            after,
        } => {
            if en {
                out.push_str("annual cap ");
                cap.push_grouped(out);
                out.push_str(" for ");
                push_int(out, i64::from(*year));
                out.push_str(", prior awards ");
                prior.push_grouped(out);
                out.push_str(", used by earlier items ");
            } else {
                push_int(out, i64::from(*year));
                out.push_str("年度上限 ");
                cap.push_grouped(out);
                out.push_str("，已获 ");
                prior.push_grouped(out);
                out.push_str("，前项已用 ");
            }
            earlier.push_grouped(out);
            out.push_str(": ");
            arrow(out, before, after);
        }
        Step::NoYear => out.push_str(lang.pick("无法确定年度", "the year cannot be determined")),
        Step::QuotaExcluded {
            count,
            rank,
            score,
            cutoff,
        } => {
            let quota = clause.quota.as_ref();
            let text = quota.and_then(|q| q.text.as_deref()).unwrap_or_default();
            let by = quota
                .and_then(|q| rules.section(clause.section).field_index(&q.rank_by))
                .map(label)
                .unwrap_or_default();
            let _ = match en {
                false => write!(
                    out,
                    "超出名额 ({text}): {by} {score} 排第 {rank} 名，前 {count} 名最低 {cutoff}"
                ),
                true => write!(
                    out,
                    "outside the quota of {count}: {by} {score} ranks {rank}; the lowest within the quota is {cutoff}"
                ),
            };
        }
        Step::AlreadyPaid { amount } => {
            out.push_str(lang.pick("该事项已兑现 ", "this item was already paid "));
            amount.push_grouped(out);
            out.push_str(lang.pick("，不再重复兑现", ": not paid again"));
        }
        Step::HighestChosen { competitors } => match (competitors, en) {
            (0, false) => out.push_str("就高执行: 本条唯一一项"),
            (0, true) => out.push_str("highest only: the only award of this clause"),
            (n, false) => {
                out.push_str("就高执行: 本项最高 (另有 ");
                push_int(out, *n as i64);
                out.push_str(" 项不重复享受)");
            }
            (n, true) => {
                out.push_str("highest only: this is the highest (");
                push_int(out, *n as i64);
                out.push_str(" other(s) not paid as well)");
            }
        },
        Step::NotHighest {
            winner,
            winner_amount,
        } => {
            out.push_str(lang.pick(
                "就高执行、不重复享受: 按 ",
                "highest only, no double payment: ",
            ));
            out.push_str(winner);
            out.push_str(" (");
            winner_amount.push_grouped(out);
            out.push_str(lang.pick(") 执行", ") is paid instead"));
        }
        Step::PriorDeducted {
            prior,
            before,
            after,
        } => {
            out.push_str(lang.pick(
                "扣除本条已获奖励 ",
                "prior awards under this clause deducted ",
            ));
            prior.push_grouped(out);
            out.push_str(": ");
            arrow(out, before, after);
        }
        Step::PriorNotDeductedFromCeiling { prior } => {
            out.push_str(lang.pick("本条已获奖励 ", "prior awards under this clause "));
            prior.push_grouped(out);
            out.push_str(lang.pick(
                "，酌定上限原样列示",
                "; the discretionary ceiling is shown unchanged",
            ));
        }
    }
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

fn level_field(clause: &Clause) -> usize {
    match &clause.award {
        crate::rules::Award::Levels { by, .. } => *by,
        _ => 0,
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

/// One short reason for a table row.
pub fn short_reason(co: &ClauseOutcome, cx: &Ctx<'_>) -> String {
    if let Some(g) = co.gates.first() {
        return describe(g, cx);
    }
    let en = cx.lang.en();
    match co.status {
        Status::Ineligible => co
            .items
            .iter()
            .flat_map(|i| i.steps.iter())
            .find(|s| s.is_reason())
            .map(|s| describe(s, cx))
            .unwrap_or_default(),
        Status::Discretionary => match (co.floor, co.ceiling, en) {
            (Some(f), Some(c), false) => format!("由主管部门酌定: {f} 至 {c}"),
            (Some(f), Some(c), true) => format!("decided by the department: {f} to {c}"),
            (None, Some(c), false) => format!("由主管部门酌定，最高 {c}"),
            (None, Some(c), true) => format!("decided by the department, at most {c}"),
            _ => String::new(),
        },
        Status::Awarded => {
            let paying: Vec<&ItemOutcome> = co.items.iter().filter(|i| i.qualifies).collect();
            // The last reason is the final word on the amount (a cap, a deduction, a prior payment).
            let limited = paying
                .iter()
                .flat_map(|i| i.steps.iter())
                .rev()
                .find(|s| s.is_reason() && !matches!(s, Step::NotHighest { .. }));
            if let Some(s) = limited {
                return describe(s, cx);
            }
            if paying.len() == 1 {
                paying[0]
                    .steps
                    .iter()
                    .find(|s| !s.is_reason() && !matches!(s, Step::HighestChosen { .. }))
                    .map(|s| describe(s, cx))
                    .unwrap_or_default()
            } else {
                let failing = co.items.len() - paying.len();
                match (failing, en) {
                    (0, false) => format!("{} 项合计", paying.len()),
                    (0, true) => format!("{} items added up", paying.len()),
                    (n, false) => format!("{} 项合计，{n} 项不符合", paying.len()),
                    (n, true) => format!("{} items added up, {n} not eligible", paying.len()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
