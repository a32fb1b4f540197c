//! Why a shard plan could not be made, a shard not proven, or a sharded proof not accepted.

use origami_format::FormatError;
use origami_nova::{NovaError, StepError};

/// Why sharding or checking a sharded proof failed. Verification names the shard at fault.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// A plan needs between 1 and `steps` shards (every shard proves at least one step).
    #[error("cannot split {steps} steps into {shards} shards: every shard needs at least one step")]
    ShardCount {
        /// Shards asked for.
        shards: u32,
        /// Steps in the run.
        steps: u64,
    },
    /// The run's input could not be read.
    #[error(transparent)]
    Input(#[from] crate::InputError),
    /// The native step failed while computing checkpoints.
    #[error("computing checkpoints: {0}")]
    Step(#[from] StepError),
    /// Proving a shard was stopped by its caller.
    #[error("proving shard {index} was stopped after {done} steps")]
    Cancelled {
        /// The shard.
        index: u32,
        /// Steps folded before it stopped.
        done: u64,
    },
    /// Proving a shard failed.
    #[error("proving shard {index}: {source}")]
    Prove {
        /// The shard.
        index: u32,
        /// What failed.
        source: NovaError,
    },
    /// The sharded proof was made for another verifier key (another circuit, size, variant or
    /// build).
    #[error("the sharded proof was made for verifier key {found}, but the key given is {expected}")]
    KeyMismatch {
        /// The key's identity.
        expected: String,
        /// The identity the proof names.
        found: String,
    },
    /// The sharded proof holds no shard.
    #[error("the sharded proof holds no shard")]
    NoShards,
    /// A shard is not where its index says it is: shards swapped, dropped or duplicated.
    #[error(
        "position {position} holds shard {index}: shards are missing, repeated or out of order"
    )]
    ShardOrder {
        /// Position in the proof.
        position: usize,
        /// The index the shard carries.
        index: u32,
    },
    /// A shard does not start where the previous one ended.
    #[error(
        "shard {index} starts at step {found}, but the shards before it end at step {expected}"
    )]
    FirstStep {
        /// The shard.
        index: u32,
        /// Where the previous shards end.
        expected: u64,
        /// Where the shard says it starts.
        found: u64,
    },
    /// A shard claims to prove no step.
    #[error("shard {index} proves no step")]
    EmptyShard {
        /// The shard.
        index: u32,
    },
    /// Shard 0 does not start from the run's initial state.
    #[error("shard 0 starts from another state than z0")]
    InitialState,
    /// A shard's input is not the previous shard's output.
    #[error("shard {index} starts from another state than shard {} ended in", index - 1)]
    Boundary {
        /// The shard whose input differs.
        index: u32,
    },
    /// The shards' step counts add up past `u64::MAX`.
    #[error("shard {index}: the step counts overflow")]
    StepOverflow {
        /// The shard whose count overflowed the sum.
        index: u32,
    },
    /// The shards' step counts do not add up to the run's.
    #[error("the shards prove {found} steps, but the run has {expected}")]
    StepTotal {
        /// Steps expected.
        expected: u64,
        /// Steps the shards cover.
        found: u64,
    },
    /// A shard's proof does not verify, or does not prove the shard's own statement.
    #[error("shard {index}: {source}")]
    InvalidShard {
        /// The shard.
        index: u32,
        /// Why its proof was rejected.
        source: NovaError,
    },
    /// A shard's proof ends in another state than the shard claims.
    #[error("shard {index}'s proof ends in another state than the shard's z_final")]
    FinalState {
        /// The shard.
        index: u32,
    },
    /// Reading or writing a sharded proof file failed.
    #[error(transparent)]
    Format(#[from] FormatError),
}
