//! `--summary FILE`: the round's totals by district and clause, each district's subtotal, each
//! clause's total over all districts, and the grand total. Every figure is a sum of the output's
//! `award` column, so the summary always equals the rows (the totals by funding source too: each
//! clause's total under the source its rule file names); discretionary rows are counted apart
//! (they have a ceiling, not an amount; their floors and ceilings are summed apart in a
//! workbook) and error rows are counted at the end. Laid out here too, the data and its layout in
//! one place: a CSV summary is one table, its labels in both languages, the as-of date and rule
//! digest at the end; an XLSX one has a sheet of these totals, one by funding source, and one of
//! the determinate awards by district and clause under a column chart, in one language.

use std::collections::BTreeMap;

use super::RowResult;
use super::group::Unit;
use crate::error::Error;
use crate::money::Money;
use crate::round::RowStatus;
use crate::rules::RuleSet;
use crate::say;
use crate::sheet::write::{self, Bars, Cell, Sheet};
use crate::sheet::{Form, Format};
use crate::text::Lang;
use chrono::NaiveDate;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Rows under the clause (awarded, discretionary or ineligible).
    pub rows: usize,
    pub award: Money,
    pub discretionary: usize,
    /// The discretionary rows' floors and ceilings, summed.
    pub floor: Money,
    pub ceiling: Money,
}

impl Totals {
    fn add(&mut self, r: &RowResult) {
        self.rows += 1;
        if let Some(a) = r.award {
            // Awards of one round cannot overflow 28 digits; saturate rather than panic.
            self.award = self.award.checked_add(a).unwrap_or(self.award);
        }
        if r.status == RowStatus::Discretionary {
            self.discretionary += 1;
            let sum = |total: Money, m: Option<Money>| total.checked_add(m.unwrap_or(Money::ZERO));
            self.floor = sum(self.floor, r.floor()).unwrap_or(self.floor);
            self.ceiling = sum(self.ceiling, r.ceiling()).unwrap_or(self.ceiling);
        }
    }

    pub fn merge(&mut self, o: &Totals) {
        self.rows += o.rows;
        self.award = self.award.checked_add(o.award).unwrap_or(self.award);
        self.discretionary += o.discretionary;
        self.floor = self.floor.checked_add(o.floor).unwrap_or(self.floor);
        self.ceiling = self.ceiling.checked_add(o.ceiling).unwrap_or(self.ceiling);
    }
}

/// Totals by (district, clause), in the policy's district order, then others by name.
#[derive(Debug, Default)]
pub struct Summary {
    pub cells: BTreeMap<(usize, String, u32), Totals>,
    pub errors: usize,
}

impl Summary {
    pub fn of(rules: &RuleSet, units: &[Unit], results: &[RowResult]) -> Summary {
        let districts = &rules.policy.districts;
        // Districts are few and rows many: each unit's district is looked up once, and rows
        // are added (in row order, as before) to totals by (district, clause) numbers.
        let mut names: Vec<(usize, &str)> = Vec::new();
        let mut known: foldhash::HashMap<&str, u32> = foldhash::HashMap::default();
        let unit_district: Vec<u32> = units
            .iter()
            .map(|u| {
                let name = u.district.as_str();
                *known.entry(name).or_insert_with(|| {
                    let order = districts
                        .iter()
                        .position(|d| d == name)
                        .unwrap_or(districts.len());
                    names.push((order, name));
                    (names.len() - 1) as u32
                })
            })
            .collect();
        let mut totals: foldhash::HashMap<(u32, u32), Totals> = foldhash::HashMap::default();
        let mut s = Summary::default();
        for r in results {
            if r.status == RowStatus::Error {
                s.errors += 1;
                continue;
            }
            let (Some(clause), Some(ui)) = (r.clause, r.unit) else {
                continue;
            };
            let Some(&d) = unit_district.get(ui as usize) else {
                continue;
            };
            totals.entry((d, clause)).or_default().add(r);
            for more in &r.also {
                if let Some(clause) = more.clause {
                    totals.entry((d, clause)).or_default().add(more);
                }
            }
        }
        s.cells = totals
            .into_iter()
            .filter_map(|((d, clause), t)| {
                let &(order, name) = names.get(d as usize)?;
                Some(((order, name.to_string(), clause), t))
            })
            .collect();
        s
    }
}

impl Summary {
    /// The totals of every district, in the summary's order (the policy's, then by name).
    pub fn by_district(&self) -> Vec<(&str, Totals)> {
        let mut out: Vec<(&str, Totals)> = Vec::new();
        for ((_, district, _), t) in &self.cells {
            match out.last_mut() {
                Some((d, sub)) if *d == district.as_str() => sub.merge(t),
                _ => out.push((district.as_str(), *t)),
            }
        }
        out
    }

    /// The totals of every clause, by number.
    pub fn by_clause(&self) -> BTreeMap<u32, Totals> {
        let mut out: BTreeMap<u32, Totals> = BTreeMap::new();
        for ((_, _, clause), t) in &self.cells {
            out.entry(*clause).or_default().merge(t);
        }
        out
    }

    /// The totals by funding source (its index in `rules.policy.funding`), each clause's under
    /// the source its rule file names, as the summary's funding lines.
    pub fn by_funding(&self, rules: &RuleSet) -> BTreeMap<usize, Totals> {
        let mut out: BTreeMap<usize, Totals> = BTreeMap::new();
        for (clause, t) in &self.by_clause() {
            if let Some(f) = rules.clause(*clause).and_then(|c| c.funding) {
                out.entry(f).or_default().merge(t);
            }
        }
        out
    }

    /// The grand total.
    pub fn total(&self) -> Totals {
        let mut grand = Totals::default();
        for t in self.cells.values() {
            grand.merge(t);
        }
        grand
    }
}

/// What a summary says of its run besides the totals, as the caller knows it (the library
/// reads no file): the round, the as-of date, the day of the run, the overlays and the prior
/// files (or ledger) used.
#[derive(Clone, Debug)]
pub struct About {
    pub round: Option<String>,
    pub as_of: NaiveDate,
    pub run: Option<NaiveDate>,
    pub overlays: Vec<String>,
    pub priors: Vec<String>,
}

impl About {
    /// A run as of `as_of`, nothing else known.
    pub fn new(as_of: NaiveDate) -> About {
        About {
            round: None,
            as_of,
            run: None,
            overlays: Vec::new(),
            priors: Vec::new(),
        }
    }
}

/// Writes the summary to `out` in `format` (`shown` names it in an error).
pub fn write(
    out: impl std::io::Write + Send,
    form: Form,
    shown: &str,
    summary: &Summary,
    rules: &RuleSet,
    about: &About,
    lang: Lang,
) -> Result<(), Error> {
    match form.format {
        Format::Xlsx => write::book(out, shown, &sheets(summary, rules, about, lang)),
        Format::Csv => {
            let rows = table(summary, rules, about.as_of);
            let t = write::Table {
                headers: &HEADERS,
                rows: &rows,
            };
            write::table(out, form, shown, t)
        }
    }
}

/// The summary's lines: district × clause lines, district subtotals, clause totals, the
/// grand total, then the totals by funding source.
fn lines<'s>(summary: &'s Summary, rules: &RuleSet) -> Vec<SummaryLine<'s>> {
    let mut out = Vec::new();
    let mut by_clause: BTreeMap<u32, Totals> = BTreeMap::new();
    let mut grand = Totals::default();
    let mut current: Option<(&str, Totals)> = None;
    for ((_, district, clause), t) in &summary.cells {
        if let Some((d, sub)) = current
            && d != district.as_str()
        {
            out.push(SummaryLine::new(
                Place::District(d),
                None,
                Label::Subtotal,
                sub,
            ));
            current = None;
        }
        let title = Label::Title(*clause);
        out.push(SummaryLine::new(
            Place::District(district),
            Some(*clause),
            title,
            *t,
        ));
        current
            .get_or_insert((district.as_str(), Totals::default()))
            .1
            .merge(t);
        by_clause.entry(*clause).or_default().merge(t);
        grand.merge(t);
    }
    if let Some((d, sub)) = current {
        out.push(SummaryLine::new(
            Place::District(d),
            None,
            Label::Subtotal,
            sub,
        ));
    }
    for (clause, t) in &by_clause {
        out.push(SummaryLine::new(
            Place::All,
            Some(*clause),
            Label::Title(*clause),
            *t,
        ));
    }
    out.push(SummaryLine::new(Place::All, None, Label::Total, grand));
    // 资金来源 (附则2): the same totals by the funding source each clause names.
    for (f, t) in summary.by_funding(rules) {
        out.push(SummaryLine::new(Place::Funding, None, Label::Source(f), t));
    }
    out
}

/// The CSV table: the lines with the discretionary floors and ceilings summed apart, the error
/// rows' count, the as-of date and the rules' digest.
pub fn table(summary: &Summary, rules: &RuleSet, as_of: NaiveDate) -> Vec<Vec<Cell>> {
    let mut out: Vec<Vec<Cell>> = (lines(summary, rules).iter())
        .map(|l| {
            let mut cells = l.head(rules, Words::Both);
            cells.extend([
                Cell::Count(l.totals.rows),
                Cell::Money(l.totals.award),
                Cell::Count(l.totals.discretionary),
                Cell::Money(l.totals.floor),
                Cell::Money(l.totals.ceiling),
            ]);
            cells
        })
        .collect();
    out.push(note("有误行 error rows", Cell::Count(summary.errors)));
    out.push(note("计算基准日 as of", Cell::Text(as_of.to_string())));
    out.push(note("规则 rules sha256", Cell::Text(rules.digest.clone())));
    out
}

/// Colours of a chart's series, by clause number (the clause's place in it, not the series'):
/// a clause keeps its colour from round to round, whichever clauses a round awards.
const PALETTE: [u32; 12] = [
    0x4472C4, 0xED7D31, 0xA5A5A5, 0xFFC000, 0x5B9BD5, 0x70AD47, 0x264478, 0x9E480E, 0x636363,
    0x997300, 0x255E91, 0x43682B,
];

/// A clause's colour in the chart.
pub fn colour(clause: u32) -> u32 {
    PALETTE[(clause as usize + PALETTE.len() - 1) % PALETTE.len()]
}

/// The lines above a workbook's totals: its title, the round, the as-of date, the day of the
/// run, the rules (version and digest), the overlays, the priors, the error rows.
fn heading(summary: &Summary, rules: &RuleSet, about: &About, lang: Lang) -> Vec<String> {
    let pick = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    let p = &rules.policy;
    let title = lang.pick(&p.title, &p.title_en);
    let doc = &p.document;
    let mut out = vec![say!(
        lang,
        "{doc} {title} 奖补资金汇总",
        "{doc} {title}: totals of the awards"
    )];
    if let Some(round) = &about.round {
        out.push(format!("{}：{round}", pick("批次", "Round")));
    }
    out.push(format!("{}：{}", pick("计算基准日", "As of"), about.as_of));
    if let Some(run) = about.run {
        out.push(format!("{}：{run}", pick("计算日期", "Run on")));
    }
    out.push(format!(
        "{}：{} {}  sha256 {}",
        pick("规则", "Rules"),
        p.id,
        p.version,
        rules.digest
    ));
    let none = || pick("无", "none");
    let list = |v: &[String]| if v.is_empty() { none() } else { v.join("、") };
    out.push(format!(
        "{}：{}",
        pick("叠加规则", "Overlays"),
        list(&about.overlays)
    ));
    out.push(format!(
        "{}：{}",
        pick("往期奖补", "Priors"),
        list(&about.priors)
    ));
    out.push(format!(
        "{}：{}",
        pick("有误行", "Error rows"),
        summary.errors
    ));
    out
}

/// The workbook's sheets: totals by district and clause with the discretionary floors and
/// ceilings apart (under the run's heading), totals by funding source, and the determinate
/// awards by district and clause as a grid under a column chart. Subtotals and totals bold.
pub fn sheets(summary: &Summary, rules: &RuleSet, about: &About, lang: Lang) -> Vec<Sheet> {
    let words = Words::One(lang);
    let pick = |zh: &str, en: &str| lang.pick(zh, en).to_string();
    let amounts = |t: &Totals| {
        [
            Cell::Count(t.rows),
            Cell::Money(t.award),
            Cell::Count(t.discretionary),
            Cell::Money(t.floor),
            Cell::Money(t.ceiling),
        ]
    };
    let (mut totals, mut funding) = (Vec::new(), Vec::new());
    let (mut strong, mut all) = (Vec::new(), Totals::default());
    for l in lines(summary, rules) {
        let mut cells = l.head(rules, words);
        if l.place == Place::Funding {
            all.merge(&l.totals);
            cells.drain(..2);
            cells.extend(amounts(&l.totals));
            funding.push(cells);
        } else {
            if l.clause.is_none() {
                strong.push(totals.len());
            }
            cells.extend(amounts(&l.totals));
            totals.push(cells);
        }
    }
    let funding_strong = vec![funding.len()];
    let mut total = vec![Cell::Text(Label::Total.word(rules, words))];
    total.extend(amounts(&all));
    funding.push(total);
    let figures = [
        pick("行数", "rows"),
        pick("核定金额", "award"),
        pick("酌定行数", "discretionary rows"),
        pick("酌定下限合计", "discretionary floors"),
        pick("酌定上限合计", "discretionary ceilings"),
    ];
    let head = [
        pick("区县", "district"),
        pick("条款", "clause"),
        pick("名称", "title"),
    ];
    let source = pick("资金来源", "funding source");
    let above = heading(summary, rules, about, lang);
    let mut title = vec![above[0].clone()];
    title.extend(
        about
            .round
            .iter()
            .map(|r| format!("{}：{r}", pick("批次", "Round"))),
    );
    vec![
        Sheet {
            name: pick("汇总", "totals"),
            above,
            headers: head.into_iter().chain(figures.clone()).collect(),
            rows: totals,
            strong,
            landscape: true,
            ..Sheet::default()
        },
        Sheet {
            name: source.clone(),
            above: title.clone(),
            headers: std::iter::once(source).chain(figures).collect(),
            rows: funding,
            strong: funding_strong,
            landscape: true,
            ..Sheet::default()
        },
        grid(summary, rules, lang, title),
    ]
}

/// The determinate awards, a row a district and a column a clause (clauses and districts that
/// award nothing left out), under a column chart of them, each clause in its own colour.
fn grid(summary: &Summary, rules: &RuleSet, lang: Lang, above: Vec<String>) -> Sheet {
    let mut clauses: Vec<u32> = (summary.cells.iter())
        .filter(|(_, t)| !t.award.is_zero())
        .map(|(k, _)| k.2)
        .collect();
    clauses.sort_unstable();
    clauses.dedup();
    let mut headers = vec![lang.pick("区县", "district").to_string()];
    for &n in &clauses {
        let title = Label::Title(n).word(rules, Words::One(lang));
        headers.push(say!(lang, "第 {n} 条 {title}", "{n} {title}"));
    }
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut last: Option<&str> = None;
    for ((_, district, clause), t) in &summary.cells {
        let Ok(c) = clauses.binary_search(clause) else {
            continue;
        };
        if t.award.is_zero() {
            continue;
        }
        if last != Some(district.as_str()) {
            let mut row = vec![Cell::Text(String::new()); 1 + clauses.len()];
            row[0] = Cell::Text(district.clone());
            rows.push(row);
            last = Some(district);
        }
        if let Some(row) = rows.last_mut() {
            row[1 + c] = Cell::Money(t.award);
        }
    }
    Sheet {
        name: lang.pick("图表", "chart").to_string(),
        above,
        headers,
        rows,
        landscape: true,
        chart: Some(Bars {
            title: lang
                .pick(
                    "各区县各条款核定金额（元）",
                    "Determinate awards by district and clause (yuan)",
                )
                .to_string(),
            colours: clauses.iter().map(|&n| Some(colour(n))).collect(),
        }),
        ..Sheet::default()
    }
}

/// A line of the summary.
struct SummaryLine<'a> {
    place: Place<'a>,
    /// The clause it totals, or none for a subtotal or total over clauses.
    clause: Option<u32>,
    label: Label,
    totals: Totals,
}

impl<'a> SummaryLine<'a> {
    fn new(place: Place<'a>, clause: Option<u32>, label: Label, totals: Totals) -> Self {
        SummaryLine {
            place,
            clause,
            label,
            totals,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place<'a> {
    District(&'a str),
    All,
    Funding,
}

#[derive(Clone, Copy)]
enum Label {
    Title(u32),
    Subtotal,
    Total,
    /// A funding source, by its index in the policy.
    Source(usize),
}

/// The CSV's labels carry both languages (as they always have); a workbook's, one.
#[derive(Clone, Copy)]
enum Words {
    Both,
    One(Lang),
}

impl Words {
    fn of(self, zh: &str, en: &str) -> String {
        match self {
            Words::Both => format!("{zh} {en}"),
            Words::One(lang) => lang.pick(zh, en).to_string(),
        }
    }

    /// A name from the rules: the Chinese in the CSV, as it always was.
    fn name(self, zh: &str, en: &str) -> String {
        match self {
            Words::Both => zh.to_string(),
            Words::One(lang) => lang.pick(zh, en).to_string(),
        }
    }
}

impl Label {
    fn word(self, rules: &RuleSet, words: Words) -> String {
        match self {
            Label::Title(n) => {
                (rules.clause(n)).map_or(String::new(), |c| words.name(&c.title, &c.title_en))
            }
            Label::Subtotal => words.of("小计", "subtotal"),
            Label::Total => words.of("合计", "total"),
            Label::Source(f) => (rules.policy.funding.get(f))
                .map_or(String::new(), |f| words.name(&f.label, &f.label_en)),
        }
    }
}

impl SummaryLine<'_> {
    /// Its first three cells: the place, the clause and the label.
    fn head(&self, rules: &RuleSet, words: Words) -> Vec<Cell> {
        let place = match self.place {
            Place::District(d) => d.to_string(),
            Place::All => words.of("全部", "all"),
            Place::Funding => words.of("资金来源", "funding"),
        };
        vec![
            Cell::Text(place),
            self.clause
                .map_or(Cell::Text(String::new()), |c| Cell::Count(c as usize)),
            Cell::Text(self.label.word(rules, words)),
        ]
    }
}

/// A note under the table: a label in the third column, its value in the fourth.
fn note(label: &str, value: Cell) -> Vec<Cell> {
    let blank = || Cell::Text(String::new());
    vec![
        blank(),
        blank(),
        Cell::Text(label.to_string()),
        value,
        blank(),
        blank(),
        blank(),
        blank(),
    ]
}

pub const HEADERS: [&str; 8] = [
    "区县 district",
    "条款 clause",
    "名称 title",
    "行数 rows",
    "核定金额 award",
    "酌定行数 discretionary rows",
    "酌定下限合计 discretionary floors",
    "酌定上限合计 discretionary ceilings",
];
