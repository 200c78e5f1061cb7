//! Text wrapped to a terminal's width: lines break at spaces or between Chinese characters,
//! never inside a number or a word, and a line never starts with closing punctuation. Widths
//! are display columns (a Chinese character counts two).

use unicode_width::UnicodeWidthStr;

pub use crate::text::width;

/// `text` in lines of at most `max` columns; a piece longer than a line stands alone on one.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line: Vec<&str> = Vec::new();
        let mut used = 0;
        for piece in pieces(paragraph) {
            if used + piece.width() > max && line.iter().any(|p| !p.trim().is_empty()) {
                // Closing punctuation takes the piece before it along to the next line, and an
                // opening bracket goes with what it opens.
                let mut carried = Vec::new();
                if starts_closing(piece) && line.len() > 1 {
                    carried.extend(line.pop());
                }
                while line.len() > 1 && line.last().is_some_and(|p| ends_opening(p)) {
                    carried.insert(0, line.pop().unwrap_or_default());
                }
                lines.push(line.concat().trim_end().to_string());
                line = carried;
                used = line.iter().map(|p| p.width()).sum();
            }
            if line.is_empty() && piece.trim().is_empty() {
                continue;
            }
            used += piece.width();
            line.push(piece);
        }
        lines.push(line.concat().trim_end().to_string());
    }
    lines
}

/// A whole text fitted to `max` columns line by line: a continuation keeps its line's indent
/// (and steps past a leading bullet), so that a wrapped step still reads as one.
pub fn fit(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.lines() {
        let body = line.trim_start();
        let lead = &line[..line.len() - body.len()];
        let bullet = ["· ", "- ", "• "].iter().any(|b| body.starts_with(b));
        let indent = format!("{lead}{}", if bullet { "  " } else { "" });
        let room = max.saturating_sub(indent.width()).max(MIN_LINE);
        for (i, part) in wrap(body, room).into_iter().enumerate() {
            out.push_str(if i == 0 { lead } else { &indent });
            out.push_str(&part);
            out.push('\n');
        }
    }
    out
}

/// The narrowest line `fit` lays a continuation in.
const MIN_LINE: usize = 20;

/// The unbreakable pieces of a line: a run of spaces, one wide character, or a run of anything
/// else (a word, a number such as 2,400,000.00 or 151,666.666666…, an arrow and its figure).
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut last: Option<Kind> = None;
    for (i, c) in text.char_indices() {
        let kind = kind(c);
        let joins = matches!((last, kind), (Some(a), b) if a == b && a != Kind::Wide);
        if !joins && i > start {
            out.push(&text[start..i]);
            start = i;
        }
        last = Some(kind);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Space,
    Wide,
    Narrow,
}

fn kind(c: char) -> Kind {
    if c == ' ' {
        Kind::Space
    } else if unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) >= 2 {
        Kind::Wide
    } else {
        Kind::Narrow
    }
}

/// A bracket or quote that opens a phrase and must not end a line.
fn ends_opening(piece: &str) -> bool {
    piece
        .chars()
        .last()
        .is_some_and(|c| "（〔【「『“‘《([".contains(c))
}

/// Punctuation that closes a phrase and must not begin a line (，。：；、）」” and the like).
fn starts_closing(piece: &str) -> bool {
    piece
        .chars()
        .next()
        .is_some_and(|c| "，。：；、！？）〕】」』”’》,.:;!?)]".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fit_and_numbers_stay_whole() {
        let text = "本金 10,000,000.00 × 1.5% × 364 天 / 360 = 151,666.666666… → 151,666.67 (自 2025-06-01 起)";
        for max in 8..60 {
            let lines = wrap(text, max);
            for l in &lines {
                assert!(l.width() <= max || pieces(l).len() == 1, "{max}: {l:?}");
            }
            let joined: String = lines.concat();
            for n in [
                "10,000,000.00",
                "151,666.666666…",
                "151,666.67",
                "2025-06-01",
            ] {
                assert!(joined.contains(n), "{max}: {n} split in {lines:?}");
            }
        }
    }

    #[test]
    fn chinese_breaks_between_characters_not_before_a_comma() {
        assert_eq!(
            wrap("年度上限已用，本项减为零", 10),
            ["年度上限已", "用，本项减", "为零"]
        );
        // The comma would begin the second line: the character before it goes along.
        assert_eq!(wrap("甲乙丙丁，戊", 8), ["甲乙丙", "丁，戊"]);
        assert_eq!(wrap("温政办〔2025〕45号", 12), ["温政办", "〔2025〕45号"]);
        assert_eq!(
            fit("  · 本金 10,000,000.00 × 1.5% × 364 天\nok\n", 30),
            "  · 本金 10,000,000.00 ×\n    1.5% × 364 天\nok\n"
        );
        // An opening bracket stays with what it opens.
        assert_eq!(wrap("× 30% (自主)", 7), ["× 30%", "(自主)"]);
        assert_eq!(wrap("a b", 80), ["a b"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(width("核定 1"), 6);
    }
}
