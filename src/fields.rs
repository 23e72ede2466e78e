//! Reading the members of a valid JSON object as raw text, in the one validation pass every
//! record gets: a reader names the members it needs (`Fields`), and their values are decoded
//! only when an entry asks for them.

use std::borrow::Cow;

use crate::json_validate;

/// Raw values of the members of an object that the summary reads.
pub(crate) trait Fields<'a> {
    /// Where the value of member `name` (quoted, without escapes) goes, if it is read.
    fn slot(&mut self, name: &[u8]) -> Option<&mut Option<&'a [u8]>>;

    /// Set when a member that is read appears twice.
    fn duplicate(&mut self) -> &mut bool;

    /// Keeps `value` if member `name` (as written, quotes included) is read. A name is
    /// unescaped only when it does not match as written, so `"event\u004eame"` still counts
    /// as `eventName`, at no cost for the names records really use.
    fn note(&mut self, name: &[u8], value: &'a [u8]) {
        let slot = match self.slot(name) {
            Some(slot) => slot,
            None if name.contains(&b'\\') => match self.slot(&member_name(name)) {
                Some(slot) => slot,
                None => return,
            },
            None => return,
        };
        let seen = slot.replace(value).is_some();
        *self.duplicate() |= seen;
    }
}

/// Calls `each` with the name (as written, quotes included) and raw value of every member
/// of a valid object.
pub(crate) fn members<'a>(object: &'a [u8], each: impl FnMut(&'a [u8], &'a [u8])) -> bool {
    json_validate::validate(object, each)
}

/// A member name as written → its quoted form without escapes, so `"event\u004eame"`
/// matches `"eventName"` as it would for any JSON reader.
fn member_name(name: &[u8]) -> Cow<'_, [u8]> {
    if !name.contains(&b'\\') {
        return Cow::Borrowed(name);
    }
    match serde_json::from_slice::<String>(name) {
        Ok(unescaped) => Cow::Owned(format!("\"{unescaped}\"").into_bytes()),
        Err(_) => Cow::Borrowed(name),
    }
}

/// A string value from valid JSON text: borrowed when it has no escapes; `None` for other
/// types.
pub(crate) fn text(raw: Option<&[u8]>) -> Option<Cow<'_, str>> {
    let raw = raw?;
    let inner = raw.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if !inner.contains(&b'\\') {
        return std::str::from_utf8(inner).ok().map(Cow::Borrowed);
    }
    serde_json::from_slice::<String>(raw).ok().map(Cow::Owned)
}
