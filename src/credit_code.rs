//! 统一社会信用代码 (unified social credit code): the GB 32100-2015 check digit; and, in its
//! place for an individual, the 公民身份号码 (citizen ID number) with its GB 11643-1999 one.
//!
//! 18 characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z);
//! the 18th is 31 − (Σ value·3^i mod 31) mod 31 over the first 17, weights 3^i mod 31.

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Why a code was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreditCodeError {
    Length(usize),
    Character(char),
    /// `id_expected`: the code looks like a 公民身份号码 (17 digits and a digit or X), and
    /// this is the check digit GB 11643 gives it.
    CheckDigit {
        expected: char,
        found: char,
        id_expected: Option<char>,
    },
}

impl CreditCodeError {
    /// What is wrong, in Chinese and English.
    pub fn text(&self) -> crate::text::Text {
        use crate::text;
        match *self {
            CreditCodeError::Length(n) => text!(
                "统一社会信用代码应为 18 位，实为 {n} 位",
                "the credit code must have 18 characters, not {n}"
            ),
            CreditCodeError::Character(c) => text!(
                "统一社会信用代码含非法字符 '{c}'，应为数字或除 I、O、S、V、Z 以外的大写字母",
                "the credit code has an invalid character '{c}': expected digits or capital letters other than I, O, S, V, Z"
            ),
            CreditCodeError::CheckDigit {
                expected,
                found,
                id_expected: None,
            } => text!(
                "统一社会信用代码校验位错误: 应为 '{expected}'，实为 '{found}'",
                "check digit mismatch: expected '{expected}', found '{found}'"
            ),
            CreditCodeError::CheckDigit {
                expected,
                found,
                id_expected: Some(id),
            } => text!(
                "校验位错误: 作为统一社会信用代码应为 '{expected}'，作为公民身份号码 (个人) 应为 '{id}'，实为 '{found}'；请核对号码，不要改动校验位以凑合",
                "check digit mismatch: as a credit code it would be '{expected}', as a citizen ID number (an individual) '{id}'; found '{found}': check the number rather than altering its last character"
            ),
        }
    }
}

/// "中文 / English".
impl std::fmt::Display for CreditCodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.text().fmt(f)
    }
}

impl std::error::Error for CreditCodeError {}

impl From<CreditCodeError> for crate::text::Text {
    fn from(e: CreditCodeError) -> crate::text::Text {
        e.text()
    }
}

/// Each byte's place in the alphabet (`u8::MAX` when absent): a batch checks millions of codes.
const VALUES: [u8; 256] = {
    let mut table = [u8::MAX; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

fn value_of(c: u8) -> Option<u32> {
    match VALUES[c as usize] {
        u8::MAX => None,
        v => Some(u32::from(v)),
    }
}

/// The check character for the first 17 characters (already validated).
fn check_char(first17: &[u8]) -> Option<char> {
    let mut weight = 1u32;
    let mut sum = 0u32;
    for &c in first17 {
        sum += value_of(c)? * weight;
        weight = weight * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

/// The GB 11643-1999 check character of a 公民身份号码's first 17 digits: Σ digit·2^(17−i)
/// mod 11 gives 1 0 X 9 8 7 6 5 4 3 2.
fn id_check_char(first17: &[u8]) -> Option<char> {
    const CHECK: &[u8; 11] = b"10X98765432";
    let mut sum = 0u32;
    for (i, &c) in first17.iter().enumerate() {
        let d = u32::from(c.checked_sub(b'0').filter(|d| *d <= 9)?);
        sum += d * ((1u32 << (17 - i)) % 11);
    }
    Some(CHECK[(sum % 11) as usize] as char)
}

/// Whether a code (canonical: trimmed, upper case) is a 公民身份号码 with a valid GB 11643
/// check digit: 17 digits and a digit or X. An individual may give it in place of a credit
/// code (SPEC §3); the rules say which applicant kinds may.
pub fn is_id_number(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 18
        && id_check_char(&b[..17]).is_some_and(|c| c as u8 == b[17])
        && (b[17].is_ascii_digit() || b[17] == b'X')
}

/// Whether a canonical code is a 统一社会信用代码 with a valid GB 32100 check digit.
pub fn is_credit_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 18
        && b.iter().all(|&c| value_of(c).is_some())
        && check_char(&b[..17]).is_some_and(|c| c as u8 == b[17])
}

/// Validates a code and returns it in canonical (upper-case, trimmed) form: a 统一社会信用代码,
/// or a 公民身份号码 with its own check digit (whether the applicant may give one is the
/// caller's to check, by its kind).
pub fn validate(code: &str) -> Result<String, CreditCodeError> {
    let code = code.trim().to_ascii_uppercase();
    if is_id_number(&code) {
        return Ok(code);
    }
    let n = code.chars().count();
    if n != 18 {
        return Err(CreditCodeError::Length(n));
    }
    let bytes = code.as_bytes();
    if let Some(c) = code
        .chars()
        .find(|&c| !c.is_ascii() || value_of(c as u8).is_none())
    {
        return Err(CreditCodeError::Character(c));
    }
    let expected = check_char(&bytes[..17]).unwrap_or('?');
    let found = bytes[17] as char;
    if expected != found {
        let id_expected =
            id_check_char(&bytes[..17]).filter(|_| bytes[17].is_ascii_digit() || bytes[17] == b'X');
        return Err(CreditCodeError::CheckDigit {
            expected,
            found,
            id_expected,
        });
    }
    Ok(code)
}

/// The canonical form of a valid code, without allocating: `Some` exactly when `validate`
/// accepts the code (a batch checks one a row).
pub fn canonical(code: &str) -> Option<[u8; 18]> {
    let mut out: [u8; 18] = code.trim().as_bytes().try_into().ok()?;
    out.make_ascii_uppercase();
    if out.iter().any(|&c| value_of(c).is_none()) {
        return None;
    }
    let id = || std::str::from_utf8(&out).is_ok_and(is_id_number);
    (check_char(&out[..17])? == out[17] as char || id()).then_some(out)
}

/// Completes 17 characters with their check digit (for examples, tests and generators).
pub fn complete(first17: &str) -> Option<String> {
    let up = first17.to_ascii_uppercase();
    if up.len() != 17 {
        return None;
    }
    let c = check_char(up.as_bytes())?;
    Some(format!("{up}{c}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_citizen_id_number_with_its_check_digit_is_accepted() {
        // GB 11643-1999's own example, 11010519491231002X: Σ digit·weight over
        // 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
        // = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → 'X'.
        assert!(is_id_number("11010519491231002X"));
        assert_eq!(
            validate("11010519491231002x").unwrap(),
            "11010519491231002X"
        );
        assert!(canonical("11010519491231002X").is_some());
        // The last digit altered: refused, naming both check digits.
        let e = validate("110105194912310021").unwrap_err();
        assert_eq!(
            e,
            CreditCodeError::CheckDigit {
                expected: check_char(b"11010519491231002").unwrap(),
                found: '1',
                id_expected: Some('X'),
            }
        );
        assert!(e.text().zh.contains("作为公民身份号码 (个人) 应为 'X'"));
        assert!(canonical("110105194912310021").is_none());
    }

    #[test]
    fn accepts_a_published_code() {
        // 腾讯科技（深圳）有限公司, a code published on the national enterprise credit system.
        assert_eq!(
            validate("9144030071526726XG").unwrap(),
            "9144030071526726XG"
        );
        // 阿里巴巴（中国）有限公司.
        assert_eq!(
            validate("91330100799655058B").unwrap(),
            "91330100799655058B"
        );
    }

    #[test]
    fn refuses_wrong_check_digit_length_and_characters() {
        assert!(matches!(
            validate("9144030071526726XA"),
            Err(CreditCodeError::CheckDigit {
                expected: 'G',
                found: 'A',
                id_expected: None,
            })
        ));
        assert_eq!(validate("91330302"), Err(CreditCodeError::Length(8)));
        assert_eq!(
            validate("91330302MA2XXXXXXI"),
            Err(CreditCodeError::Character('I'))
        );
        assert_eq!(
            validate("91330302MA2XXXXXX中"),
            Err(CreditCodeError::Character('中'))
        );
    }

    #[test]
    fn canonical_agrees_with_validate() {
        // Valid, lower case, padded; wrong check digit; too short; a letter outside the
        // alphabet; a multi-byte character making 18 bytes but fewer characters.
        for code in [
            "9144030071526726XG",
            " 9144030071526726xg ",
            "9144030071526726XA",
            "91330302",
            "91330302MA2XXXXXXI",
            "91330302MA2XXXX中",
        ] {
            assert_eq!(
                canonical(code).map(|b| String::from_utf8_lossy(&b).into_owned()),
                validate(code).ok(),
                "{code}"
            );
        }
    }

    #[test]
    fn completes_what_it_validates() {
        let code = complete("91330302MA2H00001").unwrap();
        assert_eq!(validate(&code).unwrap(), code);
        assert_eq!(validate(&code.to_lowercase()).unwrap(), code);
    }
}
