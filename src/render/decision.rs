//! The decision sheet (核定表, SPEC §9): one applicant's outcome as a self-contained HTML page an
//! official prints on A4 and signs. `calc explain FILE --format html` and the server's print view
//! both come from `html`, from the same values and sentences as `calc explain`. It computes nothing.

use super::explain::{combine_label, fact_lines, gate_basis, note, shown_id};
use super::{Ctx, Lang, amount_text, describe, status_label};
use crate::facts::Facts;
use crate::outcome::{ClauseOutcome, ItemOutcome, Outcome, Step};
use crate::rules::RuleSet;

/// The print style: A4, table rows never cut across a page, each table's head repeated.
const STYLE: &str = r#"
@page { size: A4; margin: 12mm 13mm 13mm 13mm; }
* { box-sizing: border-box; }
html { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 9.5pt; color: #000; background: #fff; }
body { margin: 0 auto; max-width: 190mm; padding: 0; line-height: 1.35; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 1mm; letter-spacing: .1em; }
p.policy { text-align: center; margin: 0 0 4mm; }
h2 { font-size: 11.5pt; margin: 3.5mm 0 1.2mm; border-bottom: 1px solid #000; padding-bottom: .5mm; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 10.5pt; margin: 2.5mm 0 .8mm; break-after: avoid; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm; }
thead { display: table-header-group; }
tfoot { display: table-footer-group; }
tr, td, th { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 1px solid #555; padding: 1mm 1.6mm; vertical-align: top; text-align: left; }
th { background: #eee; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.applicant th { width: 17%; white-space: nowrap; }
tr.total td { font-weight: 700; border-top: 2px solid #000; }
blockquote { margin: 1mm 0 1.5mm; padding: 1mm 2.5mm; border-left: 2.5px solid #888; background: #f6f6f6; font-size: 8.6pt; }
p.meta { margin: .3mm 0; font-size: 8.8pt; color: #222; }
ul.steps { margin: .3mm 0 .3mm; padding-left: 4.5mm; }
ul.steps li { margin: 0; break-inside: avoid; page-break-inside: avoid; }
ul.steps li.fail { color: #8a0000; }
.note { color: #444; font-size: 8.8pt; }
p.facts { margin: .3mm 0; font-size: 8.8pt; }
p.result { margin: 0 0 1mm; font-weight: 600; }
section.clause { break-inside: auto; }
section.clause > header { break-inside: avoid; page-break-inside: avoid; }
.item { break-inside: avoid; page-break-inside: avoid; margin-left: 2mm; }
footer.rules { margin-top: 3mm; font-size: 8.8pt; word-break: break-all; }
table.sign { margin-top: 6mm; break-inside: avoid; page-break-inside: avoid; }
table.sign td { border: none; padding: 0 3mm 0 0; width: 33%; height: 12mm; vertical-align: bottom; }
table.sign span.line { display: inline-block; min-width: 32mm; border-bottom: 1px solid #000; height: 1.2em; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; }
html[lang="en"] { font-size: 9pt; }
@media screen { body { padding: 10mm 8mm; } }
.closing { break-inside: avoid; page-break-inside: avoid; }
"#;

/// The decision sheet of one applicant as one HTML document with its own style, nothing loaded
/// from elsewhere; every text from the facts or the rules is escaped.
///
/// - `outcome`: the applicant's evaluation (`calc::evaluate_with`), as `calc explain` shows it;
/// - `facts`: the facts it was evaluated from (the facts each item used are quoted from them);
/// - `rules`: the applicant's own rules (the base with the overlays of its district), whose
///   clause texts, version and origin are quoted;
/// - `lang`: Chinese (`lang="zh-CN"`) or English (`lang="en"`) words around the figures;
/// - `head`: the ledger's head hash when the priors came from a ledger (SPEC §8), else `None`.
pub fn html(
    outcome: &Outcome,
    facts: &Facts,
    rules: &RuleSet,
    lang: Lang,
    head: Option<&str>,
) -> String {
    let en = lang.en();
    let p = &rules.policy;
    let mut o = String::with_capacity(32 * 1024);
    o.push_str("<!DOCTYPE html>\n<html lang=\"");
    o.push_str(lang.pick("zh-CN", "en"));
    o.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    o.push_str(lang.pick("奖补核定表", "Award decision sheet"));
    o.push_str(" · ");
    o.push_str(&escape(&outcome.name));
    o.push_str("</title>\n<style>");
    o.push_str(STYLE);
    o.push_str("</style>\n</head>\n<body>\n<h1>");
    o.push_str(lang.pick("奖补核定表", "Award decision sheet"));
    o.push_str("</h1>\n<p class=\"policy\">");
    o.push_str(&escape(if en { &p.title_en } else { &p.title }));
    o.push(' ');
    o.push_str(&escape(&p.document));
    if let Some(by) = &p.adopted_by {
        o.push_str("<br>");
        o.push_str(lang.pick("参照执行", "Adopted by"));
        o.push_str(": ");
        o.push_str(&escape(by));
    }
    o.push_str("</p>\n");
    let shared = shared_gates(outcome, rules, lang);
    applicant(&mut o, outcome, facts, rules, lang, &shared);
    summary(&mut o, outcome, rules, lang);
    o.push_str("<h2>");
    o.push_str(lang.pick("逐条核定说明", "Clause by clause"));
    o.push_str("</h2>\n");
    for co in &outcome.clauses {
        if let Some(cx) = Ctx::of(rules, outcome, co, lang) {
            clause(&mut o, co, facts, &cx, &shared);
        }
    }
    o.push_str("<div class=\"closing\">\n");
    footer(&mut o, outcome, rules, lang, head);
    signatures(&mut o, lang);
    o.push_str("</div>\n");
    o.push_str("</body>\n</html>\n");
    o
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` as entities, control characters left out (as every
/// output of facts leaves them out).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The gates every clause checked and found met (the policy in force, the district, the
/// applicant's standing), said once under the applicant rather than under each clause.
fn shared_gates(outcome: &Outcome, rules: &RuleSet, lang: Lang) -> Vec<String> {
    let said: Vec<Vec<String>> = outcome
        .clauses
        .iter()
        .filter_map(|co| {
            let cx = Ctx::of(rules, outcome, co, lang)?;
            // Whether a clause covers the applicant's kind is said under the clause ("本条…").
            let general = co
                .passed
                .iter()
                .filter(|g| !matches!(g, Step::KindCovered { .. }));
            Some(general.map(|g| describe(g, &cx)).collect())
        })
        .collect();
    let Some((first, rest)) = said.split_first() else {
        return Vec::new();
    };
    first
        .iter()
        .filter(|g| rest.iter().all(|r| r.contains(g)))
        .cloned()
        .collect()
}

/// Who applied, of what kind and where, the as-of date, and the gates every clause found met.
fn applicant(
    o: &mut String,
    outcome: &Outcome,
    facts: &Facts,
    rules: &RuleSet,
    lang: Lang,
    shared: &[String],
) {
    let en = lang.en();
    let kind = facts
        .single(rules.roles.applicant)
        .and_then(|a| a.get(rules.roles.kind))
        .map(|v| v.show(rules.kind_field(), en))
        .unwrap_or_default();
    o.push_str("<h2>");
    o.push_str(lang.pick("申报单位", "Applicant"));
    o.push_str("</h2>\n<table class=\"applicant\">\n<tbody>\n");
    let as_of = outcome.as_of.to_string();
    let pairs = [
        [
            (lang.pick("单位名称", "Name"), outcome.name.as_str()),
            (
                lang.pick("统一社会信用代码", "Credit code"),
                outcome.credit_code.as_str(),
            ),
        ],
        [
            (lang.pick("单位类型", "Kind"), kind.as_str()),
            (lang.pick("所属区县", "District"), outcome.district.as_str()),
        ],
    ];
    for pair in pairs {
        o.push_str("<tr>");
        for (label, value) in pair {
            o.push_str("<th scope=\"row\">");
            o.push_str(label);
            o.push_str("</th><td>");
            o.push_str(&escape(value));
            o.push_str("</td>");
        }
        o.push_str("</tr>\n");
    }
    o.push_str("<tr><th scope=\"row\">");
    o.push_str(lang.pick("计算基准日", "As of"));
    o.push_str("</th><td colspan=\"3\">");
    o.push_str(&as_of);
    o.push_str("</td></tr>\n");
    if !shared.is_empty() {
        o.push_str("<tr><th scope=\"row\">");
        o.push_str(lang.pick("共同条件", "Common gates"));
        o.push_str("</th><td colspan=\"3\">✓ ");
        let met: Vec<String> = shared.iter().map(|g| escape(g)).collect();
        o.push_str(&met.join(lang.pick("；", "; ")));
        o.push_str("</td></tr>\n");
    }
    o.push_str("</tbody>\n</table>\n");
}

/// The result table: each clause with its status and amount, the determinate total, then the
/// discretionary ranges apart from it.
fn summary(o: &mut String, outcome: &Outcome, rules: &RuleSet, lang: Lang) {
    let en = lang.en();
    o.push_str("<h2>");
    o.push_str(lang.pick("核定结果", "Result"));
    o.push_str("</h2>\n<table class=\"summary\">\n<thead><tr><th>");
    o.push_str(lang.pick("条款", "Clause"));
    o.push_str("</th><th>");
    o.push_str(lang.pick("名称", "Title"));
    o.push_str("</th><th>");
    o.push_str(lang.pick("资金来源", "Funding"));
    o.push_str("</th><th>");
    o.push_str(lang.pick("状态", "Status"));
    o.push_str("</th><th class=\"num\">");
    o.push_str(lang.pick("金额（元）", "Amount (yuan)"));
    o.push_str("</th></tr></thead>\n<tbody>\n");
    for co in &outcome.clauses {
        let Some(clause) = rules.clause(co.clause) else {
            continue;
        };
        let funding = rules
            .funding(clause)
            .map(|f| f.label(en).to_string())
            .unwrap_or_default();
        o.push_str("<tr><td class=\"num\">");
        o.push_str(&co.clause.to_string());
        o.push_str("</td><td>");
        o.push_str(&escape(clause.title(en)));
        o.push_str("</td><td>");
        o.push_str(&escape(&funding));
        o.push_str("</td><td>");
        o.push_str(status_label(co.status, lang));
        o.push_str("</td><td class=\"num\">");
        o.push_str(&escape(&amount_text(co)));
        o.push_str("</td></tr>\n");
    }
    o.push_str("<tr class=\"total\"><td colspan=\"4\">");
    o.push_str(lang.pick(
        "确定金额合计 (不含酌定)",
        "Determinate total (discretionary apart)",
    ));
    o.push_str("</td><td class=\"num\" id=\"total\">");
    o.push_str(&outcome.total.to_string());
    o.push_str("</td></tr>\n</tbody>\n</table>\n");
    let ranges: Vec<&ClauseOutcome> = outcome.discretionary().collect();
    if !ranges.is_empty() {
        o.push_str("<p class=\"meta\"><strong>");
        o.push_str(lang.pick(
            "酌定（不计入合计，由主管部门在范围内核定）",
            "Discretionary (not in the total; the department decides within the range)",
        ));
        o.push_str(":</strong> ");
        let parts: Vec<String> = ranges
            .iter()
            .map(|co| {
                let title = rules.clause(co.clause).map_or("", |c| c.title(en));
                match lang {
                    Lang::Zh => format!(
                        "第 {} 条 {} {} 元",
                        co.clause,
                        escape(title),
                        escape(&amount_text(co))
                    ),
                    Lang::En => format!(
                        "clause {} {} {} yuan",
                        co.clause,
                        escape(title),
                        escape(&amount_text(co))
                    ),
                }
            })
            .collect();
        o.push_str(&parts.join(lang.pick("；", "; ")));
        o.push_str("</p>\n");
    }
}

/// One clause: heading with its award, the quoted text, units and funding, the gates, each item.
fn clause(o: &mut String, co: &ClauseOutcome, facts: &Facts, cx: &Ctx<'_>, shared: &[String]) {
    let (rules, clause, lang) = (cx.rules, cx.clause, cx.lang);
    let en = lang.en();
    o.push_str("<section class=\"clause\" id=\"clause-");
    o.push_str(&co.clause.to_string());
    o.push_str("\">\n<header>\n<h3>");
    o.push_str(&match lang {
        Lang::Zh => format!(
            "第 {} 条 {} — {} {} 元",
            co.clause,
            escape(&clause.title),
            status_label(co.status, lang),
            escape(&amount_text(co))
        ),
        Lang::En => format!(
            "Clause {} {} — {} {} yuan",
            co.clause,
            escape(&clause.title_en),
            status_label(co.status, lang),
            escape(&amount_text(co))
        ),
    });
    o.push_str("</h3>\n<blockquote>“");
    o.push_str(&escape(&clause.text));
    o.push_str("”</blockquote>\n</header>\n<p class=\"meta\">");
    let mut meta: Vec<String> = Vec::new();
    if !clause.responsible_units.is_empty() {
        meta.push(format!(
            "{}: {}",
            lang.pick("责任单位", "Responsible units"),
            escape(&clause.responsible_units.join(lang.pick("、", ", ")))
        ));
    }
    if let Some(f) = rules.funding(clause) {
        meta.push(format!(
            "{}: {}",
            lang.pick("资金来源", "Funding"),
            escape(f.label(en))
        ));
    }
    meta.push(format!(
        "{}: {} ({})",
        lang.pick("规则文件", "Rule file"),
        escape(&clause.source),
        escape(&combine_label(clause, rules, lang))
    ));
    // The gates met that are this clause's own (the kinds it covers), on the same line.
    let met: Vec<String> = (co.passed.iter())
        .map(|g| describe(g, cx))
        .filter(|g| !shared.contains(g))
        .map(|g| format!("✓ {}", escape(&g)))
        .collect();
    meta.extend(met);
    o.push_str(&meta.join(" · "));
    o.push_str("</p>\n");
    if !co.gates.is_empty() {
        o.push_str("<p class=\"meta\"><strong>");
        o.push_str(lang.pick(
            "不符合以下条件，本条不予兑现:",
            "Not payable: these conditions are not met:",
        ));
        o.push_str("</strong></p>\n<ul class=\"steps\">\n");
        for g in &co.gates {
            o.push_str("<li class=\"fail\">✗ ");
            o.push_str(&escape(&describe(g, cx)));
            if let Some(b) = gate_basis(g, rules) {
                o.push_str(" <span class=\"note\">");
                o.push_str(lang.pick("依据", "basis"));
                o.push_str(": ");
                o.push_str(&escape(&b));
                o.push_str("</span>");
            }
            o.push_str("</li>\n");
        }
        o.push_str("</ul>\n");
    }
    let items = facts.items(clause.section);
    for it in &co.items {
        item(o, it, items.get(it.index), cx);
    }
    o.push_str("</section>\n");
}

/// One item: the facts it used, each step with its note, and what it comes to.
fn item(o: &mut String, it: &ItemOutcome, facts: Option<&crate::facts::Item>, cx: &Ctx<'_>) {
    let (rules, clause, lang) = (cx.rules, cx.clause, cx.lang);
    o.push_str("<div class=\"item\">\n<p class=\"facts\"><strong>");
    o.push_str(lang.pick("事项 ", "Item "));
    o.push_str(&escape(&shown_id(it, clause, rules, lang.en())));
    o.push_str("</strong> — ");
    o.push_str(lang.pick("所用事实", "facts used"));
    o.push_str(": ");
    o.push_str(&escape(
        &fact_lines(clause, facts, rules, lang).join(lang.pick("；", "; ")),
    ));
    o.push_str("</p>\n<ul class=\"steps\">\n");
    for s in &it.steps {
        o.push_str(if it.qualifies {
            "<li>"
        } else {
            "<li class=\"fail\">✗ "
        });
        o.push_str(&escape(&describe(s, cx)));
        if let Some(n) = note(s, it, cx).filter(|_| !says_nothing_new(s)) {
            o.push_str("<br><span class=\"note\">");
            o.push_str(&escape(&n));
            o.push_str("</span>");
        }
        o.push_str("</li>\n");
    }
    o.push_str("</ul>\n<p class=\"result\">= ");
    let result = match (it.paid, it.qualifies, it.ceiling, lang) {
        (true, ..) => lang
            .pick(
                "已兑现，本次不再兑现 (0.00)",
                "paid before: not paid again (0.00)",
            )
            .to_string(),
        (_, false, _, Lang::Zh) => "不符合条件，0.00".to_string(),
        (_, false, _, Lang::En) => "not eligible, 0.00".to_string(),
        (_, true, Some(c), Lang::Zh) => match it.floor {
            Some(f) => format!("酌定 {f} 至 {c}"),
            None => format!("酌定，最高 {c}"),
        },
        (_, true, Some(c), Lang::En) => match it.floor {
            Some(f) => format!("discretionary, {f} to {c}"),
            None => format!("discretionary, at most {c}"),
        },
        (_, true, None, Lang::Zh) => format!("本项 {} 元", it.amount),
        (_, true, None, Lang::En) => format!("this item {} yuan", it.amount),
    };
    o.push_str(&escape(&result));
    o.push_str("</p>\n</div>\n");
}

/// A step whose note says nothing the step does not: a computation that needed no rounding, a
/// cap that did not cut (the step itself shows the figure unchanged), the only item of a clause
/// chosen as its highest. `calc explain` has them.
fn says_nothing_new(s: &Step) -> bool {
    match s {
        Step::RateApplied { exact, rounded, .. }
        | Step::TierApplied { exact, rounded, .. }
        | Step::InterestDays { exact, rounded, .. } => *exact == rounded.as_decimal(),
        Step::AnnualCap { before, after, .. } | Step::ItemCap { before, after, .. } => {
            before == after
        }
        // The only item of its clause: no other award to be paid instead.
        Step::HighestChosen { competitors } => *competitors == 0,
        _ => false,
    }
}

/// Where the rules come from, their version and digest, the as-of date, the ledger's head.
fn footer(o: &mut String, outcome: &Outcome, rules: &RuleSet, lang: Lang, head: Option<&str>) {
    o.push_str("<footer class=\"rules\">\n<p class=\"meta\">");
    o.push_str(lang.pick("规则来源", "Rules from"));
    o.push_str(": ");
    o.push_str(&escape(&rules.origin));
    if !rules.overlays.is_empty() {
        o.push_str(" + overlay ");
        o.push_str(&escape(&rules.overlays.join(", ")));
    }
    o.push_str(" · ");
    o.push_str(lang.pick("规则版本", "Rules version"));
    o.push(' ');
    o.push_str(&escape(&rules.policy.version));
    o.push_str(" · ");
    o.push_str(lang.pick("计算基准日", "as of"));
    o.push(' ');
    o.push_str(&outcome.as_of.to_string());
    o.push_str("</p>\n<p class=\"meta\">");
    o.push_str(lang.pick("规则摘要", "Rules digest"));
    o.push_str(" sha256 <code>");
    o.push_str(&escape(&outcome.rules_digest));
    o.push_str("</code></p>\n");
    if let Some(h) = head {
        o.push_str("<p class=\"meta\">");
        o.push_str(lang.pick("兑现台账头", "Ledger head"));
        o.push_str(" <code>");
        o.push_str(&escape(h));
        o.push_str("</code></p>\n");
    }
    o.push_str("</footer>\n");
}

/// The lines the people who decide sign on.
fn signatures(o: &mut String, lang: Lang) {
    o.push_str("<table class=\"sign\"><tr>");
    for label in [
        lang.pick("经办人", "Prepared by"),
        lang.pick("审核人", "Reviewed by"),
        lang.pick("日期", "Date"),
    ] {
        o.push_str("<td>");
        o.push_str(label);
        o.push_str(": <span class=\"line\"></span></td>");
    }
    o.push_str("</tr></table>\n");
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(
            escape("<b>\"A&B\"</b>'\u{1b}[2J"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;&#39;[2J"
        );
    }
}
