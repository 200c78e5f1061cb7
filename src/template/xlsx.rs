//! The round's workbook for finance staff (`calc template --xlsx`), made from the vocabulary:
//! a sheet to fill in (frozen Chinese headers, a note on each, dropdowns on every enum, yes/no,
//! district and row-type column, money and date formats), a sheet of instructions with one worked
//! example row per row type, and a hidden sheet holding the dropdowns' lists (Excel limits a list
//! typed into a validation to 255 characters, which the recognition titles exceed).

use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, ExcelDateTime, Format, FormatBorder, Formula, Note,
    Workbook, Worksheet, XlsxError, worksheet_range_absolute,
};

use super::clauses_of;
use crate::facts::{Facts, Value};
use crate::round::columns::{Column, columns, row_sections};
use crate::rules::{FieldType, RuleSet};

const SHEET: &str = "申报表";
const GUIDE: &str = "填表说明";
const LISTS: &str = "选项";
const MONEY_FORMAT: &str = "#,##0.00";
const DATE_FORMAT: &str = "yyyy-mm-dd";
/// The last row of a sheet (0-based): the dropdowns cover the whole column.
const LAST_ROW: u32 = 1_048_575;
/// The worked examples: the applicant file shipped as the example, one item per row type.
const EXAMPLE: &str = include_str!("../../examples/enterprise.toml");

/// One example cell, typed as a clerk's Excel would hold it.
enum Cell {
    Text(String),
    Money(f64),
    Number(f64),
    Date(NaiveDate),
}

/// The workbook's bytes.
pub fn xlsx(rules: &RuleSet) -> Result<Vec<u8>, XlsxError> {
    let cols = columns(rules);
    let rows = examples(rules, &cols);
    let widths: Vec<f64> = (0..cols.len())
        .map(|c| width(&cols[c], rows.iter().map(|r| &r[c])))
        .collect();
    let lists: Vec<Option<Vec<String>>> = cols
        .iter()
        .map(|c| dropdown(rules, c).filter(|l| !l.is_empty()))
        .collect();
    let mut book = Workbook::new();
    to_fill(book.add_worksheet(), rules, &cols, &widths, &lists)?;
    guide(book.add_worksheet(), rules, &cols, &widths, &rows)?;
    let hidden = book.add_worksheet();
    hidden.set_name(LISTS)?.set_hidden(true);
    for (c, list) in lists.iter().enumerate() {
        if let Some(list) = list {
            hidden.write_string(0, c as u16, &cols[c].header)?;
            for (r, v) in list.iter().enumerate() {
                hidden.write_string(r as u32 + 1, c as u16, v)?;
            }
        }
    }
    book.save_to_buffer()
}

/// The sheet to fill in: headers with their notes, and the dropdowns over whole columns.
fn to_fill(
    sheet: &mut Worksheet,
    rules: &RuleSet,
    cols: &[Column<'_>],
    widths: &[f64],
    lists: &[Option<Vec<String>>],
) -> Result<(), XlsxError> {
    sheet.set_name(SHEET)?;
    layout(sheet, cols, widths)?;
    for (c, col) in cols.iter().enumerate() {
        sheet.insert_note(0, c as u16, &note(rules, col))?;
    }
    for (c, list) in lists.iter().enumerate() {
        if let Some(list) = list {
            let range = worksheet_range_absolute(LISTS, 1, c as u16, list.len() as u32, c as u16);
            // A warning, not a refusal: a batch also reads the vocabulary's aliases (API调用).
            let dv = DataValidation::new()
                .allow_list_formula(Formula::new(format!("={range}")))
                .set_error_style(DataValidationErrorStyle::Warning)
                .set_error_title("不在下拉列表中")?
                .set_error_message("请从下拉列表中选择 / please pick a value from the list")?;
            sheet.add_data_validation(1, c as u16, LAST_ROW, c as u16, &dv)?;
        }
    }
    Ok(())
}

/// The instructions: the same columns with one example row per type, then how to fill them in.
fn guide(
    sheet: &mut Worksheet,
    rules: &RuleSet,
    cols: &[Column<'_>],
    widths: &[f64],
    rows: &[Vec<Cell>],
) -> Result<(), XlsxError> {
    sheet.set_name(GUIDE)?;
    layout(sheet, cols, widths)?;
    write_examples(sheet, rows)?;
    let bold = Format::new().set_bold();
    let below = rows.len() as u32 + 2;
    for (at, line) in (below..).zip(instructions(rules)) {
        if at == below {
            sheet.write_string_with_format(at, 0, &line, &bold)?;
        } else {
            sheet.write_string(at, 0, &line)?;
        }
    }
    Ok(())
}

/// The header row (bold, frozen), the column widths and each column's number format.
fn layout(sheet: &mut Worksheet, cols: &[Column<'_>], widths: &[f64]) -> Result<(), XlsxError> {
    let head = Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_border(FormatBorder::Thin);
    for (c, col) in cols.iter().enumerate() {
        let c16 = c as u16;
        sheet.write_string_with_format(0, c16, &col.header, &head)?;
        sheet.set_column_width(c16, widths[c])?;
        sheet.set_column_format(c16, &column_format(col.ty))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    // Printed: A4 landscape, the columns over four pages wide (one page made them unreadable),
    // the header row and the type column on every page.
    sheet
        .set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(4, 0)
        .set_footer("&C第 &P 页 共 &N 页")
        .set_repeat_rows(0, 0)?
        .set_repeat_columns(0, 0)?;
    Ok(())
}

/// Money as `#,##0.00`, dates as dates, years as plain numbers; codes and ids stay text (an
/// all-digit credit code would otherwise become a rounded number).
fn column_format(ty: Option<FieldType>) -> Format {
    let f = Format::new();
    match ty {
        Some(FieldType::Money) => f.set_num_format(MONEY_FORMAT),
        Some(FieldType::Date) => f.set_num_format(DATE_FORMAT),
        Some(FieldType::Year | FieldType::Integer) => f.set_num_format("0"),
        Some(FieldType::Number) => f,
        _ => f.set_num_format("@"),
    }
}

/// The width of a column: its header or widest example, a CJK character counting double.
fn width<'a>(col: &Column<'_>, cells: impl Iterator<Item = &'a Cell>) -> f64 {
    let shown = |t: &str| {
        t.chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum::<usize>()
    };
    let mut w = shown(&col.header) + 4; // the header's bold and its dropdown arrow
    for cell in cells {
        w = w.max(
            match cell {
                Cell::Text(t) => shown(t),
                Cell::Money(_) => 14, // up to 999,999,999.99
                Cell::Number(_) => 6,
                Cell::Date(_) => 11,
            } + 2,
        );
    }
    w.clamp(8, 48) as f64
}

/// The values a column's dropdown offers: the row types, an enum's labels, 是/否, the divisions.
fn dropdown(rules: &RuleSet, col: &Column<'_>) -> Option<Vec<String>> {
    let Some(ty) = col.ty else {
        let labels = row_sections(rules)
            .into_iter()
            .map(|s| rules.section(s).label.clone());
        return Some(labels.collect());
    };
    let f = col.facts.first()?.1;
    match ty {
        FieldType::Enum => Some(f.values.iter().map(|v| v.label.clone()).collect()),
        FieldType::Bool => Some(vec![
            Value::Bool(true).show(f, false),
            Value::Bool(false).show(f, false),
        ]),
        FieldType::District => f.divisions.as_ref().map(|d| d.names.clone()),
        _ => None,
    }
}

/// The note on a header: what the column means and which row types need it.
fn note(rules: &RuleSet, col: &Column<'_>) -> Note {
    let mut lines: Vec<String> = Vec::new();
    match col.facts.as_slice() {
        [] => {
            lines.push("事项类型：每行填写一个申报事项，从下拉列表选择".to_string());
            for s in row_sections(rules) {
                lines.push(format!(
                    "{}：{}",
                    rules.section(s).label,
                    clauses_of(rules, s)
                ));
            }
        }
        &[(s, f)] if s == rules.roles.applicant => {
            lines.push(describe(f));
            lines.push(format!(
                "{}信息，每一行都{}，同一单位各行相同",
                rules.section(s).label,
                need(rules, s, f)
            ));
            lines.extend(gated(rules, f));
        }
        many => {
            lines.push(match many {
                [(_, f)] => describe(f),
                _ => format!("{}：{}", col.header, kind_of(many[0].1)),
            });
            for &(s, g) in many {
                lines.push(format!(
                    "{}：{}，{}",
                    rules.section(s).label,
                    g.label,
                    need(rules, s, g)
                ));
            }
            lines.push("其他类型的行留空".to_string());
        }
    }
    // About 28 CJK characters a line at the note's width; 15 pixels a line.
    let wrapped: usize = lines.iter().map(|l| 1 + l.chars().count() / 28).sum();
    Note::new(lines.join("\n"))
        .add_author_prefix(false)
        .set_width(360)
        .set_height(15 * wrapped as u32 + 12)
}

/// Whether a row must fill a fact (a fact that chooses a rate must: SPEC §3, §7); a yes/no
/// left empty otherwise reads as 否.
fn need(rules: &RuleSet, s: crate::rules::SectionId, f: &crate::rules::Field) -> &'static str {
    super::need(rules, s, f)
}

/// The policy's gates that ask for this applicant fact: which kinds of applicant must say 是.
pub(super) fn gated(rules: &RuleSet, f: &crate::rules::Field) -> Option<String> {
    let a = rules.section(rules.roles.applicant);
    let fi = a.field_index(&f.name)?;
    let kind = &a.fields[rules.roles.kind];
    let kinds: Vec<&str> = rules
        .gates
        .iter()
        .filter(|g| g.require.contains(&fi))
        .flat_map(|g| g.kinds.iter().map(|&k| kind.value_label(k, false)))
        .collect();
    (!kinds.is_empty()).then(|| format!("{}须为“是”，否则不予兑现", kinds.join("、")))
}

/// A fact's label, unit, English label and what its values look like.
fn describe(f: &crate::rules::Field) -> String {
    let unit = f
        .unit
        .as_ref()
        .map(|u| format!("（{u}）"))
        .unwrap_or_default();
    format!("{}{unit} / {}：{}", f.label, f.label_en, kind_of(f))
}

fn kind_of(f: &crate::rules::Field) -> &'static str {
    match f.ty {
        FieldType::Enum | FieldType::Bool | FieldType::District => "从下拉列表选择",
        other => other.expected_zh(),
    }
}

/// One example row per row type, from the shipped example file; a row type it has no item for
/// (a section added to the rules) gets its type alone.
fn examples(rules: &RuleSet, cols: &[Column<'_>]) -> Vec<Vec<Cell>> {
    let facts = Facts::from_toml(rules, "examples/enterprise.toml", EXAMPLE).ok();
    let a = rules.roles.applicant;
    row_sections(rules)
        .into_iter()
        .map(|si| {
            let item = facts.as_ref().and_then(|f| f.items(si).first());
            let applicant = facts.as_ref().and_then(|f| f.single(a));
            cols.iter()
                .map(|col| {
                    let Some(&(s, _)) = col.facts.first() else {
                        return Cell::Text(rules.section(si).label.clone());
                    };
                    let (item, section) = if s == a { (applicant, a) } else { (item, si) };
                    let found = col.facts.iter().find(|(fs, _)| *fs == section);
                    let value = found.and_then(|(fs, f)| {
                        let fi = rules.section(*fs).field_index(&f.name)?;
                        Some((item?.get(fi)?, *f))
                    });
                    match value {
                        Some((v, f)) => cell(v, f),
                        None => Cell::Text(String::new()),
                    }
                })
                .collect()
        })
        .collect()
}

fn cell(v: &Value, f: &crate::rules::Field) -> Cell {
    match v {
        Value::Money(m) => Cell::Money(m.as_decimal().to_f64().unwrap_or_default()),
        Value::Number(d) => Cell::Number(d.to_f64().unwrap_or_default()),
        Value::Int(i) => Cell::Number(*i as f64),
        Value::Date(d) => Cell::Date(*d),
        other => Cell::Text(other.show(f, false)),
    }
}

fn write_examples(sheet: &mut Worksheet, rows: &[Vec<Cell>]) -> Result<(), XlsxError> {
    let date = Format::new().set_num_format(DATE_FORMAT);
    let money = Format::new().set_num_format(MONEY_FORMAT);
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) if t.is_empty() => {}
                Cell::Text(t) => {
                    sheet.write_string(r, c, t)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n)?;
                }
                Cell::Money(n) => {
                    sheet.write_number_with_format(r, c, *n, &money)?;
                }
                Cell::Date(d) => {
                    let day =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    sheet.write_datetime_with_format(r, c, &day, &date)?;
                }
            }
        }
    }
    Ok(())
}

/// The lines under the examples: how to fill the sheet and run the round.
fn instructions(rules: &RuleSet) -> Vec<String> {
    let p = &rules.policy;
    vec![
        format!("{} {}（规则版本 {}）", p.document, p.title, p.version),
        format!(
            "以上每一行是一种申报事项的示例；在“{SHEET}”表中每行填写一个事项，同一单位的各行单位信息须相同。"
        ),
        "第一列“类型”选择事项类型；每个表头的批注说明该列的含义，以及哪些类型的行必填。"
            .to_string(),
        "下拉列表列请从列表中选择；是/否未填写的视为“否”；金额以元为单位；日期按 yyyy-mm-dd 填写。"
            .to_string(),
        format!("适用范围: {}（{}）。", p.region, p.districts.join("、")),
        format!("填写完成后运行: calc batch {SHEET}.xlsx -o 结果.xlsx --summary 汇总.xlsx"),
    ]
}
