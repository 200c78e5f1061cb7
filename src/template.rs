//! Files generated from the facts vocabulary, so that they never drift from it: a blank
//! applicant file with Chinese comments (`calc template`), the CSV header row
//! (`calc template --csv`) and a JSON Schema of the applicant file (`calc schema`).

use serde_json::{Map, Value as Json, json};

use crate::rules::{Field, FieldType, RuleSet, Section};

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
fn clauses_of(rules: &RuleSet, section: usize) -> String {
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
    for (si, s) in rules.vocabulary.sections.iter().enumerate() {
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

/// The one header to write for a fact in a spreadsheet: an alias every section with a fact
/// of that name accepts, else the fact's label.
fn header_for(sections: &[&Section], f: &Field) -> String {
    let same: Vec<&Field> = sections
        .iter()
        .filter_map(|s| s.field_index(&f.name).map(|i| &s.fields[i]))
        .collect();
    f.aliases
        .iter()
        .find(|a| same.iter().all(|g| g.aliases.contains(a) || g.label == **a))
        .cloned()
        .unwrap_or_else(|| f.label.clone())
}

/// The CSV header row for a batch: `type`, the applicant facts, then every item fact once.
pub fn csv_header(rules: &RuleSet) -> String {
    let r = &rules.roles;
    let v = &rules.vocabulary;
    let mut headers: Vec<String> = vec!["type".to_string()];
    let applicant = &v.sections[r.applicant];
    headers.extend(applicant.fields.iter().map(|f| f.label.clone()));
    let items: Vec<&Section> = v
        .sections
        .iter()
        .enumerate()
        .filter(|(i, s)| s.many && *i != r.prior)
        .map(|(_, s)| s)
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for s in &items {
        for f in &s.fields {
            if !seen.contains(&f.name.as_str()) {
                seen.push(&f.name);
                headers.push(header_for(&items, f));
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(&headers);
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

fn field_schema(f: &Field) -> Json {
    let description = match &f.unit {
        Some(u) => format!("{}（{u}） / {}", f.label, f.label_en),
        None => format!("{} / {}", f.label, f.label_en),
    };
    let mut s = match f.ty {
        FieldType::Text => json!({"type": "string"}),
        FieldType::District => match &f.divisions {
            Some(d) => {
                let mut names = d.names.clone();
                names.extend(d.names.iter().map(|n| format!("{}{n}", d.city)));
                json!({"type": "string", "enum": names})
            }
            None => json!({"type": "string"}),
        },
        FieldType::Bool => json!({"anyOf": [
            {"type": "boolean"},
            {"type": "string", "enum": ["true", "false", "yes", "no", "是", "否", "有", "无"]}
        ]}),
        FieldType::Money => json!({"anyOf": [
            {"type": "number", "minimum": 0},
            {"type": "string", "pattern": "^\\s*[¥￥]?\\s*[0-9０-９][0-9０-９,，]*([.．][0-9０-９]+)?\\s*(万元|万|亿元|亿|元)?\\s*$"}
        ]}),
        FieldType::Date => json!({"anyOf": [
            {"type": "string", "format": "date"},
            {"type": "string", "pattern": "^\\s*[0-9０-９]{4}[-/.年－／．][0-9０-９]{1,2}[-/.月－／．][0-9０-９]{1,2}日?\\s*$"}
        ]}),
        FieldType::Year => json!({"anyOf": [
            {"type": "integer", "minimum": 1900, "maximum": 2200},
            {"type": "string", "pattern": "^[0-9]{4}$"}
        ]}),
        FieldType::Integer => json!({"type": "integer"}),
        FieldType::Number => json!({"type": "number"}),
        FieldType::CreditCode => json!({
            "type": "string",
            "pattern": "^\\s*[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}\\s*$"
        }),
        FieldType::Enum => {
            let mut accepted: Vec<&str> = Vec::new();
            for v in &f.values {
                for a in std::iter::once(&v.value)
                    .chain(std::iter::once(&v.label))
                    .chain(&v.aliases)
                {
                    if !accepted.contains(&a.as_str()) {
                        accepted.push(a);
                    }
                }
            }
            json!({"type": "string", "enum": accepted})
        }
    };
    s["description"] = json!(description);
    s
}

/// A JSON Schema (draft 2020-12) of the applicant file, for editors that validate TOML.
pub fn schema(rules: &RuleSet) -> Json {
    let mut props = Map::new();
    for s in &rules.vocabulary.sections {
        let mut fields = Map::new();
        for f in &s.fields {
            fields.insert(f.name.clone(), field_schema(f));
        }
        let required: Vec<&str> = s
            .fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name.as_str())
            .collect();
        let object = json!({
            "type": "object",
            "description": format!("{} / {}", s.label, s.label_en),
            "properties": fields,
            "required": required,
            "additionalProperties": false,
        });
        let entry = if s.many {
            json!({"type": "array", "description": format!("{} / {}", s.label, s.label_en), "items": object})
        } else {
            object
        };
        props.insert(s.name.clone(), entry);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("https://calc.invalid/{}/facts.schema.json", rules.policy.id),
        "title": format!("{} {} 申报单位事实文件 / applicant facts file", rules.policy.document, rules.policy.title),
        "description": format!("由 `calc schema` 按规则词汇表生成 / generated from the rules vocabulary (rules version {})", rules.policy.version),
        "type": "object",
        "properties": props,
        "required": ["applicant"],
        "additionalProperties": false,
    })
}

pub fn schema_text(rules: &RuleSet) -> String {
    let mut s = serde_json::to_string_pretty(&schema(rules)).unwrap_or_default();
    s.push('\n');
    s
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
