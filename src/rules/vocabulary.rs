//! The facts vocabulary (`rules/vocabulary.toml`): sections, facts, their types, labels
//! and spreadsheet aliases. Facts files and batch rows are validated against it.

use crate::text::Text;
use serde::Deserialize;

/// A section of the vocabulary (`[applicant]`, `[[compute]]`), by its place in vocabulary.toml.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SectionId(pub usize);

/// A fact of one section, by its place among that section's facts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub usize);

/// Lets a list be indexed by one kind of id only, so that a section's place cannot index facts.
macro_rules! indexed_by {
    ($id:ty => $($t:ty),+) => { $(
        impl std::ops::Index<$id> for [$t] {
            type Output = $t;
            fn index(&self, i: $id) -> &$t {
                &self[i.0]
            }
        }
        impl std::ops::IndexMut<$id> for [$t] {
            fn index_mut(&mut self, i: $id) -> &mut $t {
                &mut self[i.0]
            }
        }
        impl std::ops::Index<$id> for Vec<$t> {
            type Output = $t;
            fn index(&self, i: $id) -> &$t {
                &self[i.0]
            }
        }
        impl std::ops::IndexMut<$id> for Vec<$t> {
            fn index_mut(&mut self, i: $id) -> &mut $t {
                &mut self[i.0]
            }
        }
    )+ };
}
pub(crate) use indexed_by;

indexed_by!(SectionId => Section);
indexed_by!(FieldId => Field);

/// The type of one fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Bool,
    Money,
    Date,
    Year,
    Integer,
    Number,
    CreditCode,
    Enum,
    /// One of the policy's county-level divisions (`policy.divisions`), by its name.
    District,
}

impl FieldType {
    /// What a value of this type looks like, in Chinese and English.
    pub fn expected(self) -> Text {
        let (zh, en) = self.expected_in_each();
        Text::new(zh, en)
    }

    /// The Chinese half of `expected`.
    pub fn expected_zh(self) -> &'static str {
        self.expected_in_each().0
    }

    /// The English half of `expected`.
    pub fn expected_en(self) -> &'static str {
        self.expected_in_each().1
    }

    /// `expected` in Chinese and in English; the same words in both where they read alike.
    fn expected_in_each(self) -> (&'static str, &'static str) {
        match self {
            FieldType::Text => ("文本", "text"),
            FieldType::Bool => ("true/false (是/否)", "true/false (是/否)"),
            FieldType::Money => (
                "金额: 整数、小数、\"1,200,000.50\"、\"120万\"",
                "an amount: integer, decimal, \"1,200,000.50\" or \"120万\"",
            ),
            FieldType::Date => ("日期 YYYY-MM-DD", "a date YYYY-MM-DD"),
            FieldType::Year => ("年份 (如 2025)", "a year such as 2025"),
            FieldType::Integer => ("整数", "an integer"),
            FieldType::Number => ("数字", "a number"),
            FieldType::CreditCode => (
                "18 位统一社会信用代码",
                "an 18-character unified social credit code",
            ),
            FieldType::Enum => ("列举值之一", "one of the listed values"),
            FieldType::District => ("区县名称 (如 鹿城区)", "a district name such as 鹿城区"),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    pub value: String,
    pub label: String,
    pub label_en: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl EnumValue {
    pub fn label(&self, en: bool) -> &str {
        if en { &self.label_en } else { &self.label }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    #[serde(default)]
    pub required: bool,
    pub label: String,
    pub label_en: String,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub values: Vec<EnumValue>,
    /// For a bool: spreadsheet words that mean yes or no beyond 是/否 (e.g. 自主 / 非自主).
    #[serde(default)]
    pub yes: Vec<String>,
    #[serde(default)]
    pub no: Vec<String>,
    /// For a credit code: the applicants that may give a 公民身份号码 in its place (SPEC §3),
    /// named by an enum fact of the section and its values (`{ field = "kind", values =
    /// ["individual"] }`).
    #[serde(default)]
    pub id_number: Option<IdNumber>,
    /// For a district: the names it may take, from the policy file (set when the rules compile).
    #[serde(skip)]
    pub divisions: Option<Divisions>,
}

/// Who may give a 公民身份号码 in place of a credit code: the items whose `field` is one of
/// `values`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdNumber {
    pub field: String,
    pub values: Vec<String>,
}

/// The county-level divisions a district fact names, and the city's name that may stand before
/// one (`温州市鹿城区` reads as 鹿城区).
#[derive(Clone, Debug, Default)]
pub struct Divisions {
    pub city: String,
    pub names: Vec<String>,
}

impl Field {
    /// The index of an enum value, by its name, Chinese label or an alias.
    pub fn enum_index(&self, text: &str) -> Option<u16> {
        let t = text.trim();
        self.values
            .iter()
            .position(|v| {
                v.value == t
                    || v.label == t
                    || v.aliases
                        .iter()
                        .any(|a| a == t || a.eq_ignore_ascii_case(t))
            })
            .map(|i| i as u16)
    }

    pub fn label(&self, en: bool) -> &str {
        if en { &self.label_en } else { &self.label }
    }

    /// The label of the enum value at `i`; empty when there is none.
    pub fn value_label(&self, i: u16, en: bool) -> &str {
        self.values.get(i as usize).map_or("", |v| v.label(en))
    }

    /// The listed enum values, for a message: "enterprise, partnership, ...".
    pub fn value_list(&self) -> String {
        self.values
            .iter()
            .map(|v| format!("{} ({})", v.value, v.label))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub name: String,
    pub label: String,
    pub label_en: String,
    /// An array of tables (`[[compute]]`) rather than one table (`[applicant]`).
    #[serde(default)]
    pub many: bool,
    /// The fact that identifies an item, for priors and messages.
    #[serde(default)]
    pub key: Option<String>,
    /// The index of `key` among the fields, resolved once when the rules are compiled.
    #[serde(skip)]
    pub key_index: Option<FieldId>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(rename = "field")]
    pub fields: Vec<Field>,
}

impl Section {
    pub fn field_index(&self, name: &str) -> Option<FieldId> {
        self.fields.iter().position(|f| f.name == name).map(FieldId)
    }

    /// Each fact with its id, in vocabulary order.
    pub fn each_field(&self) -> impl Iterator<Item = (FieldId, &Field)> {
        self.fields.iter().enumerate().map(|(i, f)| (FieldId(i), f))
    }

    pub fn label(&self, en: bool) -> &str {
        if en { &self.label_en } else { &self.label }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    #[serde(rename = "section")]
    pub sections: Vec<Section>,
    /// Spreadsheet columns of a batch that are not facts.
    #[serde(default)]
    pub batch: BatchColumns,
}

/// The header aliases of a batch's own columns (SPEC §6): the row's type, and the columns a
/// batch adds. Of an added column's names the first is the header written under `--lang zh`,
/// the second the one under `--lang en`; all are read.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchColumns {
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub clause: Vec<String>,
    pub award: Vec<String>,
    pub ceiling: Vec<String>,
    pub floor: Vec<String>,
    pub status: Vec<String>,
    pub reason: Vec<String>,
    /// Columns a batch carries through as they are, unread (序号, 备注, ...).
    #[serde(default)]
    pub keep: Vec<String>,
    /// The words of the status column, named as the column's.
    pub statuses: StatusWords,
}

/// The words a batch writes in its status column (first Chinese, then English; all are read).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusWords {
    pub awarded: Vec<String>,
    pub discretionary: Vec<String>,
    pub ineligible: Vec<String>,
    /// An item already paid; a vocabulary of before this status reads it as `paid`.
    #[serde(default = "paid_words")]
    pub paid: Vec<String>,
    pub error: Vec<String>,
}

fn paid_words() -> Vec<String> {
    vec!["paid".to_string()]
}

/// The name written in a language: the second for English, else the first.
pub fn written(names: &[String], en: bool) -> &str {
    let name = if en { names.get(1) } else { None };
    name.or(names.first()).map_or("", String::as_str)
}

impl Default for BatchColumns {
    fn default() -> BatchColumns {
        let one = |s: &str| vec![s.to_string()];
        BatchColumns {
            kind: one("type"),
            clause: one("clause"),
            award: one("award"),
            ceiling: one("ceiling"),
            floor: one("floor"),
            status: one("status"),
            reason: one("reason"),
            keep: Vec::new(),
            statuses: StatusWords {
                awarded: one("awarded"),
                discretionary: one("discretionary"),
                ineligible: one("ineligible"),
                paid: paid_words(),
                error: one("error"),
            },
        }
    }
}

impl Vocabulary {
    pub fn section_index(&self, name: &str) -> Option<SectionId> {
        self.sections
            .iter()
            .position(|s| s.name == name)
            .map(SectionId)
    }

    /// Each section with its id, in vocabulary order.
    pub fn each_section(&self) -> impl Iterator<Item = (SectionId, &Section)> {
        self.sections
            .iter()
            .enumerate()
            .map(|(i, s)| (SectionId(i), s))
    }
}
