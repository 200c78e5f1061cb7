//! A prior file as a source of earlier awards: a round's output (read by `round::output`, the
//! one reader of calc's own output), or a plain table with the credit code and the vocabulary's
//! `prior` columns (clause, year, item, subject, title, start, end, amount), and where it has
//! them the applicant's name and district. It is read from a `Table` the caller opened.

use crate::error::InputError;
use crate::facts::Value;
use crate::money::Money;
use crate::round::output::{self, Figure, Wanted};
use crate::rules::{FieldId, RuleSet, RulesFor};
use crate::sheet::read::{Cells, Line, Table};

use super::{Origin, Period, PriorAward, PriorSource};

/// A prior file, already read.
pub struct PriorFile {
    pub table: Table,
}

impl PriorFile {
    pub fn new(table: Table) -> PriorFile {
        PriorFile { table }
    }
}

impl PriorSource for PriorFile {
    fn awards(&self, book: &dyn RulesFor) -> Result<Vec<PriorAward>, InputError> {
        let table = &self.table;
        let rules = book.base();
        let cols = output::columns(rules, table)?;
        if cols.own {
            let rows = output::awards(book, table, &cols, Wanted::Decided)?;
            let file = &table.file;
            return Ok((rows.into_iter())
                .filter_map(|a| {
                    let Figure::Decided(amount) = a.figure else {
                        return None;
                    };
                    Some(PriorAward {
                        credit_code: a.credit_code,
                        name: a.name,
                        district: a.district,
                        clause: a.clause,
                        item: a.item,
                        subject: a.subject,
                        title: a.title,
                        year: a.year,
                        period: a.period.map(|(start, end)| Period { start, end }),
                        amount,
                        origin: Origin::File {
                            file: file.clone(),
                            line: a.line,
                        },
                    })
                })
                .collect());
        }
        let r = &rules.roles;
        if cols.of(r.applicant, r.credit_code).is_none() {
            return Err(InputError::new(
                &table.file,
                crate::text!(
                    "往期奖补表缺少“统一社会信用代码”列",
                    "the prior file has no credit_code column"
                ),
            )
            .field("credit_code"));
        }
        let mut out = Vec::new();
        let mut bad: Option<InputError> = None;
        table.rows(&(), |line, cells| {
            if bad.is_some() || cells.is_blank() {
                return;
            }
            // Checked as read (gather checks again), so that the first bad row of the file is
            // the one named, whether its cell or its award is wrong.
            let check = |a: PriorAward| {
                let rules = book.of_district(&a.district);
                a.check(rules).map(|_| a)
            };
            match plain_row(rules, (table, &cols), line, cells)
                .and_then(|a| a.map(check).transpose())
            {
                Ok(Some(a)) => out.push(a),
                Ok(None) => {}
                Err(e) => bad = Some(e),
            }
        });
        bad.map_or(Ok(out), Err)
    }
}

/// A row of a plain prior table: its award, or `None` for an award of 0.00.
fn plain_row(
    rules: &RuleSet,
    (table, cols): (&Table, &crate::round::headers::Columns),
    line: Line,
    cells: &Cells<'_>,
) -> Result<Option<PriorAward>, InputError> {
    let r = &rules.roles;
    let read = |si, fi: FieldId| -> Result<Option<Value>, InputError> {
        let field = &rules.section(si).fields[fi];
        let c = cols.of(si, fi);
        let text = c.map_or("", |c| cols.text(cells, c));
        let located = |msg| {
            let mut e = InputError::new(&table.file, msg).field(field.name.clone());
            e.line = Some(line.get());
            e.column = c.map(|c| c + 1);
            e
        };
        if text.is_empty() {
            // The prior table's own required facts; the applicant's name and district are
            // read where the table has them.
            if field.required && si == r.prior {
                return Err(located(crate::text!(
                    "“{}”({}) 为空，往期奖补必填，应为{}", field.label, field.name, field.ty.expected_zh();
                    "`{}` is empty: a prior award needs it, expected {}", field.name, field.ty.expected_en()
                )));
            }
            return Ok(None);
        }
        Value::from_text(field, text).map(Some).map_err(located)
    };
    let text = |v: Option<Value>| match v {
        Some(Value::Text(t)) if !t.trim().is_empty() => Some(t),
        _ => None,
    };
    let credit_code = match read(r.applicant, r.credit_code)? {
        Some(Value::Text(c)) => c,
        _ => {
            let mut e = InputError::new(
                &table.file,
                crate::text!("统一社会信用代码为空", "the credit code is empty"),
            )
            .field("credit_code");
            e.line = Some(line.get());
            return Err(e);
        }
    };
    let amount = match read(r.prior, r.prior_amount)? {
        Some(Value::Money(m)) => m,
        _ => Money::ZERO,
    };
    let clause = match read(r.prior, r.prior_clause)? {
        Some(Value::Int(n)) => n,
        _ => 0,
    };
    let int = |f: Option<FieldId>| -> Result<Option<i64>, InputError> {
        Ok(match f.map(|f| read(r.prior, f)).transpose()?.flatten() {
            Some(Value::Int(y)) => Some(y),
            _ => None,
        })
    };
    let date = |f: Option<FieldId>| -> Result<_, InputError> {
        Ok(match f.map(|f| read(r.prior, f)).transpose()?.flatten() {
            Some(Value::Date(d)) => Some(d),
            _ => None,
        })
    };
    let year = int(Some(r.prior_year))?;
    let period = match (date(r.prior_start)?, date(r.prior_end)?) {
        (Some(start), Some(end)) => Some(Period { start, end }),
        _ => None,
    };
    let opt = |f: Option<FieldId>| -> Result<Option<String>, InputError> {
        Ok(text(f.map(|f| read(r.prior, f)).transpose()?.flatten()))
    };
    let item = opt(Some(r.prior_item))?.map(|i| crate::fold::unguard(&i).to_string());
    let (subject, title) = (opt(r.prior_subject)?, opt(r.prior_title)?);
    let name = text(read(r.applicant, r.name)?).unwrap_or_default();
    let district = text(read(r.applicant, r.district)?).unwrap_or_default();
    if amount.is_zero() {
        return Ok(None);
    }
    let origin = Origin::File {
        file: table.file.clone(),
        line: line.get(),
    };
    let clause = u32::try_from(clause).map_err(|_| {
        origin.error(
            "clause",
            crate::text!(
                "条款应为正整数，实为 {clause}",
                "the clause must be a positive number, found {clause}"
            ),
        )
    })?;
    Ok(Some(PriorAward {
        credit_code,
        name,
        district,
        clause,
        item,
        subject,
        title,
        year: year.and_then(|y| i32::try_from(y).ok()),
        period,
        amount,
        origin,
    }))
}
