//! The columns of a round's spreadsheet, made from the vocabulary: the row type first, the
//! applicant's facts, then each item fact under one header that every section using it accepts.
//! Facts of one name whose sections share no header (a dataset's 实际投入, a project's
//! 项目经费总投入) get a column each, so that every row type finds every fact it needs.

use crate::rules::{Field, FieldType, RuleSet, Section, SectionId};

/// One column of the round: its header, and the facts it holds in each section.
#[derive(Debug)]
pub struct Column<'a> {
    pub header: String,
    /// `None` for the row-type column.
    pub ty: Option<FieldType>,
    /// The sections (by index) whose rows fill this column, with their fact.
    pub facts: Vec<(SectionId, &'a Field)>,
}

/// The sections a row may name in its type column: those a clause reads, in vocabulary order.
pub fn row_sections(rules: &RuleSet) -> Vec<SectionId> {
    // A disabled clause's rows are rows like others (their status says it is not in effect).
    let disabled = rules.disabled_sections.iter().map(|&(_, s)| s);
    let mut s: Vec<SectionId> = rules
        .clauses
        .iter()
        .map(|c| c.section)
        .chain(disabled)
        .collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// The type column's header: the first Chinese name of the batch's type column.
pub fn type_header(rules: &RuleSet) -> String {
    let names = &rules.vocabulary.batch.kind;
    names
        .iter()
        .find(|n| !n.is_ascii())
        .or(names.first())
        .cloned()
        .unwrap_or_default()
}

/// Whether a batch reads `header` as this fact (`headers::Columns::map` matches headers so).
pub fn accepts(field: &Field, header: &str) -> bool {
    field.name == header
        || field.label == header
        || field.label_en.eq_ignore_ascii_case(header)
        || field
            .aliases
            .iter()
            .any(|a| a == header || a.eq_ignore_ascii_case(header))
}

/// Every column of the round, in order: type, applicant facts, item facts.
pub fn columns(rules: &RuleSet) -> Vec<Column<'_>> {
    let v = &rules.vocabulary;
    let a = rules.roles.applicant;
    let rows = row_sections(rules);
    let mut used = vec![a];
    used.extend(rows.iter().filter(|&&s| s != a));
    let mut out = vec![Column {
        header: type_header(rules),
        ty: None,
        facts: Vec::new(),
    }];
    let applicant = &v.sections[a];
    for f in &applicant.fields {
        out.push(Column {
            header: header_of(rules, &used, &[(a, f)]),
            ty: Some(f.ty),
            facts: vec![(a, f)],
        });
    }
    // Each fact name once per type, in the order the sections first name it.
    let mut done: Vec<(&str, FieldType)> = Vec::new();
    for &si in rows.iter().filter(|&&s| s != a) {
        for f in &v.sections[si].fields {
            if done.contains(&(f.name.as_str(), f.ty)) {
                continue;
            }
            done.push((&f.name, f.ty));
            let same: Vec<(SectionId, &Field)> = rows
                .iter()
                .filter(|&&s| s != a)
                .filter_map(|&s| {
                    let g = v.sections[s].field_index(&f.name)?;
                    let g = &v.sections[s].fields[g];
                    (g.ty == f.ty).then_some((s, g))
                })
                .collect();
            out.extend(split(rules, &used, same));
        }
    }
    // A column split off for a later section stands with that section's columns.
    let first_section = |c: &Column<'_>| c.facts.iter().map(|(s, _)| *s).min();
    out[1 + applicant.fields.len()..].sort_by_key(first_section);
    out
}

/// Splits the facts of one name into columns: each takes the header that the most of the
/// remaining facts accept.
fn split<'a>(
    rules: &'a RuleSet,
    used: &[SectionId],
    mut rest: Vec<(SectionId, &'a Field)>,
) -> Vec<Column<'a>> {
    let mut out = Vec::new();
    while let Some(&(_, first)) = rest.first() {
        let header = header_of(rules, used, &rest);
        let (taken, left): (Vec<_>, Vec<_>) =
            rest.into_iter().partition(|(_, g)| accepts(g, &header));
        // The first fact always accepts its own header, so every pass takes at least one.
        out.push(Column {
            header,
            ty: Some(first.ty),
            facts: taken,
        });
        rest = left;
    }
    out
}

/// The header for the first of `facts` that the most of them accept and that names no other
/// fact of a section the round reads (which a batch would read as two columns for one fact).
fn header_of(rules: &RuleSet, used: &[SectionId], facts: &[(SectionId, &Field)]) -> String {
    let Some(&(_, first)) = facts.first() else {
        return String::new();
    };
    let clashes = |h: &str| {
        used.iter().any(|&s| {
            let section: &Section = rules.section(s);
            section.fields.iter().any(|g| {
                accepts(g, h) && !facts.iter().any(|(fs, ff)| *fs == s && ff.name == g.name)
            })
        })
    };
    let candidates = std::iter::once(&first.label).chain(&first.aliases);
    let mut best: Option<(&String, usize)> = None;
    for h in candidates {
        if clashes(h) {
            continue;
        }
        let n = facts.iter().filter(|(_, g)| accepts(g, h)).count();
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((h, n));
        }
    }
    best.map_or_else(|| first.label.clone(), |(h, _)| h.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_of_every_row_type_has_a_column_a_batch_reads() {
        let rules = RuleSet::embedded().unwrap();
        let cols = columns(&rules);
        let a = rules.roles.applicant;
        for si in std::iter::once(a).chain(row_sections(&rules)) {
            for f in &rules.section(si).fields {
                let hits: Vec<&str> = cols
                    .iter()
                    .filter(|c| accepts(f, &c.header))
                    .map(|c| c.header.as_str())
                    .collect();
                assert_eq!(
                    hits.len(),
                    1,
                    "{}.{}: {hits:?}",
                    rules.section(si).name,
                    f.name
                );
            }
        }
        let headers: Vec<&str> = cols.iter().map(|c| c.header.as_str()).collect();
        assert!(headers.contains(&"项目经费总投入"), "{headers:?}");
        assert!(headers.contains(&"实际投入"), "{headers:?}");
    }
}
