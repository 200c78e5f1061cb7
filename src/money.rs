//! Exact money and rates: `Money` (yuan, at most two decimals once parsed or rounded)
//! and `Rate`, both over `rust_decimal`, with their own parsers and checked arithmetic.
//!
//! Nothing here ever goes through binary floating point arithmetic: a TOML float is
//! turned into its shortest decimal text first and parsed from there.

use std::fmt;
use std::str::FromStr;

use arrayvec::ArrayString;
use rust_decimal::{Decimal, RoundingStrategy};

/// The largest amount accepted anywhere: far above any real award, far below overflow.
const MAX_YUAN: Decimal = Decimal::from_parts(0xA4C6_7FFF, 0x3_8D7E, 0, false, 2); // 9,999,999,999,999.99

/// An amount of money in yuan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

/// Why a money text was refused; the caller adds the file, line and field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyError {
    Empty,
    Negative,
    NotFinite,
    TooManyDecimals,
    TooPrecise,
    TooLarge,
    BadGrouping,
    Malformed,
    Overflow,
}

impl MoneyError {
    /// What is wrong, in Chinese and English: each message is fixed, no value in it.
    pub fn text(self) -> crate::text::Text {
        use crate::text;
        match self {
            MoneyError::Empty => text!("金额为空", "the amount is empty"),
            MoneyError::Negative => text!("金额不能为负数", "the amount must not be negative"),
            MoneyError::NotFinite => text!(
                "金额不是有限数 (NaN 或无穷大)",
                "the amount is not a finite number (NaN or infinity)"
            ),
            MoneyError::TooManyDecimals => {
                text!("金额最多两位小数", "the amount has more than 2 decimals")
            }
            MoneyError::TooPrecise => text!(
                "浮点数超过 15 位有效数字，无法确定原值，请写成字符串",
                "the float has more than 15 significant digits and cannot be what was typed; write it as a string"
            ),
            MoneyError::TooLarge => text!(
                "金额过大 (上限 9,999,999,999,999.99 元)",
                "the amount is too large (limit 9,999,999,999,999.99 yuan)"
            ),
            MoneyError::BadGrouping => text!(
                "千分位逗号位置不对，应每三位一组，如 \"1,200,000.50\"",
                "misplaced thousands separator: expected groups of three digits, e.g. \"1,200,000.50\""
            ),
            MoneyError::Malformed => text!(
                "无法识别的金额，应为数字、\"1,200,000.50\"、\"120万\"、\"1.2亿\" 或 \"¥1,200,000\"",
                "not an amount: expected a number, \"1,200,000.50\", \"120万\", \"1.2亿\" or \"¥1,200,000\""
            ),
            MoneyError::Overflow => text!("计算溢出", "arithmetic overflow"),
        }
    }
}

/// "中文 / English".
impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.text().fmt(f)
    }
}

impl std::error::Error for MoneyError {}

impl From<MoneyError> for crate::text::Text {
    fn from(e: MoneyError) -> crate::text::Text {
        e.text()
    }
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// An exact amount from a decimal; refuses negatives, more than two decimals and absurd sizes.
    pub fn from_decimal(d: Decimal) -> Result<Money, MoneyError> {
        if d.is_sign_negative() && !d.is_zero() {
            return Err(MoneyError::Negative);
        }
        // Trailing zeros do not count ("1.500" is 1.50); normalising is only needed past 2.
        if d.scale() > 2 && d.normalize().scale() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        if d > MAX_YUAN {
            return Err(MoneyError::TooLarge);
        }
        Ok(Money(d.abs()))
    }

    /// A whole number of yuan, as a TOML integer gives it.
    pub fn from_integer(i: i64) -> Result<Money, MoneyError> {
        Money::from_decimal(Decimal::from(i))
    }

    /// A TOML float, converted through its shortest decimal form (never through arithmetic).
    pub fn from_float(f: f64) -> Result<Money, MoneyError> {
        if !f.is_finite() {
            return Err(MoneyError::NotFinite);
        }
        if f.is_sign_negative() && f != 0.0 {
            return Err(MoneyError::Negative);
        }
        let text = shortest_float_text(f)?;
        // A tiny float (1e-300) has hundreds of decimals: say so, rather than "too large".
        if text.split_once('.').is_some_and(|(_, frac)| frac.len() > 2) {
            return Err(MoneyError::TooManyDecimals);
        }
        Money::from_decimal(Decimal::from_str(&text).map_err(|_| MoneyError::TooLarge)?)
    }

    /// Parses the text forms of SPEC §3: "1200000.50", "1,200,000.50", "120万", "120万元",
    /// "1.2亿", "1200元", "¥1,200,000", "￥1200000元", full-width digits and commas too.
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        // Most cells are plain digits (a spreadsheet's own numbers): nothing to fold or strip.
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Money::of_plain(text, 1);
        }
        let folded = crate::fold::width(text);
        let t = crate::text::trim(&folded);
        let t = t.strip_prefix(['¥', '￥']).map_or(t, str::trim_start);
        if t.is_empty() {
            return Err(MoneyError::Empty);
        }
        let lower = t.to_ascii_lowercase();
        if lower.contains("nan") || lower.contains("inf") {
            return Err(MoneyError::NotFinite);
        }
        // 元整 / 整, as written on Chinese vouchers ("880,000元整").
        let t = t.strip_suffix('整').map_or(t, str::trim_end);
        let t = t.strip_suffix('元').unwrap_or(t);
        let (number, unit) = if let Some(n) = t.strip_suffix('亿') {
            (n, 100_000_000)
        } else if let Some(n) = t.strip_suffix('万') {
            (n, 10_000)
        } else {
            (t, 1)
        };
        let number = number.trim();
        if number.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        Money::of_plain(&strip_grouping(number)?, unit)
    }

    /// An amount written as digits with at most one point, times `unit` (万, 亿).
    fn of_plain(plain: &str, unit: i64) -> Result<Money, MoneyError> {
        if plain.is_empty()
            || !plain.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            || plain.bytes().filter(|&b| b == b'.').count() > 1
            || plain.starts_with('.')
            || plain.ends_with('.')
        {
            return Err(MoneyError::Malformed);
        }
        // 28 significant digits is Decimal's limit; anything that long is absurd money anyway.
        if plain.len() > 26 {
            return Err(MoneyError::TooLarge);
        }
        let mut d = Decimal::from_str(plain).map_err(|_| MoneyError::Malformed)?;
        if unit != 1 {
            d = d
                .checked_mul(Decimal::from(unit))
                .ok_or(MoneyError::TooLarge)?;
        }
        Money::from_decimal(d)
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.0
            .checked_add(other.0)
            .map(Money)
            .ok_or(MoneyError::Overflow)
    }

    /// `self - other`, floored at zero: what is left of a cap once `other` is used.
    pub fn saturating_sub(self, other: Money) -> Money {
        if other >= self {
            Money::ZERO
        } else {
            Money(self.0 - other.0)
        }
    }

    /// Rounds an exact product to money: half away from zero to `dp` decimals (never banker's).
    pub fn round(value: Decimal, dp: u32) -> Result<Money, MoneyError> {
        let r = value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
        if r.is_sign_negative() && !r.is_zero() {
            return Err(MoneyError::Negative);
        }
        if r > MAX_YUAN {
            return Err(MoneyError::TooLarge);
        }
        Ok(Money(r.abs()))
    }

    /// The plain decimal text with exactly two decimals, as JSON and CSV carry it: "1200000.50".
    pub fn plain(self) -> String {
        match self.fen() {
            Some(fen) => fen_text(fen, false).to_string(),
            None => self.plain_slow(),
        }
    }

    /// `plain`, written into a buffer: a batch writes a million of them.
    pub fn write_plain(self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        match self.fen() {
            Some(fen) => out.write_all(fen_text(fen, false).as_bytes()),
            None => out.write_all(self.plain_slow().as_bytes()),
        }
    }

    /// The amount as a whole number of fen, when it is one (always, for money made here);
    /// formatting from it avoids rust_decimal's general text conversion on hot paths.
    fn fen(self) -> Option<u64> {
        let m = u64::try_from(self.0.mantissa()).ok()?;
        match self.0.scale() {
            0 => m.checked_mul(100),
            1 => m.checked_mul(10),
            2 => Some(m),
            s => {
                let div = 10u64.checked_pow(s - 2)?;
                (m % div == 0).then_some(m / div)
            }
        }
    }

    fn plain_slow(self) -> String {
        let mut d = self.0;
        d.rescale(2);
        d.to_string()
    }

    /// With thousands separators, as a person reads it: "1,200,000.50".
    pub fn grouped(self) -> String {
        let mut out = String::new();
        self.push_grouped(&mut out);
        out
    }

    /// `grouped`, appended to `out`: a batch's reasons print millions of amounts.
    pub fn push_grouped(self, out: &mut String) {
        match self.fen() {
            Some(fen) => out.push_str(&fen_text(fen, true)),
            None => out.push_str(&self.grouped_slow()),
        }
    }

    fn grouped_slow(self) -> String {
        let plain = self.plain_slow();
        let (int, frac) = plain.split_once('.').unwrap_or((&plain, "00"));
        let mut out = String::with_capacity(plain.len() + int.len() / 3);
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out.push('.');
        out.push_str(frac);
        out
    }

    pub fn min(self, other: Money) -> Money {
        if self <= other { self } else { other }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fen() {
            Some(fen) => f.write_str(&fen_text(fen, true)),
            None => f.write_str(&self.grouped_slow()),
        }
    }
}

/// The difference of two amounts, `after - before`: what a change of the rules adds to (or,
/// negative, takes from) an award or a total. Exact, as `Money` is; shown with its sign.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Delta(Decimal);

impl Delta {
    pub const ZERO: Delta = Delta(Decimal::ZERO);

    /// `after - before`.
    pub fn between(before: Money, after: Money) -> Delta {
        Delta(after.0 - before.0)
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// Its size, without the sign.
    pub fn magnitude(self) -> Money {
        Money(self.0.abs())
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// The plain decimal text with two decimals, `-` before a fall: "-240000.00".
    pub fn plain(self) -> String {
        format!("{}{}", self.sign(false), self.magnitude().plain())
    }

    /// With thousands separators, `+` before a rise and `-` before a fall: "+1,200.00".
    pub fn grouped(self) -> String {
        format!("{}{}", self.sign(true), self.magnitude().grouped())
    }

    fn sign(self, plus: bool) -> &'static str {
        match (self.is_negative(), self.is_zero()) {
            (true, _) => "-",
            (false, false) if plus => "+",
            _ => "",
        }
    }
}

impl serde::Serialize for Delta {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.plain())
    }
}

/// The shortest decimal text that round-trips `f`; refused when it needs more than 15
/// significant digits (then it cannot be the number that was typed).
fn shortest_float_text(f: f64) -> Result<String, MoneyError> {
    // Rust's Display for f64 prints the shortest round-trip form, never an exponent.
    let text = format!("{f}");
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    let significant = if text.contains('.') {
        // Trailing zeros after the point were already dropped by Display; those before it count.
        digits.trim_start_matches('0').len().max(significant)
    } else {
        significant
    };
    if significant > 15 {
        return Err(MoneyError::TooPrecise);
    }
    Ok(text)
}

/// A whole number of fen as yuan with two decimals, with thousands separators where
/// `grouped` ("1,200,000.50"), on the stack: a batch writes millions of amounts. At most 26
/// characters (u64's 18 digits of yuan, 5 separators, the point and 2 digits).
fn fen_text(fen: u64, grouped: bool) -> ArrayString<32> {
    let mut digits = itoa::Buffer::new();
    let yuan = digits.format(fen / 100);
    // The first group is what is left over threes: the "1" of "1,200,000".
    let mut at = if grouped {
        (yuan.len() - 1) % 3 + 1
    } else {
        yuan.len()
    };
    let mut out = ArrayString::new();
    out.push_str(&yuan[..at]);
    while at < yuan.len() {
        out.push(',');
        out.push_str(&yuan[at..at + 3]);
        at += 3;
    }
    out.push('.');
    out.push(char::from(b'0' + (fen / 10 % 10) as u8));
    out.push(char::from(b'0' + (fen % 10) as u8));
    out
}

/// Removes thousands separators, insisting that they group by three.
fn strip_grouping(number: &str) -> Result<String, MoneyError> {
    if !number.contains(',') {
        return Ok(number.to_string());
    }
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (number, None),
    };
    if frac.is_some_and(|f| f.contains(',')) {
        return Err(MoneyError::BadGrouping);
    }
    let groups: Vec<&str> = int.split(',').collect();
    let first_ok = !groups[0].is_empty() && groups[0].len() <= 3;
    if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
        return Err(MoneyError::BadGrouping);
    }
    let mut out = groups.concat();
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    Ok(out)
}

/// A rate such as 30%: a non-negative decimal, written "30%", "0.30" or 0.3 in rule files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rate(Decimal);

impl Rate {
    pub fn new(d: Decimal) -> Rate {
        Rate(d)
    }

    pub fn parse(text: &str) -> Option<Rate> {
        let t = text.trim();
        let d = if let Some(p) = t.strip_suffix('%') {
            Decimal::from_str(p.trim()).ok()? / Decimal::ONE_HUNDRED
        } else {
            Decimal::from_str(t).ok()?
        };
        Some(Rate(d))
    }

    pub fn from_float(f: f64) -> Option<Rate> {
        if !f.is_finite() {
            return None;
        }
        Decimal::from_str(&shortest_float_text(f).ok()?)
            .ok()
            .map(Rate)
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// The rate as a person reads it: "30%", "1.5%".
    pub fn percent(self) -> String {
        let mut out = String::with_capacity(8);
        self.push_percent(&mut out);
        out
    }

    /// `percent`, appended to `out`; a non-negative rate is scaled by 100 on its mantissa
    /// (what `* 100` then `normalize` does) rather than through Decimal arithmetic.
    pub fn push_percent(self, out: &mut String) {
        let d = self.0;
        match u128::try_from(d.mantissa())
            .ok()
            .and_then(|m| m.checked_mul(100))
            .filter(|&m| m < 1 << 96 && !d.is_sign_negative())
        {
            Some(mut m) => {
                let mut scale = d.scale();
                while scale > 0 && m % 10 == 0 {
                    m /= 10;
                    scale -= 1;
                }
                push_digits(out, m, scale);
            }
            None => {
                use fmt::Write;
                let _ = write!(out, "{}", (d * Decimal::ONE_HUNDRED).normalize());
            }
        }
        out.push('%');
    }

    #[cfg(test)]
    fn percent_slow(self) -> String {
        format!("{}%", (self.0 * Decimal::ONE_HUNDRED).normalize())
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.percent())
    }
}

/// Appends a decimal as its `Display` writes it (no padding or precision): the digits of a
/// non-negative value straight from its mantissa, any other value through `Display`.
pub fn push_decimal(out: &mut String, d: Decimal) {
    match u128::try_from(d.mantissa()) {
        Ok(m) if !d.is_sign_negative() => push_digits(out, m, d.scale()),
        _ => {
            use fmt::Write;
            let _ = write!(out, "{d}");
        }
    }
}

/// `m / 10^scale` written like rust_decimal does: at least one whole digit, and exactly
/// `scale` decimals (trailing zeros kept).
fn push_digits(out: &mut String, mut m: u128, scale: u32) {
    // 39 digits of a u128, plus zeros up to Decimal's largest scale (28), plus "0."
    let mut buf = [b'0'; 72];
    let mut at = buf.len();
    let mut digits = 0u32;
    while m > 0 || digits < scale + 1 {
        at -= 1;
        buf[at] = b'0' + (m % 10) as u8;
        m /= 10;
        digits += 1;
        if digits == scale && scale > 0 {
            at -= 1;
            buf[at] = b'.';
        }
    }
    out.push_str(std::str::from_utf8(&buf[at..]).unwrap_or_default());
}

/// Out as the plain decimal text (`plain`): JSON carries amounts as exact strings.
impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.plain())
    }
}

/// Out as the decimal fraction ("0.30" for 30%), the form rule files accept back.
impl serde::Serialize for Rate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// Rule files write money as an integer, a float (through its shortest form) or a string.
impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an amount in yuan: 500000, \"500000.00\" or \"50万\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Money, E> {
                Money::from_integer(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Money, E> {
                Money::from_decimal(Decimal::from(v)).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Money, E> {
                Money::from_float(v).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
                Money::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Rule files write rates as "30%", "0.30" or 0.3; a rate outside 0..=1 is refused.
impl<'de> serde::Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rate, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Rate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a rate between 0 and 1: \"30%\", \"0.30\" or 0.3")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Rate, E> {
                Rate::checked(Some(Rate(Decimal::from(v))), &v.to_string()).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Rate, E> {
                Rate::checked(Some(Rate(Decimal::from(v))), &v.to_string()).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Rate, E> {
                Rate::checked(Rate::from_float(v), &v.to_string()).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Rate, E> {
                Rate::checked(Rate::parse(v), v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl Rate {
    fn checked(rate: Option<Rate>, text: &str) -> Result<Rate, String> {
        match rate {
            Some(r) if r.0 >= Decimal::ZERO && r.0 <= Decimal::ONE => Ok(r),
            Some(_) => Err(format!(
                "比例 {text} 超出 0 到 1 (0% 到 100%) / rate {text} is outside 0..1"
            )),
            None => Err(format!(
                "无法识别的比例 {text}，应如 \"30%\" 或 \"0.30\" / not a rate: {text}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn a_delta_is_after_less_before_with_its_sign() {
        let d = Delta::between(m("500000"), m("420000"));
        assert_eq!(
            (d.plain(), d.grouped()),
            ("-80000.00".into(), "-80,000.00".into())
        );
        let d = Delta::between(m("0.5"), m("1200.75"));
        assert_eq!(
            (d.plain(), d.grouped()),
            ("1200.25".into(), "+1,200.25".into())
        );
        let d = Delta::between(m("7"), m("7.00"));
        assert!(d.is_zero() && !d.is_negative());
        assert_eq!((d.plain(), d.grouped()), ("0.00".into(), "0.00".into()));
        assert_eq!(Delta::between(m("3"), m("1")).magnitude(), m("2"));
    }

    #[test]
    fn parses_every_documented_form() {
        assert_eq!(m("1200000.50").plain(), "1200000.50");
        assert_eq!(m("1,200,000.50").plain(), "1200000.50");
        assert_eq!(m("120万").plain(), "1200000.00");
        assert_eq!(m("120万元").plain(), "1200000.00");
        assert_eq!(m("1.5万").plain(), "15000.00");
        assert_eq!(m(" 300 ").plain(), "300.00");
        assert_eq!(m("300元").plain(), "300.00");
        assert_eq!(m("0").plain(), "0.00");
        assert_eq!(m("1.2亿").plain(), "120000000.00");
        assert_eq!(m("0.5亿元").plain(), "50000000.00");
        assert_eq!(m("¥1,200,000").plain(), "1200000.00");
        assert_eq!(m("￥1200000元").plain(), "1200000.00");
        assert_eq!(m("¥ 80万").plain(), "800000.00");
        assert_eq!(m("１２０万").plain(), "1200000.00");
        assert_eq!(m("450，000").plain(), "450000.00");
    }

    #[test]
    fn refuses_bad_forms() {
        assert_eq!(Money::parse("-5"), Err(MoneyError::Negative));
        assert_eq!(Money::parse("¥-5"), Err(MoneyError::Negative));
        assert_eq!(Money::parse("¥"), Err(MoneyError::Empty));
        assert_eq!(
            Money::parse("1.23456789123亿"),
            Err(MoneyError::TooManyDecimals)
        );
        assert_eq!(Money::parse("5万亿"), Err(MoneyError::Malformed));
        assert_eq!(Money::parse("NaN"), Err(MoneyError::NotFinite));
        assert_eq!(Money::parse("inf"), Err(MoneyError::NotFinite));
        assert_eq!(Money::parse("1.234"), Err(MoneyError::TooManyDecimals));
        assert_eq!(
            Money::parse("1.2345678万"),
            Err(MoneyError::TooManyDecimals)
        );
        assert_eq!(Money::parse(""), Err(MoneyError::Empty));
        assert_eq!(Money::parse("12,00,000"), Err(MoneyError::BadGrouping));
        assert_eq!(Money::parse("1,2"), Err(MoneyError::BadGrouping));
        assert_eq!(Money::parse("abc"), Err(MoneyError::Malformed));
        assert_eq!(Money::parse("1e5"), Err(MoneyError::Malformed));
        assert_eq!(Money::parse("1.2.3"), Err(MoneyError::Malformed));
        // Plain digits take the short way in; they are checked as strictly.
        assert_eq!(Money::parse("1."), Err(MoneyError::Malformed));
        assert_eq!(Money::parse(".5"), Err(MoneyError::Malformed));
        assert_eq!(Money::parse("."), Err(MoneyError::Malformed));
        assert_eq!(Money::parse("007.10"), Money::parse(" 7.1元 "));
        assert_eq!(
            Money::parse("123456789012345678901234567890"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(Money::parse("10000000000000"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn trailing_zeros_beyond_two_decimals_are_fine() {
        assert_eq!(m("1.500").plain(), "1.50");
    }

    #[test]
    fn floats_go_through_their_shortest_form() {
        assert_eq!(Money::from_float(0.1).unwrap().plain(), "0.10");
        assert_eq!(Money::from_float(1200000.5).unwrap().plain(), "1200000.50");
        assert_eq!(Money::from_float(1e6).unwrap().plain(), "1000000.00");
        assert_eq!(Money::from_float(0.125), Err(MoneyError::TooManyDecimals));
        assert_eq!(Money::from_float(-1.0), Err(MoneyError::Negative));
        assert_eq!(Money::from_float(f64::NAN), Err(MoneyError::NotFinite));
        assert_eq!(Money::from_float(f64::INFINITY), Err(MoneyError::NotFinite));
        // 0.1 + 0.2 has the shortest form 0.30000000000000004: not something a person typed.
        assert_eq!(Money::from_float(0.1 + 0.2), Err(MoneyError::TooPrecise));
        assert_eq!(Money::from_float(1e300), Err(MoneyError::TooLarge));
        assert_eq!(Money::from_float(1e-300), Err(MoneyError::TooManyDecimals));
    }

    #[test]
    fn rounds_half_away_from_zero_not_to_even() {
        let half = Decimal::from_str("0.125").unwrap();
        assert_eq!(Money::round(half, 2).unwrap().plain(), "0.13");
        let half = Decimal::from_str("0.135").unwrap();
        assert_eq!(Money::round(half, 2).unwrap().plain(), "0.14");
        let below = Decimal::from_str("151666.6666").unwrap();
        assert_eq!(Money::round(below, 2).unwrap().plain(), "151666.67");
    }

    #[test]
    fn the_fen_fast_path_formats_like_rust_decimal() {
        let mut values: Vec<Decimal> = Vec::new();
        for text in [
            "0",
            "0.5",
            "0.05",
            "1.500",
            "1.5000",
            "12",
            "999.99",
            "1000",
            "123456789012.34",
            "9999999999999.99",
            "7.10",
        ] {
            values.push(Decimal::from_str(text).unwrap());
        }
        for i in (0..2_000_000u64).step_by(7919) {
            values.push(Decimal::new(i as i64, 2));
            values.push(Decimal::new(i as i64, 0));
        }
        for d in values {
            let m = Money::from_decimal(d).unwrap();
            assert_eq!(m.plain(), m.plain_slow(), "{d}");
            let mut buf = Vec::new();
            m.write_plain(&mut buf).unwrap();
            assert_eq!(String::from_utf8(buf).unwrap(), m.plain_slow(), "{d}");
            assert_eq!(m.grouped(), m.grouped_slow(), "{d}");
            assert_eq!(m.to_string(), m.grouped_slow(), "{d}");
        }
    }

    #[test]
    fn groups_thousands() {
        // The longest text a whole number of fen makes fits its stack buffer.
        let most = super::fen_text(u64::MAX, true);
        assert_eq!(most.as_str(), "184,467,440,737,095,516.15");
        assert_eq!(super::fen_text(5, false).as_str(), "0.05");
        assert_eq!(m("1200000.5").grouped(), "1,200,000.50");
        assert_eq!(m("999").grouped(), "999.00");
        assert_eq!(m("1000").grouped(), "1,000.00");
        assert_eq!(m("0").grouped(), "0.00");
    }

    #[test]
    fn saturating_sub_floors_at_zero() {
        assert_eq!(m("100").saturating_sub(m("150")), Money::ZERO);
        assert_eq!(m("150").saturating_sub(m("100")), m("50"));
    }

    #[test]
    fn rates_parse_as_percent_or_fraction() {
        assert_eq!(Rate::parse("30%").unwrap().as_decimal(), Decimal::new(3, 1));
        assert_eq!(Rate::parse("0.015").unwrap().percent(), "1.5%");
        assert_eq!(Rate::from_float(0.3).unwrap().percent(), "30%");
        assert!(Rate::parse("x").is_none());
    }

    #[test]
    fn decimals_and_percents_are_written_as_display_writes_them() {
        let mut values: Vec<Decimal> = [
            "0",
            "0.0",
            "0.00",
            "0.5",
            "0.05",
            "0.015",
            "0.3",
            "0.30",
            "1",
            "1.500",
            "12",
            "100",
            "1000",
            "0.0000001",
            "123.456789012",
            "79228162514264337593543950335",
            "0.0000000000000000000000000001",
            "7.9228162514264337593543950335",
            "-1.5",
            "-0",
        ]
        .iter()
        .map(|t| Decimal::from_str(t).unwrap())
        .collect();
        for i in (0..5_000_000i64).step_by(7919) {
            for scale in [0, 1, 2, 3, 4, 6, 7, 9, 12, 28] {
                values.push(Decimal::new(i, scale));
            }
        }
        for d in values {
            let mut out = String::from("x");
            push_decimal(&mut out, d);
            assert_eq!(out, format!("x{d}"), "{d:?}");
            // (A rate near Decimal's limit overflows `* 100` either way: no real rate is one.)
            if d.abs() < Decimal::from(1_000_000_000_000_i64) {
                let r = Rate::new(d);
                assert_eq!(r.percent(), r.percent_slow(), "{d:?}");
            }
        }
    }

    #[test]
    fn max_constant_is_what_it_says() {
        assert_eq!(MAX_YUAN.to_string(), "9999999999999.99");
    }
}
