//! Renderers: they turn an `Outcome` into text for a person or a machine, and compute nothing.
//! This module says each step in Chinese or English; `table`, `json` and `explain` lay it out.

pub mod explain;
pub mod json;
pub mod table;

use rust_decimal::Decimal;

use crate::outcome::{ClauseOutcome, ItemOutcome, Outcome, Status, Step};
use crate::rules::{Clause, Condition, RuleSet};

/// The language of labels and sentences.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
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
fn equals(x: Decimal, rounded: crate::money::Money) -> String {
    if x == rounded.as_decimal() {
        format!("= {rounded}")
    } else {
        format!("= {} → {rounded}", exact(x))
    }
}

/// An exact intermediate figure: as it is when short, else to six decimals marked as such.
pub(crate) fn exact(d: Decimal) -> String {
    let n = d.normalize();
    if n.scale() <= 6 {
        n.to_string()
    } else {
        format!(
            "{}…",
            d.round_dp_with_strategy(6, rust_decimal::RoundingStrategy::ToZero)
        )
    }
}

/// One step as a sentence.
pub fn describe(step: &Step, cx: &Ctx<'_>) -> String {
    let (rules, clause, lang) = (cx.rules, cx.clause, cx.lang);
    let en = lang.en();
    let p = &rules.policy;
    let field = |f: usize| rules.field(clause.section, f);
    let label = |f: usize| field(f).label(en).to_string();
    let enum_label = |f: usize, v: u16| {
        field(f)
            .values
            .get(v as usize)
            .map(|x| {
                if en {
                    x.label_en.clone()
                } else {
                    x.label.clone()
                }
            })
            .unwrap_or_default()
    };
    let not_true = |name: String, found: Option<bool>| match (found, en) {
        (None, false) => format!("{name}: 未填写 (视为否)"),
        (None, true) => format!("{name}: not stated (counts as no)"),
        (Some(_), false) => format!("{name}: 否"),
        (Some(_), true) => format!("{name}: no"),
    };
    match step {
        Step::PolicyNotInForce { as_of } => match en {
            false => format!(
                "计算基准日 {as_of} 不在政策有效期 {} 至 {} 内，不予兑现",
                p.effective_from, p.effective_until
            ),
            true => format!(
                "the as-of date {as_of} is outside the policy's period {} to {}: nothing is payable",
                p.effective_from, p.effective_until
            ),
        },
        Step::DistrictOutside { district } => match en {
            false => format!(
                "不适用: 仅限{} ({})，“{district}”不在其中；县（市）可通过 overlay 参照执行",
                p.region,
                p.districts.join("、")
            ),
            true => format!(
                "not applicable: {} only ({}); \"{district}\" is not one; a county may adopt it by overlay",
                p.region_en,
                p.districts.join(", ")
            ),
        },
        Step::GateUnconfirmed {
            field: f, value, ..
        } => {
            let fl = rules.field(rules.roles.applicant, *f);
            match (value, en) {
                (None, false) => format!("{}: 未确认 (未填写)", fl.label),
                (None, true) => format!("{}: not confirmed (not stated)", fl.label_en),
                (Some(_), false) => format!("{}: 否", fl.label),
                (Some(_), true) => format!("{}: no", fl.label_en),
            }
        }
        Step::KindNotCovered { kind } => {
            let k = rules.kind_field().values.get(*kind as usize);
            let name = k
                .map(|v| {
                    if en {
                        v.label_en.as_str()
                    } else {
                        v.label.as_str()
                    }
                })
                .unwrap_or("?");
            match en {
                false => format!("本条不适用于{name}"),
                true => format!("this clause does not cover applicants of kind {name}"),
            }
        }
        Step::DateBeforeEvents { date } => match en {
            false => format!("日期 {date} 早于奖补起算日 {}", p.events_from),
            true => format!(
                "date {date} is before {}, when awards start to count",
                p.events_from
            ),
        },
        Step::DateAfterAsOf { date } => match en {
            false => format!("日期 {date} 晚于计算基准日 {}", cx.outcome.as_of),
            true => format!("date {date} is after the as-of date {}", cx.outcome.as_of),
        },
        Step::DateAfterPolicy { date } => match en {
            false => format!("日期 {date} 晚于政策有效期截止日 {}", p.effective_until),
            true => format!(
                "date {date} is after the policy's end {}",
                p.effective_until
            ),
        },
        Step::ConditionFailed { condition, found } => {
            let cond = &clause.conditions[*condition];
            let f = cond.field();
            let shown = found.as_ref().map(|v| v.show(field(f), en));
            match cond {
                Condition::IsTrue { .. } => not_true(label(f), found.as_ref().map(|_| false)),
                Condition::Equals { value, .. } => match en {
                    false => format!(
                        "{}须为“{}”，实为“{}”",
                        label(f),
                        enum_label(f, *value),
                        shown.unwrap_or_else(|| "未填写".into())
                    ),
                    true => format!(
                        "{} must be \"{}\", found \"{}\"",
                        label(f),
                        enum_label(f, *value),
                        shown.unwrap_or_else(|| "not stated".into())
                    ),
                },
                Condition::YearBetween {
                    from,
                    years_before_as_of,
                    ..
                } => {
                    let to = chrono::Datelike::year(&cx.outcome.as_of) - years_before_as_of;
                    let shown = shown.unwrap_or_default();
                    match en {
                        false => format!("{} {shown} 不在 {from} 至 {to} 之间", label(f)),
                        true => format!("{} {shown} is not between {from} and {to}", label(f)),
                    }
                }
            }
        }
        Step::RequirementFailed { field: f, found } => not_true(label(*f), *found),
        Step::Unstated { field: f } => not_true(label(*f), None),
        Step::NoRateCase => lang.pick("没有适用的比例", "no rate applies").to_string(),
        Step::NoInterestDays { from, until } => match en {
            false => format!("贴息期间为空 (自 {from} 至 {until})"),
            true => format!("the subsidised period is empty (from {from} to {until})"),
        },
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
                        c.label_en.clone()
                    } else {
                        c.label.clone()
                    }
                }),
                _ => None,
            };
            let case_label = case_label.map(|l| format!(" ({l})")).unwrap_or_default();
            format!(
                "{} {base} × {rate}{case_label} {}",
                label(*base_field),
                equals(*x, *rounded)
            )
        }
        Step::TierApplied {
            base_field,
            base,
            tier,
            exact: x,
            rounded,
        } => match en {
            false => format!(
                "{} {base} 适用第 {} 档 {}",
                label(*base_field),
                tier + 1,
                equals(*x, *rounded)
            ),
            true => format!(
                "{} {base} falls in tier {} {}",
                label(*base_field),
                tier + 1,
                equals(*x, *rounded)
            ),
        },
        Step::BelowTiers { base_field, base } => match en {
            false => format!("{} {base} 低于最低档", label(*base_field)),
            true => format!("{} {base} is below the lowest tier", label(*base_field)),
        },
        Step::NoTiers { ceiling } => match en {
            false => format!("规则未给出分档标准，由主管部门核定，最高 {ceiling}"),
            true => format!("the rules carry no tiers: the department decides, at most {ceiling}"),
        },
        Step::LevelFixed { value, amount } => {
            let by = level_field(clause);
            format!("{}: {amount}", enum_label(by, *value))
        }
        Step::LevelRange {
            value,
            floor,
            ceiling,
        } => {
            let by = level_field(clause);
            match (floor, en) {
                (Some(f), false) => format!("{}: 酌定 {f} 至 {ceiling}", enum_label(by, *value)),
                (Some(f), true) => format!(
                    "{}: discretionary, {f} to {ceiling}",
                    enum_label(by, *value)
                ),
                (None, false) => format!("{}: 酌定，最高 {ceiling}", enum_label(by, *value)),
                (None, true) => format!(
                    "{}: discretionary, at most {ceiling}",
                    enum_label(by, *value)
                ),
            }
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
        } => match en {
            false => format!(
                "本金 {principal} × {rate} × {days} 天 / {day_basis} {} (自 {from} 起至 {until} 前，算头不算尾)",
                equals(*x, *rounded)
            ),
            true => format!(
                "principal {principal} × {rate} × {days} days / {day_basis} {} (from {from} inclusive to {until} exclusive)",
                equals(*x, *rounded)
            ),
        },
        Step::LimitedByPaid {
            paid,
            before,
            after,
        } => match en {
            false => format!("不超过实付利息 {paid}: {before} → {after}"),
            true => format!("not more than the interest paid {paid}: {before} → {after}"),
        },
        Step::ItemCap { cap, before, after } => match en {
            false => format!("单项上限 {cap}: {before} → {after}"),
            true => format!("cap per item {cap}: {before} → {after}"),
        },
        Step::AnnualCap {
            year,
            cap,
            prior,
            earlier,
            before,
            after,
        } => match en {
            false => format!(
                "{year}年度上限 {cap}，已获 {prior}，前项已用 {earlier}: {before} → {after}"
            ),
            true => format!(
                "annual cap {cap} for {year}, prior awards {prior}, used by earlier items {earlier}: {before} → {after}"
            ),
        },
        Step::NoYear => lang
            .pick("无法确定年度", "the year cannot be determined")
            .to_string(),
        Step::QuotaExcluded {
            count,
            rank,
            score,
            cutoff,
        } => {
            let quota = clause.quota.as_ref();
            let text = quota.and_then(|q| q.text.clone()).unwrap_or_default();
            let by = quota
                .and_then(|q| rules.section(clause.section).field_index(&q.rank_by))
                .map(&label)
                .unwrap_or_default();
            match en {
                false => format!(
                    "超出名额 ({text}): {by} {score} 排第 {rank} 名，前 {count} 名最低 {cutoff}"
                ),
                true => format!(
                    "outside the quota of {count}: {by} {score} ranks {rank}; the lowest within the quota is {cutoff}"
                ),
            }
        }
        Step::AlreadyPaid { amount } => match en {
            false => format!("该事项已兑现 {amount}，不再重复兑现"),
            true => format!("this item was already paid {amount}: not paid again"),
        },
        Step::HighestChosen { competitors } => match (competitors, en) {
            (0, false) => "就高执行: 本条唯一一项".to_string(),
            (0, true) => "highest only: the only award of this clause".to_string(),
            (n, false) => format!("就高执行: 本项最高 (另有 {n} 项不重复享受)"),
            (n, true) => {
                format!("highest only: this is the highest ({n} other(s) not paid as well)")
            }
        },
        Step::NotHighest {
            winner,
            winner_amount,
        } => match en {
            false => format!("就高执行、不重复享受: 按 {winner} ({winner_amount}) 执行"),
            true => format!(
                "highest only, no double payment: {winner} ({winner_amount}) is paid instead"
            ),
        },
        Step::PriorDeducted {
            prior,
            before,
            after,
        } => match en {
            false => format!("扣除本条已获奖励 {prior}: {before} → {after}"),
            true => format!("prior awards under this clause deducted {prior}: {before} → {after}"),
        },
        Step::PriorNotDeductedFromCeiling { prior } => match en {
            false => format!("本条已获奖励 {prior}，酌定上限原样列示"),
            true => format!(
                "prior awards under this clause {prior}; the discretionary ceiling is shown unchanged"
            ),
        },
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
