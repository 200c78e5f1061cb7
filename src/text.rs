//! Words for people, in Chinese and English: the one way calc writes them.
//!
//! - `Lang::pick(zh, en)`: a fixed word or label in the language asked for;
//! - `say!(lang, "第 {n} 条", "clause {n}")`: a sentence in the language asked for, only that one
//!   formatted (a batch says millions);
//! - `text!("第 {n} 条", "clause {n}")`: a message in both, a `Text`;
//! - `Text { zh, en }`: a message that carries both, as every error does (shown "中文 / English",
//!   and in JSON as `message_zh` and `message_en`).

use std::fmt;

/// The language of labels and sentences.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn en(self) -> bool {
        self == Lang::En
    }

    /// Picks the Chinese or the English text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        if self.en() { en } else { zh }
    }
}

/// `str::trim`, with the common case first: a cell that begins and ends in a printable ASCII
/// character has no whitespace to trim (a round trims every cell it reads, often twice).
pub fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// A sentence in the language asked for: `say!(lang, "第 {n} 条", "clause {n}")`.
#[macro_export]
macro_rules! say {
    ($lang:expr, $zh:literal, $en:literal $(,)?) => {
        match $lang {
            $crate::text::Lang::Zh => format!($zh),
            $crate::text::Lang::En => format!($en),
        }
    };
}

/// A message in both languages, each half formatted: `text!("第 {n} 条", "clause {n}")`, or with
/// arguments after each half, `text!("应为 {}", zh; "expected {}", en)`.
#[macro_export]
macro_rules! text {
    ($zh:literal, $en:literal $(,)?) => {
        $crate::text::Text::new(format!($zh), format!($en))
    };
    ($zh:literal $(, $za:expr)* ; $en:literal $(, $ea:expr)* $(,)?) => {
        $crate::text::Text::new(format!($zh $(, $za)*), format!($en $(, $ea)*))
    };
}

/// A message in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// A message that reaches calc only as one string "中文 / English", parted at its first
    /// " / ": what a `Deserialize` impl says through serde's `de::Error::custom` (a `Display`),
    /// and a prior table's row problems, written as a batch row's reason. Every other message is
    /// made a `Text`.
    pub fn parted(s: &str) -> Text {
        match s.split_once(" / ") {
            Some((zh, en)) => Text::new(zh, en),
            None => Text::new(s, s),
        }
    }

    /// The message in one language.
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }

    /// Whether either language says `words` (for tests and checks of what was said).
    pub fn contains(&self, words: &str) -> bool {
        self.zh.contains(words) || self.en.contains(words)
    }
}

/// "中文 / English"; one text when both are the same (a name, a path).
impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.zh == self.en || self.en.is_empty() {
            f.write_str(&self.zh)
        } else {
            write!(f, "{} / {}", self.zh, self.en)
        }
    }
}

/// A plain string (a name, a path, a message from elsewhere) is the same in both languages; a
/// message in both is made with `text!` or `Text::new`.
impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::new(s.clone(), s)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::from(s.to_string())
    }
}

/// The display width of a text, its widest line (a Chinese character counts two columns).
pub fn width(text: &str) -> usize {
    use unicode_width::UnicodeWidthStr;
    text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_reads_in_both_languages_and_each() {
        let t = Text::parted("金额为负数 / the amount is negative");
        assert_eq!(t.get(Lang::Zh), "金额为负数");
        assert_eq!(t.get(Lang::En), "the amount is negative");
        assert_eq!(t.to_string(), "金额为负数 / the amount is negative");
        // A path or a name alone is shown once.
        assert_eq!(Text::from("a.toml").to_string(), "a.toml");
        // A plain string is not split: a value with " / " stays whole.
        let t = Text::from("a / b".to_string());
        assert_eq!((t.get(Lang::Zh), t.get(Lang::En)), ("a / b", "a / b"));
        let x = "a / b";
        let t = text!("值 `{x}` 无效", "the value `{x}` is invalid");
        assert_eq!(t.en, "the value `a / b` is invalid");
        assert_eq!(
            t.to_string(),
            "值 `a / b` 无效 / the value `a / b` is invalid"
        );
        let n = 3;
        assert_eq!(say!(Lang::En, "第 {n} 条", "clause {n}"), "clause 3");
        assert_eq!(say!(Lang::Zh, "第 {n} 条", "clause {n}"), "第 3 条");
    }
}
