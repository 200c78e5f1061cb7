//! Reading a round's header row: which column holds which fact of which section (by the
//! vocabulary's names, labels and aliases, as the template writes them), the type column, and,
//! in a round's own output, its added columns. A header that is none of these is refused with
//! the nearest known one. Read by a batch, a prior file and a notice alike.

use crate::error::InputError;
use crate::rules::{Field, FieldId, FieldType, RuleSet, Section, SectionId};
use crate::sheet::read::Cells;
use crate::sheet::write::unguard;

use super::Added;
use super::columns::accepts;

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
                    .filter(|&c| accepts(field, &headers[c]))
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
            return as_of_column(rules, file, headers, keep);
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

pub fn missing_column(f: &Field, section: &Section) -> crate::text::Text {
    let names: Vec<&str> = std::iter::once(f.name.as_str())
        .chain(f.aliases.iter().map(|s| s.as_str()))
        .collect();
    crate::text!("缺少“{}”列 ({})，{}需要 (可用表头: {})", f.label, f.name, section.label, names.join(", "); "the column `{}` ({}) is missing, needed by {} rows", f.name, f.label_en, section.name)
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
/// Refuses a column of the application date (申报日期, 计算基准日): a round has one as-of date,
/// given with `--as-of` (SPEC §6); read as a fact it would differ row by row, and ignored it
/// would silently compute as of another day. `--keep-column` carries it through unread.
fn as_of_column(
    rules: &RuleSet,
    file: &str,
    headers: &[String],
    keep: &[String],
) -> Result<(), InputError> {
    let r = &rules.roles;
    let as_of = &rules.section(r.application).fields[r.as_of.0];
    let others = (rules.vocabulary.sections.iter().flat_map(|s| &s.fields))
        .filter(|f| !std::ptr::eq(*f, as_of))
        .flat_map(|f| {
            [&f.name, &f.label, &f.label_en]
                .into_iter()
                .chain(&f.aliases)
        });
    let others: Vec<&String> = others.collect();
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let spelt = |h: &str| {
        ([&as_of.name, &as_of.label, &as_of.label_en]
            .into_iter()
            .chain(&as_of.aliases))
        .any(|s| same(s, h))
    };
    let Some(h) = headers.iter().find(|h| {
        spelt(h) && !others.iter().any(|o| same(o, h)) && !keep.iter().any(|k| same(k, h))
    }) else {
        return Ok(());
    };
    let mut e = InputError::new(
        file,
        crate::text!(
            "列“{h}”是计算基准日：一轮只有一个计算基准日，请用 --as-of YYYY-MM-DD 给出；如只需原样保留此列，请用 --keep-column {h}",
            "column `{h}` is the as-of date: a round has one, given with --as-of YYYY-MM-DD; to carry the column through unread, use --keep-column {h}"
        ),
    );
    e.line = Some(1);
    Err(e)
}
