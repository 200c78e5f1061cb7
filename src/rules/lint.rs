//! A structural check of rule files before they are deserialised: every unknown key, missing
//! key, wrong type, rate outside 0..1 and bad amount in a file is reported at once, each at
//! its line and column (serde stops at the first problem of a file).

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::InputError;
use crate::money::{Money, Rate};

/// What a value must be.
#[derive(Clone, Copy)]
enum Ty {
    Str,
    /// One of the listed strings.
    OneOf(&'static [&'static str]),
    Int,
    Bool,
    Date,
    Money,
    Rate,
    Strs,
    Table(&'static [Key]),
    /// An array of tables (inline or `[[...]]`).
    Tables(&'static [Key]),
    /// A table whose `kind` picks its keys.
    Tagged(&'static [(&'static str, &'static [Key])]),
    TaggedList(&'static [(&'static str, &'static [Key])]),
    /// A free table of fact names (checked later against the vocabulary).
    AnyTable,
}

struct Key {
    name: &'static str,
    ty: Ty,
    required: bool,
}

const fn req(name: &'static str, ty: Ty) -> Key {
    Key {
        name,
        ty,
        required: true,
    }
}

const fn opt(name: &'static str, ty: Ty) -> Key {
    Key {
        name,
        ty,
        required: false,
    }
}

const KIND: Key = req("kind", Ty::Str);

static CONDITIONS: &[(&str, &[Key])] = &[
    ("is_true", &[KIND, req("field", Ty::Str)]),
    (
        "equals",
        &[KIND, req("field", Ty::Str), req("value", Ty::Str)],
    ),
    (
        "year_between",
        &[
            KIND,
            req("field", Ty::Str),
            req("from", Ty::Int),
            req("years_before_as_of", Ty::Int),
        ],
    ),
];

static RATE_CASE: &[Key] = &[
    opt("when", Ty::AnyTable),
    req("rate", Ty::Rate),
    opt("label", Ty::Str),
    opt("label_en", Ty::Str),
];

static TIER: &[Key] = &[
    req("from", Ty::Money),
    opt("amount", Ty::Money),
    opt("rate", Ty::Rate),
    opt("label", Ty::Str),
];

static LEVEL: &[Key] = &[
    req("value", Ty::Str),
    opt("amount", Ty::Money),
    opt("floor", Ty::Money),
    opt("ceiling", Ty::Money),
    opt("requires", Ty::Strs),
];

static AWARDS: &[(&str, &[Key])] = &[
    (
        "rate",
        &[
            KIND,
            req("base", Ty::Str),
            req("rates", Ty::Tables(RATE_CASE)),
        ],
    ),
    (
        "tiers",
        &[
            KIND,
            req("base", Ty::Str),
            req("ceiling", Ty::Money),
            opt("tiers", Ty::Tables(TIER)),
        ],
    ),
    (
        "levels",
        &[KIND, req("by", Ty::Str), req("levels", Ty::Tables(LEVEL))],
    ),
    (
        "interest",
        &[
            KIND,
            req("principal", Ty::Str),
            req("start", Ty::Str),
            req("end", Ty::Str),
            req("disbursed", Ty::Str),
            req("paid", Ty::Str),
            req("rate", Ty::Rate),
            req("day_basis", Ty::Int),
            req("term_years", Ty::Int),
        ],
    ),
];

static CAP: &[Key] = &[
    req("scope", Ty::OneOf(&["item", "unit_year"])),
    req("amount", Ty::Money),
    opt("year_field", Ty::Str),
    opt("text", Ty::Str),
];

static COMBINE: &[Key] = &[req("mode", Ty::OneOf(&["sum", "highest"]))];

static QUOTA: &[Key] = &[
    req("per", Ty::Str),
    req("count", Ty::Int),
    req("rank_by", Ty::Str),
    opt("text", Ty::Str),
];

/// The keys of a clause file (`ClauseFile`).
static CLAUSE: &[Key] = &[
    req("clause", Ty::Int),
    req("key", Ty::Str),
    req("title", Ty::Str),
    req("title_en", Ty::Str),
    req("section", Ty::Str),
    opt("date_field", Ty::Str),
    req("applicants", Ty::Strs),
    opt("responsible_units", Ty::Strs),
    req("text", Ty::Str),
    opt("interpretation", Ty::Strs),
    opt("quota", Ty::Table(QUOTA)),
    opt("conditions", Ty::TaggedList(CONDITIONS)),
    req("award", Ty::Tagged(AWARDS)),
    opt("cap", Ty::Table(CAP)),
    req("combine", Ty::Table(COMBINE)),
    opt("disabled", Ty::Bool),
];

static GATE: &[Key] = &[
    req("kinds", Ty::Strs),
    req("require", Ty::Strs),
    req("text", Ty::Str),
];

static PROVISIONS: &[Key] = &[
    opt("scope", Ty::Str),
    opt("non_duplication", Ty::Str),
    opt("effect", Ty::Str),
    opt("counties", Ty::Str),
];

/// The keys of `policy.toml` (`Policy`).
static POLICY: &[Key] = &[
    req("id", Ty::Str),
    req("document", Ty::Str),
    req("title", Ty::Str),
    req("title_en", Ty::Str),
    req("issued", Ty::Date),
    req("version", Ty::Str),
    req("effective_from", Ty::Date),
    req("effective_until", Ty::Date),
    req("events_from", Ty::Date),
    req("region", Ty::Str),
    req("region_en", Ty::Str),
    req("districts", Ty::Strs),
    req("rounding_dp", Ty::Int),
    opt("gates", Ty::Tables(GATE)),
    opt("provisions", Ty::Table(PROVISIONS)),
    opt("interpretation", Ty::Strs),
    opt("adopted_by", Ty::Str),
];

static ENUM_VALUE: &[Key] = &[
    req("value", Ty::Str),
    req("label", Ty::Str),
    req("label_en", Ty::Str),
    opt("aliases", Ty::Strs),
];

static FIELD: &[Key] = &[
    req("name", Ty::Str),
    req(
        "type",
        Ty::OneOf(&[
            "text",
            "bool",
            "money",
            "date",
            "year",
            "integer",
            "number",
            "credit_code",
            "enum",
        ]),
    ),
    opt("required", Ty::Bool),
    req("label", Ty::Str),
    req("label_en", Ty::Str),
    opt("unit", Ty::Str),
    opt("aliases", Ty::Strs),
    opt("values", Ty::Tables(ENUM_VALUE)),
    opt("yes", Ty::Strs),
    opt("no", Ty::Strs),
];

static SECTION: &[Key] = &[
    req("name", Ty::Str),
    req("label", Ty::Str),
    req("label_en", Ty::Str),
    opt("many", Ty::Bool),
    opt("key", Ty::Str),
    opt("aliases", Ty::Strs),
    req("field", Ty::Tables(FIELD)),
];

/// The batch's own columns (`BatchColumns`).
static BATCH: &[Key] = &[
    req("type", Ty::Strs),
    req("clause", Ty::Strs),
    req("award", Ty::Strs),
    req("status", Ty::Strs),
    req("reason", Ty::Strs),
];

/// The keys of `vocabulary.toml` (`Vocabulary`).
static VOCABULARY: &[Key] = &[
    opt("batch", Ty::Table(BATCH)),
    req("section", Ty::Tables(SECTION)),
];

/// Which schema a rule file follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Policy,
    Vocabulary,
    Clause,
}

/// Checks one rule file's structure; returns every problem found (empty: well formed).
pub fn check(kind: FileKind, file: &str, text: &str) -> Vec<InputError> {
    let schema = match kind {
        FileKind::Policy => POLICY,
        FileKind::Vocabulary => VOCABULARY,
        FileKind::Clause => CLAUSE,
    };
    let doc = match DeTable::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let msg = format!("TOML 格式错误 / invalid TOML: {}", e.message().trim_end());
            let err = InputError::new(file, msg);
            return vec![match e.span() {
                Some(s) => err.at(text, s.start),
                None => err,
            }];
        }
    };
    let mut cx = Lint {
        file,
        text,
        errors: Vec::new(),
    };
    cx.table(doc.get_ref(), 0, "", schema);
    cx.errors
}

struct Lint<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<InputError>,
}

impl Lint<'_> {
    fn push(&mut self, offset: usize, path: &str, msg: String) {
        self.errors.push(
            InputError::new(self.file, msg)
                .at(self.text, offset)
                .field(path),
        );
    }

    fn table(&mut self, t: &DeTable<'_>, at: usize, path: &str, keys: &[Key]) {
        let join = |k: &str| {
            if path.is_empty() {
                k.to_string()
            } else {
                format!("{path}.{k}")
            }
        };
        for (k, v) in t.iter() {
            let name = k.get_ref().as_ref();
            match keys.iter().find(|key| key.name == name) {
                Some(key) => self.value(v, &join(name), key.ty),
                None => {
                    let known: Vec<&str> = keys.iter().map(|k| k.name).collect();
                    self.push(
                        k.span().start,
                        &join(name),
                        format!(
                            "未知的键 `{name}`，此处可用: {} / unknown key `{name}`; allowed here: {}",
                            known.join(", "),
                            known.join(", ")
                        ),
                    );
                }
            }
        }
        for key in keys.iter().filter(|k| k.required) {
            if !t.iter().any(|(k, _)| k.get_ref().as_ref() == key.name) {
                self.push(
                    at,
                    &join(key.name),
                    format!(
                        "缺少必填键 `{}` / the required key `{}` is missing",
                        key.name, key.name
                    ),
                );
            }
        }
    }

    fn value(&mut self, v: &Spanned<DeValue<'_>>, path: &str, ty: Ty) {
        let at = v.span().start;
        let val = v.get_ref();
        let wrong = |expected: &str| {
            format!(
                "类型不对: 应为 {expected}，实为 {} / wrong type: expected {expected}, found {}",
                val.type_str(),
                val.type_str()
            )
        };
        match ty {
            Ty::Str => {
                if !val.is_str() {
                    self.push(at, path, wrong("string"));
                }
            }
            Ty::OneOf(allowed) => match val.as_str() {
                Some(s) if allowed.contains(&s) => {}
                Some(s) => self.push(
                    at,
                    path,
                    format!(
                        "`{s}` 不是可选值，应为: {} / `{s}` is not one of: {}",
                        allowed.join(", "),
                        allowed.join(", ")
                    ),
                ),
                None => self.push(at, path, wrong("string")),
            },
            Ty::Int => {
                if !val.is_integer() {
                    self.push(at, path, wrong("integer"));
                }
            }
            Ty::Bool => {
                if !val.is_bool() {
                    self.push(at, path, wrong("boolean (true/false)"));
                }
            }
            Ty::Date => {
                let ok = match val {
                    DeValue::Datetime(d) => d.date.is_some() && d.time.is_none(),
                    DeValue::String(s) => crate::facts::parse_date(s).is_ok(),
                    _ => false,
                };
                if !ok {
                    self.push(at, path, wrong("date YYYY-MM-DD"));
                }
            }
            Ty::Money => {
                let parsed = match val {
                    DeValue::Integer(i) => Some(Money::parse(i.as_str())),
                    DeValue::Float(f) => Some(Money::parse(f.as_str())),
                    DeValue::String(s) => Some(Money::parse(s)),
                    _ => None,
                };
                match parsed {
                    Some(Ok(_)) => {}
                    Some(Err(e)) => self.push(at, path, e.to_string()),
                    None => self.push(at, path, wrong("an amount (500000 or \"500000.00\")")),
                }
            }
            Ty::Rate => {
                let text = match val {
                    DeValue::Integer(i) => Some(i.as_str().to_string()),
                    DeValue::Float(f) => Some(f.as_str().to_string()),
                    DeValue::String(s) => Some(s.to_string()),
                    _ => None,
                };
                match text.as_deref().map(|t| (t, Rate::parse(t))) {
                    Some((_, Some(r)))
                        if r.as_decimal() >= rust_decimal::Decimal::ZERO
                            && r.as_decimal() <= rust_decimal::Decimal::ONE => {}
                    Some((t, Some(_))) => self.push(
                        at,
                        path,
                        format!("比例 {t} 超出 0 到 1 (0% 到 100%) / rate {t} is outside 0..1"),
                    ),
                    Some((t, None)) => self.push(
                        at,
                        path,
                        format!("无法识别的比例 {t}，应如 \"30%\" 或 \"0.30\" / not a rate: {t}"),
                    ),
                    None => self.push(at, path, wrong("a rate (\"30%\" or 0.3)")),
                }
            }
            Ty::Strs => match val.as_array() {
                Some(a) => {
                    for (i, el) in a.iter().enumerate() {
                        if !el.get_ref().is_str() {
                            self.push(
                                el.span().start,
                                &format!("{path}[{}]", i + 1),
                                wrong("string"),
                            );
                        }
                    }
                }
                None => self.push(at, path, wrong("an array of strings")),
            },
            Ty::Table(keys) => match val.as_table() {
                Some(t) => self.table(t, at, path, keys),
                None => self.push(at, path, wrong("a table")),
            },
            Ty::AnyTable => {
                if !val.is_table() {
                    self.push(at, path, wrong("a table"));
                }
            }
            Ty::Tables(keys) => match val.as_array() {
                Some(a) => {
                    for (i, el) in a.iter().enumerate() {
                        let here = format!("{path}[{}]", i + 1);
                        match el.get_ref().as_table() {
                            Some(t) => self.table(t, el.span().start, &here, keys),
                            None => self.push(el.span().start, &here, wrong("a table")),
                        }
                    }
                }
                None => self.push(at, path, wrong("an array of tables")),
            },
            Ty::Tagged(kinds) => match val.as_table() {
                Some(t) => self.tagged(t, at, path, kinds),
                None => self.push(at, path, wrong("a table")),
            },
            Ty::TaggedList(kinds) => match val.as_array() {
                Some(a) => {
                    for (i, el) in a.iter().enumerate() {
                        let here = format!("{path}[{}]", i + 1);
                        match el.get_ref().as_table() {
                            Some(t) => self.tagged(t, el.span().start, &here, kinds),
                            None => self.push(el.span().start, &here, wrong("a table")),
                        }
                    }
                }
                None => self.push(at, path, wrong("an array of tables")),
            },
        }
    }

    fn tagged(
        &mut self,
        t: &DeTable<'_>,
        at: usize,
        path: &str,
        kinds: &'static [(&'static str, &'static [Key])],
    ) {
        let names: Vec<&str> = kinds.iter().map(|(k, _)| *k).collect();
        let kind = t.iter().find(|(k, _)| k.get_ref().as_ref() == "kind");
        match kind {
            None => self.push(
                at,
                &format!("{path}.kind"),
                format!(
                    "缺少 kind，应为: {} / `kind` is missing; expected one of: {}",
                    names.join(", "),
                    names.join(", ")
                ),
            ),
            Some((_, v)) => match kinds.iter().find(|(k, _)| Some(*k) == v.get_ref().as_str()) {
                Some((_, keys)) => self.table(t, at, path, keys),
                None => self.push(
                    v.span().start,
                    &format!("{path}.kind"),
                    format!(
                        "未知的 kind，应为: {} / unknown kind; expected one of: {}",
                        names.join(", "),
                        names.join(", ")
                    ),
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_of_a_file_is_reported() {
        let text = "clause = \"one\"\nkey = \"k\"\ncolour = 1\ntitle = \"t\"\ntitle_en = \"t\"\nsection = \"s\"\napplicants = []\ntext = \"x\"\n[award]\nkind = \"rate\"\nbase = \"amount\"\nrates = [{ rate = \"130%\" }]\n[cap]\nscope = \"item\"\namount = -5\n";
        let errs = check(FileKind::Clause, "c.toml", text);
        let all: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        let all = all.join("\n");
        assert!(
            all.contains("c.toml:1:10") && all.contains("integer"),
            "{all}"
        );
        assert!(
            all.contains("c.toml:3:1") && all.contains("colour"),
            "{all}"
        );
        assert!(all.contains("130%"), "{all}");
        assert!(all.contains("award.rates[1].rate"), "{all}");
        assert!(all.contains("cap.amount"), "{all}");
        assert!(all.contains("combine"), "{all}");
        assert_eq!(errs.len(), 5, "{all}");
    }

    /// What serde asks of a deserializer for a struct (its field names) or a plain enum (its
    /// variant names): the lint's tables must name the same keys and values.
    #[derive(Default)]
    struct Names(Option<&'static [&'static str]>);

    impl<'de> serde::Deserializer<'de> for &mut Names {
        type Error = serde::de::value::Error;

        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("neither a struct nor an enum"))
        }

        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = Some(fields);
            Err(serde::de::Error::custom("names taken"))
        }

        fn deserialize_enum<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            variants: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = Some(variants);
            Err(serde::de::Error::custom("names taken"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map identifier
            ignored_any
        }
    }

    fn names_of<T: serde::de::DeserializeOwned>() -> Vec<&'static str> {
        let mut names = Names::default();
        let _ = T::deserialize(&mut names);
        let mut v = names.0.unwrap_or_default().to_vec();
        v.sort_unstable();
        v
    }

    fn keys_of(table: &[Key]) -> Vec<&'static str> {
        let mut v: Vec<&str> = table.iter().map(|k| k.name).collect();
        v.sort_unstable();
        v
    }

    /// The lint describes the rule files a second time, beside the serde types: a key added
    /// to one and not the other fails here, not on a user's file.
    #[test]
    fn the_lint_names_the_keys_the_serde_types_read() {
        use crate::rules::clause::*;
        use crate::rules::policy::*;
        use crate::rules::vocabulary::*;
        let pairs: [(&str, Vec<&str>, &[Key]); 15] = [
            ("clause file", names_of::<ClauseFile>(), CLAUSE),
            ("rate case", names_of::<RateCaseSpec>(), RATE_CASE),
            ("tier", names_of::<TierSpec>(), TIER),
            ("level", names_of::<LevelSpec>(), LEVEL),
            ("cap", names_of::<CapSpec>(), CAP),
            ("combine", names_of::<Combine>(), COMBINE),
            ("quota", names_of::<Quota>(), QUOTA),
            ("gate", names_of::<Gate>(), GATE),
            ("provisions", names_of::<Provisions>(), PROVISIONS),
            ("policy", names_of::<Policy>(), POLICY),
            ("enum value", names_of::<EnumValue>(), ENUM_VALUE),
            ("field", names_of::<Field>(), FIELD),
            ("section", names_of::<Section>(), SECTION),
            ("batch", names_of::<BatchColumns>(), BATCH),
            ("vocabulary", names_of::<Vocabulary>(), VOCABULARY),
        ];
        for (what, serde_names, table) in pairs {
            assert!(!serde_names.is_empty(), "{what}: no names from serde");
            assert_eq!(serde_names, keys_of(table), "{what}");
        }
        let one_of = |table: &[Key], key: &str| -> Vec<&'static str> {
            let Some(Key {
                ty: Ty::OneOf(values),
                ..
            }) = table.iter().find(|k| k.name == key)
            else {
                panic!("{key} is not a list of values");
            };
            let mut v = values.to_vec();
            v.sort_unstable();
            v
        };
        assert_eq!(names_of::<CapScope>(), one_of(CAP, "scope"));
        assert_eq!(names_of::<CombineMode>(), one_of(COMBINE, "mode"));
        assert_eq!(names_of::<FieldType>(), one_of(FIELD, "type"));
    }

    /// A TOML value of a lint type, as a rule file would hold it.
    fn sample(ty: Ty) -> String {
        match ty {
            Ty::Str => "\"x\"".into(),
            Ty::OneOf(values) => format!("\"{}\"", values[0]),
            Ty::Int => "1".into(),
            Ty::Bool => "true".into(),
            Ty::Date => "2025-01-01".into(),
            Ty::Money => "\"100\"".into(),
            Ty::Rate => "\"10%\"".into(),
            Ty::Strs => "[\"x\"]".into(),
            Ty::AnyTable => "{}".into(),
            Ty::Table(keys) => table(keys, false),
            Ty::Tables(keys) => format!("[{}]", table(keys, false)),
            Ty::Tagged(kinds) | Ty::TaggedList(kinds) => table(kinds[0].1, false),
        }
    }

    /// An inline table with every key of `keys`, or only the required ones.
    fn table(keys: &[Key], required_only: bool) -> String {
        let parts: Vec<String> = keys
            .iter()
            .filter(|k| k.required || !required_only)
            .map(|k| format!("{} = {}", k.name, sample(k.ty)))
            .collect();
        format!("{{ {} }}", parts.join(", "))
    }

    /// The kinds of conditions and awards are internally tagged enums, which serde does not
    /// describe: each kind with all its lint keys, and with its required ones only, must
    /// deserialise (the enums deny unknown fields).
    #[test]
    fn every_kind_the_lint_knows_deserialises_with_its_keys() {
        use crate::rules::clause::{AwardSpec, ConditionSpec};
        #[derive(serde::Deserialize)]
        struct Probe {
            #[allow(dead_code)]
            condition: Option<ConditionSpec>,
            #[allow(dead_code)]
            award: Option<AwardSpec>,
        }
        for (slot, kinds) in [("condition", CONDITIONS), ("award", AWARDS)] {
            for (kind, keys) in kinds {
                for required_only in [false, true] {
                    let text = format!("{slot} = {}", table(keys, required_only))
                        .replace("kind = \"x\"", &format!("kind = \"{kind}\""));
                    let parsed: Result<Probe, _> = toml::from_str(&text);
                    assert!(parsed.is_ok(), "{text}: {:?}", parsed.err());
                }
            }
        }
    }

    #[test]
    fn the_shipped_files_are_clean() {
        for (name, text) in &crate::rules::RuleSources::embedded().files {
            let kind = match name.as_str() {
                "policy.toml" => FileKind::Policy,
                "vocabulary.toml" => FileKind::Vocabulary,
                _ => FileKind::Clause,
            };
            let errs = check(kind, name, text);
            assert!(errs.is_empty(), "{name}: {errs:?}");
        }
    }
}
