//! Any bytes read as each text and JSON-lines kind of the table of sources (load balancers,
//! CloudFront with its `#` headers, S3 access logs with bracketed dates, Route 53 Resolver and
//! Network Firewall records with their dates): no panic, balanced books, bodies within the
//! intake's limits. The first byte picks the kind. Compressed inputs are skipped.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use security_log_forwarder::internals::{Encoding, sniff};
use security_log_forwarder::format::ObjectKind;

const KINDS: [ObjectKind; 5] = [
    ObjectKind::LoadBalancer,
    ObjectKind::CloudFront,
    ObjectKind::S3Access,
    ObjectKind::Route53Resolver,
    ObjectKind::NetworkFirewall,
];

fuzz_target!(|data: &[u8]| {
    if let Some((first, rest)) = data.split_first() {
        if sniff(rest) == Encoding::Plain {
            common::read(rest, KINDS[usize::from(*first) % KINDS.len()]);
        }
    }
});
