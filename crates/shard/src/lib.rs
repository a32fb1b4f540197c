#![doc = include_str!("../README.md")]

mod error;
mod plan;
mod proof;

pub use error::ShardError;
pub use plan::{Shard, ShardPlan, checkpoints, run_native};
pub use proof::{ShardChain, ShardProof};
