//! Reading a rule file into the rule types, which are its only schema: the TOML parser's tree
//! (`toml::de::DeTable`, every key and value with its span) is handed to serde through a small
//! `Deserializer`, so that each problem is known by its path and placed at the line and column
//! the parser recorded, never by searching the text.
//!
//! serde stops at a struct's first problem; `Doc::read` sets the bad value aside (or gives a
//! missing key a stand-in) and reads again, so one run reports every unknown key (with the
//! nearest valid key), wrong type, bad value and missing key of a file. An enum read from a table takes its variant from the
//! table's `kind` key (`[award] kind = "rate"`), as serde's internally tagged enums do, but
//! without their buffering, which would hide where inside the table a problem is.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::de::value::StrDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, Expected, IntoDeserializer, MapAccess,
    SeqAccess, Unexpected, VariantAccess, Visitor,
};
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use toml_datetime::de::DatetimeDeserializer;

use crate::error::InputError;
use crate::text::Text;

/// One step of a path into a rule file: a key, or an array's element (0-based).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Where a value stands in a rule file, shown as `award.rates[1].rate` (elements from 1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Path(pub Vec<Seg>);

impl Path {
    pub fn key(&self, key: &str) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Key(key.to_string()));
        p
    }

    pub fn index(&self, i: usize) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    /// `self` followed by `rest`.
    pub fn join(&self, rest: &Path) -> Path {
        let mut p = self.clone();
        p.0.extend(rest.0.iter().cloned());
        p
    }

    fn parent(&self) -> Path {
        Path(self.0[..self.0.len().saturating_sub(1)].to_vec())
    }
}

/// `Path::default().key("a")`, written shorter: `at("a")`.
pub fn at(key: &str) -> Path {
    Path::default().key(key)
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{}]", n + 1)?,
            }
        }
        Ok(())
    }
}

/// Which part of a path's last step a problem is shown at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The key itself (a key that should not be there).
    Key,
    /// Its value (anything else).
    Value,
}

/// A problem in a rule file, by path; `Doc::locate` (or an overlay) turns it into a located error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub path: Path,
    pub place: Place,
    pub message: Text,
}

impl Problem {
    pub fn new(file: &str, path: Path, message: impl Into<Text>) -> Problem {
        Problem {
            file: file.to_string(),
            path,
            place: Place::Value,
            message: message.into(),
        }
    }
}

/// A rule file parsed with its spans.
pub struct Doc<'t> {
    pub name: String,
    pub text: &'t str,
    root: Spanned<DeValue<'t>>,
}

impl<'t> Doc<'t> {
    /// Parses the TOML; a syntax error is returned at its line and column.
    pub fn parse(name: &str, text: &'t str) -> Result<Doc<'t>, InputError> {
        match DeTable::parse(text) {
            Ok(t) => {
                let span = t.span();
                Ok(Doc {
                    name: name.to_string(),
                    text,
                    root: Spanned::new(span, DeValue::Table(t.into_inner())),
                })
            }
            Err(e) => {
                let msg = crate::error::toml_syntax(e.message());
                let err = InputError::new(name, msg);
                Err(match e.span() {
                    Some(s) => err.at(text, s.start),
                    None => err,
                })
            }
        }
    }

    /// Reads the whole file as a `T`. Every problem found is added to `problems`; the value
    /// is returned only when there was none.
    pub fn read<T: DeserializeOwned>(&self, problems: &mut Vec<Problem>) -> Option<T> {
        let before = problems.len();
        let mut passes = Passes::default();
        // Each pass changes one thing; a file has far fewer problems than this.
        for _ in 0..256 {
            let fill = passes
                .tries
                .iter()
                .map(|(p, &i)| (p.clone(), stand_in(i)))
                .collect();
            let cx = Cx {
                skip: &passes.skip,
                fill: &fill,
                unknown: RefCell::new(Vec::new()),
            };
            let result = T::deserialize(Node {
                value: &self.root,
                path: Path::default(),
                stand_in: false,
                cx: &cx,
            });
            for (path, message) in cx.unknown.into_inner() {
                self.add(problems, path, Place::Key, message);
            }
            match result {
                Ok(v) => return (problems.len() == before).then_some(v),
                Err(e) => {
                    if !passes.after(e, |path, message| {
                        self.add(problems, path, Place::Value, message)
                    }) {
                        return None;
                    }
                }
            }
        }
        None
    }

    /// Adds a problem unless the same one was found in an earlier pass.
    fn add(&self, problems: &mut Vec<Problem>, path: Path, place: Place, message: Text) {
        let p = Problem {
            file: self.name.clone(),
            path,
            place,
            message,
        };
        if !problems.contains(&p) {
            problems.push(p);
        }
    }

    /// The deepest value on `path` that the file has, the span of its key (or element), and
    /// how many steps of the path were found.
    fn walk_spans(
        &self,
        path: &Path,
    ) -> Option<(std::ops::Range<usize>, &Spanned<DeValue<'t>>, usize)> {
        let mut found = None;
        let mut value = &self.root;
        for (n, seg) in path.0.iter().enumerate() {
            let next = match (seg, value.get_ref()) {
                (Seg::Key(k), DeValue::Table(t)) => {
                    t.get_key_value(k.as_str()).map(|(k, v)| (k.span(), v))
                }
                (Seg::Index(i), DeValue::Array(a)) => a.get(*i).map(|v| (v.span(), v)),
                _ => None,
            };
            let Some((span, v)) = next else { break };
            value = v;
            found = Some((span, v, n + 1));
        }
        found
    }

    /// How many steps of `path` the file has (an overlay is searched for the deepest match).
    pub fn depth(&self, path: &Path) -> usize {
        self.walk_spans(path).map_or(0, |(_, _, n)| n)
    }

    /// The byte offset a path is shown at: its key or its value when the file has the whole
    /// path, else the key of the deepest step it has (the table a missing key belongs in).
    pub fn offset(&self, path: &Path, place: Place) -> usize {
        match self.walk_spans(path) {
            Some((_, v, n)) if n == path.0.len() && place == Place::Value => v.span().start,
            Some((key, _, _)) => key.start,
            None => 0,
        }
    }

    /// The problem as a located error of this file.
    pub fn locate(&self, p: Problem) -> InputError {
        let at = self.offset(&p.path, p.place);
        let e = InputError::new(p.file, p.message).at(self.text, at);
        if p.path.0.is_empty() {
            e
        } else {
            e.field(p.path.to_string())
        }
    }
}

/// What the passes of one `Doc::read` have learnt. A pass that fails on a bad value sets it
/// aside for the next; a pass that fails on a missing key gives it a stand-in, so that the next
/// pass finds the table's other problems. Problems inside a stand-in are not the file's.
#[derive(Default)]
struct Passes {
    /// Bad values, left out of the tables and arrays that hold them.
    skip: HashSet<Path>,
    /// Missing keys, each with the index of its stand-in in `stand_in`.
    tries: HashMap<Path, usize>,
}

impl Passes {
    /// Learns from a failed pass, reporting what is the file's problem; false: stop reading.
    fn after(&mut self, e: DeError, mut report: impl FnMut(Path, Text)) -> bool {
        let at = e.path.clone().unwrap_or_default();
        let inside = self
            .tries
            .keys()
            .filter(|f| at.0.starts_with(&f.0))
            .max_by_key(|f| f.0.len())
            .cloned();
        if let Some(f) = inside {
            // A stand-in that does not fit: a key it lacks gets one too, else try the next.
            if e.missing.is_some() {
                self.tries.insert(at, 0);
                return true;
            }
            let next = self.tries[&f] + 1;
            self.tries.insert(f, next);
            return next < STAND_INS;
        }
        if e.missing.is_some() {
            // A missing key the last pass set aside is not a new problem.
            if !self.skip.contains(&at) {
                report(at.clone(), e.message);
            }
            self.tries.insert(at, 0);
            return true;
        }
        report(at.clone(), e.message);
        // A bad `kind` sets its whole table aside; the file itself cannot be.
        let bad = if e.tag { at.parent() } else { at };
        !bad.0.is_empty() && self.skip.insert(bad)
    }
}

/// How many stand-ins a missing key is tried with.
const STAND_INS: usize = 5;

/// A stand-in for a missing key: an empty text, 0, an empty array, an empty table, false.
fn stand_in(i: usize) -> Spanned<DeValue<'static>> {
    let value = match i {
        0 => DeValue::String("".into()),
        1 => DeValue::Integer(Default::default()),
        2 => DeValue::Array(Default::default()),
        3 => DeValue::Table(Default::default()),
        _ => DeValue::Boolean(false),
    };
    Spanned::new(0..0, value)
}

/// What every node of one pass shares: the values set aside, and the unknown keys seen.
struct Cx<'a> {
    skip: &'a HashSet<Path>,
    fill: &'a HashMap<Path, Spanned<DeValue<'static>>>,
    unknown: RefCell<Vec<(Path, Text)>>,
}

/// A value of the parsed file, at its path, as a serde `Deserializer`.
struct Node<'a, 't> {
    value: &'a Spanned<DeValue<'t>>,
    path: Path,
    /// Part of a stand-in for a missing key: an enum then takes its first variant.
    stand_in: bool,
    cx: &'a Cx<'a>,
}

/// A problem serde found, at the path of the node it came from.
#[derive(Debug)]
pub struct DeError {
    path: Option<Path>,
    /// The key a struct lacks (the path is then that key's, in its table).
    missing: Option<&'static str>,
    /// The `kind` of a table read as an enum is missing or unknown.
    tag: bool,
    message: Text,
}

impl DeError {
    /// An error serde reports, said in both languages.
    fn said(message: Text) -> DeError {
        DeError {
            path: None,
            missing: None,
            tag: false,
            message,
        }
    }

    fn at(mut self, path: &Path) -> DeError {
        if self.path.is_none() {
            self.path = Some(match self.missing {
                Some(key) => path.key(key),
                None => path.clone(),
            });
        }
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> DeError {
        DeError {
            path: None,
            missing: None,
            tag: false,
            // serde's own (English) or a `Deserialize` impl's, written "中文 / English": serde
            // hands a `Deserialize` impl's message over only as a `Display`.
            message: Text::parted(&msg.to_string()),
        }
    }

    fn invalid_type(found: Unexpected<'_>, expected: &dyn Expected) -> DeError {
        let (zh, en) = expectation(expected);
        let (fzh, fen) = unexpected(&found);
        DeError::said(crate::text!(
            "类型不对: 应为 {zh}，实为 {fzh}",
            "wrong type: expected {en}, found {fen}"
        ))
    }

    fn invalid_value(found: Unexpected<'_>, expected: &dyn Expected) -> DeError {
        let (zh, en) = expectation(expected);
        let (fzh, fen) = unexpected(&found);
        DeError::said(crate::text!(
            "取值不对: 应为 {zh}，实为 {fzh}",
            "invalid value: expected {en}, found {fen}"
        ))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> DeError {
        let list = expected.join(", ");
        DeError::said(match nearest(variant, expected) {
            Some(near) => crate::text!(
                "`{variant}` 不是可选值，是否应为 `{near}`？应为: {list}",
                "`{variant}` is not one of: {list}; did you mean `{near}`?"
            ),
            None => {
                crate::text!(
                    "`{variant}` 不是可选值，应为: {list}",
                    "`{variant}` is not one of: {list}"
                )
            }
        })
    }

    fn missing_field(field: &'static str) -> DeError {
        DeError {
            path: None,
            missing: Some(field),
            tag: false,
            message: crate::text!(
                "缺少必填键 `{field}`",
                "the required key `{field}` is missing"
            ),
        }
    }
}

/// What serde expected, in Chinese and English.
fn expectation(expected: &dyn Expected) -> (String, String) {
    let en = expected.to_string();
    let zh = match en.as_str() {
        "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" => "整数",
        "a string" => "文本",
        "a boolean" => "布尔值 true/false",
        "a sequence" => "数组",
        "a map" => "表",
        s if s.starts_with("struct ") || s.starts_with("enum ") => "表",
        _ => return (en.clone(), en),
    };
    let en = match zh {
        "整数" => "an integer".to_string(),
        "表" => "a table".to_string(),
        "数组" => "an array".to_string(),
        _ => en,
    };
    (zh.to_string(), en)
}

/// What the file has instead, in Chinese and English.
fn unexpected(found: &Unexpected<'_>) -> (String, String) {
    match found {
        Unexpected::Str(s) => (format!("文本 \"{s}\""), format!("string \"{s}\"")),
        Unexpected::Signed(n) => (format!("整数 {n}"), format!("integer {n}")),
        Unexpected::Unsigned(n) => (format!("整数 {n}"), format!("integer {n}")),
        Unexpected::Float(x) => (format!("小数 {x}"), format!("float {x}")),
        Unexpected::Bool(b) => (format!("布尔值 {b}"), format!("boolean {b}")),
        Unexpected::Seq => ("数组".into(), "an array".into()),
        Unexpected::Map => ("表".into(), "a table".into()),
        // Only a string is read as a variant without fields.
        Unexpected::UnitVariant => ("文本".into(), "a string".into()),
        other => (other.to_string(), other.to_string()),
    }
}

/// The choice nearest to a misspelt word, if one is near enough to be what was meant.
fn nearest<'c>(word: &str, choices: &[&'c str]) -> Option<&'c str> {
    choices
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The message for a key no field of the struct is named: the nearest valid key, if any is
/// near, and every key allowed there.
fn unknown_key(key: &str, fields: &[&str]) -> Text {
    let list = fields.join(", ");
    match nearest(key, fields) {
        Some(near) => crate::text!(
            "未知的键 `{key}`，是否应为 `{near}`？此处可用: {list}",
            "unknown key `{key}`: did you mean `{near}`? allowed here: {list}"
        ),
        None => crate::text!(
            "未知的键 `{key}`，此处可用: {list}",
            "unknown key `{key}`; allowed here: {list}"
        ),
    }
}

impl<'a, 't> Node<'a, 't> {
    fn child(&self, value: &'a Spanned<DeValue<'t>>, path: Path) -> Node<'a, 't> {
        Node {
            value,
            path,
            stand_in: self.stand_in,
            cx: self.cx,
        }
    }

    /// A table's entries for a visitor: those set aside left out, and, for a struct, unknown
    /// keys reported and left out (`kind` belongs to the enum that read it).
    fn visit_table<'de, V: Visitor<'de>>(
        &self,
        t: &'a DeTable<'t>,
        fields: Option<&'static [&'static str]>,
        tagged: bool,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let mut entries = Vec::new();
        for (k, v) in t.iter() {
            let key: &str = k.get_ref();
            let path = self.path.key(key);
            if self.cx.skip.contains(&path) || (tagged && key == "kind") {
                continue;
            }
            if let Some(fields) = fields
                && !fields.contains(&key)
            {
                self.cx
                    .unknown
                    .borrow_mut()
                    .push((path, unknown_key(key, fields)));
                continue;
            }
            entries.push((key, self.child(v, path)));
        }
        for (path, v) in self.cx.fill {
            if let (Some(Seg::Key(key)), true) = (path.0.last(), path.parent() == self.path) {
                let node = Node {
                    stand_in: true,
                    ..self.child(v, path.clone())
                };
                entries.push((key.as_str(), node));
            }
        }
        visitor.visit_map(Entries {
            entries: entries.into_iter(),
            value: None,
        })
    }
}

impl<'de> de::Deserializer<'de> for Node<'_, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match self.value.get_ref() {
            DeValue::String(s) => visitor.visit_str(s),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => visitor.visit_i64(n),
                Err(_) => Err(DeError::said(crate::text!(
                    "整数超出范围",
                    "integer out of range: {i}"
                ))),
            },
            DeValue::Float(x) => match x.as_str().parse::<f64>() {
                Ok(n) => visitor.visit_f64(n),
                Err(_) => Err(DeError::said(crate::text!(
                    "无法识别的小数",
                    "not a number: {x}"
                ))),
            },
            DeValue::Boolean(b) => visitor.visit_bool(*b),
            // A date goes to serde as toml's own deserializer hands it over.
            DeValue::Datetime(d) => visitor.visit_map(DatetimeDeserializer::<DeError>::new(*d)),
            DeValue::Array(a) => {
                let items: Vec<_> = a
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.child(v, self.path.index(i)))
                    .filter(|n| !self.cx.skip.contains(&n.path))
                    .collect();
                visitor.visit_seq(Items(items.into_iter()))
            }
            DeValue::Table(t) => self.visit_table(t, None, false, visitor),
        };
        result.map_err(|e| e.at(&self.path))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.value.get_ref() {
            DeValue::Table(t) => self
                .visit_table(t, Some(fields), false, visitor)
                .map_err(|e| e.at(&self.path)),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let result = match self.value.get_ref() {
            DeValue::String(_) if self.stand_in => {
                visitor.visit_enum(StrDeserializer::<DeError>::new(variants[0]))
            }
            DeValue::Table(t) if self.stand_in => visitor.visit_enum(Tagged {
                kind: Err(variants[0]),
                table: t,
                node: &self,
            }),
            DeValue::String(s) => visitor.visit_enum(StrDeserializer::<DeError>::new(s)),
            DeValue::Table(t) => match t.get_key_value("kind") {
                Some((_, kind)) => visitor.visit_enum(Tagged {
                    kind: Ok(self.child(kind, self.path.key("kind"))),
                    table: t,
                    node: &self,
                }),
                None => {
                    let list = variants.join(", ");
                    Err(DeError {
                        path: Some(self.path.key("kind")),
                        missing: None,
                        tag: true,
                        message: crate::text!(
                            "缺少 kind，应为: {list}",
                            "`kind` is missing; expected one of: {list}"
                        ),
                    })
                }
            },
            _ => return self.deserialize_any(visitor),
        };
        result.map_err(|e| e.at(&self.path))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

/// A table's entries, key then value.
struct Entries<'a, 't> {
    entries: std::vec::IntoIter<(&'a str, Node<'a, 't>)>,
    value: Option<Node<'a, 't>>,
}

impl<'de> MapAccess<'de> for Entries<'_, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, node)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(node);
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(node) => seed.deserialize(node),
            None => Err(de::Error::custom("a value without its key")),
        }
    }
}

/// An array's elements.
struct Items<'a, 't>(std::vec::IntoIter<Node<'a, 't>>);

impl<'de> SeqAccess<'de> for Items<'_, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        self.0.next().map(|n| seed.deserialize(n)).transpose()
    }
}

/// A table read as an enum: `kind` names the variant, the other keys are its fields. A
/// stand-in has no `kind` and takes the first variant.
struct Tagged<'a, 'b, 't> {
    kind: Result<Node<'a, 't>, &'static str>,
    table: &'a DeTable<'t>,
    node: &'b Node<'a, 't>,
}

impl<'de, 'a, 'b, 't> EnumAccess<'de> for Tagged<'a, 'b, 't> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DeError> {
        let kind = match &self.kind {
            Ok(kind) => seed.deserialize(kind.child(kind.value, kind.path.clone())),
            Err(first) => seed.deserialize(StrDeserializer::<DeError>::new(first)),
        };
        match kind {
            Ok(v) => Ok((v, self)),
            Err(e) => Err(DeError {
                tag: true,
                ..e.at(&self.node.path.key("kind"))
            }),
        }
    }
}

impl<'de> VariantAccess<'de> for Tagged<'_, '_, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _: T) -> Result<T::Value, DeError> {
        Err(de::Error::custom("a kind of table must name its keys"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, DeError> {
        Err(de::Error::custom("a kind of table must name its keys"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.node
            .visit_table(self.table, Some(fields), true, visitor)
            .map_err(|e| e.at(&self.node.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Cap {
        scope: String,
        amount: u32,
        text: Option<String>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Award {
        Rate { base: String, rate: u32 },
        Levels { by: String },
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct File {
        clause: u32,
        title: String,
        award: Award,
        cap: Option<Cap>,
        #[serde(default)]
        tags: Vec<String>,
    }

    fn problems(text: &str) -> Vec<String> {
        let doc = Doc::parse("f.toml", text).unwrap();
        let mut found = Vec::new();
        let read: Option<File> = doc.read(&mut found);
        assert_eq!(read.is_some(), found.is_empty());
        found
            .into_iter()
            .map(|p| doc.locate(p).to_string())
            .collect()
    }

    #[test]
    fn a_clean_file_reads_with_no_problem() {
        let text = "clause = 1\ntitle = \"t\"\n[award]\nkind = \"rate\"\nbase = \"b\"\nrate = 3\n";
        assert!(problems(text).is_empty());
    }

    #[test]
    fn every_problem_is_found_at_its_key_or_value() {
        let text = "clause = \"one\"\ntitle = \"t\"\ncolour = 1\ntags = [\"a\", 2]\n[award]\nkind = \"rate\"\nbase = \"b\"\nrat = 3\n[cap]\nscope = \"item\"\namount = -5\n";
        let all = problems(text);
        let joined = all.join("\n");
        // clause = "one": the value, at line 1 column 10.
        assert!(
            joined.contains("f.toml:1:10: 字段 field `clause`: 类型不对"),
            "{joined}"
        );
        assert!(joined.contains("an integer"), "{joined}");
        // colour: the key, with every key allowed there.
        assert!(
            joined.contains("f.toml:3:1: 字段 field `colour`: 未知的键"),
            "{joined}"
        );
        // tags[2] is the second element, column 14.
        assert!(
            joined.contains("f.toml:4:14: 字段 field `tags[2]`"),
            "{joined}"
        );
        // rat: the nearest valid key is named; then rate is missing in [award].
        assert!(
            joined.contains("f.toml:8:1: 字段 field `award.rat`"),
            "{joined}"
        );
        assert!(joined.contains("did you mean `rate`?"), "{joined}");
        assert!(
            joined.contains("字段 field `award.rate`: 缺少必填键"),
            "{joined}"
        );
        assert!(
            joined.contains("f.toml:11:10: 字段 field `cap.amount`"),
            "{joined}"
        );
        assert_eq!(all.len(), 6, "{joined}");
    }

    #[test]
    fn a_key_is_placed_by_the_parser_not_by_the_text() {
        // `scope` appears in the title's text before the key: the key is on line 5.
        let text = "clause = 1\ntitle = \"scope = 1\"\n[award]\nkind = \"levels\"\nby = 1\n";
        let all = problems(text);
        assert_eq!(all.len(), 1, "{all:?}");
        assert!(
            all[0].starts_with("f.toml:5:6: 字段 field `award.by`"),
            "{all:?}"
        );
    }

    #[test]
    fn a_table_without_or_with_an_unknown_kind() {
        let all = problems("clause = 1\ntitle = \"t\"\n[award]\nbase = \"b\"\n").join("\n");
        assert!(all.contains("`award.kind`: 缺少 kind"), "{all}");
        let all = problems("clause = 1\ntitle = \"t\"\n[award]\nkind = \"rates\"\n").join("\n");
        assert!(all.contains("f.toml:4:8: 字段 field `award.kind`"), "{all}");
        assert!(
            all.contains("is not one of: rate, levels; did you mean `rate`?"),
            "{all}"
        );
    }

    #[test]
    fn every_missing_key_is_found() {
        // No clause, no title, no award: each is reported, the last two with a stand-in for
        // the one before.
        let all = problems("[cap]\nscope = \"item\"\n").join("\n");
        for key in ["clause", "title", "award", "cap.amount"] {
            assert!(
                all.contains(&format!(
                    "字段 field `{key}`: 缺少必填键 `{}`",
                    key.rsplit('.').next().unwrap()
                )),
                "{key}: {all}"
            );
        }
        assert_eq!(all.lines().count(), 4, "{all}");
        // A missing key is shown at its table: the file's start, or the table's header.
        assert!(all.contains("f.toml:1:1: 字段 field `clause`"), "{all}");
        assert!(all.contains("f.toml:1:2: 字段 field `cap.amount`"), "{all}");
    }
}
