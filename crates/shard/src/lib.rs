//! Sharded proving: a run of `N` steps split into shards at checkpoints, each shard proven on its
//! own, and the shard proofs checked together as one statement `z_N = F^N(z0)`.
//!
//! - [`ShardPlan`]: `N` steps into `K` shards whose sizes differ by at most one.
//! - [`checkpoints`]: the state at each shard's first step, by running the step natively.
//! - [`ShardProof`] / [`ShardedProof`]: the proofs, and [`ShardedProof::verify`], which checks
//!   that the shards chain from `z0` over all `N` steps with no gap or overlap.

mod error;
mod plan;
mod proof;

pub use error::ShardError;
pub use plan::{Shard, ShardPlan, checkpoints};
pub use proof::{ShardProof, ShardedProof};
