//! The rules as a person reads them: `rules list` (a table or JSON) and `rules show N` (one
//! clause's text, parameters and interpretation notes). They read the compiled rules only.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use crate::error::InputError;
use crate::render::{Lang, wrap};
use crate::rules::clause::Tier;
use crate::rules::{Award, CapScope, Clause, CombineMode, Condition, FieldId, Payout, RuleSet};
use crate::say;

/// A clause number the rules do not have, named with the ones they do (`file`: where it was asked).
pub fn no_such_clause(rules: &RuleSet, n: u32, file: &str) -> InputError {
    let known: Vec<String> = rules.clauses.iter().map(|c| c.number.to_string()).collect();
    InputError::new(
        file,
        crate::text!("规则中没有第 {n} 条，应为: {}", known.join(", "); "no clause {n} in the rules; expected one of: {}", known.join(", ")),
    )
}

/// What a clause pays, in one short phrase.
pub fn award_summary(c: &Clause, rules: &RuleSet, lang: Lang) -> String {
    let en = lang.en();
    let field = |f: FieldId| rules.field(c.section, f);
    match &c.award {
        Award::Rate { base, cases } => {
            let rates: Vec<String> = cases
                .iter()
                .map(|k| {
                    let label = if en { &k.label_en } else { &k.label };
                    match label {
                        Some(l) => format!("{} ({l})", k.rate),
                        None => k.rate.to_string(),
                    }
                })
                .collect();
            format!(
                "{} × {}",
                field(*base).label(en),
                rates.join(lang.pick("，", ", "))
            )
        }
        Award::Tiers { tiers, ceiling, .. } if tiers.is_empty() => say!(
            lang,
            "分档 (规则未给出档次: 酌定，最高 {ceiling})",
            "tiers (none in the rules: discretionary, at most {ceiling})"
        ),
        Award::Tiers { tiers, .. } => {
            let n = tiers.len();
            say!(lang, "分档 ({n} 档)", "tiers ({n})")
        }
        Award::Levels { by, levels } => {
            let f = field(*by);
            levels
                .iter()
                .map(|l| {
                    let name = f
                        .values
                        .get(l.value as usize)
                        .map(|v| if en { &v.label_en } else { &v.label })
                        .cloned()
                        .unwrap_or_default();
                    match l.payout {
                        Payout::Fixed(m) => format!("{name} {m}"),
                        Payout::Range {
                            floor: Some(x),
                            ceiling,
                        } => format!("{name} {x}~{ceiling}"),
                        Payout::Range { ceiling, .. } => format!("{name} ≤{ceiling}"),
                    }
                })
                .collect::<Vec<_>>()
                .join(lang.pick("；", "; "))
        }
        Award::Interest {
            rate, day_basis, ..
        } => say!(
            lang,
            "贴息: 本金 × {rate} × 天数 / {day_basis}",
            "interest: principal × {rate} × days / {day_basis}"
        ),
    }
}

pub fn cap_summary(c: &Clause, rules: &RuleSet, lang: Lang) -> String {
    let cap = match &c.cap {
        Some(cap) => match (cap.scope, lang) {
            (CapScope::UnitYear, Lang::Zh) => format!("每单位每年 {}", cap.amount),
            (CapScope::UnitYear, Lang::En) => format!("{} per unit per year", cap.amount),
            (CapScope::Item, Lang::Zh) => format!("每项 {}", cap.amount),
            (CapScope::Item, Lang::En) => format!("{} per item", cap.amount),
        },
        None => String::new(),
    };
    // 就高 per group: the fact whose value makes the groups (`combine.per`), else per unit.
    let combine = match (c.combine, c.per) {
        (CombineMode::Highest, None) => lang.pick("就高一项", "highest one only").to_string(),
        (CombineMode::Highest, Some(f)) => {
            let label = rules.field(c.section, f).label(lang.en());
            say!(lang, "每个{label}就高一项", "highest one per {label}")
        }
        (CombineMode::Sum, _) => String::new(),
    };
    [cap.as_str(), combine.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(lang.pick("；", "; "))
}

/// `rules list --format json`: the rules' version and every clause in a line of data.
#[derive(serde::Serialize)]
struct ListJson<'a> {
    rules_digest: &'a str,
    rules_version: &'a str,
    clauses: Vec<ClauseLine<'a>>,
}

#[derive(serde::Serialize)]
struct ClauseLine<'a> {
    clause: u32,
    key: &'a str,
    title: &'a str,
    award_kind: &'a str,
    award: String,
    cap: String,
    responsible_units: &'a [String],
    /// The key of its funding source, when it names one.
    funding: Option<&'a str>,
    file: &'a str,
}

pub fn list_json(rules: &RuleSet, lang: Lang) -> String {
    let en = lang.en();
    let clauses = rules
        .clauses
        .iter()
        .map(|c| ClauseLine {
            clause: c.number,
            key: &c.key,
            title: c.title(en),
            award_kind: c.award.kind(),
            award: award_summary(c, rules, lang),
            cap: cap_summary(c, rules, lang),
            responsible_units: &c.responsible_units,
            funding: rules.funding(c).map(|f| f.key.as_str()),
            file: &c.source,
        })
        .collect();
    let list = ListJson {
        rules_digest: &rules.digest,
        rules_version: &rules.policy.version,
        clauses,
    };
    let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
    s.push('\n');
    s
}

/// `rules list`: every clause in a row: title, award kind, cap, responsible units, laid out to
/// `width` columns (the award, cap and units wrap; below 100 columns the units give way).
pub fn list(rules: &RuleSet, lang: Lang, width: usize) -> String {
    let en = lang.en();
    let with_units = width >= 100;
    let mut header = vec![
        lang.pick("条款", "Clause"),
        lang.pick("名称", "Title"),
        lang.pick("奖补方式", "Award"),
        lang.pick("上限", "Cap"),
    ];
    if with_units {
        header.push(lang.pick("责任单位", "Responsible units"));
    }
    let rows: Vec<Vec<String>> = rules
        .clauses
        .iter()
        .map(|c| {
            let mut row = vec![
                c.number.to_string(),
                c.title(en).to_string(),
                // The award in the table's language, without the rule file's kind word.
                award_summary(c, rules, lang),
                cap_summary(c, rules, lang),
            ];
            if with_units {
                row.push(c.responsible_units.join(lang.pick("、", ", ")));
            }
            row
        })
        .collect();
    // The clause at its width, the title at most a quarter of the line; the rest shared out,
    // the award taking half.
    let widest = |c: usize| {
        let cells = rows.iter().map(|r| wrap::width(&r[c]));
        cells.chain([wrap::width(header[c])]).max().unwrap_or(0)
    };
    let title_w = widest(1).min((width / 4).max(12));
    let room = width.saturating_sub(widest(0) + title_w + 3 * header.len() + 1);
    let shares: &[usize] = if with_units { &[2, 1, 1] } else { &[2, 1] };
    let total: usize = shares.iter().sum();
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    for mut row in rows {
        row[1] = wrap::wrap(&row[1], title_w).join("\n");
        for (k, share) in shares.iter().enumerate() {
            let w = (room * share / total).max(12);
            row[2 + k] = wrap::wrap(&row[2 + k], w).join("\n");
        }
        table.add_row(row);
    }
    let title = if en {
        &rules.policy.title_en
    } else {
        &rules.policy.title
    };
    let version = format!(
        "{} {}",
        lang.pick("规则版本", "rules version"),
        rules.policy.version
    );
    // The version is not cut: on the title's line when it fits, else on a line of its own.
    let whole = format!("{} {title} · {version}", rules.policy.document);
    let head = if wrap::width(&whole) <= width {
        whole
    } else {
        format!("{} {title}\n{version}", rules.policy.document)
    };
    format!(
        "{}{table}\n{}",
        wrap::fit(&head, width),
        wrap::fit(&format!("sha256 {}", rules.digest), width)
    )
}

/// `rules show N`: one clause: its text, parameters and interpretation notes.
pub fn show(rules: &RuleSet, number: u32, lang: Lang) -> Result<String, InputError> {
    let en = lang.en();
    let Some(c) = rules.clause(number) else {
        return Err(no_such_clause(rules, number, "rules show"));
    };
    let section = rules.section(c.section);
    let label = |f: FieldId| section.fields[f].label(en).to_string();
    let mut o = String::new();
    let mut line = |s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    let (n, title, key, file) = (c.number, c.title(en), &c.key, &c.source);
    line(say!(
        lang,
        "第 {n} 条 {title} ({key}) · {file}",
        "Clause {n} {title} ({key}) · {file}"
    ));
    line(format!("{}:\n  {}", lang.pick("原文", "Text"), c.text));
    line(format!(
        "{}: {}",
        lang.pick("责任单位", "Responsible units"),
        c.responsible_units.join(lang.pick("、", ", "))
    ));
    if let Some(f) = rules.funding(c) {
        line(format!(
            "{}: {} “{}”",
            lang.pick("资金来源", "Funding"),
            f.label(en),
            f.text
        ));
    }
    let kinds: Vec<String> = c
        .applicants
        .iter()
        .filter_map(|k| rules.kind_field().values.get(*k as usize))
        .map(|v| v.label(en).to_string())
        .collect();
    line(format!(
        "{}: {}",
        lang.pick("适用主体", "Applicants"),
        kinds.join(lang.pick("、", ", "))
    ));
    line(format!(
        "{}: [[{}]] {}",
        lang.pick("事实分组", "Facts section"),
        section.name,
        section.label(en)
    ));
    if let Some(d) = c.date_field {
        line(format!(
            "{}: {}",
            lang.pick("日期事实", "Date fact"),
            label(d)
        ));
    }
    for cond in &c.conditions {
        let s = match cond {
            Condition::IsTrue { field } => match lang {
                Lang::Zh => format!("{} 须为是", label(*field)),
                Lang::En => format!("{} must be yes", label(*field)),
            },
            Condition::Equals { field, value } => {
                let v = section.fields[*field].value_label(*value, en);
                match lang {
                    Lang::Zh => format!("{} 须为“{v}”", label(*field)),
                    Lang::En => format!("{} must be \"{v}\"", label(*field)),
                }
            }
            Condition::YearBetween {
                field,
                from,
                years_before_as_of,
            } => match lang {
                Lang::Zh => format!(
                    "{} 在 {from} 至 计算基准日年份减 {years_before_as_of} 之间",
                    label(*field)
                ),
                Lang::En => format!(
                    "{} between {from} and the as-of year minus {years_before_as_of}",
                    label(*field)
                ),
            },
            Condition::YearBeforeAsOf { field, years } => match lang {
                Lang::Zh => format!("{} 须为计算基准日年份减 {years} (上年度)", label(*field)),
                Lang::En => format!(
                    "{} must be the as-of year minus {years} (the year before)",
                    label(*field)
                ),
            },
        };
        line(format!("{}: {s}", lang.pick("条件", "Condition")));
    }
    line(format!(
        "{} ({}): {}",
        lang.pick("奖补", "Award"),
        c.award.kind(),
        award_summary(c, rules, lang)
    ));
    // What each level requires besides its title (新认定, 市级备案), as the rule file writes it.
    if let Award::Levels { by, levels } = &c.award {
        let f = rules.field(c.section, *by);
        for l in levels.iter().filter(|l| !l.requires.is_empty()) {
            let name = f.value_label(l.value, lang.en());
            let keys: Vec<String> = (l.requires.iter())
                .map(|&r| format!("\"{}\"", rules.field(c.section, r).name))
                .collect();
            let labels: Vec<&str> = (l.requires.iter())
                .map(|&r| rules.field(c.section, r).label(lang.en()))
                .collect();
            let labels = labels.join(lang.pick("、", ", "));
            let keys = keys.join(", ");
            line(say!(
                lang,
                "  {name}: 须 {labels} (requires = [{keys}])",
                "  {name}: requires {labels} (requires = [{keys}])"
            ));
        }
    }
    if let Award::Tiers { tiers, .. } = &c.award {
        for (i, t) in tiers.iter().enumerate() {
            line(match t {
                Tier::Fixed { from, amount } => format!(
                    "  {} {}: ≥ {from} → {amount}",
                    lang.pick("档", "tier"),
                    i + 1
                ),
                Tier::Rate { from, rate } => format!(
                    "  {} {}: ≥ {from} → × {rate}",
                    lang.pick("档", "tier"),
                    i + 1
                ),
            });
        }
    }
    if let Award::Interest { term_years, .. } = &c.award {
        line(format!(
            "  {}: {term_years}",
            lang.pick("贴息年限 (自放款日)", "years from disbursement")
        ));
    }
    let cap = cap_summary(c, rules, lang);
    if !cap.is_empty() {
        let text = c
            .cap
            .as_ref()
            .and_then(|k| k.text.as_ref())
            .map(|t| format!(" “{t}”"))
            .unwrap_or_default();
        line(format!("{}: {cap}{text}", lang.pick("上限", "Cap")));
    }
    if let Some(q) = &c.quota {
        line(format!(
            "{}: {} × {} ({})",
            lang.pick("名额", "Quota"),
            q.count,
            q.per,
            q.text.clone().unwrap_or_default()
        ));
    }
    if !c.interpretation.is_empty() {
        line(lang.pick("解释说明:", "Interpretation notes:").to_string());
        for n in &c.interpretation {
            line(format!("  - {n}"));
        }
    }
    line(format!(
        "{} {} · sha256 {}",
        lang.pick("规则版本", "Rules version"),
        rules.policy.version,
        rules.digest
    ));
    Ok(o)
}
