//! Deterministic, realistic test data for benchmarks and load tests: CloudTrail log files or
//! GuardDuty findings exports, streamed to disk (a file is never held whole in memory).
//!
//! ```text
//! cargo run --release --example gen_data -- cloudtrail|guardduty SIZE_MB OUT_DIR
//!     [--records-per-file N] [--seed N] [--now 2026-11-24T12:00:00Z]
//! ```
//!
//! Writes files whose total *uncompressed* size is about SIZE_MB MiB (one file unless
//! `--records-per-file` is given), gzip level 6 as AWS writes them:
//!
//! - CloudTrail: `OUT_DIR/AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/
//!   123456789012_CloudTrail_us-east-1_20261124T1200Z_<16 chars>.json.gz`, `{"Records":[…]}`,
//!   records of 0.6–6 KB: IAM users, assumed roles (instance profiles, SSO, CI) and AWS
//!   services as callers; IPv4, IPv6 and service names as source addresses; about 10 % with
//!   `errorCode`/`errorMessage` and 2 % with non-ASCII text.
//! - GuardDuty: `OUT_DIR/AWSLogs/123456789012/GuardDuty/us-east-1/2026/11/24/<uuid>.jsonl.gz`,
//!   one finding per line (schema 2.0, 2–20 KB, severities 1–9.5, EC2, IAM and S3 findings).
//!
//! The content depends only on `--seed` (default 20261124) and the reference time `--now`
//! (default: the current time; event times fall within the hour before it, so that the
//! intake keeps them). Each file is written under a `.partial` name and renamed when
//! complete. Prints one `file …` line per file and a `total …` line.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fastrand::Rng;
use flate2::Compression;
use flate2::write::GzEncoder;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Duration, OffsetDateTime};

const ACCOUNT: &str = "123456789012";
const OTHER_ACCOUNT: &str = "210987654321";
const REGION: &str = "us-east-1";
const MIB: u64 = 1024 * 1024;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("gen_data: {err}");
            eprintln!(
                "usage: gen_data cloudtrail|guardduty SIZE_MB OUT_DIR [--records-per-file N] [--seed N] [--now RFC3339]"
            );
            ExitCode::from(2)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    CloudTrail,
    GuardDuty,
}

struct Args {
    kind: Kind,
    size_mb: f64,
    out_dir: PathBuf,
    records_per_file: Option<u64>,
    seed: u64,
    now: OffsetDateTime,
}

fn parse_args() -> Result<Args, String> {
    let mut positional = Vec::new();
    let mut records_per_file = None;
    let mut seed = 20261124;
    let mut now = OffsetDateTime::now_utc();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--records-per-file" => {
                let n: u64 = value(&arg)?.parse().map_err(|e| format!("--records-per-file: {e}"))?;
                if n == 0 {
                    return Err("--records-per-file must be at least 1".into());
                }
                records_per_file = Some(n);
            }
            "--seed" => seed = value(&arg)?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--now" => now = OffsetDateTime::parse(&value(&arg)?, &Rfc3339).map_err(|e| format!("--now: {e}"))?,
            "-h" | "--help" => return Err("help".into()),
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
            _ => positional.push(arg),
        }
    }
    let [kind, size, out_dir] = <[String; 3]>::try_from(positional).map_err(|_| "expected 3 arguments".to_owned())?;
    let kind = match kind.as_str() {
        "cloudtrail" => Kind::CloudTrail,
        "guardduty" => Kind::GuardDuty,
        other => return Err(format!("unknown kind `{other}` (cloudtrail or guardduty)")),
    };
    let size_mb: f64 = size.parse().map_err(|e| format!("SIZE_MB: {e}"))?;
    if size_mb.is_nan() || size_mb <= 0.0 {
        return Err("SIZE_MB must be positive".into());
    }
    Ok(Args { kind, size_mb, out_dir: PathBuf::from(out_dir), records_per_file, seed, now })
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let target = (args.size_mb * MIB as f64) as u64;
    let folder = args.out_dir.join(format!(
        "AWSLogs/{ACCOUNT}/{}/{REGION}/2026/11/24",
        if args.kind == Kind::CloudTrail { "CloudTrail" } else { "GuardDuty" }
    ));
    fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;

    let mut generator = Generator::new(args.seed, args.now);
    // File names come from their own generator so that files of different sizes written to
    // the same folder do not collide, while the content stays the same for a seed.
    let mut names = Rng::with_seed(args.seed ^ target.rotate_left(17) ^ ((args.kind as u64 + 1) * 0x9e37_79b9));
    let mut total = Totals::default();
    let mut file_index = 0u64;
    while total.raw < target {
        let name = match args.kind {
            Kind::CloudTrail => {
                let minutes = 12 * 60 + 5 * file_index;
                format!(
                    "{ACCOUNT}_CloudTrail_{REGION}_20261124T{:02}{:02}Z_{}.json.gz",
                    (minutes / 60) % 24,
                    minutes % 60,
                    alphanumeric(&mut names, 16)
                )
            }
            Kind::GuardDuty => format!("{}.jsonl.gz", uuid(&mut names)),
        };
        let path = folder.join(name);
        let limit = args.records_per_file.unwrap_or(u64::MAX);
        let file = write_file(&path, args.kind, &mut generator, target - total.raw, limit)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        println!("file {} records={} raw_bytes={} gz_bytes={}", path.display(), file.records, file.raw, file.gz);
        total.add(&file);
        file_index += 1;
    }
    println!(
        "total files={} records={} raw_bytes={} gz_bytes={} ratio={:.2}",
        file_index,
        total.records,
        total.raw,
        total.gz,
        total.raw as f64 / total.gz.max(1) as f64
    );
    Ok(())
}

#[derive(Default)]
struct Totals {
    records: u64,
    raw: u64,
    gz: u64,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.records += other.records;
        self.raw += other.raw;
        self.gz += other.gz;
    }
}

/// Writes one file of at most `max_records` records, stopping once `raw_budget`
/// uncompressed bytes are written.
fn write_file(
    path: &Path,
    kind: Kind,
    generator: &mut Generator,
    raw_budget: u64,
    max_records: u64,
) -> io::Result<Totals> {
    let partial = path.with_extension("gz.partial");
    let file = File::create(&partial)?;
    let mut gz = GzEncoder::new(BufWriter::with_capacity(1 << 20, file), Compression::new(6));
    let mut json = Json::default();
    let mut totals = Totals::default();
    let put = |gz: &mut GzEncoder<BufWriter<File>>, bytes: &[u8], totals: &mut Totals| -> io::Result<()> {
        gz.write_all(bytes)?;
        totals.raw += bytes.len() as u64;
        Ok(())
    };
    if kind == Kind::CloudTrail {
        put(&mut gz, b"{\"Records\":[", &mut totals)?;
    }
    while totals.raw < raw_budget && totals.records < max_records {
        json.clear();
        match kind {
            Kind::CloudTrail => {
                if totals.records > 0 {
                    json.buf.push(b',');
                }
                generator.cloudtrail_record(&mut json);
            }
            Kind::GuardDuty => {
                generator.finding(&mut json);
                json.buf.push(b'\n');
            }
        }
        put(&mut gz, &json.buf, &mut totals)?;
        totals.records += 1;
    }
    if kind == Kind::CloudTrail {
        put(&mut gz, b"]}", &mut totals)?;
    }
    let mut out = gz.finish()?;
    out.flush()?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    totals.gz = file.metadata()?.len();
    drop(file);
    fs::rename(&partial, path)?;
    Ok(totals)
}

// ---------------------------------------------------------------------------------------
// A small JSON writer that keeps member order (as AWS writes it) and places the commas.

#[derive(Default)]
struct Json {
    buf: Vec<u8>,
    /// One entry per open container: (is an array, has a member yet).
    open: Vec<(bool, bool)>,
    after_key: bool,
}

impl Json {
    fn clear(&mut self) {
        self.buf.clear();
        self.open.clear();
        self.after_key = false;
    }

    fn len(&self) -> usize {
        self.buf.len()
    }

    fn sep(&mut self) {
        if self.after_key {
            self.after_key = false;
        } else if let Some((_, has_member)) = self.open.last_mut() {
            if *has_member {
                self.buf.push(b',');
            }
            *has_member = true;
        }
    }

    fn key(&mut self, key: &str) -> &mut Self {
        self.sep();
        security_log_forwarder::internals::write_str(&mut self.buf, key);
        self.buf.push(b':');
        self.after_key = true;
        self
    }

    /// Opens an object in value position.
    fn obj(&mut self) -> &mut Self {
        self.sep();
        self.buf.push(b'{');
        self.open.push((false, false));
        self
    }

    /// Opens an array in value position.
    fn arr(&mut self) -> &mut Self {
        self.sep();
        self.buf.push(b'[');
        self.open.push((true, false));
        self
    }

    /// Closes the innermost object or array.
    fn end(&mut self) -> &mut Self {
        let (is_array, _) = self.open.pop().expect("an open container");
        self.buf.push(if is_array { b']' } else { b'}' });
        self
    }

    fn str(&mut self, value: &str) -> &mut Self {
        self.sep();
        security_log_forwarder::internals::write_str(&mut self.buf, value);
        self
    }

    fn num(&mut self, value: i64) -> &mut Self {
        self.sep();
        self.buf.extend_from_slice(value.to_string().as_bytes());
        self
    }

    fn float(&mut self, value: f64) -> &mut Self {
        self.sep();
        self.buf.extend_from_slice(format!("{value}").as_bytes());
        self
    }

    fn bool(&mut self, value: bool) -> &mut Self {
        self.sep();
        self.buf.extend_from_slice(if value { b"true" } else { b"false" });
        self
    }

    fn null(&mut self) -> &mut Self {
        self.sep();
        self.buf.extend_from_slice(b"null");
        self
    }

    // Members: a key and its value.
    fn s(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key).str(value)
    }
    fn n(&mut self, key: &str, value: i64) -> &mut Self {
        self.key(key).num(value)
    }
    fn f(&mut self, key: &str, value: f64) -> &mut Self {
        self.key(key).float(value)
    }
    fn b(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key).bool(value)
    }
    fn z(&mut self, key: &str) -> &mut Self {
        self.key(key).null()
    }
    fn o(&mut self, key: &str) -> &mut Self {
        self.key(key).obj()
    }
    fn a(&mut self, key: &str) -> &mut Self {
        self.key(key).arr()
    }
    /// `{"items":[` — the EC2 API's list shape; close with two `end()`s.
    fn items(&mut self, key: &str) -> &mut Self {
        self.o(key).a("items")
    }
}

// ---------------------------------------------------------------------------------------
// Random helpers.

const HEX: &[u8] = b"0123456789abcdef";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const KEY_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const TOKEN_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn from_set(rng: &mut Rng, set: &[u8], n: usize) -> String {
    (0..n).map(|_| set[rng.usize(..set.len())] as char).collect()
}

fn hex(rng: &mut Rng, n: usize) -> String {
    from_set(rng, HEX, n)
}

fn alphanumeric(rng: &mut Rng, n: usize) -> String {
    from_set(rng, ALNUM, n)
}

fn uuid(rng: &mut Rng) -> String {
    let variant = ['8', '9', 'a', 'b'][rng.usize(..4)];
    format!("{}-{}-4{}-{variant}{}-{}", hex(rng, 8), hex(rng, 4), hex(rng, 3), hex(rng, 3), hex(rng, 12))
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

/// Picks from `(item, weight)` pairs.
fn weighted<T: Copy>(rng: &mut Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.u32(..total);
    for &(item, w) in items {
        if x < w {
            return item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

fn chance(rng: &mut Rng, p: f64) -> bool {
    rng.f64() < p
}

fn ct_time(t: OffsetDateTime) -> String {
    t.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z")).expect("formattable time")
}

fn gd_time(t: OffsetDateTime) -> String {
    t.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"))
        .expect("formattable time")
}

/// Whether an instance type is an arm64 (Graviton) one: `c6g.xlarge`, `m7g.medium`.
fn graviton(instance_type: &str) -> bool {
    instance_type.split('.').next().is_some_and(|family| family.ends_with('g'))
}

fn public_ipv4(rng: &mut Rng) -> String {
    let first = *pick(rng, &[3u8, 13, 18, 34, 35, 44, 52, 54, 62, 81, 89, 92, 104, 138, 145, 176, 185, 193, 203, 212]);
    format!("{first}.{}.{}.{}", rng.u8(..), rng.u8(..), rng.u8(1..255))
}

fn ipv6(rng: &mut Rng) -> String {
    let prefix = *pick(rng, &["2600:1f18", "2a05:d018", "2001:67c", "2a02:8108", "2603:8080", "2406:da14"]);
    let groups: Vec<String> = (0..6).map(|_| format!("{:x}", rng.u16(..))).collect();
    format!("{prefix}:{}", groups.join(":"))
}

// ---------------------------------------------------------------------------------------
// Things that recur across records: principals, instances, buckets, keys, client addresses.

#[derive(Clone, Copy, PartialEq, Eq)]
enum RoleKind {
    /// EC2 instance profile: session name is the instance id.
    Instance,
    /// IAM Identity Center: session name is the person's e-mail address.
    Sso,
    /// CI / infrastructure as code.
    Ci,
    /// Lambda execution role: session name is the function name.
    Lambda,
}

struct Role {
    name: String,
    id: String,
    kind: RoleKind,
}

struct User {
    name: String,
    id: String,
    key: String,
}

struct Instance {
    id: String,
    ip: String,
    public_ip: String,
    subnet: String,
    vpc: String,
    az: &'static str,
    kind: &'static str,
    image: String,
    sg: String,
    sg_name: &'static str,
    eni: String,
    role: usize,
    name: String,
    launched: OffsetDateTime,
}

struct Pools {
    users: Vec<User>,
    roles: Vec<Role>,
    instances: Vec<Instance>,
    buckets: Vec<String>,
    kms_keys: Vec<String>,
    functions: Vec<String>,
    tables: Vec<String>,
    secrets: Vec<String>,
    people: Vec<String>,
    client_v4: Vec<String>,
    client_v6: Vec<String>,
    detector: String,
}

const PEOPLE: &[&str] = &[
    "alice.ng",
    "bob.okafor",
    "carol.smith",
    "dmitri.volkov",
    "erin.walsh",
    "farah.haddad",
    "gustavo.lima",
    "hana.kobayashi",
    "ivan.petrov",
    "julia.schmidt",
    "kwame.mensah",
    "li.wei",
    "maria.garcia",
    "noah.cohen",
    "olga.nowak",
    "priya.raman",
];
const USERS: &[&str] = &[
    "svc-backup",
    "svc-ci-deploy",
    "terraform",
    "datadog-integration",
    "legacy-etl",
    "s3-uploader",
    "break-glass-admin",
    "reporting",
    "svc-monitoring",
    "vendor-audit",
];
const ROLES: &[(&str, RoleKind)] = &[
    ("web-AppServerRole", RoleKind::Instance),
    ("batch-WorkerRole", RoleKind::Instance),
    ("eks-prod-NodeInstanceRole-1F3E8A2B7C9D", RoleKind::Instance),
    ("bastion-InstanceRole", RoleKind::Instance),
    ("AWSReservedSSO_AdministratorAccess_3f9c2e1a7b6d4e05", RoleKind::Sso),
    ("AWSReservedSSO_ReadOnlyAccess_8e7d6c5b4a392817", RoleKind::Sso),
    ("AWSReservedSSO_SecurityAudit_0a1b2c3d4e5f6789", RoleKind::Sso),
    ("GitHubActionsDeployRole", RoleKind::Ci),
    ("terraform-apply", RoleKind::Ci),
    ("orders-api-LambdaExecutionRole-7HX2M9Q4K1LZ", RoleKind::Lambda),
    ("ingest-LambdaRole-QW3E5R7T9Y1U", RoleKind::Lambda),
];
const BUCKETS: &[&str] = &[
    "acme-prod-data-lake",
    "acme-logs-123456789012-us-east-1",
    "acme-web-assets",
    "acme-backups-prod",
    "acme-analytics-raw",
    "acme-ml-training",
    "acme-terraform-state",
    "acme-partner-exchange",
    "cf-templates-1x2y3z4w5v6u-us-east-1",
    "aws-cloudtrail-logs-123456789012-4d5e6f7a",
];
const FUNCTIONS: &[&str] = &[
    "orders-api",
    "orders-worker",
    "ingest-normalizer",
    "thumbnailer",
    "nightly-report",
    "auth-authorizer",
    "billing-sync",
];
const TABLES: &[&str] = &["orders", "customers", "sessions", "inventory", "terraform-locks", "feature-flags"];
const SECRETS: &[&str] = &[
    "prod/orders/db",
    "prod/payments/stripe",
    "prod/datadog/api-key",
    "shared/github-deploy-key",
    "staging/orders/db",
];
const AZS: &[&str] = &["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1f"];
const INSTANCE_TYPES: &[&str] =
    &["t3.micro", "t3.large", "m6i.large", "m6i.2xlarge", "c6g.xlarge", "r6i.4xlarge", "m7g.medium", "g5.xlarge"];
const SG_NAMES: &[&str] = &["web-sg", "app-sg", "batch-sg", "eks-nodes-sg", "bastion-sg", "default"];
const INSTANCE_NAMES: &[&str] = &["web", "api", "batch", "eks-node", "bastion", "etl", "jenkins", "kafka"];

impl Pools {
    fn new(rng: &mut Rng, now: OffsetDateTime) -> Self {
        let vpcs: Vec<String> = (0..3).map(|_| format!("vpc-0{}", hex(rng, 16))).collect();
        let subnets: Vec<(String, usize)> = (0..9).map(|i| (format!("subnet-0{}", hex(rng, 16)), i % 3)).collect();
        let images: Vec<String> = (0..5).map(|_| format!("ami-0{}", hex(rng, 16))).collect();
        let sgs: Vec<String> = (0..SG_NAMES.len()).map(|_| format!("sg-0{}", hex(rng, 16))).collect();
        let roles: Vec<Role> = ROLES
            .iter()
            .map(|&(name, kind)| Role {
                name: name.to_owned(),
                id: format!("AROA{}", from_set(rng, KEY_CHARS, 17)),
                kind,
            })
            .collect();
        let instance_roles: Vec<usize> = (0..roles.len()).filter(|&i| roles[i].kind == RoleKind::Instance).collect();
        let instances = (0..96)
            .map(|i| {
                let (subnet, vpc) = pick(rng, &subnets).clone();
                Instance {
                    id: format!("i-0{}", hex(rng, 16)),
                    ip: format!("10.{}.{}.{}", vpc, rng.u8(0..64), rng.u8(4..255)),
                    public_ip: public_ipv4(rng),
                    subnet,
                    vpc: vpcs[vpc].clone(),
                    az: AZS[vpc % AZS.len()],
                    kind: pick::<&str>(rng, INSTANCE_TYPES),
                    image: pick(rng, &images).clone(),
                    sg: sgs[i % sgs.len()].clone(),
                    sg_name: SG_NAMES[i % SG_NAMES.len()],
                    eni: format!("eni-0{}", hex(rng, 16)),
                    role: *pick(rng, &instance_roles),
                    name: format!("{}-{}", INSTANCE_NAMES[i % INSTANCE_NAMES.len()], i / INSTANCE_NAMES.len() + 1),
                    launched: now - Duration::seconds(rng.i64(3600..90 * 86400)),
                }
            })
            .collect();
        Pools {
            users: USERS
                .iter()
                .chain(PEOPLE.iter().take(6))
                .map(|name| User {
                    name: (*name).to_owned(),
                    id: format!("AIDA{}", from_set(rng, KEY_CHARS, 17)),
                    key: format!("AKIA{}", from_set(rng, KEY_CHARS, 16)),
                })
                .collect(),
            roles,
            instances,
            buckets: BUCKETS.iter().map(|s| (*s).to_owned()).collect(),
            kms_keys: (0..8).map(|_| uuid(rng)).collect(),
            functions: FUNCTIONS.iter().map(|s| (*s).to_owned()).collect(),
            tables: TABLES.iter().map(|s| (*s).to_owned()).collect(),
            secrets: SECRETS.iter().map(|s| format!("{s}-{}", alphanumeric(rng, 6))).collect(),
            people: PEOPLE.iter().map(|p| format!("{p}@example.com")).collect(),
            client_v4: (0..300).map(|_| public_ipv4(rng)).collect(),
            client_v6: (0..60).map(|_| ipv6(rng)).collect(),
            detector: hex(rng, 32),
        }
    }
}

// ---------------------------------------------------------------------------------------
// CloudTrail.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ev {
    S3GetObject,
    S3PutObject,
    S3ListObjects,
    S3HeadObject,
    DescribeInstances,
    DescribeSecurityGroups,
    RunInstances,
    AuthorizeSecurityGroupIngress,
    CreateTags,
    CreateAccessKey,
    PutRolePolicy,
    AttachRolePolicy,
    ListUsers,
    AssumeRole,
    Decrypt,
    GetSecretValue,
    ConsoleLogin,
    UpdateFunctionConfiguration,
    UpdateInstanceInformation,
    CreateLogStream,
    LookupEvents,
    DescribeTable,
}

const EVENTS: &[(Ev, u32)] = &[
    (Ev::S3GetObject, 150),
    (Ev::S3PutObject, 60),
    (Ev::S3ListObjects, 40),
    (Ev::S3HeadObject, 40),
    (Ev::DescribeInstances, 70),
    (Ev::DescribeSecurityGroups, 30),
    (Ev::RunInstances, 8),
    (Ev::AuthorizeSecurityGroupIngress, 10),
    (Ev::CreateTags, 15),
    (Ev::CreateAccessKey, 3),
    (Ev::PutRolePolicy, 10),
    (Ev::AttachRolePolicy, 6),
    (Ev::ListUsers, 10),
    (Ev::AssumeRole, 110),
    (Ev::Decrypt, 120),
    (Ev::GetSecretValue, 40),
    (Ev::ConsoleLogin, 8),
    (Ev::UpdateFunctionConfiguration, 10),
    (Ev::UpdateInstanceInformation, 60),
    (Ev::CreateLogStream, 40),
    (Ev::LookupEvents, 12),
    (Ev::DescribeTable, 25),
];

struct Spec {
    source: &'static str,
    name: &'static str,
    read_only: bool,
    data: bool,
    /// About how many bytes one more item of the event's repeated part adds (0: none).
    grow: usize,
}

impl Ev {
    fn spec(self) -> Spec {
        let s = |source, name, read_only, data, grow| Spec { source, name, read_only, data, grow };
        match self {
            Ev::S3GetObject => s("s3.amazonaws.com", "GetObject", true, true, 0),
            Ev::S3PutObject => s("s3.amazonaws.com", "PutObject", false, true, 0),
            Ev::S3ListObjects => s("s3.amazonaws.com", "ListObjects", true, true, 0),
            Ev::S3HeadObject => s("s3.amazonaws.com", "HeadObject", true, true, 0),
            Ev::DescribeInstances => s("ec2.amazonaws.com", "DescribeInstances", true, false, 120),
            Ev::DescribeSecurityGroups => s("ec2.amazonaws.com", "DescribeSecurityGroups", true, false, 40),
            Ev::RunInstances => s("ec2.amazonaws.com", "RunInstances", false, false, 1500),
            Ev::AuthorizeSecurityGroupIngress => {
                s("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", false, false, 420)
            }
            Ev::CreateTags => s("ec2.amazonaws.com", "CreateTags", false, false, 55),
            Ev::CreateAccessKey => s("iam.amazonaws.com", "CreateAccessKey", false, false, 0),
            Ev::PutRolePolicy => s("iam.amazonaws.com", "PutRolePolicy", false, false, 250),
            Ev::AttachRolePolicy => s("iam.amazonaws.com", "AttachRolePolicy", false, false, 0),
            Ev::ListUsers => s("iam.amazonaws.com", "ListUsers", true, false, 0),
            Ev::AssumeRole => s("sts.amazonaws.com", "AssumeRole", true, false, 60),
            Ev::Decrypt => s("kms.amazonaws.com", "Decrypt", true, false, 75),
            Ev::GetSecretValue => s("secretsmanager.amazonaws.com", "GetSecretValue", true, false, 0),
            Ev::ConsoleLogin => s("signin.amazonaws.com", "ConsoleLogin", false, false, 0),
            Ev::UpdateFunctionConfiguration => {
                s("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", false, false, 230)
            }
            Ev::UpdateInstanceInformation => s("ssm.amazonaws.com", "UpdateInstanceInformation", false, false, 0),
            Ev::CreateLogStream => s("logs.amazonaws.com", "CreateLogStream", false, false, 0),
            Ev::LookupEvents => s("cloudtrail.amazonaws.com", "LookupEvents", true, false, 0),
            Ev::DescribeTable => s("dynamodb.amazonaws.com", "DescribeTable", true, false, 0),
        }
    }
}

const SDK_AGENTS: &[&str] = &[
    "aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/linux#6.1.115-126.197.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#amzn.2023 md/prompt#off md/command#s3.cp",
    "aws-cli/2.21.2 md/awscrt#0.22.0 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#ec2.describe-instances",
    "Boto3/1.35.68 md/Botocore#1.35.68 ua/2.0 os/linux#5.10.228-219.884.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.10 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.68",
    "aws-sdk-go-v2/1.32.5 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#arm64 api/s3#1.68.0 m/E,Z,g",
    "aws-sdk-java/2.29.20 Linux/6.1.112-122.189.amzn2023.aarch64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/legacy",
    "aws-sdk-js/3.699.0 ua/2.1 os/linux#5.10.227-239.884.amzn2.x86_64 lang/js md/nodejs#20.18.0 api/dynamodb#3.699.0 exec-env/AWS_Lambda_nodejs20.x m/N,E,e",
    "Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.78.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.5 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.193.0",
    "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.750 Linux/5.10.226-193.880.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.412-b09 java/1.8.0_412 vendor/Oracle_Corporation cfg/retry-mode/standard]",
];
const BROWSERS: &[&str] = &[
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
];
const SSM_AGENT: &str = "aws-sdk-go/1.55.5 (go1.22.7; linux; amd64) amazon-ssm-agent/3.3.1142.0";

/// Non-ASCII text that appears in names, tags and object keys.
const UNICODE: &[&str] = &[
    "Zoë",
    "東京",
    "München",
    "São Paulo",
    "Łódź",
    "データ",
    "résumé",
    "Ünïcödé ✓",
    "客户报告",
    "Δοκιμή",
    "naïve café",
];

/// Who made a call, as far as the rest of the record needs to know.
struct Who {
    arn: String,
    service: Option<&'static str>,
    console: bool,
    instance: Option<usize>,
}

struct Generator {
    rng: Rng,
    now: OffsetDateTime,
    pools: Pools,
    /// Whether the record being written carries non-ASCII text (where the event has a place
    /// for free text: object keys, tags, descriptions, encryption context).
    unicode: bool,
}

impl Generator {
    fn new(seed: u64, now: OffsetDateTime) -> Self {
        let now = now.to_offset(time::UtcOffset::UTC);
        let mut rng = Rng::with_seed(seed);
        let pools = Pools::new(&mut rng, now);
        Generator { rng, now, pools, unicode: false }
    }

    /// Free text: usually `ascii`, with non-ASCII words when the record is a non-ASCII one.
    fn text(&mut self, ascii: &str) -> String {
        if self.unicode { format!("{ascii}-{}", pick(&mut self.rng, UNICODE)) } else { ascii.to_owned() }
    }

    fn object_key(&mut self) -> String {
        let r = &mut self.rng;
        let prefix =
            *pick(r, &["raw/events", "exports/daily", "uploads", "models/checkpoints", "reports/finance", "tmp"]);
        let date = format!("year=2026/month=11/day={:02}", r.u8(1..25));
        let name = format!("part-{:05}-{}.{}", r.u32(..2000), uuid(r), pick(r, &["parquet", "json.gz", "csv", "bin"]));
        let folder = self.text(prefix);
        format!("{folder}/{date}/{name}")
    }

    fn cloudtrail_record(&mut self, j: &mut Json) {
        let target = (600.0 * 10f64.powf(self.rng.f64())) as usize;
        let ev = weighted(&mut self.rng, EVENTS);
        let start = j.len();
        let saved = self.rng.clone();
        self.write_record(j, ev, 0);
        let grow = ev.spec().grow;
        let len = j.len() - start;
        if grow > 0 && len < target && (target - len) / grow > 0 {
            self.rng = saved;
            j.buf.truncate(start);
            self.write_record(j, ev, (target - len) / grow);
        }
    }

    fn write_record(&mut self, j: &mut Json, ev: Ev, grow: usize) {
        let spec = ev.spec();
        let t = self.now - Duration::seconds(self.rng.i64(0..3600));
        self.unicode = chance(&mut self.rng, 0.04);
        let error = chance(&mut self.rng, if ev == Ev::ConsoleLogin { 0.2 } else { 0.1 });
        j.obj();
        j.s("eventVersion", if spec.data { "1.10" } else { "1.09" });
        let who = self.identity(j, ev, t);
        j.s("eventTime", &ct_time(t));
        j.s("eventSource", spec.source);
        j.s("eventName", spec.name);
        j.s("awsRegion", REGION);
        let (ip, agent) = self.origin(ev, &who);
        j.s("sourceIPAddress", &ip);
        j.s("userAgent", &agent);
        if error {
            let (code, message) = self.error(ev, &who);
            if !code.is_empty() {
                j.s("errorCode", code);
            }
            if !message.is_empty() {
                j.s("errorMessage", &message);
            }
        }
        self.parameters(j, ev, grow, error);
        j.s(
            "requestID",
            &if spec.data { from_set(&mut self.rng, b"0123456789ABCDEF", 16) } else { uuid(&mut self.rng) },
        );
        j.s("eventID", &uuid(&mut self.rng));
        j.b("readOnly", spec.read_only);
        self.resources(j, ev);
        j.s("eventType", if ev == Ev::ConsoleLogin { "AwsConsoleSignIn" } else { "AwsApiCall" });
        j.b("managementEvent", !spec.data);
        j.s("recipientAccountId", ACCOUNT);
        if who.service.is_some() && matches!(ev, Ev::AssumeRole | Ev::Decrypt) {
            j.s("sharedEventID", &uuid(&mut self.rng));
        }
        if spec.data && chance(&mut self.rng, 0.3) {
            j.s("vpcEndpointId", "vpce-0a1b2c3d4e5f60718");
            j.s("vpcEndpointAccountId", ACCOUNT);
        }
        j.s("eventCategory", if spec.data { "Data" } else { "Management" });
        if who.service.is_none() {
            let v13 = chance(&mut self.rng, 0.7);
            let host = match ev {
                Ev::ConsoleLogin => "signin.aws.amazon.com".to_owned(),
                Ev::S3GetObject | Ev::S3PutObject | Ev::S3HeadObject | Ev::S3ListObjects => {
                    format!("{}.s3.us-east-1.amazonaws.com", pick(&mut self.rng, &self.pools.buckets))
                }
                _ => format!("{}.us-east-1.amazonaws.com", spec.source.trim_end_matches(".amazonaws.com")),
            };
            j.o("tlsDetails")
                .s("tlsVersion", if v13 { "TLSv1.3" } else { "TLSv1.2" })
                .s("cipherSuite", if v13 { "TLS_AES_128_GCM_SHA256" } else { "ECDHE-RSA-AES128-GCM-SHA256" })
                .s("clientProvidedHostHeader", &host)
                .end();
        }
        if who.console && ev != Ev::ConsoleLogin {
            j.s("sessionCredentialFromConsole", "true");
        }
        j.end();
    }

    fn identity(&mut self, j: &mut Json, ev: Ev, t: OffsetDateTime) -> Who {
        #[derive(Clone, Copy)]
        enum Caller {
            User,
            Root,
            Role,
            Service,
        }
        let caller = match ev {
            Ev::ConsoleLogin => weighted(&mut self.rng, &[(Caller::User, 60), (Caller::Role, 35), (Caller::Root, 5)]),
            Ev::UpdateInstanceInformation | Ev::CreateLogStream => Caller::Role,
            Ev::Decrypt => weighted(&mut self.rng, &[(Caller::Service, 55), (Caller::Role, 45)]),
            Ev::AssumeRole => weighted(&mut self.rng, &[(Caller::Service, 40), (Caller::Role, 40), (Caller::User, 20)]),
            Ev::CreateAccessKey => {
                weighted(&mut self.rng, &[(Caller::User, 70), (Caller::Role, 25), (Caller::Root, 5)])
            }
            _ => weighted(
                &mut self.rng,
                &[(Caller::Role, 62), (Caller::User, 28), (Caller::Service, 8), (Caller::Root, 2)],
            ),
        };
        let account = ACCOUNT;
        match caller {
            Caller::Service => {
                let service = *pick(
                    &mut self.rng,
                    match ev {
                        Ev::Decrypt => &[
                            "s3.amazonaws.com",
                            "lambda.amazonaws.com",
                            "secretsmanager.amazonaws.com",
                            "logs.amazonaws.com",
                        ][..],
                        Ev::AssumeRole => &[
                            "ec2.amazonaws.com",
                            "lambda.amazonaws.com",
                            "ecs-tasks.amazonaws.com",
                            "sso.amazonaws.com",
                        ][..],
                        _ => &[
                            "cloudformation.amazonaws.com",
                            "autoscaling.amazonaws.com",
                            "config.amazonaws.com",
                            "elasticloadbalancing.amazonaws.com",
                        ][..],
                    },
                );
                j.o("userIdentity").s("type", "AWSService").s("invokedBy", service).end();
                Who {
                    arn: format!("arn:aws:iam::{account}:root"),
                    service: Some(service),
                    console: false,
                    instance: None,
                }
            }
            Caller::Root => {
                let console = ev == Ev::ConsoleLogin || chance(&mut self.rng, 0.7);
                let arn = format!("arn:aws:iam::{account}:root");
                j.o("userIdentity").s("type", "Root").s("principalId", account).s("arn", &arn).s("accountId", account);
                if ev != Ev::ConsoleLogin {
                    j.s("accessKeyId", &format!("ASIA{}", from_set(&mut self.rng, KEY_CHARS, 16)));
                    self.session_context(j, None, t, true);
                }
                j.end();
                Who { arn, service: None, console, instance: None }
            }
            Caller::User => {
                let user = self.rng.usize(..self.pools.users.len());
                let console = ev == Ev::ConsoleLogin || (user >= USERS.len() && chance(&mut self.rng, 0.5));
                let (name, id, key) = {
                    let u = &self.pools.users[user];
                    (u.name.clone(), u.id.clone(), u.key.clone())
                };
                let arn = format!("arn:aws:iam::{account}:user/{name}");
                j.o("userIdentity").s("type", "IAMUser").s("principalId", &id).s("arn", &arn).s("accountId", account);
                if ev != Ev::ConsoleLogin {
                    if console {
                        j.s("accessKeyId", &format!("ASIA{}", from_set(&mut self.rng, KEY_CHARS, 16)));
                    } else {
                        j.s("accessKeyId", &key);
                    }
                }
                j.s("userName", &name);
                if console && ev != Ev::ConsoleLogin {
                    self.session_context(j, None, t, true);
                }
                j.end();
                Who { arn, service: None, console, instance: None }
            }
            Caller::Role => {
                let candidates: Vec<usize> = (0..self.pools.roles.len())
                    .filter(|&i| {
                        let kind = self.pools.roles[i].kind;
                        match ev {
                            Ev::ConsoleLogin => kind == RoleKind::Sso,
                            Ev::UpdateInstanceInformation => kind == RoleKind::Instance,
                            Ev::CreateLogStream => matches!(kind, RoleKind::Lambda | RoleKind::Instance),
                            _ => true,
                        }
                    })
                    .collect();
                let role = *pick(&mut self.rng, &candidates);
                let kind = self.pools.roles[role].kind;
                let mut instance = None;
                let session = match kind {
                    RoleKind::Instance => {
                        let matching: Vec<usize> =
                            (0..self.pools.instances.len()).filter(|&i| self.pools.instances[i].role == role).collect();
                        let i = if matching.is_empty() {
                            self.rng.usize(..self.pools.instances.len())
                        } else {
                            *pick(&mut self.rng, &matching)
                        };
                        instance = Some(i);
                        self.pools.instances[i].id.clone()
                    }
                    RoleKind::Sso => pick(&mut self.rng, &self.pools.people).clone(),
                    RoleKind::Ci => {
                        if chance(&mut self.rng, 0.5) {
                            "GitHubActions".to_owned()
                        } else {
                            format!("terraform-run-{}", hex(&mut self.rng, 8))
                        }
                    }
                    RoleKind::Lambda => pick(&mut self.rng, &self.pools.functions).clone(),
                };
                let (name, id) = (self.pools.roles[role].name.clone(), self.pools.roles[role].id.clone());
                let arn = format!("arn:aws:sts::{account}:assumed-role/{name}/{session}");
                let console = kind == RoleKind::Sso && chance(&mut self.rng, 0.6);
                j.o("userIdentity")
                    .s("type", "AssumedRole")
                    .s("principalId", &format!("{id}:{session}"))
                    .s("arn", &arn)
                    .s("accountId", account);
                if ev != Ev::ConsoleLogin {
                    j.s("accessKeyId", &format!("ASIA{}", from_set(&mut self.rng, KEY_CHARS, 16)));
                    self.session_context(j, Some((&name, &id)), t, kind == RoleKind::Sso);
                }
                j.end();
                Who { arn, service: None, console, instance }
            }
        }
    }

    fn session_context(&mut self, j: &mut Json, issuer: Option<(&str, &str)>, t: OffsetDateTime, mfa: bool) {
        let created = t - Duration::seconds(self.rng.i64(0..3 * 3600));
        j.o("sessionContext");
        j.o("sessionIssuer");
        if let Some((name, id)) = issuer {
            j.s("type", "Role")
                .s("principalId", id)
                .s("arn", &format!("arn:aws:iam::{ACCOUNT}:role/{name}"))
                .s("accountId", ACCOUNT)
                .s("userName", name);
        }
        j.end();
        j.o("webIdFederationData").end();
        j.o("attributes")
            .s("creationDate", &ct_time(created))
            .s("mfaAuthenticated", if mfa { "true" } else { "false" })
            .end();
        if issuer.is_some_and(|(name, _)| ROLES.iter().any(|&(n, k)| n == name && k == RoleKind::Instance)) {
            j.s("ec2RoleDelivery", "2.0");
        }
        j.end();
    }

    /// `sourceIPAddress` and `userAgent`.
    fn origin(&mut self, ev: Ev, who: &Who) -> (String, String) {
        if let Some(service) = who.service {
            return (service.to_owned(), service.to_owned());
        }
        let r = &mut self.rng;
        let ip = match r.u32(..100) {
            // Calls from an instance come from its public address (or its NAT gateway's).
            0..=77 if who.instance.is_some() => self.pools.instances[who.instance.unwrap_or(0)].public_ip.clone(),
            0..=77 => pick(r, &self.pools.client_v4).clone(),
            78..=92 => pick(r, &self.pools.client_v6).clone(),
            _ => "AWS Internal".to_owned(),
        };
        let agent = if ev == Ev::UpdateInstanceInformation {
            SSM_AGENT.to_owned()
        } else if ev == Ev::ConsoleLogin || who.console {
            if ev == Ev::ConsoleLogin { pick(r, BROWSERS).to_string() } else { "AWS Internal".to_owned() }
        } else {
            pick(r, SDK_AGENTS).to_string()
        };
        (ip, agent)
    }

    fn error(&mut self, ev: Ev, who: &Who) -> (&'static str, String) {
        let spec = ev.spec();
        let prefix = spec.source.trim_end_matches(".amazonaws.com");
        let r = &mut self.rng;
        if ev == Ev::ConsoleLogin {
            return ("", "Failed authentication".to_owned());
        }
        match r.u32(..100) {
            0..=24 => {
                return match spec.source {
                    "ec2.amazonaws.com" => ("Client.RequestLimitExceeded", "Request limit exceeded.".to_owned()),
                    _ => ("ThrottlingException", "Rate exceeded".to_owned()),
                };
            }
            25..=44 => match ev {
                Ev::S3GetObject | Ev::S3HeadObject => {
                    return ("NoSuchKey", "The specified key does not exist.".to_owned());
                }
                Ev::GetSecretValue => {
                    return (
                        "ResourceNotFoundException",
                        "Secrets Manager can't find the specified secret.".to_owned(),
                    );
                }
                Ev::Decrypt => return ("InvalidCiphertextException", String::new()),
                Ev::DescribeTable => {
                    let table = pick(r, &self.pools.tables);
                    return (
                        "ResourceNotFoundException",
                        format!("Requested resource not found: Table: {table}-archive not found"),
                    );
                }
                Ev::PutRolePolicy | Ev::AttachRolePolicy => {
                    return ("NoSuchEntityException", "The role with name deploy-old cannot be found.".to_owned());
                }
                _ => {}
            },
            _ => {}
        }
        let resource = match spec.source {
            "s3.amazonaws.com" => return ("AccessDenied", "Access Denied".to_owned()),
            "ec2.amazonaws.com" => {
                let len = 400 + r.usize(..900);
                let encoded = from_set(r, ALNUM, len);
                return (
                    "Client.UnauthorizedOperation",
                    format!(
                        "You are not authorized to perform this operation. User: {} is not authorized to perform: ec2:{} on resource: arn:aws:ec2:{REGION}:{ACCOUNT}:instance/* because no identity-based policy allows the ec2:{} action. Encoded authorization failure message: {encoded}",
                        who.arn, spec.name, spec.name
                    ),
                );
            }
            "kms.amazonaws.com" => format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{}", pick(r, &self.pools.kms_keys)),
            "secretsmanager.amazonaws.com" => {
                format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{}", pick(r, &self.pools.secrets))
            }
            "dynamodb.amazonaws.com" => {
                format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{}", pick(r, &self.pools.tables))
            }
            "sts.amazonaws.com" => format!("arn:aws:iam::{OTHER_ACCOUNT}:role/OrganizationAccountAccessRole"),
            _ => format!("arn:aws:{prefix}:{REGION}:{ACCOUNT}:*"),
        };
        let action = spec.name.trim_end_matches("20150331v2");
        (
            "AccessDenied",
            format!(
                "User: {} is not authorized to perform: {prefix}:{action} on resource: {resource} because no identity-based policy allows the {prefix}:{action} action",
                who.arn
            ),
        )
    }

    /// `requestParameters`, `responseElements` and `additionalEventData`.
    fn parameters(&mut self, j: &mut Json, ev: Ev, grow: usize, error: bool) {
        match ev {
            Ev::S3GetObject | Ev::S3HeadObject | Ev::S3PutObject | Ev::S3ListObjects => {
                let bucket = pick(&mut self.rng, &self.pools.buckets).clone();
                let key = self.object_key();
                j.o("requestParameters")
                    .s("bucketName", &bucket)
                    .s("Host", &format!("{bucket}.s3.us-east-1.amazonaws.com"));
                match ev {
                    Ev::S3ListObjects => {
                        let prefix = key.rsplit_once('/').map_or("", |(p, _)| p).to_owned();
                        j.s("list-type", "2")
                            .s("prefix", &format!("{prefix}/"))
                            .s("delimiter", "/")
                            .s("encoding-type", "url");
                    }
                    Ev::S3PutObject => {
                        let kms = pick(&mut self.rng, &self.pools.kms_keys).clone();
                        j.s("key", &key).s("x-amz-server-side-encryption", "aws:kms").s(
                            "x-amz-server-side-encryption-aws-kms-key-id",
                            &format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{kms}"),
                        );
                        if chance(&mut self.rng, 0.3) {
                            j.s("x-amz-acl", "bucket-owner-full-control");
                        }
                    }
                    _ => {
                        j.s("key", &key);
                    }
                }
                j.end();
                if ev == Ev::S3PutObject && !error {
                    let kms = pick(&mut self.rng, &self.pools.kms_keys).clone();
                    j.o("responseElements")
                        .s("x-amz-server-side-encryption", "aws:kms")
                        .s(
                            "x-amz-server-side-encryption-aws-kms-key-id",
                            &format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{kms}"),
                        )
                        .s("x-amz-version-id", &alphanumeric(&mut self.rng, 32))
                        .end();
                } else {
                    j.z("responseElements");
                }
                let r = &mut self.rng;
                let (bytes_in, bytes_out) = match ev {
                    Ev::S3PutObject => (r.i64(100..50_000_000), 0),
                    Ev::S3GetObject => (0, r.i64(100..200_000_000)),
                    Ev::S3ListObjects => (0, r.i64(300..40_000)),
                    _ => (0, 0),
                };
                j.o("additionalEventData")
                    .s("SignatureVersion", "SigV4")
                    .s("CipherSuite", "TLS_AES_128_GCM_SHA256")
                    .n("bytesTransferredIn", bytes_in)
                    .s("AuthenticationMethod", "AuthHeader")
                    .s("x-amz-id-2", &from_set(r, TOKEN_CHARS, 76))
                    .n("bytesTransferredOut", bytes_out)
                    .end();
            }
            Ev::DescribeInstances => {
                j.o("requestParameters");
                j.items("instancesSet");
                if chance(&mut self.rng, 0.4) {
                    for _ in 0..self.rng.usize(1..4) {
                        let id = pick(&mut self.rng, &self.pools.instances).id.clone();
                        j.obj().s("instanceId", &id).end();
                    }
                }
                j.end().end();
                j.items("filterSet");
                let filters = if grow > 0 { grow } else { self.rng.usize(0..3) };
                for i in 0..filters {
                    j.obj();
                    match i % 4 {
                        0 => {
                            j.s("name", "instance-state-name")
                                .items("valueSet")
                                .obj()
                                .s("value", "running")
                                .end()
                                .end()
                                .end();
                        }
                        1 => {
                            let vpc = pick(&mut self.rng, &self.pools.instances).vpc.clone();
                            j.s("name", "vpc-id").items("valueSet").obj().s("value", &vpc).end().end().end();
                        }
                        2 => {
                            j.s("name", "tag:Name").items("valueSet");
                            for _ in 0..self.rng.usize(1..4) {
                                let name = pick(&mut self.rng, &self.pools.instances).name.clone();
                                j.obj().s("value", &name).end();
                            }
                            j.end().end();
                        }
                        _ => {
                            j.s("name", "instance-id").items("valueSet");
                            for _ in 0..self.rng.usize(1..3) {
                                let id = pick(&mut self.rng, &self.pools.instances).id.clone();
                                j.obj().s("value", &id).end();
                            }
                            j.end().end();
                        }
                    }
                    j.end();
                }
                j.end().end();
                j.end();
                j.z("responseElements");
            }
            Ev::DescribeSecurityGroups => {
                j.o("requestParameters");
                j.o("securityGroupSet").end();
                j.items("securityGroupIdSet");
                for _ in 0..(1 + grow) {
                    let sg = pick(&mut self.rng, &self.pools.instances).sg.clone();
                    j.obj().s("groupId", &sg).end();
                }
                j.end().end();
                j.o("filterSet").end();
                j.end();
                j.z("responseElements");
            }
            Ev::RunInstances => self.run_instances(j, grow, error),
            Ev::AuthorizeSecurityGroupIngress => {
                let sg = pick(&mut self.rng, &self.pools.instances).sg.clone();
                let rules: Vec<(i64, String, String)> = (0..1 + grow)
                    .map(|_| {
                        let port = *pick(&mut self.rng, &[22i64, 443, 80, 3389, 5432, 6379, 8080, 9200]);
                        let cidr = if chance(&mut self.rng, 0.2) {
                            "0.0.0.0/0".to_owned()
                        } else {
                            format!("{}/32", pick(&mut self.rng, &self.pools.client_v4))
                        };
                        (port, cidr, self.text("temporary access for incident review"))
                    })
                    .collect();
                j.o("requestParameters").s("groupId", &sg).items("ipPermissions");
                for (port, cidr, description) in &rules {
                    j.obj()
                        .s("ipProtocol", "tcp")
                        .n("fromPort", *port)
                        .n("toPort", *port)
                        .o("groups")
                        .end()
                        .items("ipRanges")
                        .obj()
                        .s("cidrIp", cidr)
                        .s("description", description)
                        .end()
                        .end()
                        .end()
                        .o("ipv6Ranges")
                        .end()
                        .o("prefixListIds")
                        .end()
                        .end();
                }
                j.end().end().end();
                if error {
                    j.z("responseElements");
                } else {
                    j.o("responseElements")
                        .s("requestId", &uuid(&mut self.rng))
                        .b("_return", true)
                        .items("securityGroupRuleSet");
                    for (port, cidr, description) in &rules {
                        let rule = format!("sgr-0{}", hex(&mut self.rng, 16));
                        j.obj()
                            .s("groupOwnerId", ACCOUNT)
                            .s("groupId", &sg)
                            .s("securityGroupRuleId", &rule)
                            .b("isEgress", false)
                            .s("ipProtocol", "tcp")
                            .n("fromPort", *port)
                            .n("toPort", *port)
                            .s("cidrIpv4", cidr)
                            .s("description", description)
                            .end();
                    }
                    j.end().end().end();
                }
            }
            Ev::CreateTags => {
                j.o("requestParameters").items("resourcesSet");
                let id = pick(&mut self.rng, &self.pools.instances).id.clone();
                j.obj().s("resourceId", &id).end();
                j.end().end().items("tagSet");
                let tags = [
                    ("Owner", "platform-team"),
                    ("CostCenter", "cc-1042"),
                    ("Environment", "prod"),
                    ("Project", "orders"),
                ];
                for i in 0..(1 + self.rng.usize(0..3) + grow) {
                    let (key, value) = tags[i % tags.len()];
                    let key = if i < tags.len() { key.to_owned() } else { format!("{key}{}", i / tags.len()) };
                    let value = self.text(value);
                    j.obj().s("key", &key).s("value", &value).end();
                }
                j.end().end().end();
                if error {
                    j.z("responseElements");
                } else {
                    j.o("responseElements").s("requestId", &uuid(&mut self.rng)).b("_return", true).end();
                }
            }
            Ev::CreateAccessKey => {
                let user = pick(&mut self.rng, &self.pools.users).name.clone();
                j.o("requestParameters").s("userName", &user).end();
                if error {
                    j.z("responseElements");
                } else {
                    let key = format!("AKIA{}", from_set(&mut self.rng, KEY_CHARS, 16));
                    let created = self.now - Duration::seconds(self.rng.i64(0..3600));
                    j.o("responseElements")
                        .o("accessKey")
                        .s("userName", &user)
                        .s("accessKeyId", &key)
                        .s("status", "Active")
                        .s("createDate", &ct_time(created))
                        .end()
                        .end();
                }
            }
            Ev::PutRolePolicy => {
                let role = pick(&mut self.rng, &self.pools.roles).name.clone();
                let mut policy = Json::default();
                policy.obj().s("Version", "2012-10-17").a("Statement");
                for i in 0..(1 + grow) {
                    let bucket = pick(&mut self.rng, &self.pools.buckets).clone();
                    let actions: &[&str] = match i % 3 {
                        0 => &["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                        1 => &["kms:Decrypt", "kms:GenerateDataKey"],
                        _ => &["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
                    };
                    policy.obj().s("Sid", &format!("Stmt{}", 1700000000 + i)).s("Effect", "Allow").a("Action");
                    for a in actions {
                        policy.str(a);
                    }
                    policy
                        .end()
                        .a("Resource")
                        .str(&format!("arn:aws:s3:::{bucket}"))
                        .str(&format!("arn:aws:s3:::{bucket}/*"))
                        .end();
                    if i % 2 == 1 {
                        policy.o("Condition").o("StringEquals").s("aws:PrincipalOrgID", "o-a1b2c3d4e5").end().end();
                    }
                    policy.end();
                }
                policy.end().end();
                let document = String::from_utf8(policy.buf).expect("UTF-8");
                j.o("requestParameters")
                    .s("roleName", &role)
                    .s("policyName", "inline-access")
                    .s("policyDocument", &document)
                    .end();
                j.z("responseElements");
            }
            Ev::AttachRolePolicy => {
                let role = pick(&mut self.rng, &self.pools.roles).name.clone();
                let policy = *pick(
                    &mut self.rng,
                    &[
                        "AdministratorAccess",
                        "ReadOnlyAccess",
                        "AmazonS3FullAccess",
                        "SecurityAudit",
                        "AmazonSSMManagedInstanceCore",
                    ],
                );
                j.o("requestParameters")
                    .s("roleName", &role)
                    .s("policyArn", &format!("arn:aws:iam::aws:policy/{policy}"))
                    .end();
                j.z("responseElements");
            }
            Ev::ListUsers => {
                if chance(&mut self.rng, 0.5) {
                    j.o("requestParameters").n("maxItems", 100).end();
                } else {
                    j.z("requestParameters");
                }
                j.z("responseElements");
            }
            Ev::AssumeRole => {
                let role = pick(&mut self.rng, &self.pools.roles).name.clone();
                let account = if chance(&mut self.rng, 0.15) { OTHER_ACCOUNT } else { ACCOUNT };
                let session = pick(
                    &mut self.rng,
                    &["botocore-session-1732449601", "GitHubActions", "aws-go-sdk-1732449602", "i-0d1c4a"],
                )
                .to_string();
                j.o("requestParameters")
                    .s("roleArn", &format!("arn:aws:iam::{account}:role/{role}"))
                    .s("roleSessionName", &session)
                    .n("durationSeconds", *pick(&mut self.rng, &[900i64, 3600, 43200]));
                if grow > 0 {
                    j.a("tags");
                    for i in 0..grow {
                        let team = *pick(&mut self.rng, &["platform", "payments", "security", "data"]);
                        let value = self.text(team);
                        j.obj().s("key", &format!("team-tag-{i}")).s("value", &value).end();
                    }
                    j.end();
                }
                j.end();
                if error {
                    j.z("responseElements");
                } else {
                    let expires = (self.now + Duration::hours(1))
                        .format(format_description!(
                            "[month repr:short] [day padding:none], [year], [hour repr:12 padding:none]:[minute]:[second] [period]"
                        ))
                        .expect("formattable time");
                    let key = format!("ASIA{}", from_set(&mut self.rng, KEY_CHARS, 16));
                    let token_len = 400 + self.rng.usize(..700);
                    let token = format!("IQoJb3JpZ2luX2VjE{}", from_set(&mut self.rng, TOKEN_CHARS, token_len));
                    let role_id = format!("AROA{}", from_set(&mut self.rng, KEY_CHARS, 17));
                    j.o("responseElements")
                        .o("credentials")
                        .s("accessKeyId", &key)
                        .s("sessionToken", &token)
                        .s("expiration", &expires)
                        .end()
                        .o("assumedRoleUser")
                        .s("assumedRoleId", &format!("{role_id}:{session}"))
                        .s("arn", &format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"))
                        .end()
                        .end();
                }
            }
            Ev::Decrypt => {
                j.o("requestParameters").o("encryptionContext");
                match self.rng.u32(..3) {
                    0 => {
                        let f = pick(&mut self.rng, &self.pools.functions).clone();
                        j.s("aws:lambda:FunctionArn", &format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{f}"));
                    }
                    1 => {
                        let bucket = pick(&mut self.rng, &self.pools.buckets).clone();
                        let key = self.object_key();
                        j.s("aws:s3:arn", &format!("arn:aws:s3:::{bucket}/{key}"));
                    }
                    _ => {
                        let secret = pick(&mut self.rng, &self.pools.secrets).clone();
                        j.s("SecretARN", &format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret}"))
                            .s("SecretVersionId", &uuid(&mut self.rng));
                    }
                }
                for i in 0..grow {
                    let area = *pick(&mut self.rng, &["orders", "invoices", "customer-exports", "audit"]);
                    let value = self.text(area);
                    j.s(&format!("app:context-{i}"), &format!("{value}/{}", hex(&mut self.rng, 12)));
                }
                j.end().s("encryptionAlgorithm", "SYMMETRIC_DEFAULT").end();
                j.z("responseElements");
            }
            Ev::GetSecretValue => {
                let secret = pick(&mut self.rng, &self.pools.secrets).clone();
                j.o("requestParameters")
                    .s("secretId", &format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret}"))
                    .end();
                j.z("responseElements");
            }
            Ev::ConsoleLogin => {
                j.z("requestParameters");
                j.o("responseElements").s("ConsoleLogin", if error { "Failure" } else { "Success" }).end();
                let mfa = chance(&mut self.rng, 0.8);
                j.o("additionalEventData")
                    .s("LoginTo", "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_a1b2c3d4e5f60718")
                    .s("MobileVersion", "No")
                    .s("MFAUsed", if mfa { "Yes" } else { "No" })
                    .end();
            }
            Ev::UpdateFunctionConfiguration => self.update_function(j, grow, error),
            Ev::UpdateInstanceInformation => {
                let i = self.rng.usize(..self.pools.instances.len());
                let inst = &self.pools.instances[i];
                let (id, ip, az, name) = (inst.id.clone(), inst.ip.clone(), inst.az, inst.name.clone());
                j.o("requestParameters")
                    .s("instanceId", &id)
                    .s("agentVersion", "3.3.1142.0")
                    .s("agentStatus", "Active")
                    .s("platformType", "Linux")
                    .s("platformName", "Amazon Linux")
                    .s("platformVersion", "2023")
                    .s("iPAddress", &ip)
                    .s("computerName", &format!("ip-{}.ec2.internal", ip.replace('.', "-")))
                    .s("agentName", "amazon-ssm-agent")
                    .s("availabilityZone", az)
                    .s("availabilityZoneId", &format!("use1-az{}", az.as_bytes()[az.len() - 1] - b'a' + 1))
                    .s("sSMConnectionChannel", "ssmmessages")
                    .s("hostname", &name)
                    .end();
                j.z("responseElements");
            }
            Ev::CreateLogStream => {
                let f = pick(&mut self.rng, &self.pools.functions).clone();
                let stream = format!("2026/11/24/[$LATEST]{}", hex(&mut self.rng, 32));
                j.o("requestParameters")
                    .s("logGroupName", &format!("/aws/lambda/{f}"))
                    .s("logStreamName", &stream)
                    .end();
                j.z("responseElements");
            }
            Ev::LookupEvents => {
                let name = pick(&mut self.rng, EVENTS).0.spec().name;
                j.o("requestParameters")
                    .a("lookupAttributes")
                    .obj()
                    .s("attributeKey", "EventName")
                    .s("attributeValue", name)
                    .end()
                    .end()
                    .n("maxResults", 50)
                    .end();
                j.z("responseElements");
            }
            Ev::DescribeTable => {
                let table = pick(&mut self.rng, &self.pools.tables).clone();
                j.o("requestParameters").s("tableName", &table).end();
                j.z("responseElements");
            }
        }
    }

    fn run_instances(&mut self, j: &mut Json, grow: usize, error: bool) {
        let count = 1 + grow;
        let template = self.rng.usize(..self.pools.instances.len());
        let (image, kind, subnet, sg, sg_name, az, vpc, role) = {
            let t = &self.pools.instances[template];
            (t.image.clone(), t.kind, t.subnet.clone(), t.sg.clone(), t.sg_name, t.az, t.vpc.clone(), t.role)
        };
        let role = self.pools.roles[role].name.clone();
        let name = self.text("orders-worker");
        j.o("requestParameters")
            .items("instancesSet")
            .obj()
            .s("imageId", &image)
            .n("minCount", count as i64)
            .n("maxCount", count as i64)
            .end()
            .end()
            .end()
            .s("userData", "<sensitiveDataRemoved>")
            .s("instanceType", kind)
            .o("blockDeviceMapping")
            .end()
            .o("monitoring")
            .b("enabled", false)
            .end()
            .b("disableApiTermination", false)
            .b("disableApiStop", false)
            .s("clientToken", &uuid(&mut self.rng))
            .o("iamInstanceProfile")
            .s("arn", &format!("arn:aws:iam::{ACCOUNT}:instance-profile/{role}"))
            .end()
            .items("tagSpecificationSet")
            .obj()
            .s("resourceType", "instance")
            .items("tags")
            .obj()
            .s("key", "Name")
            .s("value", &name)
            .end()
            .end()
            .end()
            .end()
            .end()
            .end()
            .o("metadataOptions")
            .s("httpTokens", "required")
            .n("httpPutResponseHopLimit", 2)
            .end()
            .end();
        if error {
            j.z("responseElements");
            return;
        }
        let launch = ct_time(self.now - Duration::seconds(self.rng.i64(0..3600)));
        j.o("responseElements")
            .s("requestId", &uuid(&mut self.rng))
            .s("reservationId", &format!("r-0{}", hex(&mut self.rng, 16)))
            .s("ownerId", ACCOUNT)
            .o("groupSet")
            .end()
            .items("instancesSet");
        for index in 0..count {
            let id = format!("i-0{}", hex(&mut self.rng, 16));
            let ip = format!("10.0.{}.{}", self.rng.u8(..64), self.rng.u8(4..255));
            let eni = format!("eni-0{}", hex(&mut self.rng, 16));
            let dns = format!("ip-{}.ec2.internal", ip.replace('.', "-"));
            j.obj()
                .s("instanceId", &id)
                .s("imageId", &image)
                .s("currentInstanceBootMode", "uefi")
                .o("instanceState")
                .n("code", 0)
                .s("name", "pending")
                .end()
                .s("privateDnsName", &dns)
                .n("amiLaunchIndex", index as i64)
                .o("productCodes")
                .end()
                .s("instanceType", kind)
                .s("launchTime", &launch)
                .o("placement")
                .s("availabilityZone", az)
                .s("tenancy", "default")
                .end()
                .o("monitoring")
                .s("state", "disabled")
                .end()
                .s("subnetId", &subnet)
                .s("vpcId", &vpc)
                .s("privateIpAddress", &ip)
                .o("stateReason")
                .s("code", "pending")
                .s("message", "pending")
                .end()
                .s("architecture", if graviton(kind) { "arm64" } else { "x86_64" })
                .s("rootDeviceType", "ebs")
                .s("rootDeviceName", "/dev/xvda")
                .o("blockDeviceMapping")
                .end()
                .s("virtualizationType", "hvm")
                .s("hypervisor", "xen")
                .items("tagSet")
                .obj()
                .s("key", "Name")
                .s("value", &name)
                .end()
                .end()
                .end()
                .items("groupSet")
                .obj()
                .s("groupId", &sg)
                .s("groupName", sg_name)
                .end()
                .end()
                .end()
                .b("sourceDestCheck", true)
                .items("networkInterfaceSet")
                .obj()
                .s("networkInterfaceId", &eni)
                .s("subnetId", &subnet)
                .s("vpcId", &vpc)
                .o("ownerId")
                .end()
                .s("status", "in-use")
                .s(
                    "macAddress",
                    &format!(
                        "0e:{}:{}:{}:{}:{}",
                        hex(&mut self.rng, 2),
                        hex(&mut self.rng, 2),
                        hex(&mut self.rng, 2),
                        hex(&mut self.rng, 2),
                        hex(&mut self.rng, 2)
                    ),
                )
                .s("privateIpAddress", &ip)
                .s("privateDnsName", &dns)
                .b("sourceDestCheck", true)
                .items("groupSet")
                .obj()
                .s("groupId", &sg)
                .s("groupName", sg_name)
                .end()
                .end()
                .end()
                .o("attachment")
                .s("attachmentId", &format!("eni-attach-0{}", hex(&mut self.rng, 16)))
                .n("deviceIndex", 0)
                .n("networkCardIndex", 0)
                .s("status", "attaching")
                .n("attachTime", 1_795_000_000_000 + self.rng.i64(..1_000_000))
                .b("deleteOnTermination", true)
                .end()
                .items("privateIpAddressesSet")
                .obj()
                .s("privateIpAddress", &ip)
                .s("privateDnsName", &dns)
                .b("primary", true)
                .end()
                .end()
                .end()
                .o("ipv6AddressesSet")
                .end()
                .s("interfaceType", "interface")
                .end()
                .end()
                .end()
                .b("ebsOptimized", false)
                .b("enaSupport", true)
                .o("cpuOptions")
                .n("coreCount", 1)
                .n("threadsPerCore", 2)
                .end()
                .o("capacityReservationSpecification")
                .s("capacityReservationPreference", "open")
                .end()
                .o("enclaveOptions")
                .b("enabled", false)
                .end()
                .o("metadataOptions")
                .s("state", "pending")
                .s("httpTokens", "required")
                .n("httpPutResponseHopLimit", 2)
                .s("httpEndpoint", "enabled")
                .s("httpProtocolIpv4", "enabled")
                .s("httpProtocolIpv6", "disabled")
                .s("instanceMetadataTags", "disabled")
                .end()
                .o("privateDnsNameOptions")
                .s("hostnameType", "ip-name")
                .b("enableResourceNameDnsARecord", false)
                .b("enableResourceNameDnsAAAARecord", false)
                .end()
                .o("maintenanceOptions")
                .s("autoRecovery", "default")
                .end()
                .end();
        }
        j.end().end().s("requesterId", "940372691376").end();
    }

    fn update_function(&mut self, j: &mut Json, grow: usize, error: bool) {
        let f = pick(&mut self.rng, &self.pools.functions).clone();
        let memory = *pick(&mut self.rng, &[128i64, 256, 512, 1024, 2048]);
        let timeout = *pick(&mut self.rng, &[3i64, 30, 60, 300, 900]);
        let layers: Vec<String> = (0..self.rng.usize(0..2) + grow)
            .map(|i| {
                format!(
                    "arn:aws:lambda:{REGION}:{}:layer:{}:{}",
                    if i % 2 == 0 { "464622532012" } else { ACCOUNT },
                    ["Datadog-Extension-ARM", "shared-utils", "otel-collector"][i % 3],
                    10 + i
                )
            })
            .collect();
        j.o("requestParameters").s("functionName", &f).n("memorySize", memory).n("timeout", timeout);
        j.o("environment").end();
        if !layers.is_empty() {
            j.a("layers");
            for l in &layers {
                j.str(l);
            }
            j.end();
        }
        j.end();
        if error {
            j.z("responseElements");
            return;
        }
        let role =
            self.pools.roles.iter().find(|r| r.kind == RoleKind::Lambda).map(|r| r.name.clone()).unwrap_or_default();
        let description = self.text("Handles order events");
        let subnets: Vec<String> = (0..2).map(|_| pick(&mut self.rng, &self.pools.instances).subnet.clone()).collect();
        let sg = pick(&mut self.rng, &self.pools.instances).sg.clone();
        j.o("responseElements")
            .s("functionName", &f)
            .s("functionArn", &format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{f}"))
            .s("runtime", pick::<&str>(&mut self.rng, &["python3.12", "nodejs20.x", "provided.al2023", "java21"]))
            .s("role", &format!("arn:aws:iam::{ACCOUNT}:role/{role}"))
            .s("handler", "app.handler")
            .n("codeSize", self.rng.i64(10_000..50_000_000))
            .s("description", &description)
            .n("timeout", timeout)
            .n("memorySize", memory)
            .s("lastModified", &format!("{}.000+0000", ct_time(self.now).trim_end_matches('Z')))
            .s("codeSha256", &from_set(&mut self.rng, TOKEN_CHARS, 43))
            .s("version", "$LATEST")
            .o("vpcConfig")
            .a("subnetIds")
            .str(&subnets[0])
            .str(&subnets[1])
            .end()
            .a("securityGroupIds")
            .str(&sg)
            .end()
            .b("ipv6AllowedForDualStack", false)
            .end()
            .o("environment")
            .end()
            .o("tracingConfig")
            .s("mode", "PassThrough")
            .end()
            .s("revisionId", &uuid(&mut self.rng));
        j.a("layers");
        for l in &layers {
            let size = self.rng.i64(1_000..40_000_000);
            j.obj().s("arn", l).n("codeSize", size).end();
        }
        j.end()
            .s("state", "Active")
            .s("lastUpdateStatus", "InProgress")
            .s("lastUpdateStatusReason", "The function is being created.")
            .s("lastUpdateStatusReasonCode", "Creating")
            .s("packageType", "Zip")
            .a("architectures")
            .str("arm64")
            .end()
            .o("ephemeralStorage")
            .n("size", 512)
            .end()
            .o("snapStart")
            .s("applyOn", "None")
            .s("optimizationStatus", "Off")
            .end()
            .o("runtimeVersionConfig")
            .s("runtimeVersionArn", &format!("arn:aws:lambda:{REGION}::runtime:{}", hex(&mut self.rng, 64)))
            .end()
            .o("loggingConfig")
            .s("logFormat", "Text")
            .s("logGroup", &format!("/aws/lambda/{f}"))
            .end()
            .end();
    }

    fn resources(&mut self, j: &mut Json, ev: Ev) {
        let r = &mut self.rng;
        let list: Vec<(String, &str, Option<&str>)> = match ev {
            Ev::S3GetObject | Ev::S3PutObject | Ev::S3HeadObject => {
                let bucket = pick(r, &self.pools.buckets);
                vec![
                    (format!("arn:aws:s3:::{bucket}/{}", hex(r, 12)), "AWS::S3::Object", None),
                    (format!("arn:aws:s3:::{bucket}"), "AWS::S3::Bucket", Some(ACCOUNT)),
                ]
            }
            Ev::S3ListObjects => {
                vec![(format!("arn:aws:s3:::{}", pick(r, &self.pools.buckets)), "AWS::S3::Bucket", Some(ACCOUNT))]
            }
            Ev::Decrypt => vec![(
                format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{}", pick(r, &self.pools.kms_keys)),
                "AWS::KMS::Key",
                Some(ACCOUNT),
            )],
            Ev::AssumeRole => {
                let role = &pick(r, &self.pools.roles).name;
                vec![(format!("arn:aws:iam::{ACCOUNT}:role/{role}"), "AWS::IAM::Role", Some(ACCOUNT))]
            }
            Ev::DescribeTable => vec![(
                format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{}", pick(r, &self.pools.tables)),
                "AWS::DynamoDB::Table",
                Some(ACCOUNT),
            )],
            _ => return,
        };
        j.a("resources");
        for (arn, kind, account) in list {
            j.obj();
            if let Some(account) = account {
                j.s("accountId", account);
            }
            j.s("type", kind).s("ARN", &arn).end();
        }
        j.end();
    }
}

// ---------------------------------------------------------------------------------------
// GuardDuty.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Res {
    Instance,
    AccessKey,
    /// Instance credentials used from elsewhere: the access key and the instance.
    AccessKeyAndInstance,
    S3,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Act {
    PortProbe,
    Inbound(i64, &'static str),
    Outbound(i64, &'static str),
    Dns,
    ApiCall,
}

struct FindingType {
    name: &'static str,
    resource: Res,
    action: Act,
    severity: (f64, f64),
    title: &'static str,
    description: &'static str,
    feature: &'static str,
}

const FINDING_TYPES: &[(FindingType, u32)] = &[
    (
        FindingType {
            name: "Recon:EC2/PortProbeUnprotectedPort",
            resource: Res::Instance,
            action: Act::PortProbe,
            severity: (2.0, 5.0),
            title: "Unprotected port on EC2 instance {instance} is being probed.",
            description: "EC2 instance has an unprotected port which is being probed by a known malicious host.",
            feature: "FlowLogs",
        },
        30,
    ),
    (
        FindingType {
            name: "UnauthorizedAccess:EC2/SSHBruteForce",
            resource: Res::Instance,
            action: Act::Inbound(22, "SSH"),
            severity: (2.0, 5.0),
            title: "{ip} is performing SSH brute force attacks against {instance}.",
            description: "{ip} is performing SSH brute force attacks against {instance}. Brute force attacks are used to gain unauthorized access to your instance by guessing the SSH password.",
            feature: "FlowLogs",
        },
        20,
    ),
    (
        FindingType {
            name: "UnauthorizedAccess:EC2/RDPBruteForce",
            resource: Res::Instance,
            action: Act::Inbound(3389, "RDP"),
            severity: (2.0, 5.0),
            title: "{ip} is performing RDP brute force attacks against {instance}.",
            description: "{ip} is performing RDP brute force attacks against {instance}. Brute force attacks are used to gain unauthorized access to your instance by guessing the RDP password.",
            feature: "FlowLogs",
        },
        6,
    ),
    (
        FindingType {
            name: "Recon:EC2/Portscan",
            resource: Res::Instance,
            action: Act::Outbound(445, "SMB"),
            severity: (5.0, 5.0),
            title: "EC2 instance {instance} is performing outbound port scans against remote host {ip}.",
            description: "EC2 instance {instance} is performing outbound port scans against remote host {ip}.",
            feature: "FlowLogs",
        },
        5,
    ),
    (
        FindingType {
            name: "CryptoCurrency:EC2/BitcoinTool.B!DNS",
            resource: Res::Instance,
            action: Act::Dns,
            severity: (8.0, 8.0),
            title: "Bitcoin-related domain name queried by EC2 instance {instance}.",
            description: "EC2 instance {instance} is querying a domain name that is associated with Bitcoin-related activity.",
            feature: "DnsLogs",
        },
        6,
    ),
    (
        FindingType {
            name: "Backdoor:EC2/C&CActivity.B!DNS",
            resource: Res::Instance,
            action: Act::Dns,
            severity: (8.0, 8.0),
            title: "Command and Control server domain name queried by EC2 instance {instance}.",
            description: "EC2 instance {instance} is querying a domain name associated with a known Command & Control server.",
            feature: "DnsLogs",
        },
        4,
    ),
    (
        FindingType {
            name: "Trojan:EC2/DNSDataExfiltration",
            resource: Res::Instance,
            action: Act::Dns,
            severity: (8.0, 8.0),
            title: "Data exfiltration through DNS queries from EC2 instance {instance}.",
            description: "EC2 instance {instance} is attempting to exfiltrate data by performing DNS queries.",
            feature: "DnsLogs",
        },
        3,
    ),
    (
        FindingType {
            name: "UnauthorizedAccess:EC2/TorClient",
            resource: Res::Instance,
            action: Act::Outbound(9001, "Unknown"),
            severity: (8.0, 8.0),
            title: "EC2 instance {instance} is communicating with Tor Entry node {ip}.",
            description: "EC2 instance {instance} is communicating with IP address {ip} on the Tor Anonymizing Proxy network marked as an Entry node.",
            feature: "FlowLogs",
        },
        3,
    ),
    (
        FindingType {
            name: "Impact:EC2/AbusedDomainRequest.Reputation",
            resource: Res::Instance,
            action: Act::Dns,
            severity: (5.0, 5.0),
            title: "EC2 instance {instance} is querying a low reputation domain name that is associated with known abused domains.",
            description: "EC2 instance {instance} is querying a low reputation domain name that is associated with known abused domains.",
            feature: "DnsLogs",
        },
        5,
    ),
    (
        FindingType {
            name: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
            resource: Res::AccessKeyAndInstance,
            action: Act::ApiCall,
            severity: (8.0, 8.0),
            title: "Credentials for instance role {user} used from external IP address.",
            description: "Credentials created exclusively for an EC2 instance using instance role {user} have been used from external IP address {ip}.",
            feature: "CloudTrail",
        },
        3,
    ),
    (
        FindingType {
            name: "Discovery:IAMUser/AnomalousBehavior",
            resource: Res::AccessKey,
            action: Act::ApiCall,
            severity: (2.0, 5.0),
            title: "The API {api} was invoked using {user} credentials.",
            description: "APIs commonly used in Discovery tactics were invoked by user {user} under unusual circumstances. Such activity is not typically seen from this user.",
            feature: "CloudTrail",
        },
        6,
    ),
    (
        FindingType {
            name: "Policy:IAMUser/RootCredentialUsage",
            resource: Res::AccessKey,
            action: Act::ApiCall,
            severity: (1.0, 2.0),
            title: "API {api} was invoked using root credentials.",
            description: "API {api} was invoked using root credentials from IP address {ip}.",
            feature: "CloudTrail",
        },
        3,
    ),
    (
        FindingType {
            name: "Stealth:IAMUser/CloudTrailLoggingDisabled",
            resource: Res::AccessKey,
            action: Act::ApiCall,
            severity: (2.0, 2.0),
            title: "AWS CloudTrail trail {bucket}-trail was disabled.",
            description: "The API DeleteTrail was invoked by {user} from IP address {ip}, disabling CloudTrail logging.",
            feature: "CloudTrail",
        },
        2,
    ),
    (
        FindingType {
            name: "PenTest:IAMUser/KaliLinux",
            resource: Res::AccessKey,
            action: Act::ApiCall,
            severity: (5.0, 5.0),
            title: "API {api} was invoked from a Kali Linux computer.",
            description: "API {api} was invoked by {user} from a Kali Linux computer with IP address {ip}.",
            feature: "CloudTrail",
        },
        2,
    ),
    (
        FindingType {
            name: "Discovery:S3/MaliciousIPCaller",
            resource: Res::S3,
            action: Act::ApiCall,
            severity: (5.0, 8.0),
            title: "The S3 API {api} was invoked from a known malicious IP address {ip}.",
            description: "An API was used to discover S3 resources in bucket {bucket} from a known malicious IP address {ip}.",
            feature: "S3DataEvents",
        },
        4,
    ),
    (
        FindingType {
            name: "Exfiltration:S3/AnomalousBehavior",
            resource: Res::S3,
            action: Act::ApiCall,
            severity: (7.0, 8.9),
            title: "Anomalous S3 data reads from bucket {bucket}.",
            description: "The S3 API {api} was invoked by {user} in an anomalous way, reading an unusual amount of data from bucket {bucket}.",
            feature: "S3DataEvents",
        },
        2,
    ),
    (
        FindingType {
            name: "AttackSequence:IAM/CompromisedCredentials",
            resource: Res::AccessKey,
            action: Act::ApiCall,
            severity: (9.0, 9.5),
            title: "Potential credential compromise of {user} indicated by a sequence of actions.",
            description: "A sequence of actions involving 4 signals indicating a possible credential compromise of {user} was observed.",
            feature: "CloudTrail",
        },
        1,
    ),
    (
        FindingType {
            name: "CryptoCurrency:Runtime/BitcoinTool.B",
            resource: Res::Instance,
            action: Act::Outbound(3333, "Unknown"),
            severity: (8.0, 8.0),
            title: "A process in EC2 instance {instance} is communicating with a Bitcoin-related IP address {ip}.",
            description: "A process running on EC2 instance {instance} is communicating with IP address {ip}, which is associated with cryptocurrency-related activity.",
            feature: "RuntimeMonitoring",
        },
        2,
    ),
];

/// (ASN, ASN organisation, ISP).
const NETWORKS: &[(&str, &str, &str)] = &[
    ("14061", "DIGITALOCEAN-ASN", "DigitalOcean"),
    ("16276", "OVH SAS", "OVHcloud"),
    ("4134", "Chinanet", "China Telecom"),
    ("9009", "M247 Europe SRL", "M247 Europe"),
    ("63949", "Akamai Connected Cloud", "Linode"),
    ("45090", "Shenzhen Tencent Computer Systems Company Limited", "Tencent Cloud"),
    ("212238", "Datacamp Limited", "CDN77"),
    ("60068", "Datacamp Limited", "Datacamp"),
];
/// (city, country, latitude, longitude); the last entries have non-ASCII names.
const PLACES: &[(&str, &str, f64, f64)] = &[
    ("Amsterdam", "Netherlands", 52.3759, 4.8975),
    ("Frankfurt am Main", "Germany", 50.1188, 8.6843),
    ("Singapore", "Singapore", 1.2897, 103.8501),
    ("Shanghai", "China", 31.2222, 121.4581),
    ("Clifton", "United States", 40.8364, -74.1403),
    ("Moscow", "Russia", 55.7522, 37.6156),
    ("Bucharest", "Romania", 44.4323, 26.1063),
    ("Seoul", "South Korea", 37.566, 126.9784),
    ("São Paulo", "Brazil", -23.5475, -46.6361),
    ("Zürich", "Switzerland", 47.3667, 8.55),
    ("Kraków", "Poland", 50.0614, 19.9366),
];
const ASCII_PLACES: usize = 8;
const DOMAINS: &[(&str, &str)] = &[
    ("xmr.pool.minergate.com", "minergate.com"),
    ("pool.supportxmr.com", "supportxmr.com"),
    ("guarddutyc2activityb.com", "guarddutyc2activityb.com"),
    ("a3f9c1.exfil-dns-tunnel.net", "exfil-dns-tunnel.net"),
    ("update.windows-telemetry.xyz", "windows-telemetry.xyz"),
];
const API_CALLS: &[(&str, &str)] = &[
    ("ListBuckets", "s3.amazonaws.com"),
    ("GetObject", "s3.amazonaws.com"),
    ("DescribeInstances", "ec2.amazonaws.com"),
    ("ListUsers", "iam.amazonaws.com"),
    ("GetCallerIdentity", "sts.amazonaws.com"),
    ("ListRoles", "iam.amazonaws.com"),
    ("DescribeSecurityGroups", "ec2.amazonaws.com"),
    ("ListSecrets", "secretsmanager.amazonaws.com"),
    ("GetAccountAuthorizationDetails", "iam.amazonaws.com"),
    ("DeleteTrail", "cloudtrail.amazonaws.com"),
];

impl Generator {
    fn finding(&mut self, j: &mut Json) {
        let target = (2000.0 * 10f64.powf(self.rng.f64())) as usize;
        let ty = &weighted_ref(&mut self.rng, FINDING_TYPES);
        let start = j.len();
        let saved = self.rng.clone();
        self.write_finding(j, ty, 0);
        let grow = match (ty.action, ty.resource) {
            (Act::PortProbe, _) => 560,
            (_, Res::S3) => 1150,
            (_, Res::Instance | Res::AccessKeyAndInstance) => 760,
            (_, Res::AccessKey) => 95,
        };
        let len = j.len() - start;
        if len < target && (target - len) / grow > 0 {
            self.rng = saved;
            j.buf.truncate(start);
            self.write_finding(j, ty, (target - len) / grow);
        }
    }

    fn remote_ip(&mut self, j: &mut Json, key: &str, ip: &str) {
        let r = &mut self.rng;
        let (asn, asn_org, isp) = *pick(r, NETWORKS);
        let places = if self.unicode { PLACES } else { &PLACES[..ASCII_PLACES] };
        let (city, country, lat, lon) = *pick(r, places);
        j.o(key)
            .s("ipAddressV4", ip)
            .o("organization")
            .s("asn", asn)
            .s("asnOrg", asn_org)
            .s("isp", isp)
            .s("org", isp)
            .end()
            .o("country")
            .s("countryName", country)
            .end()
            .o("city")
            .s("cityName", city)
            .end()
            .o("geoLocation")
            .f("lat", lat)
            .f("lon", lon)
            .end()
            .end();
    }

    fn network_interface(&mut self, j: &mut Json, instance: usize, extra: bool) {
        let inst = &self.pools.instances[instance];
        let (mut ip, public_ip, subnet, vpc, sg, sg_name, mut eni) = (
            inst.ip.clone(),
            inst.public_ip.clone(),
            inst.subnet.clone(),
            inst.vpc.clone(),
            inst.sg.clone(),
            inst.sg_name,
            inst.eni.clone(),
        );
        if extra {
            ip = format!("10.{}.{}.{}", self.rng.u8(..3), self.rng.u8(64..128), self.rng.u8(4..255));
            eni = format!("eni-0{}", hex(&mut self.rng, 16));
        }
        let dns = format!("ip-{}.ec2.internal", ip.replace('.', "-"));
        j.obj()
            .a("ipv6Addresses")
            .end()
            .s("networkInterfaceId", &eni)
            .s("privateDnsName", &dns)
            .s("privateIpAddress", &ip);
        j.a("privateIpAddresses");
        for k in 0..(1 + usize::from(extra) * self.rng.usize(0..3)) {
            let addr = if k == 0 {
                ip.clone()
            } else {
                format!("{}{}", &ip[..ip.rfind('.').unwrap() + 1], self.rng.u8(4..255))
            };
            j.obj()
                .s("privateDnsName", &format!("ip-{}.ec2.internal", addr.replace('.', "-")))
                .s("privateIpAddress", &addr)
                .end();
        }
        j.end();
        if extra {
            j.s("publicDnsName", "").s("publicIp", "");
        } else {
            j.s("publicDnsName", &format!("ec2-{}.compute-1.amazonaws.com", public_ip.replace('.', "-")))
                .s("publicIp", &public_ip);
        }
        j.a("securityGroups").obj().s("groupId", &sg).s("groupName", sg_name).end().end();
        j.s("subnetId", &subnet).s("vpcId", &vpc).end();
    }

    fn instance_details(&mut self, j: &mut Json, instance: usize, extra_interfaces: usize) {
        let inst = &self.pools.instances[instance];
        let (az, id, kind, image, name, launched) =
            (inst.az, inst.id.clone(), inst.kind, inst.image.clone(), inst.name.clone(), inst.launched);
        let role = self.pools.roles[inst.role].name.clone();
        let profile_id = format!("AIPA{}", from_set(&mut self.rng, KEY_CHARS, 17));
        let arm = graviton(kind);
        j.o("instanceDetails")
            .s("availabilityZone", az)
            .o("iamInstanceProfile")
            .s("arn", &format!("arn:aws:iam::{ACCOUNT}:instance-profile/{role}"))
            .s("id", &profile_id)
            .end()
            .s(
                "imageDescription",
                if arm {
                    "Amazon Linux 2023 AMI 2023.6.20241121.0 arm64 HVM kernel-6.1"
                } else {
                    "Amazon Linux 2023 AMI 2023.6.20241121.0 x86_64 HVM kernel-6.1"
                },
            )
            .s("imageId", &image)
            .s("instanceId", &id)
            .s("instanceState", "running")
            .s("instanceType", kind)
            .s("launchTime", &gd_time(launched));
        j.a("networkInterfaces");
        self.network_interface(j, instance, false);
        for _ in 0..extra_interfaces {
            self.network_interface(j, instance, true);
        }
        j.end();
        j.z("platform").a("productCodes").end();
        let owner = self.text("platform-team");
        j.a("tags")
            .obj()
            .s("key", "Name")
            .s("value", &name)
            .end()
            .obj()
            .s("key", "Owner")
            .s("value", &owner)
            .end()
            .obj()
            .s("key", "Environment")
            .s("value", "prod")
            .end()
            .end();
        j.end();
    }

    fn access_key_details(&mut self, j: &mut Json, ty: &FindingType, instance: Option<usize>) -> String {
        let (user, principal, user_type) = if ty.name.starts_with("Policy:IAMUser/RootCredentialUsage") {
            ("Root".to_owned(), ACCOUNT.to_owned(), "Root")
        } else if let Some(i) = instance {
            let role = &self.pools.roles[self.pools.instances[i].role];
            (role.name.clone(), format!("{}:{}", role.id, self.pools.instances[i].id), "AssumedRole")
        } else {
            let u = pick(&mut self.rng, &self.pools.users);
            (u.name.clone(), u.id.clone(), "IAMUser")
        };
        let key = format!(
            "{}{}",
            if user_type == "IAMUser" { "AKIA" } else { "ASIA" },
            from_set(&mut self.rng, KEY_CHARS, 16)
        );
        j.o("accessKeyDetails")
            .s("accessKeyId", &key)
            .s("principalId", &principal)
            .s("userName", &user)
            .s("userType", user_type)
            .end();
        user
    }

    fn bucket_details(&mut self, j: &mut Json, bucket: &str, created: OffsetDateTime) {
        let owner = hex(&mut self.rng, 64);
        let kms = pick(&mut self.rng, &self.pools.kms_keys).clone();
        let blocks = |j: &mut Json, on: bool| {
            j.s("ignorePublicAcls", if on { "true" } else { "false" });
            j.b("restrictPublicBuckets", on).b("blockPublicAcls", on).b("blockPublicPolicy", on);
        };
        j.obj()
            .s("arn", &format!("arn:aws:s3:::{bucket}"))
            .s("name", bucket)
            .s("type", "Destination")
            .s("createdAt", &gd_time(created))
            .o("owner")
            .s("id", &owner)
            .end();
        let project = self.text("data-lake");
        j.a("tags").obj().s("key", "Project").s("value", &project).end().end();
        j.o("defaultServerSideEncryption")
            .s("encryptionType", "aws:kms")
            .s("kmsMasterKeyArn", &format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{kms}"))
            .end();
        j.o("publicAccess").o("permissionConfiguration").o("bucketLevelPermissions");
        j.o("accessControlList").b("allowsPublicReadAccess", false).b("allowsPublicWriteAccess", false).end();
        j.o("bucketPolicy").b("allowsPublicReadAccess", false).b("allowsPublicWriteAccess", false).end();
        j.o("blockPublicAccess");
        blocks(j, true);
        j.end().end();
        j.o("accountLevelPermissions").o("blockPublicAccess");
        blocks(j, false);
        j.end().end().end();
        j.s("effectivePermission", "NOT_PUBLIC").end();
        j.end();
    }

    fn write_finding(&mut self, j: &mut Json, ty: &FindingType, grow: usize) {
        self.unicode = chance(&mut self.rng, 0.02);
        let r = &mut self.rng;
        let id = hex(r, 32);
        let updated = self.now - Duration::milliseconds(r.i64(0..3_600_000));
        let first_seen = updated - Duration::seconds(r.i64(0..7 * 86400));
        let created = first_seen + Duration::seconds(r.i64(0..600));
        let (lo, hi) = ty.severity;
        let severity =
            if lo == hi || chance(r, 0.6) { lo } else { (((lo + (hi - lo) * r.f64()) * 10.0).round()) / 10.0 };
        let remote = public_ipv4(r);
        let count = 1 + r.i64(0..400) * i64::from(chance(r, 0.5));
        let instance = r.usize(..self.pools.instances.len());
        let (api, api_service) = *pick(r, API_CALLS);
        let bucket = pick(r, &self.pools.buckets).clone();
        let detector = self.pools.detector.clone();

        j.obj()
            .s("schemaVersion", "2.0")
            .s("accountId", ACCOUNT)
            .s("region", REGION)
            .s("partition", "aws")
            .s("id", &id)
            .s("arn", &format!("arn:aws:guardduty:{REGION}:{ACCOUNT}:detector/{detector}/finding/{id}"))
            .s("type", ty.name);
        j.o("resource");
        let mut user = String::new();
        match ty.resource {
            Res::Instance => {
                j.s("resourceType", "Instance");
                let extra = if ty.action == Act::PortProbe { 0 } else { grow };
                self.instance_details(j, instance, extra);
            }
            Res::AccessKeyAndInstance => {
                j.s("resourceType", "AccessKey");
                user = self.access_key_details(j, ty, Some(instance));
                self.instance_details(j, instance, grow);
            }
            Res::AccessKey => {
                j.s("resourceType", "AccessKey");
                user = self.access_key_details(j, ty, None);
            }
            Res::S3 => {
                j.s("resourceType", "S3Bucket");
                user = self.access_key_details(j, ty, None);
                j.a("s3BucketDetails");
                let created = self.now - Duration::days(self.rng.i64(30..2000));
                self.bucket_details(j, &bucket, created);
                for _ in 0..grow {
                    let other = pick(&mut self.rng, &self.pools.buckets).clone();
                    self.bucket_details(j, &other, created);
                }
                j.end();
            }
        }
        j.end();

        j.o("service").o("action");
        match ty.action {
            Act::PortProbe => {
                let local = self.pools.instances[instance].ip.clone();
                j.s("actionType", "PORT_PROBE").o("portProbeAction").b("blocked", false).a("portProbeDetails");
                for k in 0..(1 + grow) {
                    let (port, name) = *pick(
                        &mut self.rng,
                        &[
                            (22i64, "SSH"),
                            (3389, "RDP"),
                            (80, "HTTP"),
                            (443, "HTTPS"),
                            (5432, "POSTGRESQL"),
                            (6379, "Unknown"),
                        ],
                    );
                    let ip = if k == 0 { remote.clone() } else { public_ipv4(&mut self.rng) };
                    j.obj().o("localPortDetails").n("port", port).s("portName", name).end();
                    j.o("localIpDetails").s("ipAddressV4", &local).end();
                    self.remote_ip(j, "remoteIpDetails", &ip);
                    j.end();
                }
                j.end().end();
            }
            Act::Inbound(port, name) | Act::Outbound(port, name) => {
                let inbound = matches!(ty.action, Act::Inbound(..));
                let local = self.pools.instances[instance].ip.clone();
                let ephemeral = self.rng.i64(32768..61000);
                let (local_port, remote_port) = if inbound { (port, ephemeral) } else { (ephemeral, port) };
                j.s("actionType", "NETWORK_CONNECTION")
                    .o("networkConnectionAction")
                    .s("connectionDirection", if inbound { "INBOUND" } else { "OUTBOUND" })
                    .o("localPortDetails")
                    .n("port", local_port)
                    .s("portName", if inbound { name } else { "Unknown" })
                    .end()
                    .s("protocol", "TCP")
                    .b("blocked", false)
                    .o("localIpDetails")
                    .s("ipAddressV4", &local)
                    .end();
                self.remote_ip(j, "remoteIpDetails", &remote);
                j.o("remotePortDetails")
                    .n("port", remote_port)
                    .s("portName", if inbound { "Unknown" } else { name })
                    .end();
                j.end();
            }
            Act::Dns => {
                let (domain, suffix) = *pick(&mut self.rng, DOMAINS);
                j.s("actionType", "DNS_REQUEST")
                    .o("dnsRequestAction")
                    .s("domain", domain)
                    .s("protocol", "UDP")
                    .b("blocked", false)
                    .s("domainWithSuffix", suffix)
                    .end();
            }
            Act::ApiCall => {
                j.s("actionType", "AWS_API_CALL")
                    .o("awsApiCallAction")
                    .s("api", api)
                    .s("serviceName", api_service)
                    .s("callerType", "Remote IP");
                if chance(&mut self.rng, 0.3) {
                    j.s("errorCode", "AccessDenied");
                }
                self.remote_ip(j, "remoteIpDetails", &remote);
                j.o("affectedResources").end().end();
            }
        }
        j.end();
        let threat_list =
            *pick(&mut self.rng, &["ProofPoint", "CrowdStrike", "Amazon", "TorProject", "Emerging Threats"]);
        if matches!(ty.action, Act::Dns | Act::Outbound(..)) || ty.name.contains("MaliciousIPCaller") {
            j.o("evidence").a("threatIntelligenceDetails").obj().s("threatListName", threat_list).a("threatNames");
            if ty.name.starts_with("Backdoor") {
                j.str("Mirai");
            }
            j.end().end().end().end();
        }
        j.b("archived", false)
            .n("count", count)
            .s("detectorId", &detector)
            .s("eventFirstSeen", &gd_time(first_seen))
            .s("eventLastSeen", &gd_time(updated))
            .s("resourceRole", if matches!(ty.action, Act::Outbound(..) | Act::Dns) { "ACTOR" } else { "TARGET" })
            .s("serviceName", "guardduty");
        // additionalInfo.value is itself JSON text.
        let mut info = Json::default();
        info.obj();
        match ty.resource {
            Res::AccessKey => {
                info.o("unusual").a("apiCalls");
                for _ in 0..(1 + grow) {
                    let (name, service) = *pick(&mut self.rng, API_CALLS);
                    let n = self.rng.i64(1..500);
                    info.obj()
                        .s("name", name)
                        .s("service", service)
                        .n("count", n)
                        .b("firstSeen", chance(&mut self.rng, 0.8))
                        .end();
                }
                info.end().a("hoursOfDay").num(self.rng.i64(0..24)).end().end();
                info.o("profiledBehavior")
                    .a("rareProfiledUserAgents")
                    .str(pick::<&str>(&mut self.rng, SDK_AGENTS))
                    .end()
                    .end();
            }
            _ => {
                info.s("threatListName", threat_list);
                if ty.action == Act::PortProbe {
                    info.b("sample", false);
                }
            }
        }
        info.end();
        let info = String::from_utf8(info.buf).expect("UTF-8");
        j.o("additionalInfo").s("value", &info).s("type", "default").end();
        j.s("featureName", ty.feature);
        j.end();

        let title = fill(ty.title, &self.pools.instances[instance].id, &remote, &user, api, &bucket);
        let description = fill(ty.description, &self.pools.instances[instance].id, &remote, &user, api, &bucket);
        j.float_member("severity", severity)
            .s("createdAt", &gd_time(created))
            .s("updatedAt", &gd_time(updated))
            .s("title", &title)
            .s("description", &description)
            .end();
    }
}

fn weighted_ref<'a, T>(rng: &mut Rng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.u32(..total);
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[items.len() - 1].0
}

fn fill(template: &str, instance: &str, ip: &str, user: &str, api: &str, bucket: &str) -> String {
    template
        .replace("{instance}", instance)
        .replace("{ip}", ip)
        .replace("{user}", user)
        .replace("{api}", api)
        .replace("{bucket}", bucket)
}

impl Json {
    /// A number member written as GuardDuty does: `8` for whole numbers, `8.9` otherwise.
    fn float_member(&mut self, key: &str, value: f64) -> &mut Self {
        if value.fract() == 0.0 { self.n(key, value as i64) } else { self.f(key, value) }
    }
}
