//! Fuzz the money parser: never panics; whatever it accepts is non-negative, has at most two
//! decimals and prints back to a text it parses to the same amount.
#![no_main]

use calc::Money;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(m) = Money::parse(text) {
        let plain = m.plain();
        assert!(!plain.starts_with('-'), "negative accepted: {text:?}");
        assert_eq!(plain.split('.').nth(1).map(str::len), Some(2));
        assert_eq!(Money::parse(&plain), Ok(m), "plain form does not round-trip");
        assert_eq!(Money::parse(&m.grouped()), Ok(m), "grouped form does not round-trip");
    }
});
