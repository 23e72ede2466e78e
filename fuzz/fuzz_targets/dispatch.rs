//! Any payload: dispatch (and the notification parsing behind it) never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use security_log_forwarder::internals::{Invocation, dispatch};

fuzz_target!(|data: &[u8]| {
    if let Ok(Invocation::Objects(n)) = dispatch(data) {
        assert!(n.objects.iter().all(|o| !o.bucket.is_empty() && !o.key.is_empty()));
    }
});
