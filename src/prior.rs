//! `--prior FILE`: awards granted before this round, by credit code. Two forms are read:
//! the output of an earlier `calc batch`, in either language (a row with status 核定/awarded and
//! an award above zero becomes a prior of its clause, year and item), or a plain table with the
//! credit code and the vocabulary's `prior` columns (clause, year, item, amount).
//!
//! A prior file is what caps are computed against, so any bad row in it stops the run (exit 2).
//! Earlier awards are the applicant's, not the batch's: the ledger (SPEC §8) is to be their
//! other source, for a round and for a single applicant alike.
//! A prior under a clause with a quota, on a row that names the district (a round's output
//! does), holds one of that district's places for its year (`quota::Places`).

use std::collections::HashMap;
use std::path::Path;

use crate::batch::parse::{Memo, Parser};
use crate::error::InputError;
use crate::facts::{Item, Value};
use crate::money::Money;
use crate::quota::Places;
use crate::round::columns::row_sections;
use crate::round::headers::{Columns, section_of};
use crate::round::{Added, RowStatus};
use crate::rules::{CapScope, FieldId, RuleSet, SectionId};
use crate::sheet::read::{Cells, Encoding, Line};

/// Prior awards by credit code.
pub type Priors = HashMap<String, Vec<Item>>;

/// The prior awards of every file, by credit code, in file order, and the quota places they hold.
pub fn load_all(
    rules: &RuleSet,
    paths: &[impl AsRef<Path>],
    encoding: Encoding,
) -> Result<(Priors, Places), InputError> {
    let mut priors: Priors = HashMap::new();
    let mut places = Places::default();
    // The first prior of each applicant, clause and item: its amount, file and line.
    let mut first: HashMap<(String, i64, String), (Money, String, usize)> = HashMap::new();
    for p in paths {
        let mut of_file = HashMap::new();
        load(rules, p.as_ref(), encoding, (&mut of_file, &mut places))?;
        let file = p.as_ref().display().to_string();
        let mut conflicts = Vec::new();
        for (code, items) in of_file {
            for item in &items {
                if let Some(e) = conflict(rules, &mut first, &code, &file, item) {
                    conflicts.push(e);
                }
            }
            priors.entry(code).or_default().extend(items);
        }
        // The earliest line, whatever order the applicants came in.
        if let Some(e) = conflicts.into_iter().min_by_key(|e| e.line) {
            return Err(e);
        }
    }
    Ok((priors, places))
}

/// Two priors of one applicant, clause and item with different amounts, named by file and line
/// (the same award listed twice is counted once by the engine).
fn conflict(
    rules: &RuleSet,
    first: &mut HashMap<(String, i64, String), (Money, String, usize)>,
    code: &str,
    file: &str,
    item: &Item,
) -> Option<InputError> {
    let r = &rules.roles;
    let id = item.text(r.prior_item).map(crate::fold::key)?;
    if id.is_empty() {
        return None;
    }
    let clause = item.int(r.prior_clause).unwrap_or_default();
    let amount = item.money(r.prior_amount).unwrap_or_default();
    let key = (code.to_string(), clause, id);
    let (a, file_a, line_a) = first
        .entry(key)
        .or_insert_with(|| (amount, file.to_string(), item.line))
        .clone();
    if a == amount {
        return None;
    }
    let shown = item.text(r.prior_item).unwrap_or_default();
    let line = item.line;
    let mut e = InputError::new(
        file,
        crate::text!(
            "第 {clause} 条事项 `{shown}` 有两条金额不同的已获奖补: {file_a} 第 {line_a} 行 {a} 元与 {file} 第 {line} 行 {amount} 元，请核对保留一条",
            "clause {clause}, item `{shown}`: two prior awards with different amounts, {file_a} line {line_a} ({a}) and {file} line {line} ({amount}): keep the right one"
        ),
    );
    e.line = Some(line);
    Some(e)
}

/// Adds the file's prior awards to `into`, by credit code; its first bad row stops the run.
fn load(
    rules: &RuleSet,
    path: &Path,
    encoding: Encoding,
    (into, places): (&mut HashMap<String, Vec<Item>>, &mut Places),
) -> Result<(), InputError> {
    let table = crate::files::table(path, encoding, None)?;
    let r = &rules.roles;
    let allowed = row_sections(rules);
    let used: Vec<SectionId> = [r.applicant, r.prior]
        .into_iter()
        .chain(allowed.iter().copied())
        .collect();
    let cols = Columns::map(rules, &table.file, &table.headers, &used)?;
    let round = cols.own;
    let code_col = cols.of(r.applicant, r.credit_code).ok_or_else(|| {
        InputError::new(
            &table.file,
            crate::text!(
                "往期奖补表缺少“统一社会信用代码”列",
                "the prior file has no credit_code column"
            ),
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
        let located = |msg: crate::text::Text| {
            let mut e = InputError::new(&table.file, msg);
            e.line = Some(line.get());
            e
        };
        let code = match crate::credit_code::validate(cols.text(cells, code_col)) {
            Ok(c) => c,
            Err(e) => {
                first_error = Some(located(e.into()).field("credit_code"));
                return;
            }
        };
        let item = if round {
            round_row(rules, &parser, line, cells)
        } else {
            parser.prior(line, cells, &mut memo).map(Some)
        };
        match item.and_then(|item| item.map(|i| usable(rules, i)).transpose()) {
            Ok(Some(item)) => {
                let district = cols
                    .of(r.applicant, r.district)
                    .map(|c| cols.text(cells, c));
                hold_place(rules, &item, (&code, district), places);
                into.entry(code).or_default().push(item)
            }
            Ok(None) => {}
            // A row's problems are one string "中文 / English" (a batch row's reason).
            Err(e) => first_error = Some(located(crate::text::Text::parted(&e))),
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

/// A prior the engine can count: of a clause of the rules (or a disabled one, set aside later),
/// with its year under an annual cap. Checked here, so that a bad row is named by its file and
/// line rather than on the applicant's rows.
fn usable(rules: &RuleSet, item: Item) -> Result<Item, String> {
    let r = &rules.roles;
    let number = item.int(r.prior_clause).unwrap_or_default();
    let n = u32::try_from(number).unwrap_or_default();
    if rules.disabled.contains(&n) {
        return Ok(item);
    }
    let Some(clause) = rules.clause(n) else {
        let known: Vec<String> = rules.clauses.iter().map(|c| c.number.to_string()).collect();
        let known = known.join(", ");
        return Err(format!(
            "规则中没有第 {number} 条，应为: {known} / no clause {number} in the rules; expected one of: {known}"
        ));
    };
    let annual = (clause.cap.as_ref()).is_some_and(|c| c.scope == CapScope::UnitYear);
    if annual && item.int(r.prior_year).is_none() {
        return Err(format!(
            "第 {n} 条有年度上限，已获奖补须填写年度 / clause {n} has an annual cap: the prior award needs its year"
        ));
    }
    Ok(item)
}

/// A row of an earlier round's output: a prior when it was awarded an amount above zero.
fn round_row(
    rules: &RuleSet,
    parser: &Parser<'_>,
    line: Line,
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
    let read = |field: FieldId| -> Result<Option<Value>, String> {
        let text = cell(cols.of(section, field));
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
    let mut item = Item::empty(p, line.get());
    item.values[r.prior_clause] = Some(Value::Int(i64::from(number)));
    item.values[r.prior_year] = year.map(Value::Int);
    item.values[r.prior_item] = key.map(Value::Text);
    item.values[r.prior_amount] = Some(Value::Money(award));
    Ok(Some(item))
}
