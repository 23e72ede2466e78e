//! What a record reader knows of the object it reads.

use crate::entry::{EntryContext, ObjectAttrs, ObjectOrigin};

/// What a record reader knows of the object it reads.
#[derive(Debug)]
pub struct ObjectScope<'a> {
    /// Settings and clock.
    pub ctx: &'a EntryContext,
    /// The object (for our own logs and provenance).
    pub origin: ObjectOrigin<'a>,
    /// What every log of the object shares: source, service, tags, provenance.
    pub attrs: ObjectAttrs,
}
