//! Files generated from the facts vocabulary, so that they never drift from it: a blank
//! applicant file with Chinese comments (`calc template`), the round's workbook for finance
//! staff (`calc template --xlsx`), its columns as a CSV header row (`calc template --csv`) and
//! a JSON Schema of the applicant file (`calc schema`).

mod schema;
mod xlsx;

pub use schema::{schema, schema_text};
pub use xlsx::xlsx;

use crate::rules::{Field, FieldType, RuleSet, SectionId};

/// The example value written for a fact of each type (a blank to fill in); example dates
/// come from the policy, so that the template carries no date of its own.
fn blank(f: &Field, rules: &RuleSet) -> String {
    let from = rules.policy.effective_from;
    match f.ty {
        FieldType::Bool => "false".into(),
        FieldType::Money => "0".into(),
        FieldType::Date => from.to_string(),
        FieldType::Year => chrono::Datelike::year(&from).to_string(),
        FieldType::Integer => "0".into(),
        FieldType::Number => "0".into(),
        // No pre-chosen enum value: a forgotten choice must fail to load, not default silently.
        FieldType::Enum | FieldType::Text | FieldType::CreditCode | FieldType::District => {
            "\"\"".into()
        }
    }
}

/// The comment after a fact: label, type, unit, required, and the accepted values.
fn comment(f: &Field) -> String {
    let mut c = f.label.clone();
    if let Some(u) = &f.unit {
        c.push_str(&format!("（{u}）"));
    }
    if f.required {
        c.push_str("，必填");
    }
    let ty = match f.ty {
        FieldType::Text => "文本",
        FieldType::Bool => "true/false",
        FieldType::Money => "金额，如 1200000、\"1,200,000.50\"、\"120万\"",
        FieldType::Date => "日期 YYYY-MM-DD",
        FieldType::Year => "年份",
        FieldType::Integer => "整数",
        FieldType::Number => "数字",
        FieldType::CreditCode => "18 位统一社会信用代码",
        FieldType::Enum => "",
        FieldType::District => "区县名称，如 鹿城区",
    };
    if f.ty == FieldType::Enum {
        let vals: Vec<String> = f
            .values
            .iter()
            .map(|v| format!("{} {}", v.value, v.label))
            .collect();
        c.push_str(&format!("；可选: {}", vals.join(" | ")));
    } else {
        c.push_str(&format!("；{ty}"));
    }
    c
}

/// The clauses that read a section, as "条款 1 算力券".
pub(super) fn clauses_of(rules: &RuleSet, section: SectionId) -> String {
    let names: Vec<String> = rules
        .clauses
        .iter()
        .filter(|c| c.section == section)
        .map(|c| format!("第 {} 条 {}", c.number, c.title))
        .collect();
    names.join("、")
}

/// A blank applicant file: single sections written out, item sections as commented examples.
pub fn toml(rules: &RuleSet) -> String {
    let p = &rules.policy;
    let mut o = format!(
        "# 申报单位事实文件 · {} {}\n# 由 `calc template` 按规则词汇表生成 (规则版本 {})。填写后运行: calc 本文件.toml\n# 未填写的是/否事实视为“否”；每个 [[...]] 事项可重复多份；不申报的事项整段删除或保留注释。\n",
        p.title, p.document, p.version
    );
    for (si, s) in rules.vocabulary.each_section() {
        let used_by = clauses_of(rules, si);
        let about = if used_by.is_empty() {
            s.label.clone()
        } else {
            format!("{}，用于{used_by}", s.label)
        };
        o.push('\n');
        let width = s.fields.iter().map(|f| f.name.len()).max().unwrap_or(0);
        if s.many {
            o.push_str(&format!("# [[{}]]  # {about}\n", s.name));
        } else {
            o.push_str(&format!("[{}]  # {about}\n", s.name));
        }
        for f in &s.fields {
            let line = format!("{:width$} = {}", f.name, blank(f, rules));
            let prefix = if s.many || (!f.required && f.ty != FieldType::Bool) {
                "# "
            } else {
                ""
            };
            o.push_str(&format!("{prefix}{line:<40} # {}\n", comment(f)));
        }
    }
    o
}

/// The CSV header row of a round (UTF-8 with a BOM, for Excel): the columns of the workbook.
pub fn csv_header(rules: &RuleSet) -> String {
    let headers: Vec<String> = crate::round::columns::columns(rules)
        .into_iter()
        .map(|c| c.header)
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(&headers);
    let bytes = w.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8(bytes).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_is_valid_toml_with_every_section() {
        let rules = RuleSet::embedded().unwrap();
        let t = toml(&rules);
        let parsed: toml::Table = ::toml::from_str(&t).unwrap();
        assert!(parsed.contains_key("applicant"));
        for s in &rules.vocabulary.sections {
            assert!(t.contains(&s.name), "{}", s.name);
        }
    }
}
