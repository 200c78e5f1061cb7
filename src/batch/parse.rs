//! Parsing a round's rows, its columns once known (`round::headers`): each row turned into its
//! applicant and one item with `Value::from_text`, the facts files' conversion. A row with problems reports all of them at
//! once, in column order.

use crate::facts::{Item, Value};
use crate::rules::{Field, FieldId, FieldType, RuleSet, SectionId};
use crate::text::Text;

use super::group::{Applicant, Codes, Row};
use crate::round::headers::{Columns, missing_column, section_of};
use crate::round::{Added, CONTINUED};
use crate::sheet::read::{Cells, Line};

/// One problem of a row, in both languages, and the cell it is in ("“金额”(amount)", its header
/// and fact: alike in both languages, written once before it).
struct Problem {
    cell: Option<String>,
    text: Text,
}

impl From<Text> for Problem {
    fn from(text: Text) -> Problem {
        Problem { cell: None, text }
    }
}

/// A row's problems as its reason: each "中文 / English", after its cell, joined by "；".
fn reason(problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('；');
        }
        if let Some(cell) = &p.cell {
            out.push_str(cell);
            out.push_str(": ");
        }
        out.push_str(&p.text.to_string());
    }
    out
}

/// How rows are read: the round's columns and the sections its rows may name.
pub struct Parser<'a> {
    pub rules: &'a RuleSet,
    pub cols: &'a Columns,
    pub headers: &'a [String],
    pub allowed: Vec<SectionId>,
}

impl Parser<'_> {
    /// Whether the row is a continuation row of calc's own output (its reason says so).
    pub fn continues(&self, cells: &Cells<'_>) -> bool {
        let reason = self.cols.added(Added::Reason).filter(|_| self.cols.own);
        reason.is_some_and(|c| {
            let text = self.cols.text(cells, c);
            CONTINUED.iter().any(|m| text.starts_with(m.trim_end()))
        })
    }

    /// Reads a row into its applicant and one item, or every problem it has: extra cells,
    /// then the applicant, the type and the item.
    pub fn row(&self, line: Line, cells: &Cells<'_>, memo: &mut Memo, codes: &Codes) -> Row {
        // A continuation row of a round's output read again is its row's item once more:
        // not read as an item (`continues`), its place kept for that item's further clause.
        if cells.is_blank() || self.continues(cells) {
            return Row::Blank;
        }
        let (rules, cols) = (self.rules, self.cols);
        let (n, width) = (cells.count(), self.headers.len());
        let mut problems: Vec<Problem> = Vec::new();
        if n > width && (width..n).any(|i| !cells.get(i).trim().is_empty()) {
            problems.push(
                crate::text!(
                    "本行有 {n} 格，多于表头的 {width} 列 (可能是金额中的逗号未加引号)",
                    "the row has {n} cells, more than the {width} headers (an unquoted comma?)"
                )
                .into(),
            );
        }
        let a = rules.roles.applicant;
        // Most rows repeat their applicant's first row cell for cell: found so, without
        // reading that row's facts again.
        let known = self.code(cells).and_then(|c| codes.first(&c));
        let (applicant, first) = match known {
            Some((g, first, seen)) if seen.are(self.applicant_cells(cells)) => {
                (Applicant::Same(g), first)
            }
            _ => {
                let item = self.item(a, line, cells, &mut problems, memo);
                let written = super::group::Cells::of(self.applicant_cells(cells));
                (
                    Applicant::Read {
                        item: Box::new(item),
                        cells: written,
                    },
                    &Item::empty(rules.section(a), line.get()),
                )
            }
        };
        let kind = cols.kind.map_or("", |c| cols.text(cells, c));
        let section = self.section(kind, &mut problems, memo);
        let item = section.map(|si| self.item(si, line, cells, &mut problems, memo));
        match (section, item) {
            (Some(section), Some(item)) if problems.is_empty() => Row::Item {
                key: super::group::key_of(rules.section(section), &item),
                applicant,
                section,
                item,
            },
            _ => {
                let applicant = match &applicant {
                    Applicant::Read { item, .. } => &**item,
                    Applicant::Same(_) => first,
                };
                let code = applicant.text(rules.roles.credit_code).map(str::to_string);
                Row::Error {
                    message: reason(&problems),
                    code,
                }
            }
        }
    }

    /// The section a row's type names, or a problem.
    fn section(
        &self,
        kind: &str,
        problems: &mut Vec<Problem>,
        memo: &mut Memo,
    ) -> Option<SectionId> {
        let rules = self.rules;
        if kind.is_empty() {
            problems.push(crate::text!("“类型”为空", "the type is empty").into());
            return None;
        }
        let s = memo.section(rules, &self.allowed, kind);
        if s.is_none() {
            let names: Vec<String> = (self.allowed.iter().map(|&si| rules.section(si)))
                .map(|s| format!("{} ({})", s.name, s.aliases.first().unwrap_or(&s.label)))
                .collect();
            let names = names.join(", ");
            problems.push(
                crate::text!(
                    "未知的类型“{kind}”，应为: {names}",
                    "unknown type `{kind}`; expected one of: {names}"
                )
                .into(),
            );
        }
        s
    }

    /// A row's credit code in canonical form, when the rules' code is a credit code and the
    /// cell holds a valid one.
    fn code(&self, cells: &Cells<'_>) -> Option<[u8; 18]> {
        let (a, cc) = (self.rules.roles.applicant, self.rules.roles.credit_code);
        let field = self.rules.section(a).fields.get(cc.0)?;
        let c = self.cols.of(a, cc)?;
        (field.ty == FieldType::CreditCode)
            .then(|| crate::credit_code::canonical(self.cols.text(cells, c)))
            .flatten()
    }

    /// The row's applicant cells as written, in field order.
    fn applicant_cells<'c>(&self, cells: &'c Cells<'_>) -> impl Iterator<Item = &'c [u8]> {
        let cols = &self.cols.fields[self.rules.roles.applicant.0];
        cols.iter().map(|c| c.map_or(&b""[..], |c| cells.raw(c)))
    }

    /// One section's facts from a row; each problem is added to `problems`.
    fn item(
        &self,
        si: SectionId,
        line: Line,
        cells: &Cells<'_>,
        problems: &mut Vec<Problem>,
        memo: &mut Memo,
    ) -> Item {
        let section = self.rules.section(si);
        let mut item = Item::empty(section, line.get());
        for (fi, field) in section.each_field() {
            let Some(c) = self.cols.of(si, fi) else {
                if field.required {
                    problems.push(missing_column(field, section).into());
                }
                continue;
            };
            let text = self.cols.text(cells, c);
            if text.is_empty() {
                if field.required {
                    problems.push(
                        crate::text!(
                            "“{}”({}) 为空，{}必填，应为{}", self.headers[c], field.name, section.label, field.ty.expected_zh();
                            "`{}` is empty: required for {} rows, expected {}", field.name, section.name, field.ty.expected_en()
                        )
                        .into(),
                    );
                }
                continue;
            }
            match memo.convert(si, fi, field, text) {
                Ok(v) => item.values[fi] = Some(v),
                Err(text) => problems.push(Problem {
                    cell: Some(format!("“{}”({})", self.headers[c], field.name)),
                    text,
                }),
            }
        }
        // A fact that chooses a rate left empty: this row's error, named by its header as the
        // clerk wrote it (SPEC §3), not the evaluation's path, and not the other rows'.
        for fi in self.rules.rate_facts(si) {
            if item.values[fi.0].is_some() {
                continue;
            }
            let field = &section.fields[fi.0];
            let header = self
                .cols
                .of(si, fi)
                .map_or(field.label.as_str(), |c| self.headers[c].as_str());
            problems.push(Problem {
                cell: Some(format!("“{header}”({})", field.name)),
                text: crate::text!(
                    "{}行须填写{}: 它决定适用的比例，未填写不能按“否”计算", section.label, field.label;
                    "must be stated on a {} row: it chooses the rate, and is not taken as no", section.name
                ),
            });
        }
        // A 公民身份号码 in place of the credit code, from an applicant that may not give one.
        if let Some((fi, text)) = crate::facts::id_number_refused(section, &item) {
            let header = self.cols.of(si, fi).map(|c| self.headers[c].as_str());
            let name = &section.fields[fi.0].name;
            problems.push(Problem {
                cell: Some(format!("“{}”({name})", header.unwrap_or(name))),
                text,
            });
        }
        item
    }
}

/// Conversions of cell text already seen, per field: a round repeats a few words (是/否, 企业,
/// dates) a million times, and one hash lookup is cheaper than matching every alias again.
/// Only successful conversions are kept, so every message is still made by `Value::from_text`.
pub struct Memo {
    /// `[section][field]`; `None` for fields whose values seldom repeat (text, money, numbers).
    fields: Vec<Vec<Option<Remembered>>>,
    kinds: foldhash::HashMap<Box<str>, Option<SectionId>>,
}

type Remembered = foldhash::HashMap<Box<str>, Value>;

/// A bound on each memo, against a file of a million different spellings.
const MEMO_MAX: usize = 4096;

impl Memo {
    pub fn new(rules: &RuleSet) -> Memo {
        let repeats = |f: &Field| {
            matches!(
                f.ty,
                FieldType::Bool | FieldType::Enum | FieldType::Date | FieldType::Year
            )
        };
        let fields = (rules.vocabulary.sections.iter())
            .map(|s| {
                s.fields
                    .iter()
                    .map(|f| repeats(f).then(Default::default))
                    .collect()
            })
            .collect();
        Memo {
            fields,
            kinds: Default::default(),
        }
    }

    /// `Value::from_text`, remembered.
    fn convert(
        &mut self,
        si: SectionId,
        fi: FieldId,
        field: &Field,
        text: &str,
    ) -> Result<Value, Text> {
        let Some(Some(map)) = self.fields.get_mut(si.0).and_then(|f| f.get_mut(fi.0)) else {
            return Value::from_text(field, text);
        };
        if let Some(v) = map.get(text) {
            return Ok(v.clone());
        }
        let v = Value::from_text(field, text)?;
        if map.len() < MEMO_MAX {
            map.insert(text.into(), v.clone());
        }
        Ok(v)
    }

    /// `section_of`, remembered.
    fn section(&mut self, rules: &RuleSet, allowed: &[SectionId], text: &str) -> Option<SectionId> {
        if let Some(&s) = self.kinds.get(text) {
            return s;
        }
        let s = section_of(rules, allowed, text);
        if self.kinds.len() < MEMO_MAX {
            self.kinds.insert(text.into(), s);
        }
        s
    }
}
