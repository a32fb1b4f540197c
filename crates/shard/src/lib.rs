#![doc = include_str!("../README.md")]

mod error;
mod inputs;
mod plan;
mod proof;

pub use error::ShardError;
pub use inputs::{
    InputError, InputSlice, StepInputs, StepReader, StreamedStep, byte_range, stream_digest,
};
pub use plan::{Shard, ShardPlan, checkpoints, run_native};
pub use proof::{ShardChain, ShardProof};
