//! Which row of the table of sources a CloudWatch Logs event belongs to, from its log group
//! and stream: one route per rule, tried in order (user rules from `DD_LOG_GROUP_RULES`
//! first), the first match wins. Patterns are globs (`*` matches any text), compared without
//! regard to case.
//!
//! A route names a row by its [`ObjectKind`], or — for kinds whose S3 reader lives in its own
//! row (VPC flow, WAF, Route 53) — by the row's name: when that row exists its reader builds
//! the log, as from S3; until then the events go as plain messages with the given source.

use std::borrow::Cow;

use super::object_kind::ObjectKind;
use super::sources::{Reader, RecordDate, Source, named, source};
use super::vpcflow::FlowFormat;

/// Where a route sends events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A row of the table, by kind.
    Kind(ObjectKind),
    /// A row of the table by name, with the source and service its events get while the table
    /// has no row of that name.
    Row {
        /// The row's name.
        name: &'static str,
        /// `ddsource` (and `service`) without the row.
        ddsource: &'static str,
        /// `service` without the row.
        service: &'static str,
    },
}

/// One routing rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRoute {
    /// Glob on the log group.
    pub group: Cow<'static, str>,
    /// Glob on the log stream.
    pub stream: Cow<'static, str>,
    /// The row its events belong to.
    pub to: Target,
    /// The fields of a VPC flow log group's lines, when a user rule names them (a group
    /// holds no header line): `vpc(version account-id … tcp-flags)`.
    pub(crate) flow: Option<FlowFormat>,
}

const fn route(group: &'static str, stream: &'static str, to: Target) -> LogRoute {
    LogRoute { group: Cow::Borrowed(group), stream: Cow::Borrowed(stream), to, flow: None }
}

const EKS: &str = "/aws/eks/*/cluster";
const VPC: Target = Target::Row { name: "vpc", ddsource: "vpc", service: "vpc" };
const WAF: Target = Target::Row { name: "waf", ddsource: "waf", service: "waf" };
const ROUTE53: Target = Target::Row { name: "route53", ddsource: "route53", service: "route53" };

/// The built-in routes, after the user's and before the fallback (`cloudwatch`).
pub const LOG_ROUTES: &[LogRoute] = &[
    route("*", "*_CloudTrail_*", Target::Kind(ObjectKind::CloudTrail)),
    route("*cloudtrail*", "*", Target::Kind(ObjectKind::CloudTrail)),
    route(EKS, "kube-apiserver-audit-*", Target::Kind(ObjectKind::EksAudit)),
    route(EKS, "kube-apiserver-*", Target::Kind(ObjectKind::EksApiServer)),
    route(EKS, "kube-scheduler-*", Target::Kind(ObjectKind::EksScheduler)),
    route(EKS, "kube-controller-manager-*", Target::Kind(ObjectKind::EksControllerManager)),
    route(EKS, "authenticator-*", Target::Kind(ObjectKind::EksAuthenticator)),
    route("aws-waf-logs-*", "*", WAF),
    route("*", "eni-*", VPC),
    route("*flow-log*", "*", VPC),
    route("*flowlog*", "*", VPC),
    route("/aws/route53*", "*", ROUTE53),
    route("/aws/lambda/*", "*", Target::Kind(ObjectKind::Lambda)),
];

/// Where the events of one log stream go.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The row's name (our logs, `doctor`).
    pub name: &'static str,
    /// `ddsource`.
    pub ddsource: &'static str,
    /// `service`.
    pub service: &'static str,
    /// The reader that builds each event's log.
    pub reader: Reader,
    /// Where a record's date is (for readers shared with S3).
    pub date: RecordDate,
}

impl Route {
    fn of_row(row: &'static Source) -> Self {
        Self { name: row.name, ddsource: row.ddsource, service: row.service, reader: row.reader, date: row.date }
    }
}

impl Target {
    /// The route this target resolves to in the current table.
    pub fn resolve(self) -> Route {
        match self {
            Self::Kind(kind) => Route::of_row(source(kind)),
            Self::Row { name, ddsource, service } => match named(name) {
                Some(row) => Route::of_row(row),
                None => Route { name, ddsource, service, reader: Reader::Events, date: RecordDate::Unknown },
            },
        }
    }
}

/// The routing rules in force: the user's, then the built-in ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogRoutes {
    user: Vec<LogRoute>,
}

/// A user rule that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error(
    "log group rule {rule:?}: {why}; expected GROUP_GLOB[:STREAM_GLOB]=SOURCE, e.g. /org/trail*=cloudtrail, /net/*:eni-*=vpc or /net/tgw=vpc(version interface-id srcaddr … start end)"
)]
pub struct RuleError {
    rule: String,
    why: String,
}

impl LogRoutes {
    /// Parses `DD_LOG_GROUP_RULES`: rules separated by `,` or `;`, each
    /// `GROUP_GLOB[:STREAM_GLOB]=SOURCE` where SOURCE names a row of the table of sources
    /// (`cloudtrail`, `eks-audit`, `lambda`, `cloudwatch`, …) or `vpc`, `waf`, `route53`; or
    /// `vpc(FIELD FIELD …)`, a flow log's custom format, its fields in order as AWS names them.
    pub fn parse(text: &str) -> Result<Self, RuleError> {
        let mut user = Vec::new();
        for rule in text.split([',', ';']).map(str::trim).filter(|r| !r.is_empty()) {
            let error = |why: &str| RuleError { rule: rule.to_owned(), why: why.to_owned() };
            let (pattern, name) = rule.rsplit_once('=').ok_or_else(|| error("no `=SOURCE`"))?;
            let (group, stream) = pattern.split_once(':').unwrap_or((pattern, "*"));
            if group.trim().is_empty() {
                return Err(error("empty group pattern"));
            }
            let (name, flow) = match name.trim().strip_suffix(')').and_then(|n| n.split_once('(')) {
                Some((name, fields)) if name.trim().eq_ignore_ascii_case("vpc") => {
                    let shaped = |w: &str| w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
                    if fields.split_ascii_whitespace().next().is_none() || !fields.split_ascii_whitespace().all(shaped)
                    {
                        return Err(error(
                            "the fields of vpc(…) are flow-log field names (version, srcaddr, tcp-flags…) separated by spaces",
                        ));
                    }
                    (name.trim(), Some(FlowFormat::of_fields(fields.split_ascii_whitespace())))
                }
                Some(_) => return Err(error("only vpc(…) takes fields")),
                None => (name.trim(), None),
            };
            let to = target_named(name).ok_or_else(|| error("unknown source"))?;
            user.push(LogRoute {
                group: Cow::Owned(group.trim().to_owned()),
                stream: Cow::Owned(stream.trim().to_owned()),
                to,
                flow,
            });
        }
        Ok(Self { user })
    }

    /// The route of events from `group` / `stream`.
    pub fn route(&self, group: &str, stream: &str) -> Route {
        self.matching(group, stream).map_or(Target::Kind(ObjectKind::CloudWatchLogs), |r| r.to).resolve()
    }

    /// The flow-log fields the rule matching `group` / `stream` names, if it names any.
    pub(crate) fn flow_format(&self, group: &str, stream: &str) -> Option<&FlowFormat> {
        self.matching(group, stream)?.flow.as_ref()
    }

    fn matching(&self, group: &str, stream: &str) -> Option<&LogRoute> {
        self.user.iter().chain(LOG_ROUTES).find(|r| glob(&r.group, group) && glob(&r.stream, stream))
    }
}

/// A user rule's target: a row's name, or one of the names the built-in routes use.
fn target_named(name: &str) -> Option<Target> {
    if let Some(row) = named(name) {
        return Some(Target::Kind(row.kind));
    }
    [VPC, WAF, ROUTE53].into_iter().find(|t| matches!(t, Target::Row { name: n, .. } if n.eq_ignore_ascii_case(name)))
}

/// Whether `text` matches `pattern`, where `*` matches any text; ASCII case is ignored.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi].eq_ignore_ascii_case(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*", ""));
        assert!(glob("/aws/eks/*/cluster", "/aws/eks/prod-1/cluster"));
        assert!(!glob("/aws/eks/*/cluster", "/aws/eks/prod-1/cluster-x"));
        assert!(glob("*_CloudTrail_*", "123456789012_CloudTrail_us-east-1"));
        assert!(glob("*cloudtrail*", "aws-CloudTrail-logs-1"));
        assert!(!glob("a*b", "ac"));
        assert!(glob("a*b*c", "axxbyybc"));
    }

    #[test]
    fn built_in_routes() {
        let routes = LogRoutes::default();
        for (group, stream, name, ddsource) in [
            (
                "aws-cloudtrail-logs-123456789123-3d5fa1b2",
                "123456789123_CloudTrail_us-east-1",
                "cloudtrail",
                "cloudtrail",
            ),
            ("CloudTrail/logs", "anything", "cloudtrail", "cloudtrail"),
            ("/org/trail", "123456789012_CloudTrail_eu-west-1_2", "cloudtrail", "cloudtrail"),
            ("/aws/eks/prod/cluster", "kube-apiserver-audit-0a1b2c", "eks-audit", "kubernetes.audit"),
            ("/aws/eks/prod/cluster", "kube-apiserver-0a1b2c", "eks-apiserver", "kube-apiserver"),
            ("/aws/eks/prod/cluster", "kube-scheduler-0a1b2c", "eks-scheduler", "kube_scheduler"),
            (
                "/aws/eks/prod/cluster",
                "kube-controller-manager-0a",
                "eks-controller-manager",
                "kube-controller-manager",
            ),
            ("/aws/eks/prod/cluster", "authenticator-0a1b2c", "eks-authenticator", "aws-iam-authenticator"),
            ("aws-waf-logs-prod", "us-east-1_prod_0", "waf", "waf"),
            ("/vpc/flow", "eni-0123456789abcdef0-all", "vpc", "vpc"),
            ("my-vpc-flow-logs", "x", "vpc", "vpc"),
            ("/aws/route53/example.com", "Z123/DFW3", "route53", "route53"),
            ("/aws/route53resolver/queries", "vpc-1", "route53", "route53"),
            ("/aws/lambda/checkout", "2026/11/24/[$LATEST]abc", "lambda", "lambda"),
            ("/ecs/app", "web/1", "cloudwatch", "cloudwatch"),
        ] {
            let route = routes.route(group, stream);
            assert_eq!((route.name, route.ddsource), (name, ddsource), "{group} {stream}");
        }
        assert_eq!(routes.route("/aws/eks/prod/cluster", "kube-apiserver-audit-1").reader, Reader::Events);
        assert_eq!(routes.route("x", "1_CloudTrail_x").reader, Reader::CloudTrail);
    }

    #[test]
    fn a_user_rule_names_a_flow_logs_fields() {
        let routes =
            LogRoutes::parse("/net/tgw*=vpc(version interface-id srcaddr dstaddr start end tcp-flags)").unwrap();
        assert_eq!(routes.route("/net/tgw-flows", "s").name, "vpc");
        let Some(FlowFormat::Custom(fields)) = routes.flow_format("/net/tgw-flows", "s") else { panic!("custom") };
        assert_eq!(fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().last(), Some(&"tcp_flags"));
        assert_eq!(routes.flow_format("/vpc/flow", "eni-1"), None, "built-in routes: the default format");
        for bad in ["/n=vpc()", "/n=vpc(Start)", "/n=waf(a b)", "/n=vpc(a,b)"] {
            assert!(LogRoutes::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_rules_come_first() {
        let routes =
            LogRoutes::parse(" /org/audit*=cloudtrail; /net/*:tgw-*=VPC,/aws/lambda/noisy=cloudwatch").unwrap();
        assert_eq!(routes.route("/org/audit-main", "s").name, "cloudtrail");
        assert_eq!(routes.route("/net/core", "tgw-attach-1").ddsource, "vpc");
        assert_eq!(routes.route("/net/core", "other").ddsource, "cloudwatch");
        assert_eq!(routes.route("/aws/lambda/noisy", "s").ddsource, "cloudwatch");
        assert_eq!(routes.route("/aws/lambda/other", "s").ddsource, "lambda");
        for bad in ["/x", "/x=nosuch", "=cloudtrail"] {
            let err = LogRoutes::parse(bad).unwrap_err().to_string();
            assert!(err.contains("GROUP_GLOB"), "{err}");
        }
        assert_eq!(LogRoutes::parse("").unwrap(), LogRoutes::default());
    }
}
