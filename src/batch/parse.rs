//! Parsing a round's rows: the header row mapped to facts through the vocabulary (names,
//! labels, aliases), and each row turned into its applicant and one item with
//! `Value::from_text`, the facts files' conversion. A row with problems reports all of them at
//! once, in column order.

use crate::error::InputError;
use crate::facts::{Item, Value};
use crate::rules::{Field, FieldId, FieldType, RuleSet, Section, SectionId};
use crate::text::Text;

use super::group::Codes;
use super::write::Added;
use crate::sheet::read::{Cells, Line};
use crate::sheet::write::unguard;

/// Which column holds which fact, per section; and the batch's own columns.
#[derive(Clone, Debug)]
pub struct Columns {
    /// The `type` column.
    pub kind: Option<usize>,
    /// In a round's own output (every required added column present), each added column, by
    /// `Added`.
    pub added: [Option<usize>; Added::ALL.len()],
    /// `[section][field]` → column.
    pub fields: Vec<Vec<Option<usize>>>,
    /// Columns that hold money in some section (written as numbers in XLSX).
    pub money: Vec<bool>,
    /// The file is a round's own output: its cells carry the formula guard, taken off on reading.
    pub own: bool,
}

impl Columns {
    /// The column of fact `field` of `section`, if the file has one.
    pub fn of(&self, section: SectionId, field: FieldId) -> Option<usize> {
        self.fields[section.0][field.0]
    }
}

fn field_matches(field: &Field, header: &str) -> bool {
    let named = |n: &String| n == header || n.eq_ignore_ascii_case(header);
    field.name == header
        || field.label == header
        || field.label_en.eq_ignore_ascii_case(header)
        || field.aliases.iter().any(named)
}

impl Columns {
    /// Maps the headers for the given sections (other sections get no columns).
    pub fn map(
        rules: &RuleSet,
        file: &str,
        headers: &[String],
        sections: &[SectionId],
    ) -> Result<Columns, InputError> {
        let find = |names: &[String]| {
            headers
                .iter()
                .position(|h| names.iter().any(|n| n == h || n.eq_ignore_ascii_case(h)))
        };
        let mut money = vec![false; headers.len()];
        let mut fields = Vec::with_capacity(rules.vocabulary.sections.len());
        for (si, section) in rules.vocabulary.each_section() {
            let mut cols = vec![None; section.fields.len()];
            for (fi, field) in section.each_field() {
                if !sections.contains(&si) {
                    break;
                }
                let hits: Vec<usize> = (0..headers.len())
                    .filter(|&c| field_matches(field, &headers[c]))
                    .collect();
                if hits.len() > 1 {
                    let names: Vec<&str> = hits.iter().map(|&c| headers[c].as_str()).collect();
                    let names = names.join(", ");
                    return Err(InputError::new(
                        file,
                        crate::text!("多列都表示“{}”({}): {names}，请只保留一列", field.label, field.name; "several columns give `{}.{}`: {names}; keep one", section.name, field.name),
                    )
                    .field(field.name.clone()));
                }
                cols[fi.0] = hits.first().copied();
                if let Some(&c) = hits.first()
                    && field.ty == FieldType::Money
                {
                    money[c] = true;
                }
            }
            fields.push(cols);
        }
        let batch = &rules.vocabulary.batch;
        let kind = find(&batch.kind);
        // A round's output has every added column, written after the clerk's own: a clerk's
        // 说明 or 状态 alone is the clerk's, kept, and calc's is written beside it.
        let last = |names: &[String]| {
            (headers.iter())
                .rposition(|h| names.iter().any(|n| n == h || n.eq_ignore_ascii_case(h)))
        };
        let mut added = Added::ALL.map(|a| last(a.names(batch)));
        let own = kind.is_some()
            && (Added::ALL.iter().zip(&added)).all(|(a, c)| c.is_some() || !a.required());
        if !own {
            added = [None; Added::ALL.len()];
        }
        Ok(Columns {
            kind,
            added,
            fields,
            money,
            own,
        })
    }

    /// A cell's text as read: trimmed, and in a round's own output without its formula guard,
    /// so that `'-XM-1` reads back as the `-XM-1` it was written for.
    pub fn text<'a>(&self, cells: &Cells<'a>, c: usize) -> &'a str {
        let text = cells.get(c);
        crate::text::trim(if self.own { unguard(text) } else { text })
    }

    /// The input column named as an added column, if any.
    pub fn added(&self, a: Added) -> Option<usize> {
        self.added[a as usize]
    }

    /// Refuses a round with a header that is no fact, no batch column and no kept column (a
    /// misspelt fact would be dropped), naming each and the nearest known header.
    pub fn known_headers(
        rules: &RuleSet,
        file: &str,
        headers: &[String],
        keep: &[String],
    ) -> Result<(), InputError> {
        let v = &rules.vocabulary;
        let b = &v.batch;
        let fields = v.sections.iter().flat_map(|s| &s.fields);
        let spellings: Vec<&str> = (fields.flat_map(|f| {
            [&f.name, &f.label, &f.label_en]
                .into_iter()
                .chain(&f.aliases)
        }))
        .chain(b.kind.iter().chain(&b.keep).chain(keep))
        .chain(Added::ALL.iter().flat_map(|a| a.names(b)))
        .map(String::as_str)
        .collect();
        let known = |h: &str| h.is_empty() || spellings.iter().any(|s| s.eq_ignore_ascii_case(h));
        let unknown: Vec<String> = (headers.iter().filter(|h| !known(h)))
            .map(|h| {
                let near = crate::suggest::nearest(h, spellings.iter().map(|&s| (s, vec![s])));
                match near.first() {
                    Some(n) => format!("“{h}” (是否指 did you mean “{n}”?)"),
                    None => format!("“{h}”"),
                }
            })
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        let unknown = unknown.join(", ");
        let mut e = InputError::new(
            file,
            crate::text!(
                "未知的列 {unknown}：请改为已知的表头；原样保留不计算的列请用 --keep-column 列名",
                "unknown column(s) {unknown}: rename to a known header, or carry a column through unread with --keep-column NAME"
            ),
        );
        e.line = Some(1);
        Err(e)
    }

    /// Refuses a round that lacks the type column or a required applicant column.
    pub fn require_round(&self, rules: &RuleSet, file: &str) -> Result<(), InputError> {
        if self.kind.is_none() {
            let names = rules.vocabulary.batch.kind.join(", ");
            return Err(InputError::new(
                file,
                crate::text!(
                    "缺少“类型”列 (表头: {names})",
                    "the `type` column is missing (headers: {names})"
                ),
            )
            .field("type"));
        }
        let a = rules.roles.applicant;
        match (rules.section(a).each_field())
            .find(|&(fi, f)| f.required && self.of(a, fi).is_none())
        {
            Some((_, f)) => Err(InputError::new(file, missing_column(f, rules.section(a)))),
            None => Ok(()),
        }
    }
}

fn missing_column(f: &Field, section: &Section) -> crate::text::Text {
    let names: Vec<&str> = std::iter::once(f.name.as_str())
        .chain(f.aliases.iter().map(|s| s.as_str()))
        .collect();
    crate::text!("缺少“{}”列 ({})，{}需要 (可用表头: {})", f.label, f.name, section.label, names.join(", "); "the column `{}` ({}) is missing, needed by {} rows", f.name, f.label_en, section.name)
}

/// The sections a row may name in its type column: those a clause reads.
pub fn row_sections(rules: &RuleSet) -> Vec<SectionId> {
    let mut s: Vec<SectionId> = rules.clauses.iter().map(|c| c.section).collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// The section a type cell names, by name, label or alias.
pub fn section_of(rules: &RuleSet, allowed: &[SectionId], text: &str) -> Option<SectionId> {
    let t = text.trim();
    allowed.iter().copied().find(|&si| {
        let s = rules.section(si);
        s.name.eq_ignore_ascii_case(t)
            || s.label == t
            || s.label_en.eq_ignore_ascii_case(t)
            || s.aliases
                .iter()
                .any(|a| a == t || a.eq_ignore_ascii_case(t))
    })
}

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

/// What one input row says.
pub enum Row {
    /// Every cell blank: kept in the output, not evaluated.
    Blank,
    /// Bad data: every problem, and the credit code when it could be read.
    Error {
        message: String,
        code: Option<String>,
    },
    Item {
        applicant: Applicant,
        section: SectionId,
        item: Item,
        /// The hash of the item's key (`group::key_hash`), taken while the row is at hand.
        key: u64,
    },
}

/// A row's applicant facts.
pub enum Applicant {
    /// As read from its cells, with the cells as written (`group::Cells`). Boxed: most rows
    /// are `Same`, and every row is moved twice on its way to its applicant.
    Read {
        item: Box<Item>,
        cells: super::group::Cells,
    },
    /// The same cells as the first row of its credit code (that group).
    Same(u32),
}

/// How rows are read: the round's columns and the sections its rows may name.
pub struct Parser<'a> {
    pub rules: &'a RuleSet,
    pub cols: &'a Columns,
    pub headers: &'a [String],
    pub allowed: Vec<SectionId>,
}

impl Parser<'_> {
    /// Reads a row into its applicant and one item, or every problem it has: extra cells,
    /// then the applicant, the type and the item.
    pub fn row(&self, line: Line, cells: &Cells<'_>, memo: &mut Memo, codes: &Codes) -> Row {
        if cells.is_blank() {
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

    /// Reads a plain prior table's row (the vocabulary's `prior` section).
    pub fn prior(&self, line: Line, cells: &Cells<'_>, memo: &mut Memo) -> Result<Item, String> {
        let mut problems = Vec::new();
        let item = self.item(self.rules.roles.prior, line, cells, &mut problems, memo);
        if problems.is_empty() {
            Ok(item)
        } else {
            Err(reason(&problems))
        }
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
