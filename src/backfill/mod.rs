//! Backfills: planning the objects of a time window (`plan`), the Batch Operations CSV
//! manifest it writes and `replay --manifest` reads, and `replay --checkpoint`'s record of
//! completed objects.

pub mod checkpoint;
pub mod filter;
pub mod manifest;
pub mod plan;
pub mod walk;
pub mod window;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use plan::{KeyFilter, PlanError, PlanRequest, PlanTotals, PlannedObject, plan};
pub use window::{TimeWindow, WindowError};
