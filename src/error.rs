//! Located input errors: every message a person reads names the file, the line and column,
//! the field, and what was expected, in Chinese and English. Bad input exits with code 2.

use std::fmt;

use crate::text::Text;

/// A problem with a file a person wrote: a facts file, a rule file, a batch row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    /// 1-based line and column (columns count characters), when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The field in dotted form, e.g. `compute[2].amount`.
    pub field: Option<String>,
    /// What is wrong, in both languages.
    pub message: Text,
    /// Bad, or too large to be read (a server answers 413, not 400).
    pub kind: InputKind,
}

/// What is wrong with an input, for a caller that answers each differently.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InputKind {
    /// Not what was expected: the message says what is.
    #[default]
    Invalid,
    /// Past a limit on its size (a facts file's 16 MiB, a round's 512 MiB, a workbook's rows).
    TooLarge,
}

impl InputError {
    pub fn new(file: impl Into<String>, message: impl Into<Text>) -> InputError {
        InputError {
            file: file.into(),
            line: None,
            column: None,
            field: None,
            message: message.into(),
            kind: InputKind::Invalid,
        }
    }

    /// The error as one of an input past a limit on its size.
    pub fn too_large(mut self) -> InputError {
        self.kind = InputKind::TooLarge;
        self
    }

    /// Places the error at a byte offset of `text`.
    pub fn at(mut self, text: &str, offset: usize) -> InputError {
        let (line, column) = line_column(text, offset);
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> InputError {
        self.field = Some(field.into());
        self
    }

    /// The error in each language, after its place: "a.toml:3:7: 字段 `x`: …" and
    /// "a.toml:3:7: field `x`: …".
    pub fn text(&self) -> Text {
        let place = Place(self);
        let field = |word: &str| match &self.field {
            Some(field) => format!("{word} `{field}`: "),
            None => String::new(),
        };
        crate::text!("{place}{}{}", field("字段"), self.message.zh; "{place}{}{}", field("field"), self.message.en)
    }
}

/// An error's "file:line:col: ", as far as it is known.
struct Place<'a>(&'a InputError);

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.file)?;
        if let Some(line) = self.0.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.0.column {
                write!(f, ":{col}")?;
            }
        }
        f.write_str(": ")
    }
}

/// "file:line:col: 字段 field `x`: 中文 / English".
impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Place(self))?;
        if let Some(field) = &self.field {
            write!(f, "字段 field `{field}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for InputError {}

/// Several input errors found in one pass (a rules folder is checked whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputErrors(pub Vec<InputError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl InputErrors {
    /// Each error in each language, one a line.
    pub fn text(&self) -> Text {
        let each = |lang: crate::text::Lang| {
            let lines: Vec<String> = self
                .0
                .iter()
                .map(|e| e.text().get(lang).to_string())
                .collect();
            lines.join("\n")
        };
        Text::new(each(crate::text::Lang::Zh), each(crate::text::Lang::En))
    }
}

impl std::error::Error for InputErrors {}

impl From<InputError> for InputErrors {
    fn from(e: InputError) -> Self {
        InputErrors(vec![e])
    }
}

/// Everything the library can fail with, each with its `kind`: the shells map a kind to an exit
/// code or an HTTP status; the library knows neither and prints nothing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file a person wrote is wrong: facts, a batch row, a prior, an overlay.
    #[error("{0}")]
    Input(#[from] InputError),
    /// Several input errors found in one pass.
    #[error("{0}")]
    Inputs(#[from] InputErrors),
    /// The rules in effect do not compile.
    #[error("规则有误 / the rules are invalid ({origin}):\n{errors}")]
    Rules { origin: String, errors: InputErrors },
    /// An output could not be written.
    #[error("{path}: 无法写出 / cannot write: {message}")]
    Write { path: String, message: String },
}

impl Error {
    /// The whole error in each language (JSON gives it for an error with no located errors
    /// inside; the located ones are given each in its place).
    pub fn text(&self) -> Text {
        match self {
            Error::Write { path, message } => {
                crate::text!("{path}: 无法写出", "cannot write: {message}")
            }
            Error::Input(e) => e.text(),
            Error::Inputs(es) => es.text(),
            Error::Rules { origin, errors } => {
                let each = errors.text();
                crate::text!("规则有误 ({origin}):\n{}", each.zh; "the rules are invalid ({origin}):\n{}", each.en)
            }
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Input(e) if e.kind == InputKind::TooLarge => ErrorKind::TooLarge,
            Error::Inputs(es) if es.0.iter().any(|e| e.kind == InputKind::TooLarge) => {
                ErrorKind::TooLarge
            }
            Error::Input(_) | Error::Inputs(_) => ErrorKind::BadInput,
            Error::Rules { .. } => ErrorKind::BadRules,
            Error::Write { .. } => ErrorKind::Write,
        }
    }

    /// The SPEC §5 JSON error: `{"error": {file, line, column, field, message_zh,
    /// message_en}}`, and `errors` with every located error when there are several.
    pub fn json(&self) -> serde_json::Value {
        json_error(&self.text(), &self.input_errors())
    }

    /// The located errors inside, for JSON error output.
    pub fn input_errors(&self) -> Vec<&InputError> {
        match self {
            Error::Input(e) => vec![e],
            Error::Inputs(es) | Error::Rules { errors: es, .. } => es.0.iter().collect(),
            Error::Write { .. } => Vec::new(),
        }
    }
}

/// What kind of failure an `Error` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A file or request a person gave is wrong (facts, a row, a prior, an overlay).
    BadInput,
    /// An input past a limit on its size.
    TooLarge,
    /// The rules in effect do not compile.
    BadRules,
    /// An output could not be written.
    Write,
}

/// The SPEC §5 JSON error of a whole message (`whole`, used when nothing is located) and the
/// located errors inside it.
pub fn json_error(whole: &Text, located: &[&InputError]) -> serde_json::Value {
    #[derive(serde::Serialize)]
    struct Located<'a> {
        file: Option<&'a str>,
        line: Option<usize>,
        column: Option<usize>,
        field: Option<&'a str>,
        message_zh: &'a str,
        message_en: &'a str,
    }
    let mut each: Vec<Located> = (located.iter())
        .map(|e| Located {
            file: Some(&e.file),
            line: e.line,
            column: e.column,
            field: e.field.as_deref(),
            message_zh: &e.message.zh,
            message_en: &e.message.en,
        })
        .collect();
    if each.is_empty() {
        each.push(Located {
            file: None,
            line: None,
            column: None,
            field: None,
            message_zh: &whole.zh,
            message_en: &whole.en,
        });
    }
    match each.len() {
        1 => serde_json::json!({ "error": each[0] }),
        _ => serde_json::json!({ "error": each[0], "errors": each }),
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// What the TOML parser's errors mean, in Chinese: its message begins with the English key.
const TOML_SYNTAX: &[(&str, &str)] = &[
    (
        "string values must be quoted",
        "文本值须加英文双引号，如 name = \"温州示例\"",
    ),
    (
        "unclosed array table",
        "表数组的标题缺少 `]]`，如 [[compute]]",
    ),
    ("unclosed table", "表的标题缺少 `]`，如 [applicant]"),
    ("unclosed array", "数组缺少结尾的 `]`"),
    ("duplicate key", "键重复: 同一张表里每个键只能写一次"),
    ("invalid basic string", "字符串没有结尾的 `\"`"),
    ("invalid literal string", "字符串没有结尾的 `'`"),
    ("unexpected key or value", "一行只能写一个 键 = 值"),
    ("invalid boolean", "是否类的值应为 true 或 false"),
    (
        "unexpected leading zero",
        "数字不能以 0 开头 (日期写作 2026-02-01)",
    ),
    (
        "invalid key",
        "键名无效: 键由字母、数字、_ 和 - 组成，其他请加引号",
    ),
    (
        "invalid table header",
        "表的标题无效，如 [applicant] 或 [[compute]]",
    ),
    ("invalid inline table", "内联表无效，应为 { 键 = 值, ... }"),
    ("invalid number", "数字无效"),
    ("invalid time", "时间无效"),
    ("invalid date", "日期无效，应为真实的日期 YYYY-MM-DD"),
    ("expected `=`", "键后面缺少 `=`"),
];

/// A TOML syntax error's message, explained in Chinese beside the parser's English.
pub fn toml_syntax(detail: &str) -> Text {
    let detail = detail.trim_end();
    let zh = TOML_SYNTAX
        .iter()
        .find(|(en, _)| detail.starts_with(en))
        .map_or("", |(_, zh)| zh);
    let sep = if zh.is_empty() { "" } else { ": " };
    crate::text!("TOML 格式错误{sep}{zh}", "invalid TOML: {detail}")
}

/// Turns a TOML syntax or type error into a located input error.
pub fn from_toml(file: &str, text: &str, err: &toml::de::Error) -> InputError {
    let message = toml_syntax(err.message());
    let e = InputError::new(file, message);
    match err.span() {
        Some(span) => e.at(text, span.start),
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_characters() {
        let text = "a = 1\n名称 = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // "名称 " is 7 bytes but 3 characters.
        assert_eq!(line_column(text, 6 + 7), (2, 4));
        assert_eq!(line_column(text, 999), (3, 1));
    }

    #[test]
    fn display_names_file_line_field() {
        let e = InputError::new("a.toml", "坏 / bad")
            .at("x\ny", 2)
            .field("compute[0].amount");
        assert_eq!(
            e.to_string(),
            "a.toml:2:1: 字段 field `compute[0].amount`: 坏 / bad"
        );
    }

    #[test]
    fn an_error_reads_in_each_language_in_its_place() {
        let e = InputError::new("a.toml", crate::text!("坏", "bad"))
            .at("x\ny", 2)
            .field("compute[0].amount");
        assert_eq!(e.text().zh, "a.toml:2:1: 字段 `compute[0].amount`: 坏");
        assert_eq!(e.text().en, "a.toml:2:1: field `compute[0].amount`: bad");
        let rules = Error::Rules {
            origin: "rules".into(),
            errors: InputErrors(vec![
                e,
                InputError::new("b.toml", crate::text!("缺", "missing")),
            ]),
        };
        assert_eq!(
            rules.text().en,
            "the rules are invalid (rules):\na.toml:2:1: field `compute[0].amount`: bad\nb.toml: missing"
        );
        assert_eq!(
            rules.text().zh,
            "规则有误 (rules):\na.toml:2:1: 字段 `compute[0].amount`: 坏\nb.toml: 缺"
        );
    }
}
