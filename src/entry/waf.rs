//! AWS WAF records: the arrays Datadog facets cannot query become objects keyed by name —
//! `httpRequest.headers` (`[{name,value}]` → `{name: value}`), `ruleGroupList` (by
//! `ruleGroupId`, with its `nonTerminatingMatchingRules` and `excludedRules` by `ruleId`),
//! `rateBasedRuleList` (by `rateBasedRuleName`, else `rateBasedRuleId`) and the top-level
//! `nonTerminatingMatchingRules` (by `ruleId`). A name that appears twice keeps every value,
//! as an array (a request may repeat a header). An array that does not have the expected
//! shape is copied as it is: nothing is lost.

use serde_json::value::RawValue;

use crate::json;

/// A member name and raw value, as written (the name with its quotes).
type Member<'a> = (&'a [u8], &'a [u8]);

/// Writes `,"name":value` for each member of a valid WAF record, flattened; the record's own
/// `timestamp` is written as `original_timestamp` when the log's date was clamped.
pub(crate) fn write_members(out: &mut Vec<u8>, members: &[Member<'_>], clamped: bool) {
    for &(name, value) in members {
        out.push(b',');
        match name {
            b"\"timestamp\"" if clamped => write_member(out, b"\"original_timestamp\"", value),
            b"\"httpRequest\"" => {
                out.extend_from_slice(name);
                out.push(b':');
                write_request(out, value);
            }
            b"\"ruleGroupList\"" => keyed_member(out, name, value, &[b"\"ruleGroupId\""], Nested::RuleGroup),
            b"\"rateBasedRuleList\"" => {
                keyed_member(out, name, value, &[b"\"rateBasedRuleName\"", b"\"rateBasedRuleId\""], Nested::None)
            }
            b"\"nonTerminatingMatchingRules\"" => keyed_member(out, name, value, &[b"\"ruleId\""], Nested::None),
            _ => write_member(out, name, value),
        }
    }
}

/// The top-level members of a record, or `None` when it is not a valid JSON object.
pub(crate) fn members_of(record: &[u8]) -> Option<Vec<Member<'_>>> {
    if record.first() != Some(&b'{') {
        return None;
    }
    let mut members = Vec::with_capacity(24);
    crate::json_validate::validate(record, |name, value| members.push((name, value))).then_some(members)
}

fn write_member(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.push(b':');
    json::write_compact(out, value);
}

/// What the elements of a keyed array hold that is flattened too.
#[derive(Clone, Copy)]
enum Nested {
    None,
    /// A rule group: its rule lists are keyed by `ruleId`.
    RuleGroup,
}

/// `httpRequest`: its `headers` array becomes an object.
fn write_request(out: &mut Vec<u8>, request: &[u8]) {
    let Some(members) = members_of(request) else {
        json::write_compact(out, request);
        return;
    };
    out.push(b'{');
    for (i, &(name, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if name != b"\"headers\"" || !write_headers(out, name, value) {
            write_member(out, name, value);
        }
    }
    out.push(b'}');
}

/// `"headers":{name: value, …}` from `[{"name":…,"value":…}, …]`; false (nothing written)
/// when the array has another shape.
fn write_headers(out: &mut Vec<u8>, name: &[u8], headers: &[u8]) -> bool {
    let Some(elements) = elements(headers) else { return false };
    let mut groups: Vec<(&[u8], Vec<&[u8]>)> = Vec::with_capacity(elements.len());
    for element in &elements {
        let (mut header, mut value) = (None, None);
        let Some(members) = members_of(element.get().as_bytes()) else { return false };
        for (member, raw) in members {
            match member {
                b"\"name\"" => header = Some(raw),
                b"\"value\"" => value = Some(raw),
                _ => return false,
            }
        }
        let (Some(header), Some(value)) = (header, value) else { return false };
        if !header.starts_with(b"\"") {
            return false;
        }
        group(&mut groups, header, value);
    }
    out.extend_from_slice(name);
    out.push(b':');
    write_groups(out, &groups, json::write_compact);
    true
}

/// `"name":{key: {rest of the element}, …}` from an array of objects keyed by the first of
/// `keys` they hold; the array as it is when an element is not such an object.
fn keyed_member(out: &mut Vec<u8>, name: &[u8], array: &[u8], keys: &[&[u8]], nested: Nested) {
    let start = out.len();
    out.extend_from_slice(name);
    out.push(b':');
    if !write_keyed(out, array, keys, nested) {
        out.truncate(start);
        write_member(out, name, array);
    }
}

fn write_keyed(out: &mut Vec<u8>, array: &[u8], keys: &[&[u8]], nested: Nested) -> bool {
    let Some(elements) = elements(array) else { return false };
    let mut groups: Vec<(&[u8], Vec<&[u8]>)> = Vec::with_capacity(elements.len());
    for element in &elements {
        let element = element.get().as_bytes();
        let Some(members) = members_of(element) else { return false };
        let key = keys.iter().find_map(|k| members.iter().find(|(n, v)| n == k && v.starts_with(b"\"")));
        let Some(&(_, key)) = key else { return false };
        group(&mut groups, key, element);
    }
    write_groups(out, &groups, |out, element| write_without(out, element, keys, nested));
    true
}

/// An element without the member it is keyed by, its own rule lists keyed in turn.
fn write_without(out: &mut Vec<u8>, element: &[u8], keys: &[&[u8]], nested: Nested) {
    let members = members_of(element).unwrap_or_default();
    let used = keys.iter().find(|k| members.iter().any(|(n, v)| n == *k && v.starts_with(b"\"")));
    out.push(b'{');
    let mut first = true;
    for (name, value) in members.into_iter().filter(|(name, _)| used != Some(name)) {
        if !first {
            out.push(b',');
        }
        first = false;
        match (nested, name) {
            (Nested::RuleGroup, b"\"nonTerminatingMatchingRules\"" | b"\"excludedRules\"") => {
                keyed_member(out, name, value, &[b"\"ruleId\""], Nested::None)
            }
            _ => write_member(out, name, value),
        }
    }
    out.push(b'}');
}

/// The elements of an array, or `None` when `raw` is not an array.
fn elements(raw: &[u8]) -> Option<Vec<&RawValue>> {
    if raw.first() != Some(&b'[') {
        return None;
    }
    serde_json::from_slice(raw).ok()
}

fn group<'a>(groups: &mut Vec<(&'a [u8], Vec<&'a [u8]>)>, key: &'a [u8], value: &'a [u8]) {
    match groups.iter_mut().find(|(k, _)| *k == key) {
        Some((_, values)) => values.push(value),
        None => groups.push((key, vec![value])),
    }
}

/// `{key: value, …}`, a key seen more than once holding the array of its values.
fn write_groups(out: &mut Vec<u8>, groups: &[(&[u8], Vec<&[u8]>)], write: impl Fn(&mut Vec<u8>, &[u8])) {
    out.push(b'{');
    for (i, (key, values)) in groups.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(key);
        out.push(b':');
        if let [value] = values.as_slice() {
            write(out, value);
        } else {
            out.push(b'[');
            for (j, value) in values.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                write(out, value);
            }
            out.push(b']');
        }
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flattened(record: &str) -> serde_json::Value {
        let members = members_of(record.as_bytes()).unwrap();
        let mut out = b"{\"ddsource\":\"waf\"".to_vec();
        write_members(&mut out, &members, false);
        out.push(b'}');
        serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)))
    }

    #[test]
    fn headers_become_a_map_and_repeated_headers_keep_every_value() {
        let v = flattened(
            r#"{"timestamp":1,"httpRequest":{"clientIp":"1.2.3.4","headers":[{"name":"Host","value":"a"},{"name":"Cookie","value":"x=1"},{"name":"Cookie","value":"y=2"}],"uri":"/"}}"#,
        );
        assert_eq!(v["httpRequest"]["headers"]["Host"], "a");
        assert_eq!(v["httpRequest"]["headers"]["Cookie"], serde_json::json!(["x=1", "y=2"]));
        assert_eq!(v["httpRequest"]["clientIp"], "1.2.3.4");
        assert_eq!(v["timestamp"], 1);
    }

    #[test]
    fn rule_lists_are_keyed_by_rule() {
        let v = flattened(
            r#"{"ruleGroupList":[{"ruleGroupId":"AWS#AWSManagedRulesCommonRuleSet","terminatingRule":{"ruleId":"SizeRestrictions_BODY","action":"BLOCK"},"nonTerminatingMatchingRules":[{"ruleId":"R1","action":"COUNT"}],"excludedRules":[{"exclusionType":"EXCLUDED_AS_COUNT","ruleId":"R2"}]},{"ruleGroupId":"AWS#Other","terminatingRule":null,"nonTerminatingMatchingRules":[],"excludedRules":null}],
              "rateBasedRuleList":[{"rateBasedRuleId":"7c9","rateBasedRuleName":"Limit","limitKey":"IP","maxRateAllowed":100}],
              "nonTerminatingMatchingRules":[{"ruleId":"TestRule","action":"COUNT","ruleMatchDetails":[]}],"labels":[{"name":"a"}]}"#,
        );
        let group = &v["ruleGroupList"]["AWS#AWSManagedRulesCommonRuleSet"];
        assert_eq!(group["terminatingRule"]["ruleId"], "SizeRestrictions_BODY");
        assert_eq!(group["nonTerminatingMatchingRules"]["R1"]["action"], "COUNT");
        assert_eq!(group["excludedRules"]["R2"]["exclusionType"], "EXCLUDED_AS_COUNT");
        assert!(group.get("ruleGroupId").is_none());
        assert_eq!(v["ruleGroupList"]["AWS#Other"]["nonTerminatingMatchingRules"], serde_json::json!({}));
        assert_eq!(v["rateBasedRuleList"]["Limit"]["rateBasedRuleId"], "7c9");
        assert_eq!(v["rateBasedRuleList"]["Limit"]["maxRateAllowed"], 100);
        assert_eq!(v["nonTerminatingMatchingRules"]["TestRule"]["action"], "COUNT");
        assert_eq!(v["labels"], serde_json::json!([{"name": "a"}]), "other arrays stay");
    }

    #[test]
    fn unexpected_shapes_are_copied_as_they_are() {
        for record in [
            r#"{"httpRequest":{"headers":[{"name":"A"}]}}"#,
            r#"{"httpRequest":{"headers":"x"}}"#,
            r#"{"ruleGroupList":[1,2]}"#,
            r#"{"nonTerminatingMatchingRules":[{"action":"COUNT"}]}"#,
            r#"{"httpRequest":[1]}"#,
        ] {
            let original: serde_json::Value = serde_json::from_str(record).unwrap();
            let v = flattened(record);
            for (name, value) in original.as_object().unwrap() {
                assert_eq!(&v[name], value, "{record}");
            }
        }
    }

    #[test]
    fn a_clamped_record_keeps_its_own_timestamp() {
        let members = members_of(br#"{"timestamp":1576280412771,"action":"ALLOW"}"#).unwrap();
        let mut out = b"{\"timestamp\":\"now\"".to_vec();
        write_members(&mut out, &members, true);
        out.push(b'}');
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!((v["timestamp"].as_str(), v["original_timestamp"].as_u64()), (Some("now"), Some(1576280412771)));
    }
}
