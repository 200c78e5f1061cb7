//! `calc compare` (SPEC §11): what a change of the rules would cost, on a real round. The round
//! is evaluated by the one evaluator (`batch::evaluate`) under the base rules and under the base
//! rules with the change, from the same table; each evaluation is reduced to its summary
//! (`batch::summary::Summary`, what `calc batch --summary` writes) and each applicant's awards,
//! and the first is dropped before the second is made. The `Impact` is the difference of the
//! two: by district, clause and funding source, the discretionary floors and ceilings apart,
//! and each applicant whose award changes, largest change first. Laid out here too (JSON, CSV,
//! a workbook); the terminal's table is `render::impact`.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::batch::summary::{Summary, Totals};
use crate::batch::{self, Awards, Options};
use crate::error::Error;
use crate::money::{Delta, Money};
use crate::prior::PriorSource;
use crate::progress::Progress;
use crate::rules::{RuleBook, RuleSet};
use crate::say;
use crate::sheet::read::{Line, Table};
use crate::sheet::write::{self, Bars, Cell, Sheet};
use crate::sheet::{Form, Format};
use crate::text::Lang;

/// The rules compared: the base (the rules in effect with the base overlays) and the same with
/// the change's overlays after them, in the order given.
#[derive(Clone, Copy)]
pub struct Books<'a> {
    pub base: &'a RuleBook,
    pub changed: &'a RuleBook,
    /// The base overlays' names and the change's, in order, for the report.
    pub base_overlays: &'a [String],
    pub overlays: &'a [String],
}

/// Two amounts, before the change and after it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pair {
    pub before: Money,
    pub after: Money,
}

impl Pair {
    pub fn difference(&self) -> Delta {
        Delta::between(self.before, self.after)
    }
}

/// A line of a table of the impact: what it totals (a district, a clause, a funding source)
/// and its amounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImpactLine {
    /// The clause's number, for a line by clause.
    pub clause: Option<u32>,
    /// The district, the clause's title or the funding source, in Chinese and in English.
    pub name: String,
    pub name_en: String,
    pub amount: Pair,
}

/// The discretionary awards' floors and ceilings, summed (not in any total).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Range {
    pub floor: Money,
    pub ceiling: Money,
}

/// An applicant whose determinate award changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub credit_code: String,
    pub name: String,
    pub district: String,
    pub amount: Pair,
    /// The clauses whose award changes, by number.
    pub clauses: Vec<u32>,
}

/// How many applicants' determinate awards rise, fall or stay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub up: usize,
    pub down: usize,
    pub same: usize,
}

/// What the change does to the round.
#[derive(Clone, Debug)]
pub struct Impact {
    pub as_of: NaiveDate,
    /// The change: its overlays, in order.
    pub overlays: Vec<String>,
    /// The base overlays (the rules in effect), in order.
    pub base_overlays: Vec<String>,
    /// The rule digests before and after (overlays included).
    pub digest: (String, String),
    pub total: Pair,
    pub by_district: Vec<ImpactLine>,
    pub by_clause: Vec<ImpactLine>,
    pub by_funding: Vec<ImpactLine>,
    /// (before, after).
    pub discretionary: (Range, Range),
    pub applicants: Counts,
    /// Largest absolute change first.
    pub changes: Vec<Change>,
    /// The determinate difference by (district, clause), the districts in the summary's order.
    pub grid: Vec<(String, Vec<(u32, Delta)>)>,
    /// Rows in error (before, after): counted apart, in no figure.
    pub errors: (usize, usize),
    /// The first rows in error (of either evaluation), with their messages, in file order.
    pub row_errors: Vec<(Line, String)>,
    /// The round's rows and applicants.
    pub rows: usize,
    pub units: usize,
    /// The workbook's sheet read.
    pub sheet: Option<String>,
}

/// One evaluation reduced to what the comparison needs.
struct Side {
    summary: Summary,
    applicants: Vec<Awards>,
    errors: usize,
}

impl Side {
    fn of(round: &batch::Round, rules: &RuleSet) -> Side {
        let summary = round.summary(rules);
        Side {
            errors: summary.errors,
            applicants: round.applicants(rules),
            summary,
        }
    }
}

/// The round in `table` evaluated under both rule books, and the difference.
pub fn compare(
    books: Books<'_>,
    table: Table,
    opts: &Options,
    sources: &[&dyn PriorSource],
    progress: &dyn Progress,
) -> Result<Impact, Error> {
    // The earlier awards, each read under its applicant's rules on each side (a clause the
    // change adds or disables is one there too).
    let priors = crate::prior::gather(books.base, sources)?;
    let round = batch::evaluate(books.base, table, opts, &priors, progress)?;
    // Labelled and summed as `batch --summary` does: a clause a scoped overlay adds included.
    let labels = (books.base.labels(), books.changed.labels());
    let before = Side::of(&round, &labels.0);
    let mut row_errors: BTreeMap<Line, String> = (round.row_errors())
        .take(batch::LINES_NAMED)
        .map(|(l, m)| (l, m.to_string()))
        .collect();
    let report = round.report();
    // The first evaluation, but for its table, is let go before the second is made: freed on
    // a thread of its own (a million rows' results take a while to free), not waited for.
    let (table, rest) = round.into_table();
    std::thread::spawn(move || drop(rest));
    let priors = crate::prior::gather(books.changed, sources)?;
    let round = batch::evaluate(books.changed, table, opts, &priors, progress)?;
    let after = Side::of(&round, &labels.1);
    for (l, m) in round.row_errors().take(batch::LINES_NAMED) {
        row_errors.entry(l).or_insert_with(|| m.to_string());
    }
    std::thread::spawn(move || drop(round));
    let row_errors = row_errors.into_iter().take(batch::LINES_NAMED).collect();
    let (base, changed) = (&books.base.base, &books.changed.base);
    let (applicants, changes) = changes(&before.applicants, &after.applicants);
    let (b, a) = (before.summary.total(), after.summary.total());
    Ok(Impact {
        as_of: opts.as_of,
        overlays: books.overlays.to_vec(),
        base_overlays: books.base_overlays.to_vec(),
        digest: (base.digest.clone(), changed.digest.clone()),
        total: Pair {
            before: b.award,
            after: a.award,
        },
        by_district: by_district(&before.summary, &after.summary),
        by_clause: by_clause(&before.summary, &after.summary, books),
        by_funding: by_funding(&before.summary, &after.summary, &labels.0, &labels.1),
        discretionary: (range(&b), range(&a)),
        applicants,
        changes,
        grid: grid(&before.summary, &after.summary),
        errors: (before.errors, after.errors),
        row_errors,
        rows: report.rows,
        units: report.units,
        sheet: report.sheet,
    })
}

fn range(t: &Totals) -> Range {
    Range {
        floor: t.floor,
        ceiling: t.ceiling,
    }
}

/// Lines by a key, in the order the keys first appear before, then after.
fn merge<K: Ord + Clone>(
    before: impl IntoIterator<Item = (K, Money)>,
    after: impl IntoIterator<Item = (K, Money)>,
) -> Vec<(K, Pair)> {
    let mut out: Vec<(K, Pair)> = Vec::new();
    let mut at: BTreeMap<K, usize> = BTreeMap::new();
    let mut add = |k: K, m: Money, after: bool| {
        let i = *at.entry(k.clone()).or_insert_with(|| {
            out.push((k, Pair::default()));
            out.len() - 1
        });
        let p = &mut out[i].1;
        let sum = if after { &mut p.after } else { &mut p.before };
        *sum = sum.checked_add(m).unwrap_or(*sum);
    };
    for (k, m) in before {
        add(k, m, false);
    }
    for (k, m) in after {
        add(k, m, true);
    }
    out
}

fn by_district(before: &Summary, after: &Summary) -> Vec<ImpactLine> {
    let lines = |s: &Summary| -> Vec<((usize, String), Money)> {
        (s.cells.iter())
            .map(|((order, d, _), t)| ((*order, d.clone()), t.award))
            .collect()
    };
    let mut merged = merge(lines(before), lines(after));
    // The policy's order, then others by name, as a summary lists them.
    merged.sort_by(|a, b| a.0.cmp(&b.0));
    (merged.into_iter())
        .map(|((_, d), amount)| ImpactLine {
            clause: None,
            name: d.clone(),
            name_en: d,
            amount,
        })
        .collect()
}

/// A clause's titles, from the rules after the change (a clause it adds), else before; a
/// clause only a scoped overlay has is titled from that district's rules.
fn titles(n: u32, books: Books<'_>) -> (String, String) {
    let sets = [&books.changed.base, &books.base.base]
        .into_iter()
        .chain(books.changed.scoped.iter().map(|(_, r)| r))
        .chain(books.base.scoped.iter().map(|(_, r)| r));
    for rules in sets {
        if let Some(c) = rules.clause(n) {
            return (c.title.clone(), c.title_en.clone());
        }
    }
    (String::new(), String::new())
}

fn by_clause(before: &Summary, after: &Summary, books: Books<'_>) -> Vec<ImpactLine> {
    let lines = |s: &Summary| -> Vec<(u32, Money)> {
        (s.by_clause().into_iter())
            .map(|(c, t)| (c, t.award))
            .collect()
    };
    let mut merged = merge(lines(before), lines(after));
    merged.sort_by_key(|l| l.0);
    (merged.into_iter())
        .map(|(n, amount)| {
            let (name, name_en) = titles(n, books);
            ImpactLine {
                clause: Some(n),
                name,
                name_en,
                amount,
            }
        })
        .collect()
}

/// By funding source, as each evaluation's summary counts it under its own rules; sources
/// are matched by their key.
fn by_funding(
    before: &Summary,
    after: &Summary,
    base: &RuleSet,
    changed: &RuleSet,
) -> Vec<ImpactLine> {
    let mut names: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut lines = |s: &Summary, rules: &RuleSet| -> Vec<(String, Money)> {
        (s.by_funding(rules).into_iter())
            .filter_map(|(f, t)| {
                let f = rules.policy.funding.get(f)?;
                names.insert(f.key.clone(), (f.label.clone(), f.label_en.clone()));
                Some((f.key.clone(), t.award))
            })
            .collect()
    };
    let (b, a) = (lines(before, base), lines(after, changed));
    (merge(b, a).into_iter())
        .map(|(key, amount)| {
            let (name, name_en) = names.get(&key).cloned().unwrap_or_default();
            ImpactLine {
                clause: None,
                name,
                name_en,
                amount,
            }
        })
        .collect()
}

/// The determinate difference by district and clause (clauses without one left out).
fn grid(before: &Summary, after: &Summary) -> Vec<(String, Vec<(u32, Delta)>)> {
    let cells = |s: &Summary| -> Vec<((usize, String, u32), Money)> {
        (s.cells.iter())
            .map(|(k, t)| (k.clone(), t.award))
            .collect()
    };
    let mut merged = merge(cells(before), cells(after));
    merged.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<(String, Vec<(u32, Delta)>)> = Vec::new();
    for ((_, d, clause), p) in merged {
        if out.last().is_none_or(|(last, _)| *last != d) {
            out.push((d.clone(), Vec::new()));
        }
        if let Some((_, row)) = out.last_mut() {
            row.push((clause, p.difference()));
        }
    }
    out
}

/// The applicants matched by credit code: how many rise, fall or stay, and each that changes,
/// largest absolute change first (then by credit code).
fn changes(before: &[Awards], after: &[Awards]) -> (Counts, Vec<Change>) {
    let mut at: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    for (i, a) in before.iter().enumerate() {
        at.insert(a.code.as_str(), i);
    }
    let mut seen = vec![false; before.len()];
    let none = Awards::default();
    let mut pairs: Vec<(&Awards, &Awards)> = Vec::with_capacity(after.len());
    for a in after {
        let b = match at.get(a.code.as_str()) {
            Some(&i) => {
                seen[i] = true;
                &before[i]
            }
            None => &none,
        };
        pairs.push((b, a));
    }
    for (b, _) in before.iter().zip(&seen).filter(|(_, s)| !**s) {
        pairs.push((b, &none));
    }
    let mut counts = Counts::default();
    let mut out = Vec::new();
    for (b, a) in pairs {
        let amount = Pair {
            before: b.total(),
            after: a.total(),
        };
        let mut clauses: Vec<u32> = (b.clauses.iter().chain(&a.clauses))
            .map(|c| c.0)
            .filter(|&n| b.under(n) != a.under(n))
            .collect();
        clauses.sort_unstable();
        clauses.dedup();
        match amount.after.cmp(&amount.before) {
            std::cmp::Ordering::Greater => counts.up += 1,
            std::cmp::Ordering::Less => counts.down += 1,
            std::cmp::Ordering::Equal => counts.same += 1,
        }
        if amount.before == amount.after && clauses.is_empty() {
            continue;
        }
        let who = if a.code.is_empty() { b } else { a };
        out.push(Change {
            credit_code: who.code.clone(),
            name: who.name.clone(),
            district: who.district.clone(),
            amount,
            clauses,
        });
    }
    out.sort_by(|x, y| {
        let size = |c: &Change| c.amount.difference().magnitude();
        (size(y).cmp(&size(x))).then_with(|| x.credit_code.cmp(&y.credit_code))
    });
    (counts, out)
}

impl Impact {
    /// The SPEC §11 JSON.
    pub fn json(&self) -> serde_json::Value {
        use serde_json::json;
        let pair =
            |p: &Pair| json!({"before": p.before, "after": p.after, "difference": p.difference()});
        let with = |mut head: serde_json::Value, p: &Pair| {
            if let (Some(h), serde_json::Value::Object(amounts)) = (head.as_object_mut(), pair(p)) {
                h.extend(amounts);
            }
            head
        };
        let range = |r: &Range| json!({"floor": r.floor, "ceiling": r.ceiling});
        json!({
            "as_of": self.as_of.to_string(),
            "overlays": self.overlays,
            "total": pair(&self.total),
            "by_district": (self.by_district.iter())
                .map(|l| with(json!({"district": l.name}), &l.amount))
                .collect::<Vec<_>>(),
            "by_clause": (self.by_clause.iter())
                .map(|l| with(json!({"clause": l.clause, "title": l.name}), &l.amount))
                .collect::<Vec<_>>(),
            "by_funding": (self.by_funding.iter())
                .map(|l| with(json!({"funding": l.name}), &l.amount))
                .collect::<Vec<_>>(),
            "discretionary": {
                "before": range(&self.discretionary.0),
                "after": range(&self.discretionary.1),
            },
            "applicants": {
                "up": self.applicants.up,
                "down": self.applicants.down,
                "same": self.applicants.same,
            },
            "changes": (self.changes.iter())
                .map(|c| {
                    let head = json!({
                        "credit_code": c.credit_code,
                        "name": c.name,
                        "district": c.district,
                    });
                    let mut v = with(head, &c.amount);
                    if let Some(o) = v.as_object_mut() {
                        o.insert("clauses".into(), json!(c.clauses));
                    }
                    v
                })
                .collect::<Vec<_>>(),
        })
    }
}

/// Writes the impact to `out`: CSV (one table, labels in both languages) or a workbook (a
/// sheet a table, and a chart of the difference by district and clause).
pub fn write(
    out: impl std::io::Write + Send,
    form: Form,
    shown: &str,
    impact: &Impact,
    lang: Lang,
) -> Result<(), Error> {
    match form.format {
        Format::Xlsx => write::book(out, shown, &sheets(impact, lang)),
        Format::Csv => {
            let rows = table(impact);
            let t = write::Table {
                headers: &HEADERS,
                rows: &rows,
            };
            write::table(out, form, shown, t)
        }
    }
}

/// The CSV's columns.
pub const HEADERS: [&str; 8] = [
    "部分 part",
    "名称 name",
    "统一社会信用代码 credit code",
    "区县 district",
    "调整前 before",
    "调整后 after",
    "差额 difference",
    "条款 clauses",
];

fn text(t: impl Into<String>) -> Cell {
    Cell::Text(t.into())
}

fn amounts(p: &Pair) -> [Cell; 3] {
    [
        Cell::Money(p.before),
        Cell::Money(p.after),
        Cell::Delta(p.difference()),
    ]
}

fn clause_list(clauses: &[u32]) -> String {
    (clauses.iter().map(u32::to_string))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The CSV: the total, the lines by district, clause and funding, the discretionary ranges,
/// the applicants' counts, each change, the error rows, the as-of date, overlays and digests.
pub fn table(i: &Impact) -> Vec<Vec<Cell>> {
    let blank = || text("");
    let line = |part: &str, name: String, district: String, p: &Pair, clause: String| {
        let mut row = vec![text(part), text(name), blank(), text(district)];
        row.extend(amounts(p));
        row.push(text(clause));
        row
    };
    let mut out = vec![line(
        "合计 total",
        String::new(),
        String::new(),
        &i.total,
        String::new(),
    )];
    for l in &i.by_district {
        out.push(line(
            "区县 district",
            String::new(),
            l.name.clone(),
            &l.amount,
            String::new(),
        ));
    }
    for l in &i.by_clause {
        let n = l.clause.map(|n| n.to_string()).unwrap_or_default();
        out.push(line(
            "条款 clause",
            l.name.clone(),
            String::new(),
            &l.amount,
            n,
        ));
    }
    for l in &i.by_funding {
        let name = l.name.clone();
        out.push(line(
            "资金来源 funding",
            name,
            String::new(),
            &l.amount,
            String::new(),
        ));
    }
    let (b, a) = i.discretionary;
    for (part, before, after) in [
        ("酌定下限合计 discretionary floors", b.floor, a.floor),
        ("酌定上限合计 discretionary ceilings", b.ceiling, a.ceiling),
    ] {
        let p = Pair { before, after };
        out.push(line(part, String::new(), String::new(), &p, String::new()));
    }
    for c in &i.changes {
        let mut row = vec![
            text("变化 change"),
            text(c.name.clone()),
            text(c.credit_code.clone()),
            text(c.district.clone()),
        ];
        row.extend(amounts(&c.amount));
        row.push(text(clause_list(&c.clauses)));
        out.push(row);
    }
    let note = |label: &str, value: Cell| {
        let mut row = vec![text(label), blank(), blank(), blank()];
        row.extend([value, blank(), blank(), blank()]);
        row
    };
    let count = |label: &str, before: usize, after: usize| {
        let mut row = vec![text(label), blank(), blank(), blank()];
        row.extend([Cell::Count(before), Cell::Count(after), blank(), blank()]);
        row
    };
    out.push(note("上升单位 applicants up", Cell::Count(i.applicants.up)));
    out.push(note(
        "下降单位 applicants down",
        Cell::Count(i.applicants.down),
    ));
    out.push(note(
        "不变单位 applicants same",
        Cell::Count(i.applicants.same),
    ));
    out.push(count("有误行 error rows", i.errors.0, i.errors.1));
    out.push(note("计算基准日 as of", text(i.as_of.to_string())));
    out.push(note("调整 overlays", text(i.overlays.join(" "))));
    out.push(note(
        "基准叠加 base overlays",
        text(i.base_overlays.join(" ")),
    ));
    out.push(note(
        "规则 rules sha256 (调整前 before)",
        text(i.digest.0.clone()),
    ));
    out.push(note(
        "规则 rules sha256 (调整后 after)",
        text(i.digest.1.clone()),
    ));
    out
}

/// The workbook: the totals and notes, by district, by clause, by funding source, the
/// applicants that change, and the difference by district and clause under a column chart.
pub fn sheets(i: &Impact, lang: Lang) -> Vec<Sheet> {
    let pick = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    let figures = || {
        vec![
            pick("调整前", "before"),
            pick("调整后", "after"),
            pick("差额", "difference"),
        ]
    };
    let headed = |first: Vec<String>| first.into_iter().chain(figures()).collect::<Vec<_>>();
    let name = |l: &ImpactLine| if lang.en() { &l.name_en } else { &l.name }.clone();
    let row = |head: Vec<Cell>, p: &Pair| head.into_iter().chain(amounts(p)).collect::<Vec<_>>();
    let total_row = |label: String, columns: usize| {
        let mut head = vec![text(label)];
        head.resize(columns, text(""));
        row(head, &i.total)
    };

    let (b, a) = i.discretionary;
    let mut totals = vec![row(
        vec![text(pick("确定金额合计", "determinate total"))],
        &i.total,
    )];
    for (label, before, after) in [
        (
            pick("酌定下限合计", "discretionary floors"),
            b.floor,
            a.floor,
        ),
        (
            pick("酌定上限合计", "discretionary ceilings"),
            b.ceiling,
            a.ceiling,
        ),
    ] {
        totals.push(row(vec![text(label)], &Pair { before, after }));
    }
    totals.push(Vec::new());
    let note = |label: String, value: Cell| vec![text(label), value];
    totals.push(note(
        pick("上升单位", "applicants up"),
        Cell::Count(i.applicants.up),
    ));
    totals.push(note(
        pick("下降单位", "applicants down"),
        Cell::Count(i.applicants.down),
    ));
    totals.push(note(
        pick("不变单位", "applicants same"),
        Cell::Count(i.applicants.same),
    ));
    totals.push(vec![
        text(pick("有误行 (不计入)", "error rows (not counted)")),
        Cell::Count(i.errors.0),
        Cell::Count(i.errors.1),
    ]);
    totals.push(note(
        pick("计算基准日", "as of"),
        Cell::Note(i.as_of.to_string()),
    ));
    totals.push(note(
        pick("调整", "change"),
        Cell::Note(i.overlays.join("; ")),
    ));
    if !i.base_overlays.is_empty() {
        let base = Cell::Note(i.base_overlays.join("; "));
        totals.push(note(pick("基准叠加规则", "base overlays"), base));
    }
    totals.push(note(
        pick("规则 sha256 (调整前)", "rules sha256 (before)"),
        Cell::Note(i.digest.0.clone()),
    ));
    totals.push(note(
        pick("规则 sha256 (调整后)", "rules sha256 (after)"),
        Cell::Note(i.digest.1.clone()),
    ));

    let mut districts: Vec<Vec<Cell>> = (i.by_district.iter())
        .map(|l| row(vec![text(name(l))], &l.amount))
        .collect();
    districts.push(total_row(pick("合计", "total"), 1));
    let mut clauses: Vec<Vec<Cell>> = (i.by_clause.iter())
        .map(|l| {
            let n = Cell::Count(l.clause.unwrap_or_default() as usize);
            row(vec![n, text(name(l))], &l.amount)
        })
        .collect();
    clauses.push(total_row(pick("合计", "total"), 2));
    let mut funding: Vec<Vec<Cell>> = (i.by_funding.iter())
        .map(|l| row(vec![text(name(l))], &l.amount))
        .collect();
    funding.push(total_row(pick("合计", "total"), 1));
    let changes: Vec<Vec<Cell>> = (i.changes.iter())
        .map(|c| {
            let head = vec![
                text(c.name.clone()),
                text(c.credit_code.clone()),
                text(c.district.clone()),
            ];
            let mut r = row(head, &c.amount);
            r.push(text(clause_list(&c.clauses)));
            r
        })
        .collect();
    let mut change_headers = headed(vec![
        pick("单位名称", "name"),
        pick("统一社会信用代码", "credit code"),
        pick("区县", "district"),
    ]);
    change_headers.push(pick("涉及条款", "clauses"));
    vec![
        Sheet {
            name: pick("影响", "impact"),
            headers: headed(vec![pick("项目", "item")]),
            rows: totals,
            landscape: true,
            ..Default::default()
        },
        Sheet {
            name: pick("区县", "districts"),
            headers: headed(vec![pick("区县", "district")]),
            rows: districts,
            landscape: true,
            ..Default::default()
        },
        Sheet {
            name: pick("条款", "clauses"),
            headers: headed(vec![pick("条款", "clause"), pick("名称", "title")]),
            rows: clauses,
            landscape: true,
            ..Default::default()
        },
        Sheet {
            name: pick("资金来源", "funding"),
            headers: headed(vec![pick("资金来源", "funding source")]),
            rows: funding,
            landscape: true,
            ..Default::default()
        },
        Sheet {
            name: pick("变化单位", "changes"),
            headers: change_headers,
            rows: changes,
            landscape: true,
            ..Default::default()
        },
        chart(i, lang),
    ]
}

/// The determinate difference, a row a district and a column a clause (clauses with no
/// difference left out), under a column chart of it.
fn chart(i: &Impact, lang: Lang) -> Sheet {
    let mut clauses: Vec<u32> = (i.grid.iter())
        .flat_map(|(_, row)| row.iter())
        .filter(|(_, d)| !d.is_zero())
        .map(|(c, _)| *c)
        .collect();
    clauses.sort_unstable();
    clauses.dedup();
    let mut headers = vec![lang.pick("区县", "district").to_string()];
    for &n in &clauses {
        let l = i.by_clause.iter().find(|l| l.clause == Some(n));
        let title = l.map_or("", |l| if lang.en() { &l.name_en } else { &l.name });
        headers.push(say!(lang, "第 {n} 条 {title}", "{n} {title}"));
    }
    let rows = (i.grid.iter())
        .filter(|(_, row)| row.iter().any(|(_, d)| !d.is_zero()))
        .map(|(district, row)| {
            let mut cells = vec![Cell::Text(String::new()); 1 + clauses.len()];
            cells[0] = text(district.clone());
            for (c, d) in row {
                if let (Ok(at), false) = (clauses.binary_search(c), d.is_zero()) {
                    cells[1 + at] = Cell::Delta(*d);
                }
            }
            cells
        })
        .collect();
    Sheet {
        name: lang.pick("图表", "chart").to_string(),
        headers,
        rows,
        landscape: true,
        // One colour per clause, the summary's, from round to round.
        chart: Some(Bars {
            title: lang
                .pick(
                    "调整后确定金额的变化，按区县和条款（元）",
                    "Change in determinate awards by district and clause (yuan)",
                )
                .to_string(),
            colours: clauses
                .iter()
                .map(|&n| Some(crate::batch::summary::colour(n)))
                .collect(),
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn awards(code: &str, clauses: &[(u32, &str)]) -> Awards {
        Awards {
            code: code.into(),
            name: format!("name {code}"),
            district: "d".into(),
            clauses: (clauses.iter())
                .map(|(n, a)| (*n, Money::parse(a).unwrap()))
                .collect(),
        }
    }

    #[test]
    fn applicants_are_matched_by_code_and_the_largest_change_comes_first() {
        let before = [
            awards("A", &[(1, "100")]),
            awards("B", &[(1, "50"), (2, "50")]),
            awards("C", &[(1, "10")]),
            awards("GONE", &[(1, "5")]),
        ];
        let after = [
            awards("C", &[(1, "10")]),
            // The same total, moved between clauses: a change, though neither up nor down.
            awards("B", &[(1, "40"), (2, "60")]),
            awards("A", &[(1, "70")]),
            awards("NEW", &[(13, "200")]),
        ];
        let (counts, changes) = changes(&before, &after);
        assert_eq!(
            counts,
            Counts {
                up: 1,
                down: 2,
                same: 2
            }
        );
        let seen: Vec<(&str, String, Vec<u32>)> = (changes.iter())
            .map(|c| {
                let d = c.amount.difference().plain();
                (c.credit_code.as_str(), d, c.clauses.clone())
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("NEW", "200.00".to_string(), vec![13]),
                ("A", "-30.00".to_string(), vec![1]),
                ("GONE", "-5.00".to_string(), vec![1]),
                ("B", "0.00".to_string(), vec![1, 2]),
            ]
        );
    }
}
