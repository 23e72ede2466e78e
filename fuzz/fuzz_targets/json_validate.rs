//! The record validator against serde_json: any bytes are valid for one exactly when
//! serde_json accepts them (as UTF-8, below its recursion limit), and every member the
//! validator reports is a JSON string name and a valid value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use security_log_forwarder::internals::validate;

fn serde_valid(text: &[u8]) -> Result<bool, ()> {
    match serde_json::from_slice::<serde::de::IgnoredAny>(text) {
        Ok(_) => Ok(std::str::from_utf8(text).is_ok()),
        Err(e) if e.to_string().contains("recursion limit") => Err(()),
        Err(_) => Ok(false),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut members = Vec::new();
    let valid = validate(data, |name, value| members.push((name, value)));
    if let Ok(expected) = serde_valid(data) {
        assert_eq!(valid, expected, "validator and serde_json disagree");
    }
    if valid {
        for (name, value) in members {
            // Lone surrogate escapes (`"\udddd"`) are valid JSON text, not a valid `String`.
            assert!(name.first() == Some(&b'"') && serde_valid(name) == Ok(true), "member name is a string");
            assert!(serde_valid(value) != Ok(false), "member value is valid");
        }
    }
});
