//! The hash chain, computed by calc (not by a trigger) over a versioned canonical encoding,
//! `calc-ledger-v1`: every field of an entry in a fixed order, each as its name, then `~` for
//! none or its byte length, `:` and its text, then a line break. The first entry links to the
//! genesis hash, the same for every ledger, so that SQLite and PostgreSQL give the same head
//! for the same outputs.

use sha2::{Digest, Sha256};

use super::Entry;

/// The name of the encoding, the first line of what is hashed.
pub const VERSION: &str = "calc-ledger-v1";

/// The hash the first entry links to.
pub fn genesis() -> String {
    hex(&Sha256::digest(format!("{VERSION} genesis").as_bytes()))
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The sha256 of bytes, as hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The entry's hash: over the encoding's name, its link (`prev_hash`) and every other field.
pub fn hash(e: &Entry) -> String {
    let mut h = Sha256::new();
    h.update(VERSION.as_bytes());
    h.update(b"\n");
    for (name, value) in e.fields() {
        h.update(name.as_bytes());
        match value {
            None => h.update(b"~"),
            Some(v) => {
                h.update(v.len().to_string().as_bytes());
                h.update(b":");
                h.update(v.as_bytes());
            }
        }
        h.update(b"\n");
    }
    hex(&h.finalize())
}
