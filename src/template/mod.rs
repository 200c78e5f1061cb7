//! Files generated from the facts vocabulary, so that they never drift from it: a blank
//! applicant file with Chinese comments (`calc template`), the round's workbook for finance
//! staff (`calc template --xlsx`), its columns as a CSV header row (`calc template --csv`) and
//! a JSON Schema of the applicant file (`calc schema`).

mod schema;
mod xlsx;

pub use schema::{schema, schema_text};
pub use xlsx::xlsx;

use crate::rules::{Field, FieldType, RuleSet, SectionId};

/// Whether a fact must be filled, in the words every note uses (SPEC §7): required by the
/// vocabulary, or required because it chooses a rate; a yes/no left out otherwise reads as 否.
pub(super) fn need(rules: &RuleSet, s: SectionId, f: &Field) -> &'static str {
    let chooses_rate =
        (rules.section(s).field_index(&f.name)).is_some_and(|fi| rules.rate_facts(s).contains(&fi));
    match (f.required, chooses_rate, f.ty) {
        (true, _, _) => "必填",
        (false, true, _) => "必填（决定适用的比例，未填不能按“否”计算）",
        (false, false, FieldType::Bool) => "选填，未填视为“否”",
        (false, false, _) => "选填",
    }
}

/// The example value written for a fact of each type (a blank to fill in); example dates
/// come from the policy, so that the template carries no date of its own.
fn blank(f: &Field, rules: &RuleSet) -> String {
    let from = rules.policy.effective_from;
    match f.ty {
        // Written commented out (see `toml`): the example says yes, for the user to state.
        FieldType::Bool => "true".into(),
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

/// The comment after a fact: label, unit, whether it is required, type, the accepted values,
/// and for an applicant's yes/no the kinds of applicant that must say yes.
fn comment(rules: &RuleSet, s: SectionId, f: &Field) -> String {
    let mut c = f.label.clone();
    if let Some(u) = &f.unit {
        c.push_str(&format!("（{u}）"));
    }
    c.push('，');
    c.push_str(need(rules, s, f));
    if let Some(g) = xlsx::gated(rules, f).filter(|_| s == rules.roles.applicant) {
        c.push_str(&format!("；{g}"));
    }
    let ty = match f.ty {
        FieldType::Text => "文本",
        FieldType::Bool => "是 true / 否 false，删去行首 # 后填写",
        FieldType::Money => "金额，如 1200000、\"1,200,000.50\"、\"120万\"",
        FieldType::Date => "日期 YYYY-MM-DD",
        FieldType::Year => "年份",
        FieldType::Integer => "整数",
        FieldType::Number => "数字",
        FieldType::CreditCode => "18 位统一社会信用代码",
        FieldType::Enum => "",
        FieldType::District => "区县名称，如 鹿城区",
    };
    // Who may give a 公民身份号码 in its place, named by the vocabulary (SPEC §3).
    let section = rules.section(s);
    if let Some(r) = &f.id_number
        && let Some(k) = section.field_index(&r.field)
    {
        let by = &section.fields[k.0];
        let who: Vec<&str> = (r.values.iter())
            .filter_map(|v| by.enum_index(v).map(|i| by.value_label(i, false)))
            .collect();
        c.push_str(&format!("；{}", ty));
        c.push_str(&format!("（{}可填 18 位公民身份号码）", who.join("、")));
        return c;
    }
    if f.ty == FieldType::Enum {
        let vals: Vec<String> = f
            .values
            .iter()
            .map(|v| format!("{} {}", v.value, v.label))
            .collect();
        let one_line = format!("；可选: {}", vals.join(" | "));
        if crate::render::wrap::width(&format!("{c}{one_line}")) <= NOTE_WIDTH {
            c.push_str(&one_line);
        } else {
            // A long list: a value a line, each under the other.
            c.push_str("；可选:");
            for v in &vals {
                c.push_str(&format!("\n  {v}"));
            }
        }
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

/// The width of a note in the applicant template (80 columns less its `#   `).
const NOTE_WIDTH: usize = 76;

/// A blank applicant file: single sections written out, item sections as commented examples.
pub fn toml(rules: &RuleSet) -> String {
    let p = &rules.policy;
    let mut o = format!(
        "# 申报单位事实文件 · {}\n# {}\n# 由 `calc template` 按规则词汇表生成 (规则版本 {})。\n# 填写后运行: calc 本文件.toml\n# 是/否事实均已注释，不预设取值: 删去行首 # 后如实填写 true 或 false；\n# 未填写的视为“否”，决定比例的事实 (注明“必填”) 除外。\n# 每个 [[...]] 事项可重复多份；不申报的事项整段删除或保留注释。\n",
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
        let header = match s.many {
            true => format!("# [[{}]]", s.name),
            false => format!("[{}]", s.name),
        };
        let inline = format!("{header}  # {about}");
        if crate::render::wrap::width(&inline) <= NOTE_WIDTH + 4 {
            o.push_str(&format!("{inline}\n"));
        } else {
            // Too long beside its header: on the lines above it.
            for l in crate::render::wrap::wrap(&about, NOTE_WIDTH + 2) {
                o.push_str(&format!("# {l}\n"));
            }
            o.push_str(&format!("{header}\n"));
        }
        // Each fact's note on the lines above it, wrapped to fit 80 columns, so that the file
        // reads in a terminal and an editor alike; an item section's notes are indented
        // under its commented-out header.
        let lead = if s.many { "#   " } else { "# " };
        for f in &s.fields {
            for para in comment(rules, si, f).split('\n') {
                let body = para.trim_start();
                let indent = &para[..para.len() - body.len()];
                for l in crate::render::wrap::wrap(body, NOTE_WIDTH - indent.len()) {
                    o.push_str(&format!("{lead}{indent}{l}\n"));
                }
            }
            // Yes/no facts are left for the user to state: never pre-set (SPEC §7).
            let prefix = if s.many || !f.required || f.ty == FieldType::Bool {
                "# "
            } else {
                ""
            };
            o.push_str(&format!("{prefix}{} = {}\n", f.name, blank(f, rules)));
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
