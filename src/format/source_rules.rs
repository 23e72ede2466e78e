//! What users say about keys we cannot guess (Firehose prefixes, renamed folders), and about
//! objects of no known kind: `DD_SOURCE_RULES` maps key patterns to a kind of the table of
//! sources or to a `source`/`service`, and `DD_UNKNOWN_OBJECTS` forwards or skips the rest.
//! Both are validated at start-up.

use super::object_kind::ObjectKind;
use super::sources::named;

/// Classification settings.
#[derive(Debug, Clone, Default)]
pub struct SourceSettings {
    /// `DD_SOURCE_RULES`, tried in order before the table.
    pub rules: Vec<SourceRule>,
    /// `DD_UNKNOWN_OBJECTS=skip`: skip (and count) objects of no known kind instead of
    /// forwarding their lines as `source:s3`.
    pub skip_unknown: bool,
}

/// One rule: keys matching `pattern` are of `target`.
#[derive(Debug, Clone)]
pub struct SourceRule {
    pattern: regex::Regex,
    /// What the matching keys are.
    pub target: RuleTarget,
}

/// What a rule says a key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleTarget {
    /// A kind of the table (by its name: `waf`, `elb`, `cloudtrail`…).
    Kind(ObjectKind),
    /// Logs of this `source` and `service`, read by the reader its first bytes call for
    /// (raw lines otherwise).
    Names {
        /// `ddsource`.
        source: String,
        /// `service`.
        service: String,
    },
}

/// How an object is to be read: its kind, and the names a rule gives its logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// The kind.
    pub kind: ObjectKind,
    /// `ddsource` and `service` from a rule, overriding the kind's.
    pub names: Option<(String, String)>,
}

impl SourceSettings {
    /// Parses `DD_SOURCE_RULES`: `pattern=target` pairs separated by `;` or new lines, where
    /// `pattern` is a key glob (`*` any run of characters, `/` included; `?` one character)
    /// matched against the whole key, and `target` a kind name or `source:NAME[,service:NAME]`.
    pub fn parse_rules(text: &str) -> Result<Vec<SourceRule>, String> {
        let mut rules = Vec::new();
        for pair in text.split([';', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
            let (glob, target) = pair.rsplit_once('=').ok_or_else(|| format!("`{pair}` is not pattern=target"))?;
            let (glob, target) = (glob.trim(), target.trim());
            if glob.is_empty() {
                return Err(format!("`{pair}` has an empty pattern"));
            }
            let target = match target.strip_prefix("source:") {
                Some(names) => {
                    let (source, service) = match names.split_once(",service:") {
                        Some((source, service)) => (source.trim(), service.trim()),
                        None => (names.trim(), names.trim()),
                    };
                    if source.is_empty() || service.is_empty() || source.contains(',') {
                        return Err(format!("`{target}` is not source:NAME[,service:NAME]"));
                    }
                    RuleTarget::Names { source: source.to_owned(), service: service.to_owned() }
                }
                None => match named(target) {
                    Some(row) => RuleTarget::Kind(row.kind),
                    None => {
                        return Err(format!(
                            "`{target}` is not a kind (waf, elb, route53, cloudfront, s3-access, network-firewall, cloudtrail, guardduty, lines…) nor source:NAME"
                        ));
                    }
                },
            };
            let pattern = regex::Regex::new(&glob_regex(glob)).map_err(|e| format!("`{glob}`: {e}"))?;
            rules.push(SourceRule { pattern, target });
        }
        Ok(rules)
    }

    /// The kind of the object at `key`: the first rule that matches, else the table; an
    /// object of no known kind is [`ObjectKind::Unknown`] when those are skipped (its first
    /// bytes are still looked at).
    pub fn classify(&self, key: &str) -> Classified {
        let rule = self.rules.iter().find(|rule| rule.pattern.is_match(key));
        let (kind, names) = match rule.map(|r| &r.target) {
            Some(RuleTarget::Kind(kind)) => (*kind, None),
            Some(RuleTarget::Names { source, service }) => (ObjectKind::Lines, Some((source.clone(), service.clone()))),
            None => (ObjectKind::of_key(key), None),
        };
        let kind = match kind {
            ObjectKind::Lines if self.skip_unknown && names.is_none() => ObjectKind::Unknown,
            kind => kind,
        };
        Classified { kind, names }
    }
}

/// A key glob as an anchored regular expression.
fn glob_regex(glob: &str) -> String {
    let mut regex = String::from("^");
    for c in glob.chars() {
        match c {
            '*' => regex.push_str(".*"),
            '?' => regex.push('.'),
            c => regex.push_str(&regex::escape(&c.to_string())),
        }
    }
    regex.push('$');
    regex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_map_keys_to_kinds_or_names() {
        let rules = SourceSettings::parse_rules(
            "firehose/acl-*/*=waf; lb/*.log.gz = elb\napp/*=source:myapp,service:web;legacy/*=source:legacy",
        )
        .unwrap();
        let settings = SourceSettings { rules, skip_unknown: true };
        assert_eq!(settings.classify("firehose/acl-prod/2026/11/24/x.gz").kind, ObjectKind::Waf);
        assert_eq!(settings.classify("lb/a/b.log.gz").kind, ObjectKind::LoadBalancer);
        let app = settings.classify("app/x.log");
        assert_eq!((app.kind, app.names), (ObjectKind::Lines, Some(("myapp".into(), "web".into()))));
        assert_eq!(settings.classify("legacy/x").names, Some(("legacy".into(), "legacy".into())));
        assert_eq!(settings.classify("other/x.log").kind, ObjectKind::Unknown);
        assert_eq!(SourceSettings::default().classify("other/x.log").kind, ObjectKind::Lines);
        assert_eq!(settings.classify("firehose/acl.gz").kind, ObjectKind::Unknown, "the glob is anchored");
    }

    #[test]
    fn bad_rules_are_refused() {
        for bad in ["waf", "=waf", "x/*=nosuchkind", "x/*=source:", "x/*=source:a,b"] {
            assert!(SourceSettings::parse_rules(bad).is_err(), "{bad}");
        }
        assert!(SourceSettings::parse_rules(" ; ").unwrap().is_empty());
    }
}
