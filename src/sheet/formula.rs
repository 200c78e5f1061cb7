//! The formula guard: a CSV text cell that a spreadsheet could take for a formula (it starts
//! with = + - @ tab or CR) is written with a leading `'` (`neutralise`), and read back without
//! it (`unguard`), so that an id such as `-XM-1` comes back as it went out.

use std::borrow::Cow;

/// A cell that a spreadsheet could take for a formula gets a leading `'`.
pub fn neutralise(text: &[u8]) -> Cow<'_, [u8]> {
    if formula_like(text) {
        Cow::Owned([b"'", text].concat())
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether a spreadsheet could take the cell for a formula.
pub(crate) fn formula_like(text: &[u8]) -> bool {
    matches!(
        text.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A cell as it was before `neutralise`: its leading `'` taken off again.
pub fn unguard(text: &str) -> &str {
    crate::fold::unguard(text)
}

pub(crate) fn neutralise_str(text: &str) -> Cow<'_, str> {
    match neutralise(text.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        Cow::Owned(_) => Cow::Owned(format!("'{text}")),
    }
}
