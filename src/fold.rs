//! Text as people type it into a form or a spreadsheet, folded to one spelling before it is
//! read: full-width digits and punctuation (`１２０万`, `450，000`) as their ASCII forms.

use std::borrow::Cow;

/// Full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space as plain ASCII.
pub fn width(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || !text.chars().any(is_wide) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(narrow).collect())
}

/// An id as it is compared (SPEC §3): trimmed, width-folded and case-folded, so that `ＨＴ-01`,
/// `ht-01` and ` HT-01 ` are one id.
/// An id written with the formula guard a spreadsheet shows (`'-XM-1`, SPEC §6) is the id
/// without it: one id with `-XM-1`.
pub fn key(id: &str) -> String {
    unguard(width(id).trim()).to_lowercase()
}

/// A subject (a product, a person, a team) as it is compared (SPEC §4): as an id, and without any
/// space, so that `张 三` is `张三`.
pub fn subject(text: &str) -> String {
    let k = key(text);
    if k.contains(char::is_whitespace) {
        k.chars().filter(|c| !c.is_whitespace()).collect()
    } else {
        k
    }
}

/// A cell as it was before the formula guard (`sheet::write::neutralise`): a leading `'` before
/// `=`, `+`, `-`, `@`, a tab or a carriage return taken off again.
pub fn unguard(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => text,
    }
}

fn is_wide(c: char) -> bool {
    matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}')
}

fn narrow(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_forms_read_as_ascii() {
        assert_eq!(width("１２０万"), "120万");
        assert_eq!(width("450，000．50"), "450,000.50");
        assert_eq!(width("ＨＴ－０１"), "HT-01");
        assert_eq!(width("\u{3000}5"), " 5");
        // Nothing to fold: borrowed as it is.
        assert!(matches!(width("鹿城区 1,000"), Cow::Borrowed(_)));
    }

    #[test]
    fn ids_compare_trimmed_and_folded() {
        for id in ["HT-01", "ht-01", " ＨＴ－０１ ", "Ht-01\t"] {
            assert_eq!(key(id), "ht-01", "{id:?}");
        }
        assert_ne!(key("HT-01"), key("HT-1"));
        // The formula guard a spreadsheet shows is no part of the id.
        assert_eq!(key("'-XM-1"), key("-xm-1"));
        assert_eq!(key("'XM-1"), "'xm-1");
        // A subject has no spaces at all: 张 三 is 张三, full-width spaces too.
        assert_eq!(subject(" 张 三\u{3000}团队 "), subject("张三团队"));
    }
}
