//! A Security Hub event taken apart for one log per finding: the envelope members every log
//! keeps, the other members of `detail`, and the findings. The EventBridge `resources` list
//! (one ARN per finding of the event) is not repeated in each log: each finding has its `Id`.

use serde_json::value::RawValue;

use crate::fields::members;

/// The parts of a compact Security Hub event.
#[derive(Debug)]
pub(crate) struct SplitEvent<'a> {
    /// The top-level members but `detail` and `resources`, as `,"name":value…`.
    pub(crate) envelope: Vec<u8>,
    /// The members of `detail` but `findings`, as `"name":value,…`.
    pub(crate) detail: Vec<u8>,
    /// The elements of `detail.findings`.
    pub(crate) findings: Vec<&'a RawValue>,
}

impl<'a> SplitEvent<'a> {
    /// Takes apart a compact, valid event; `None` when it has no `detail.findings` list.
    pub(crate) fn read(compact: &'a [u8]) -> Option<Self> {
        let (mut envelope, mut detail_value) = (Vec::new(), None);
        members(compact, |name, value| match name {
            b"\"detail\"" => detail_value = Some(value),
            b"\"resources\"" => {}
            _ => push_member(&mut envelope, b",", name, value, b""),
        });
        let (mut detail, mut findings) = (Vec::new(), None);
        members(detail_value?, |name, value| match name {
            b"\"findings\"" => findings = Some(value),
            _ => push_member(&mut detail, b"", name, value, b","),
        });
        let findings: Vec<&'a RawValue> = serde_json::from_slice(findings?).ok()?;
        Some(Self { envelope, detail, findings })
    }
}

fn push_member(out: &mut Vec<u8>, before: &[u8], name: &[u8], value: &[u8], after: &[u8]) {
    out.extend_from_slice(before);
    out.extend_from_slice(name);
    out.push(b':');
    out.extend_from_slice(value);
    out.extend_from_slice(after);
}

/// Writes an ASFF finding (compact, valid) with its `Resources` list made queryable, as
/// Datadog's Forwarder does: `resources` keyed by each resource's `Type` (without it), so
/// `@detail.finding.resources.AwsS3Bucket.Id` is a facet. A type that repeats is keyed
/// `Type #2`, `Type #3`… so nothing is lost; a resource without a string `Type` is keyed
/// `Other`.
pub(crate) fn rewrite_asff(out: &mut Vec<u8>, finding: &[u8]) {
    let mut resources = None;
    out.push(b'{');
    members(finding, |name, value| {
        if name == b"\"Resources\"" && value.first() == Some(&b'[') {
            resources = Some(value);
        } else {
            push_member(out, b"", name, value, b",");
        }
    });
    let resources: Vec<&RawValue> = resources.and_then(|r| serde_json::from_slice(r).ok()).unwrap_or_default();
    if resources.is_empty() {
        if out.last() == Some(&b',') {
            out.pop();
        }
        out.push(b'}');
        return;
    }
    out.extend_from_slice(b"\"resources\":{");
    let mut seen: Vec<String> = Vec::new();
    for (i, resource) in resources.iter().enumerate() {
        let resource = resource.get().as_bytes();
        let mut kind = None;
        let mut rest = Vec::with_capacity(resource.len());
        let is_object = resource.first() == Some(&b'{');
        members(resource, |name, value| match serde_json::from_slice::<String>(value) {
            Ok(text) if name == b"\"Type\"" && kind.is_none() => kind = Some(text),
            _ => push_member(&mut rest, b",", name, value, b""),
        });
        let base = kind.unwrap_or_else(|| "Other".to_owned());
        let n = seen.iter().filter(|k| **k == base).count();
        seen.push(base.clone());
        let key = if n == 0 { base } else { format!("{base} #{}", n + 1) };
        if i > 0 {
            out.push(b',');
        }
        crate::json::write_str(out, &key);
        out.push(b':');
        if is_object {
            out.push(b'{');
            out.extend_from_slice(rest.get(1..).unwrap_or_default());
            out.push(b'}');
        } else {
            out.extend_from_slice(resource);
        }
    }
    out.extend_from_slice(b"}}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(finding: &str) -> serde_json::Value {
        let mut out = Vec::new();
        rewrite_asff(&mut out, finding.as_bytes());
        serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)))
    }

    #[test]
    fn resources_keyed_by_type() {
        let v = rewritten(r#"{"Id":"x","Resources":[{"Type":"AwsEc2Instance","Id":"i"},{"Id":"n"},3],"Title":"t"}"#);
        assert_eq!(
            v,
            serde_json::json!({"Id":"x","Title":"t","resources":{"AwsEc2Instance":{"Id":"i"},"Other":{"Id":"n"},"Other #2":3}})
        );
        assert_eq!(rewritten(r#"{"Id":"x","Resources":[]}"#), serde_json::json!({"Id":"x"}));
        assert_eq!(rewritten(r#"{"Resources":"odd"}"#), serde_json::json!({"Resources":"odd"}));
        assert_eq!(rewritten(r#"{}"#), serde_json::json!({}));
    }

    #[test]
    fn events_without_a_list_are_not_split() {
        assert!(SplitEvent::read(br#"{"detail":{"findings":{}}}"#).is_none());
        assert!(SplitEvent::read(br#"{"source":"x"}"#).is_none());
        let split =
            SplitEvent::read(br#"{"id":"e","resources":["a"],"detail":{"findings":[1,{}],"extra":true}}"#).unwrap();
        assert_eq!(
            (split.envelope.as_slice(), split.detail.as_slice()),
            (&br#","id":"e""#[..], &br#""extra":true,"#[..])
        );
        assert_eq!(split.findings.len(), 2);
    }
}
