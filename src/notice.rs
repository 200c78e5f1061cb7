//! `calc notice`: the public-notice list (公示名单, SPEC §7) of a round's output: one line per
//! applicant and clause with an award, sorted by district and clause, with the round's total,
//! and the discretionary awards apart, each with its range (酌定下限 to 酌定上限), and the totals
//! of their floors and ceilings. It is read back from the output file the clerk hands on,
//! so that the list says what the output says; nothing is computed again.

use std::collections::BTreeMap;

use crate::error::{Error, InputError};
use crate::money::{Money, MoneyError};
use crate::round::output::{Figure, Wanted};
use crate::rules::RulesFor;
use crate::rules::vocabulary::written;
use crate::sheet::Form;
use crate::sheet::read::Table;
use crate::sheet::write::{self, Cell, Sheet};
use crate::text::Lang;
use chrono::NaiveDate;

/// What a notice says above and below its list, as the caller gives it: the title, the round,
/// the issuing unit, the 公示期 (`days` calendar days from `from`, the last `from + days - 1`),
/// where objections go, the day it is dated, and the language of its own words.
#[derive(Clone, Debug)]
pub struct Heading {
    pub title: String,
    pub round: Option<String>,
    pub unit: Option<String>,
    pub from: NaiveDate,
    pub days: u32,
    pub contact: Option<String>,
    pub date: NaiveDate,
    pub lang: Lang,
}

impl Heading {
    /// The 公示期's last day: `days` calendar days, the first being `from`.
    pub fn until(&self) -> NaiveDate {
        let days = u64::from(self.days.max(1) - 1);
        (self.from.checked_add_days(chrono::Days::new(days))).unwrap_or(self.from)
    }

    /// The lines above the list: the title, the round, the 公示期 and where objections go.
    fn above(&self) -> Vec<String> {
        let lang = self.lang;
        let mut out = vec![self.title.clone()];
        if let Some(round) = &self.round {
            out.push(format!("{}：{round}", lang.pick("批次", "Round")));
        }
        let (from, until, days) = (self.from, self.until(), self.days);
        out.push(crate::say!(
            lang,
            "公示期：{from} 至 {until}（{days} 天）",
            "Notice period: {from} to {until} ({days} days)"
        ));
        let unit = self.unit.as_deref().unwrap_or_default();
        let objection = match &self.contact {
            Some(c) => crate::say!(
                lang,
                "公示期内如有异议，请以书面形式向{unit}反映。联系方式：{c}",
                "Objections in writing within the period to {unit}. Contact: {c}"
            ),
            None => crate::say!(
                lang,
                "公示期内如有异议，请以书面形式向{unit}反映。",
                "Objections in writing within the period to {unit}."
            ),
        };
        out.push(objection);
        out
    }

    /// The lines under the list: the issuing unit and the date.
    fn below(&self) -> Vec<String> {
        let mut out: Vec<String> = self.unit.iter().cloned().collect();
        out.push(match self.lang {
            Lang::Zh => self.date.format("%Y年%-m月%-d日").to_string(),
            Lang::En => self.date.to_string(),
        });
        out
    }
}

/// An individual's 公民身份号码 as Chinese public notices show it: the first 6 and the last 4
/// characters, the birth date and sequence hidden; a credit code as it is.
fn shown_code(code: &str) -> String {
    if !crate::credit_code::is_id_number(code) {
        return code.to_string();
    }
    let chars: Vec<char> = code.chars().collect();
    let n = chars.len();
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[n - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(n - 10))
}

/// What a notice came to, for the closing line.
pub struct Notice {
    /// Applicant-and-clause lines with a determinate award.
    pub lines: usize,
    /// NoticeLines of discretionary awards, apart from the total.
    pub discretionary: usize,
    pub total: Money,
    /// The discretionary lines' floors and ceilings added up (none when the output has none).
    pub floors: Option<Money>,
    pub ceilings: Option<Money>,
}

/// One applicant under one clause: its award, or its range when discretionary.
#[derive(Default)]
struct NoticeLine {
    name: String,
    amount: Money,
    floor: Option<Money>,
    ceiling: Option<Money>,
}

/// (district's place in the policy's list, district, clause, credit code) → its line.
type NoticeLines = BTreeMap<(usize, String, u32, String), NoticeLine>;

const HEADERS: [&str; 7] = [
    "序号",
    "单位名称",
    "统一社会信用代码",
    "所属区县",
    "条款",
    "名称",
    "核定金额",
];

/// The most lines printed on one A4 page (shrunk a little at most); a longer list runs on.
const ONE_PAGE: usize = 45;

/// `a + b` where either may be missing: a range's floor or ceiling, summed over the ones there are.
fn add(a: Option<Money>, b: Option<Money>) -> Result<Option<Money>, MoneyError> {
    match (a, b) {
        (Some(a), Some(b)) => a.checked_add(b).map(Some),
        (a, b) => Ok(a.or(b)),
    }
}

/// Reads a round's output and writes its notice to `out` (CSV or XLSX; `shown` names it in an
/// error): the determinate lines and their total, then the discretionary ones under their own
/// header, each with its floor and ceiling, and the totals of both.
pub fn write(
    book: &dyn RulesFor,
    output: &Table,
    out: impl std::io::Write + Send,
    (form, shown): (Form, &str),
    heading: &Heading,
) -> Result<Notice, Error> {
    let lang = heading.lang;
    let rules = book.base();
    let (awarded, discretionary) = read(book, output)?;
    let overflow = |e: MoneyError| InputError::new(&output.file, e);
    let mut rows = Vec::new();
    let (mut strong, mut heads) = (Vec::new(), Vec::new());
    let mut total = Money::ZERO;
    for (n, ((_, district, clause, code), line)) in awarded.iter().enumerate() {
        total = total.checked_add(line.amount).map_err(overflow)?;
        let mut row = row(book, n + 1, line, code, district, *clause);
        row.push(Cell::Money(line.amount));
        rows.push(row);
    }
    strong.push(rows.len());
    rows.push(total_row(&[Some(total)], lang));
    let (mut floors, mut ceilings) = (None, None);
    if !discretionary.is_empty() {
        let mut part: Vec<Cell> = HEADERS.iter().map(|_| Cell::Text(String::new())).collect();
        part[1] = Cell::Text(
            lang.pick(
                "酌定（由主管部门核定，不计入合计）",
                "discretionary (decided by the department, not in the total)",
            )
            .into(),
        );
        strong.push(rows.len());
        rows.push(part);
        // The part's own header: the award's column gives way to the range's two.
        let b = &rules.vocabulary.batch;
        let mut head: Vec<Cell> = HEADERS[..HEADERS.len() - 1]
            .iter()
            .map(|h| Cell::Text(h.to_string()))
            .collect();
        head.push(Cell::Text(written(&b.floor, false).to_string()));
        head.push(Cell::Text(written(&b.ceiling, false).to_string()));
        heads.push(rows.len());
        rows.push(head);
        for (n, ((_, district, clause, code), line)) in discretionary.iter().enumerate() {
            floors = add(floors, line.floor).map_err(overflow)?;
            ceilings = add(ceilings, line.ceiling).map_err(overflow)?;
            let mut row = row(book, n + 1, line, code, district, *clause);
            row.extend([line.floor, line.ceiling].map(money_or_blank));
            rows.push(row);
        }
        strong.push(rows.len());
        rows.push(total_row(&[floors, ceilings], lang));
    }
    if form.format == crate::sheet::Format::Xlsx {
        // Named after the round, as Excel allows a name; else 公示名单.
        let name = (heading.round.as_deref().map(write::excel_sheet_name))
            .filter(|n| !n.trim().is_empty() && !n.eq_ignore_ascii_case("history"))
            .unwrap_or_else(|| lang.pick("公示名单", "notice").to_string());
        // A list that fits an A4 page at a readable size is printed on one, ready to sign.
        let one_page = rows.len() <= ONE_PAGE;
        let sheet = Sheet {
            one_page,
            name,
            above: heading.above(),
            headers: HEADERS.iter().map(|h| h.to_string()).collect(),
            rows,
            strong,
            heads,
            below: heading.below(),
            ..Sheet::default()
        };
        write::book(out, shown, &[sheet])?;
    } else {
        let table = write::Table {
            headers: &HEADERS,
            rows: &rows,
        };
        write::table(out, form, shown, table)?;
    }
    Ok(Notice {
        lines: awarded.len(),
        discretionary: discretionary.len(),
        total,
        floors,
        ceilings,
    })
}

fn money_or_blank(m: Option<Money>) -> Cell {
    m.map_or(Cell::Text(String::new()), Cell::Money)
}

/// A totals line: 合计 under the name, then the sums where the amounts stand.
fn total_row(sums: &[Option<Money>], lang: Lang) -> Vec<Cell> {
    let at = HEADERS.len() - 1;
    let mut row: Vec<Cell> = (0..at).map(|_| Cell::Text(String::new())).collect();
    row[1] = Cell::Text(lang.pick("合计", "total").into());
    row.extend(sums.iter().map(|&m| money_or_blank(m)));
    row
}

/// A line's cells up to its clause's title; the caller adds the amount or the range.
fn row(
    book: &dyn RulesFor,
    n: usize,
    line: &NoticeLine,
    code: &str,
    district: &str,
    clause: u32,
) -> Vec<Cell> {
    // A clause an overlay scoped to the district adds is named by those rules.
    let rules = book.of_district(district);
    let title = rules.clause(clause).map_or("", |c| c.title(false));
    vec![
        Cell::Count(n),
        Cell::Text(line.name.clone()),
        Cell::Text(shown_code(code)),
        Cell::Text(district.to_string()),
        Cell::Count(clause as usize),
        Cell::Text(title.to_string()),
    ]
}

/// The output's awarded and discretionary lines, read by the one reader of a round's output
/// (`round::output`): rows of one applicant are one applicant however its code or district was
/// spelt, a decided discretionary amount is a decided award, and rows without an award are passed
/// over unread. A file without calc's added columns is no round's output and is refused.
fn read(book: &dyn RulesFor, table: &Table) -> Result<(NoticeLines, NoticeLines), Error> {
    let rules = book.base();
    let cols = crate::round::output::columns(rules, table)?;
    if !cols.own {
        return Err(InputError::new(
            &table.file,
            crate::text!("不是批量计算的输出 (缺少 条款、核定金额、状态 列)：请给出 calc batch 的输出文件", "not a round's output (no clause, award and status columns): give the output of calc batch"),
        )
        .into());
    }
    let order = |d: &str| {
        let divisions = &rules.policy.divisions;
        divisions
            .iter()
            .position(|x| x == d)
            .unwrap_or(divisions.len())
    };
    let overflow = |line: usize, e: MoneyError| {
        let mut err = InputError::new(&table.file, e.text());
        err.line = Some(line);
        err
    };
    let (mut awarded, mut discretionary) = (NoticeLines::new(), NoticeLines::new());
    for a in crate::round::output::awards(book, table, &cols, Wanted::WithUndecided)? {
        let (into, amount, floor, ceiling) = match a.figure {
            Figure::Decided(m) => (&mut awarded, m, None, None),
            Figure::Undecided { floor, ceiling } => {
                (&mut discretionary, Money::ZERO, floor, ceiling)
            }
        };
        let key = (order(&a.district), a.district, a.clause, a.credit_code);
        let entry = into.entry(key).or_default();
        if entry.name.is_empty() {
            entry.name = a.name;
        }
        entry.amount = (entry.amount.checked_add(amount)).map_err(|e| overflow(a.line, e))?;
        entry.floor = add(entry.floor, floor).map_err(|e| overflow(a.line, e))?;
        entry.ceiling = add(entry.ceiling, ceiling).map_err(|e| overflow(a.line, e))?;
    }
    Ok((awarded, discretionary))
}
