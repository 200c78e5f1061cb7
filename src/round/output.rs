//! A round's output read back (SPEC §6): the one reader of calc's own output, for a prior file
//! (`prior::PriorFile`) and the notice alike, so that both read the same awards.
//!
//! Each row with an award is read with everything that identifies the award: the credit code
//! folded as the round folds it, the name, the district, the clause, the item, the subject,
//! the title, the year, the claim period, and the amount (or a discretionary row's range).
//! Only rows marked awarded or discretionary are read; every other row (an error, an
//! ineligible item, an item already paid) is passed over without its cells being checked, so
//! that a round with errors is still read. A continuation row (a further clause over the same
//! item) is one more award under its own clause.
//!
//! A decided amount typed into the award column of a discretionary row is a decided award,
//! within the row's floor and ceiling (outside them: an input error naming the row).

use chrono::{Datelike, NaiveDate};

use crate::error::InputError;
use crate::facts::Value;
use crate::money::Money;
use crate::rules::{FieldId, RuleSet, RulesFor, SectionId};
use crate::sheet::read::{Cells, Line, Table};
use crate::text::Text;

use super::columns::row_sections;
use super::headers::{Columns, section_of};
use super::{Added, RowStatus};

/// What a row awarded: a determinate amount above 0.00 (an awarded row's, or a discretionary
/// row's decided one), or a discretionary range not yet decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    Decided(Money),
    Undecided {
        floor: Option<Money>,
        ceiling: Option<Money>,
    },
}

/// One award of a round's output, as the output carries it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwardRow {
    /// The row's line (the spreadsheet's row number, the header being 1).
    pub line: usize,
    /// Folded as the round folds it (a valid code, upper case).
    pub credit_code: String,
    pub name: String,
    /// As the round reads it (`温州市鹿城区` is 鹿城区); empty where the output has none.
    pub district: String,
    pub clause: u32,
    /// The item's id (the section's key), where its section has one.
    pub item: Option<String>,
    /// The item's subject and title (a title by its value's name), where its section has them.
    pub subject: Option<String>,
    pub title: Option<String>,
    /// The year the clause counts the award in: its year fact, else the year of its date.
    pub year: Option<i32>,
    /// The claim period (first and last day), where the item has one.
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub figure: Figure,
}

/// The columns of a round's output or of a prior table: the applicant's, the prior table's and
/// every row type's facts, and the added columns where the file is calc's own output.
pub fn columns(rules: &RuleSet, table: &Table) -> Result<Columns, InputError> {
    let r = &rules.roles;
    let used: Vec<SectionId> = [r.applicant, r.prior]
        .into_iter()
        .chain(row_sections(rules))
        .collect();
    Columns::map(rules, &table.file, &table.headers, &used)
}

/// A located error of a row: its file, line, and where a cell is concerned, its column and header.
fn at(table: &Table, line: Line, cell: Option<usize>, message: Text) -> InputError {
    let mut e = InputError::new(&table.file, message);
    e.line = Some(line.get());
    if let Some(c) = cell {
        e.column = Some(c + 1);
        e.field = table.headers.get(c).cloned();
    }
    e
}

/// Which rows a reader wants: the decided awards only (a prior), or the discretionary rows not
/// yet decided as well (the notice lists their ranges).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    Decided,
    WithUndecided,
}

/// Every award of a round's output (`cols.own`) that is `wanted`, in row order; the other rows
/// are passed over unread. The first bad cell of a row read stops the reading (an input error
/// naming its file, line, column and header).
pub fn awards(
    rules: &dyn RulesFor,
    table: &Table,
    cols: &Columns,
    wanted: Wanted,
) -> Result<Vec<AwardRow>, InputError> {
    let mut out = Vec::new();
    let mut bad: Option<InputError> = None;
    table.rows(&(), |line, cells| {
        if bad.is_some() {
            return;
        }
        match row(rules, (table, cols), (line, cells), wanted) {
            Ok(Some(a)) => out.push(a),
            Ok(None) => {}
            Err(e) => bad = Some(e),
        }
    });
    bad.map_or(Ok(out), Err)
}

/// One row: its award, or `None` for a row without one (not checked further). Its clause is read
/// under its applicant's rules (an overlay scoped to its district may add or disable one).
fn row(
    book: &dyn RulesFor,
    (table, cols): (&Table, &Columns),
    (line, cells): (Line, &Cells<'_>),
    wanted: Wanted,
) -> Result<Option<AwardRow>, InputError> {
    let rules = book.base();
    let b = &rules.vocabulary.batch;
    let cell = |c: Option<usize>| c.map_or("", |c| cols.text(cells, c));
    let status = RowStatus::read(cell(cols.added(Added::Status)), b);
    if !matches!(status, Some(RowStatus::Awarded | RowStatus::Discretionary)) {
        return Ok(None);
    }
    let money = |a: Added| -> Result<Option<Money>, InputError> {
        let c = cols.added(a);
        match cell(c) {
            "" => Ok(None),
            text => Money::parse(text)
                .map(Some)
                .map_err(|e| at(table, line, c, e.into())),
        }
    };
    let award = money(Added::Award)?;
    let figure = if status == Some(RowStatus::Awarded) {
        match award {
            Some(m) if !m.is_zero() => Figure::Decided(m),
            _ => return Ok(None),
        }
    } else {
        match award {
            None if wanted == Wanted::Decided => return Ok(None),
            None => {
                let (floor, ceiling) = (money(Added::Floor)?, money(Added::Ceiling)?);
                Figure::Undecided { floor, ceiling }
            }
            Some(m) if m.is_zero() => return Ok(None),
            Some(m) => {
                let (floor, ceiling) = (money(Added::Floor)?, money(Added::Ceiling)?);
                let below = floor.is_some_and(|f| m < f);
                let above = ceiling.is_some_and(|c| m > c);
                if below || above {
                    let (f, c) = (
                        floor.map_or("—".into(), |f| f.to_string()),
                        ceiling.map_or("—".into(), |c| c.to_string()),
                    );
                    return Err(at(
                        table,
                        line,
                        cols.added(Added::Award),
                        crate::text!(
                            "酌定行的核定金额 {m} 不在酌定下限 {f} 与酌定上限 {c} 之间",
                            "the decided amount {m} of a discretionary row is outside its floor {f} and ceiling {c}"
                        ),
                    ));
                }
                Figure::Decided(m)
            }
        }
    };
    let read = |si: SectionId, field: FieldId| -> Result<Option<Value>, InputError> {
        let c = cols.of(si, field);
        let text = cell(c);
        if text.is_empty() {
            return Ok(None);
        }
        Value::from_text(&rules.section(si).fields[field], text)
            .map(Some)
            .map_err(|e| at(table, line, c, e))
    };
    let r = &rules.roles;
    let text_of = |v: Option<Value>| match v {
        Some(Value::Text(t)) => Some(t),
        _ => None,
    };
    let credit_code = text_of(read(r.applicant, r.credit_code)?).unwrap_or_default();
    if credit_code.is_empty() {
        let c = cols.of(r.applicant, r.credit_code);
        return Err(at(
            table,
            line,
            c,
            crate::text!("统一社会信用代码为空", "the credit code is empty"),
        ));
    }
    let name = text_of(read(r.applicant, r.name)?).unwrap_or_default();
    let district = text_of(read(r.applicant, r.district)?).unwrap_or_default();
    let rules = book.of_district(&district);

    let clause_col = cols.added(Added::Clause);
    let clause_text = cell(clause_col);
    let number: u32 = clause_text.parse().map_err(|_| {
        at(
            table,
            line,
            clause_col,
            crate::text!(
                "条款应为数字，实为“{clause_text}”",
                "the clause must be a number, found `{clause_text}`"
            ),
        )
    })?;
    // As in a facts file: a clause the rules disable pays nothing, and its awards are set aside.
    if rules.disabled.contains(&number) {
        return Ok(None);
    }
    let Some(clause) = rules.clause(number) else {
        let known: Vec<String> = rules.clauses.iter().map(|c| c.number.to_string()).collect();
        let known = known.join(", ");
        return Err(at(
            table,
            line,
            clause_col,
            crate::text!(
                "规则中没有第 {number} 条，应为: {known}",
                "no clause {number} in the rules; expected one of: {known}"
            ),
        ));
    };
    let kind = cell(cols.kind);
    let section = section_of(rules, &row_sections(rules), kind)
        .filter(|&s| s == clause.section)
        .ok_or_else(|| {
            at(
                table,
                line,
                cols.kind,
                crate::text!(
                    "类型“{kind}”与第 {number} 条不符",
                    "type `{kind}` does not belong to clause {number}"
                ),
            )
        })?;
    let s = rules.section(section);
    // A fact of the item's section named as a fact of the prior table (subject, title, start,
    // end): what a prior of that name means for this item.
    let same = |prior_field: Option<FieldId>| {
        let name = &rules.section(r.prior).fields[prior_field?].name;
        s.field_index(name)
    };
    let shown = |fi: FieldId, v: Value| match v {
        Value::Text(t) => t,
        other => other.plain(&s.fields[fi]),
    };
    let item = match s
        .key_index
        .or_else(|| s.key.as_deref().and_then(|k| s.field_index(k)))
    {
        Some(k) => read(section, k)?.map(|v| shown(k, v)),
        None => None,
    };
    let optional = |f: Option<FieldId>| -> Result<Option<String>, InputError> {
        match same(f) {
            Some(fi) => Ok(read(section, fi)?.map(|v| shown(fi, v))),
            None => Ok(None),
        }
    };
    let subject = optional(r.prior_subject)?;
    let title = optional(r.prior_title)?;
    let date = |f: Option<FieldId>| -> Result<Option<NaiveDate>, InputError> {
        match same(f) {
            Some(fi) => Ok(match read(section, fi)? {
                Some(Value::Date(d)) => Some(d),
                _ => None,
            }),
            None => Ok(None),
        }
    };
    let period = match (date(r.prior_start)?, date(r.prior_end)?) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    // The year an annual cap counts it in: the clause's year fact, else its date.
    let year_field = (clause.cap.as_ref())
        .and_then(|c| c.year_field)
        .or(clause.date_field);
    let year = match year_field.map(|f| read(section, f)).transpose()?.flatten() {
        Some(Value::Int(y)) => i32::try_from(y).ok(),
        Some(Value::Date(d)) => Some(d.year()),
        _ => None,
    };
    Ok(Some(AwardRow {
        line: line.get(),
        credit_code,
        name,
        district,
        clause: number,
        item,
        subject,
        title,
        year,
        period,
        figure,
    }))
}
