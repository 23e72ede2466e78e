//! The rules `attach` and `detach` follow, as pure functions on [`Notifications`]: which
//! configuration is ours, when two configurations overlap (S3's own rule), and the merged
//! configuration that keeps every other one exactly as it was.

use super::notification::{Destination, Kind, Notifications};

/// The Id of our configuration without a key filter; with one, `security-log-forwarder-`
/// and 8 hex digits of the filter ([`our_id`]), so that one bucket can hold several of ours
/// (`.json.gz` for CloudTrail, `.log.gz` for flow logs…). The manual recipe's
/// `security-log-forwarder-…` Ids count as ours when they deliver to our function.
pub const OUR_ID: &str = "security-log-forwarder";

/// The event type we subscribe to.
pub const OUR_EVENT: &str = "s3:ObjectCreated:*";

/// Whether `d` is one of our function configurations: our Id and, when known, our
/// function's ARN — another function's `security-log-forwarder-x` is not ours.
pub fn is_ours(d: &Destination, function_arn: Option<&str>) -> bool {
    d.kind == Kind::Function
        && d.id.as_deref().is_some_and(|id| id == OUR_ID || id.strip_prefix(OUR_ID).is_some_and(|r| r.starts_with('-')))
        && function_arn.is_none_or(|arn| d.arn == arn)
}

/// The Id of our configuration with this key filter.
pub fn our_id(prefix: &str, suffix: &str) -> String {
    if prefix.is_empty() && suffix.is_empty() {
        return OUR_ID.to_owned();
    }
    // FNV-1a: stable across versions, so a second `attach` finds the same Id.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in prefix.bytes().chain([0]).chain(suffix.bytes()) {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{OUR_ID}-{hash:08x}")
}

/// Our configuration: `s3:ObjectCreated:*` to `function_arn`, with the key filter given.
pub fn ours(function_arn: &str, prefix: Option<&str>, suffix: Option<&str>) -> Destination {
    let rules: Vec<(String, String)> = [("prefix", prefix), ("suffix", suffix)]
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_owned(), value.filter(|v| !v.is_empty())?.to_owned())))
        .collect();
    let id = our_id(prefix.unwrap_or(""), suffix.unwrap_or(""));
    Destination {
        kind: Kind::Function,
        id: Some(id),
        arn: function_arn.to_owned(),
        events: vec![OUR_EVENT.to_owned()],
        filter: (!rules.is_empty()).then_some(rules),
    }
}

/// Whether two event types share events (`s3:ObjectCreated:*` covers `s3:ObjectCreated:Put`).
pub fn events_overlap(a: &str, b: &str) -> bool {
    let covers = |pattern: &str, event: &str| {
        pattern == event || pattern.strip_suffix('*').is_some_and(|stem| event.starts_with(stem))
    };
    covers(a, b) || covers(b, a)
}

/// S3's overlap rule: a shared event type, and prefixes of which one starts the other, and
/// suffixes of which one ends the other (an empty filter matches every key).
pub fn overlaps(a: &Destination, b: &Destination) -> bool {
    let (pa, pb) = (a.rule("prefix"), b.rule("prefix"));
    let (sa, sb) = (a.rule("suffix"), b.rule("suffix"));
    a.events.iter().any(|x| b.events.iter().any(|y| events_overlap(x, y)))
        && (pa.starts_with(pb) || pb.starts_with(pa))
        && (sa.ends_with(sb) || sb.ends_with(sa))
}

/// Whether `d` sends object-created events to the function `arn` (or, with only a name,
/// to the function of that name, any alias or version).
pub fn delivers_to(d: &Destination, function: &FunctionRef) -> bool {
    let target = match function {
        FunctionRef::Arn(arn) => d.arn == *arn,
        FunctionRef::Name(name) => {
            let after = d.arn.split_once(":function:").map_or("", |(_, rest)| rest);
            after.split(':').next() == Some(name.as_str())
        }
    };
    d.kind == Kind::Function && target && d.events.iter().any(|e| events_overlap(e, OUR_EVENT))
}

/// The function a check looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionRef {
    /// A full ARN (`--function-arn`).
    Arn(String),
    /// Only the name (inside Lambda, `AWS_LAMBDA_FUNCTION_NAME`).
    Name(String),
}

/// `current` with `ours` added: it replaces those of our configurations it overlaps (the
/// same filter again, or a changed one: S3 cannot hold both), at the first one's position;
/// our others (other prefixes or suffixes) and every other configuration stay untouched.
/// Fails with the other consumer's configuration that overlaps ours.
pub fn attach_function(current: &Notifications, ours: Destination) -> Result<Notifications, Box<Destination>> {
    let arn = ours.arn.clone();
    let mine = |d: &Destination| is_ours(d, Some(&arn));
    if let Some(other) = current.destinations.iter().find(|d| !mine(d) && overlaps(d, &ours)) {
        return Err(Box::new(other.clone()));
    }
    let mut merged = Notifications { destinations: Vec::new(), event_bridge: current.event_bridge };
    let mut ours = Some(ours);
    for d in &current.destinations {
        let replaced = mine(d) && ours.as_ref().is_none_or(|o| overlaps(d, o) || d.id == o.id);
        if !replaced {
            merged.destinations.push(d.clone());
        } else if let Some(ours) = ours.take() {
            merged.destinations.push(ours);
        }
    }
    merged.destinations.extend(ours);
    Ok(merged)
}

/// `current` with EventBridge delivery on and without our function configurations (the two
/// routes together would forward every object twice); the others untouched.
pub fn attach_event_bridge(current: &Notifications, function_arn: Option<&str>) -> Notifications {
    Notifications {
        destinations: current.destinations.iter().filter(|d| !is_ours(d, function_arn)).cloned().collect(),
        event_bridge: true,
    }
}

/// `current` without our configurations, nor (with `function_arn`) any function
/// configuration to that function. EventBridge delivery stays as it is: other consumers may
/// use it.
pub fn detach(current: &Notifications, function_arn: Option<&str>) -> Notifications {
    let remove = |d: &Destination| {
        is_ours(d, function_arn) || (d.kind == Kind::Function && Some(d.arn.as_str()) == function_arn)
    };
    Notifications {
        destinations: current.destinations.iter().filter(|d| !remove(d)).cloned().collect(),
        event_bridge: current.event_bridge,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FN: &str = "arn:aws:lambda:us-east-1:111122223333:function:security-log-forwarder";

    fn dest(kind: Kind, id: &str, events: &[&str], prefix: &str, suffix: &str) -> Destination {
        let rules: Vec<(String, String)> = [("Prefix", prefix), ("Suffix", suffix)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        Destination {
            kind,
            id: Some(id.to_owned()),
            arn: format!("arn:aws:sqs:us-east-1:111122223333:{id}"),
            events: events.iter().map(|e| e.to_string()).collect(),
            filter: (!rules.is_empty()).then_some(rules),
        }
    }

    fn others() -> Notifications {
        Notifications {
            destinations: vec![
                dest(Kind::Topic, "topic", &["s3:ObjectRemoved:*"], "", ""),
                dest(Kind::Queue, "siem", &["s3:ObjectCreated:*"], "siem/", ""),
                dest(Kind::Function, "other", &["s3:ObjectCreated:Put"], "", ".csv"),
            ],
            event_bridge: false,
        }
    }

    #[test]
    fn overlap_follows_s3s_rule() {
        assert!(events_overlap("s3:ObjectCreated:*", "s3:ObjectCreated:Put"));
        assert!(events_overlap("s3:ObjectCreated:Copy", "s3:ObjectCreated:*"));
        assert!(!events_overlap("s3:ObjectCreated:Put", "s3:ObjectCreated:Copy"));
        assert!(!events_overlap("s3:ObjectRemoved:*", "s3:ObjectCreated:*"));
        let ours = ours(FN, Some("AWSLogs/"), Some(".json.gz"));
        let created = ["s3:ObjectCreated:Put"];
        for (prefix, suffix, overlap) in [
            ("", "", true),
            ("AWSLogs/1/", "", true),
            ("AWS", ".gz", true),
            ("siem/", "", false),
            ("", ".csv", false),
            ("", "trail.json.gz", true),
        ] {
            assert_eq!(
                overlaps(&dest(Kind::Queue, "q", &created, prefix, suffix), &ours),
                overlap,
                "{prefix} {suffix}"
            );
        }
        assert!(!overlaps(&dest(Kind::Queue, "q", &["s3:ObjectRemoved:*"], "", ""), &ours));
    }

    #[test]
    fn attach_keeps_every_other_configuration_and_is_idempotent() {
        let current = Notifications { event_bridge: true, ..others() };
        let merged = attach_function(&current, ours(FN, Some("AWSLogs/"), None)).unwrap_err();
        assert_eq!(merged.id.as_deref(), Some("other"), "every .csv key under AWSLogs/ would go to both");
        let merged = attach_function(&current, ours(FN, None, Some(".json.gz"))).unwrap_err();
        assert_eq!(merged.id.as_deref(), Some("siem"), "siem/x.json.gz would go to both");
        let merged = attach_function(&current, ours(FN, Some("AWSLogs/"), Some(".json.gz"))).unwrap();
        assert_eq!(merged.destinations[..3], current.destinations[..]);
        assert_eq!(merged.destinations[3].id, Some(our_id("AWSLogs/", ".json.gz")));
        assert!(merged.event_bridge);
        assert_eq!(attach_function(&merged, ours(FN, Some("AWSLogs/"), Some(".json.gz"))).unwrap(), merged);
        // A new filter updates ours in place.
        let updated = attach_function(&merged, ours(FN, Some("AWSLogs/1/"), Some(".json.gz"))).unwrap();
        assert_eq!(updated.destinations.len(), 4);
        assert_eq!(updated.destinations[3].rule("prefix"), "AWSLogs/1/");
    }

    #[test]
    fn several_of_ours_on_one_bucket_matched_by_id_and_function() {
        let trail = attach_function(&others(), ours(FN, Some("AWSLogs/"), Some(".json.gz"))).unwrap();
        let both = attach_function(&trail, ours(FN, Some("AWSLogs/"), Some(".log.gz"))).unwrap();
        assert_eq!(both.destinations.len(), 5, "the second suffix keeps the first");
        assert_eq!(both.destinations[3], trail.destinations[3]);
        assert_eq!(attach_function(&both, ours(FN, Some("AWSLogs/"), Some(".log.gz"))).unwrap(), both);
        // Another function's configuration with a name like ours is not ours.
        let mut current = others();
        let other_fn = "arn:aws:lambda:us-east-1:111122223333:function:other";
        current
            .destinations
            .push(Destination { id: Some("security-log-forwarder-x".into()), ..ours(other_fn, Some("x/"), None) });
        let merged = attach_function(&current, ours(FN, Some("AWSLogs/"), Some(".gz"))).unwrap();
        assert!(merged.destinations.contains(&current.destinations[3]));
        assert_eq!(detach(&merged, Some(FN)), current);
        let clash = attach_function(&current, ours(FN, Some("x/"), Some(".gz"))).unwrap_err();
        assert_eq!(clash.id.as_deref(), Some("security-log-forwarder-x"));
        assert_ne!(our_id("a", "b"), our_id("ab", ""));
    }

    #[test]
    fn an_overlapping_consumer_is_named() {
        let mut current = others();
        current.destinations.push(dest(Kind::Queue, "all", &["s3:ObjectCreated:*"], "", ""));
        let other = attach_function(&current, ours(FN, Some("AWSLogs/"), Some(".json.gz"))).unwrap_err();
        assert_eq!(other.id.as_deref(), Some("all"));
        // Our own previous configuration (the manual recipe's Id) is replaced, not a conflict.
        let mut manual = ours(FN, None, Some(".json.gz"));
        manual.id = Some("security-log-forwarder-cloudtrail".into());
        let current = Notifications { destinations: vec![manual], event_bridge: false };
        let merged = attach_function(&current, ours(FN, None, Some(".json.gz"))).unwrap();
        assert_eq!(merged.destinations, vec![ours(FN, None, Some(".json.gz"))]);
    }

    #[test]
    fn event_bridge_and_detach_touch_only_ours() {
        let attached = attach_function(&others(), ours(FN, None, None)).unwrap_err();
        assert_eq!(attached.id.as_deref(), Some("siem"), "no filter overlaps the SIEM queue");
        let attached = attach_function(&others(), ours(FN, Some("AWSLogs/"), Some(".gz"))).unwrap();
        let via_bus = attach_event_bridge(&attached, None);
        assert_eq!(via_bus, Notifications { event_bridge: true, ..others() });
        assert_eq!(detach(&attached, None), others());
        let mut by_arn = others();
        by_arn.destinations.push(Destination { id: Some("custom".into()), ..ours(FN, Some("x/"), Some(".gz")) });
        assert_eq!(detach(&by_arn, None), by_arn);
        assert_eq!(detach(&by_arn, Some(FN)), others());
        assert_eq!(detach(&via_bus, Some(FN)), via_bus, "EventBridge delivery stays on");
    }

    #[test]
    fn delivery_to_a_function_by_arn_or_name() {
        let d = ours(FN, None, None);
        assert!(delivers_to(&d, &FunctionRef::Arn(FN.into())));
        assert!(delivers_to(&d, &FunctionRef::Name("security-log-forwarder".into())));
        assert!(!delivers_to(&d, &FunctionRef::Name("security-log".into())));
        let alias = Destination { arn: format!("{FN}:live"), ..d.clone() };
        assert!(delivers_to(&alias, &FunctionRef::Name("security-log-forwarder".into())));
        let removed = Destination { events: vec!["s3:ObjectRemoved:*".into()], ..d };
        assert!(!delivers_to(&removed, &FunctionRef::Arn(FN.into())));
    }
}
