//! The JSON Schema (draft 2020-12) of the applicant file, made from the vocabulary (`calc schema`).

use serde_json::{Map, Value as Json, json};

use crate::rules::{Field, FieldType, RuleSet};

fn field_schema(f: &Field) -> Json {
    let description = match &f.unit {
        Some(u) => format!("{}（{u}） / {}", f.label, f.label_en),
        None => format!("{} / {}", f.label, f.label_en),
    };
    let mut s = match f.ty {
        // A number written for a text (an id of digits, `id = 2026`) is read as its digits.
        FieldType::Text => json!({"type": ["string", "integer"]}),
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
    annotate(&mut s, f);
    s
}

/// Annotations a form is built from (the official's page of `calc serve`, SPEC §9): the labels
/// in both languages, the unit, the type, an enum's values with their labels and a district's
/// names. Keywords JSON Schema does not know (`x-...`) are annotations a validator passes over.
fn annotate(s: &mut Json, f: &Field) {
    s["x-label"] = json!(f.label);
    s["x-label-en"] = json!(f.label_en);
    if let Some(u) = &f.unit {
        s["x-unit"] = json!(u);
    }
    s["x-type"] = serde_json::to_value(f.ty).unwrap_or_default();
    let values: Vec<Json> = match (f.ty, &f.divisions) {
        (FieldType::Enum, _) => (f.values.iter())
            .map(|v| json!({"value": v.value, "label": v.label, "label_en": v.label_en}))
            .collect(),
        (FieldType::District, Some(d)) => (d.names.iter())
            .map(|n| json!({"value": n, "label": n, "label_en": n}))
            .collect(),
        _ => Vec::new(),
    };
    if !values.is_empty() {
        s["x-values"] = json!(values);
    }
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
            "x-label": s.label,
            "x-label-en": s.label_en,
        });
        let entry = if s.many {
            json!({"type": "array", "description": format!("{} / {}", s.label, s.label_en), "x-label": s.label, "x-label-en": s.label_en, "items": object})
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
