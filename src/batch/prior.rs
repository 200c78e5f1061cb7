//! `--prior FILE`: awards granted before this round, by credit code. Two forms are read:
//! the output of an earlier `calc batch`, in either language (a row with status 核定/awarded and
//! an award above zero becomes a prior of its clause, year and item), or a plain table with the
//! credit code and the vocabulary's `prior` columns (clause, year, item, amount).
//!
//! A prior file is what caps are computed against, so any bad row in it stops the run (exit 2).
//! A prior under a clause with a quota, on a row that names the district (a round's output
//! does), holds one of that district's places for its year (`quota::Places`).

use std::collections::HashMap;
use std::path::Path;

use super::RowStatus;
use super::parse::{Columns, Memo, Parser, row_sections, section_of};
use super::quota::Places;
use super::read::{Cells, Encoding, Table};
use super::write::Added;
use crate::error::InputError;
use crate::facts::{Item, Value};
use crate::money::Money;
use crate::rules::RuleSet;

/// Prior awards by credit code.
pub type Priors = HashMap<String, Vec<Item>>;

/// The prior awards of every file, by credit code, in file order, and the quota places they hold.
pub fn load_all(
    rules: &RuleSet,
    paths: &[impl AsRef<Path>],
    encoding: Encoding,
) -> Result<(Priors, Places), InputError> {
    let mut priors = HashMap::new();
    let mut places = Places::default();
    for p in paths {
        load(rules, p.as_ref(), encoding, (&mut priors, &mut places))?;
    }
    Ok((priors, places))
}

/// Adds the file's prior awards to `into`, by credit code; its first bad row stops the run.
fn load(
    rules: &RuleSet,
    path: &Path,
    encoding: Encoding,
    (into, places): (&mut HashMap<String, Vec<Item>>, &mut Places),
) -> Result<(), InputError> {
    let table = Table::open(path, encoding)?;
    let r = &rules.roles;
    let allowed = row_sections(rules);
    let used: Vec<usize> = [r.applicant, r.prior]
        .into_iter()
        .chain(allowed.iter().copied())
        .collect();
    let cols = Columns::map(rules, &table.file, &table.headers, &used)?;
    let round = cols.own;
    let code_col = cols.fields[r.applicant][r.credit_code].ok_or_else(|| {
        InputError::new(
            &table.file,
            "往期奖补表缺少“统一社会信用代码”列 / the prior file has no credit_code column",
        )
        .field("credit_code")
    })?;
    let parser = Parser {
        rules,
        cols: &cols,
        headers: &table.headers,
        allowed,
    };
    let mut memo = Memo::new(rules);
    let mut first_error: Option<InputError> = None;
    table.rows(&(), |line, cells| {
        if first_error.is_some() || cells.is_blank() {
            return;
        }
        let located = |msg: String| {
            let mut e = InputError::new(&table.file, msg);
            e.line = Some(line);
            e
        };
        let code = match crate::credit_code::validate(cols.text(cells, code_col)) {
            Ok(c) => c,
            Err(e) => {
                first_error = Some(located(e.to_string()).field("credit_code"));
                return;
            }
        };
        let item = if round {
            round_row(rules, &parser, line, cells)
        } else {
            parser.prior(line, cells, &mut memo).map(Some)
        };
        match item {
            Ok(Some(item)) => {
                let district = cols.fields[r.applicant][r.district].map(|c| cols.text(cells, c));
                hold_place(rules, &item, (&code, district), places);
                into.entry(code).or_default().push(item)
            }
            Ok(None) => {}
            Err(e) => first_error = Some(located(e)),
        }
    });
    first_error.map_or(Ok(()), Err)
}

/// A prior under a clause with a quota holds a place in its district and year, where the row
/// names the district; the folded item id (else the year and amount) tells one award from another.
fn hold_place(
    rules: &RuleSet,
    prior: &Item,
    (code, district): (&str, Option<&str>),
    places: &mut Places,
) {
    let r = &rules.roles;
    let (Some(Value::Int(clause)), Some(Value::Int(year))) =
        (prior.get(r.prior_clause), prior.get(r.prior_year))
    else {
        return;
    };
    let Some(number) = u32::try_from(*clause)
        .ok()
        .filter(|&n| rules.clause(n).is_some_and(|c| c.quota.is_some()))
    else {
        return;
    };
    let field = &rules.section(r.applicant).fields[r.district];
    let Some(Ok(Value::Text(district))) = district
        .filter(|d| !d.is_empty())
        .map(|d| Value::from_text(field, d))
    else {
        return;
    };
    let item = match (prior.text(r.prior_item), prior.get(r.prior_amount)) {
        (Some(id), _) if !id.is_empty() => id.to_string(),
        (_, Some(Value::Money(m))) => format!("{year}/{m:?}"),
        _ => year.to_string(),
    };
    places.add(number, &district, *year as i32, code, &item);
}

/// A row of an earlier round's output: a prior when it was awarded an amount above zero.
fn round_row(
    rules: &RuleSet,
    parser: &Parser<'_>,
    line: usize,
    cells: &Cells<'_>,
) -> Result<Option<Item>, String> {
    let cols = parser.cols;
    let cell = |c: Option<usize>| c.map_or("", |c| cols.text(cells, c));
    // Either language's status words: a round written under --lang zh or en is a prior alike.
    if let Some(status) = cols.added(Added::Status)
        && RowStatus::read(cols.text(cells, status), &rules.vocabulary.batch)
            != Some(RowStatus::Awarded)
    {
        return Ok(None);
    }
    let award_text = cell(cols.added(Added::Award));
    if award_text.is_empty() {
        return Ok(None);
    }
    let award = Money::parse(award_text).map_err(|e| format!("award: {e}"))?;
    if award.is_zero() {
        return Ok(None);
    }
    let clause_text = cell(cols.added(Added::Clause));
    let number: u32 = clause_text.parse().map_err(|_| {
        format!(
            "条款应为数字，实为“{clause_text}” / clause must be a number, found `{clause_text}`"
        )
    })?;
    // As in a facts file: a disabled clause's awards change no figure and are set aside.
    if rules.disabled.contains(&number) {
        return Ok(None);
    }
    let clause = rules
        .clause(number)
        .ok_or_else(|| format!("规则中没有第 {number} 条 / no clause {number} in the rules"))?;
    let kind = cell(cols.kind);
    let section = section_of(rules, &parser.allowed, kind)
        .filter(|&s| s == clause.section)
        .ok_or_else(|| {
            format!(
                "类型“{kind}”与第 {number} 条不符 / type `{kind}` does not belong to clause {number}"
            )
        })?;
    let s = rules.section(section);
    let read = |field: usize| -> Result<Option<Value>, String> {
        let text = cell(cols.fields[section][field]);
        if text.is_empty() {
            return Ok(None);
        }
        Value::from_text(&s.fields[field], text)
            .map(Some)
            .map_err(|e| format!("{}: {e}", s.fields[field].name))
    };
    // The year an annual cap counts it in: the clause's year fact, else its date.
    let year_field = clause
        .cap
        .as_ref()
        .and_then(|c| c.year_field)
        .or(clause.date_field);
    let year = match year_field.map(read).transpose()?.flatten() {
        Some(Value::Int(y)) => Some(y),
        Some(Value::Date(d)) => Some(i64::from(chrono::Datelike::year(&d))),
        _ => None,
    };
    let key = s
        .key
        .as_ref()
        .and_then(|k| s.field_index(k))
        .map(read)
        .transpose()?
        .flatten()
        .map(|v| match v {
            Value::Text(t) => t,
            Value::Int(i) => i.to_string(),
            other => other.plain(&s.fields[0]),
        });

    let r = &rules.roles;
    let p = rules.section(r.prior);
    let mut item = Item::empty(p, line);
    item.values[r.prior_clause] = Some(Value::Int(i64::from(number)));
    item.values[r.prior_year] = year.map(Value::Int);
    item.values[r.prior_item] = key.map(Value::Text);
    item.values[r.prior_amount] = Some(Value::Money(award));
    Ok(Some(item))
}
