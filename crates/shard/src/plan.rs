//! Balanced shard plans and the checkpoints they start from.

use ff::PrimeField;
use origami_nova::StepCircuit;
use serde::{Deserialize, Serialize};

use crate::{ShardError, StepInputs};

/// One shard of a plan: the steps `first_step .. first_step + steps`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// Position in the plan, from 0.
    pub index: u32,
    /// The run's step this shard starts at (0-based): its input is the state after that many
    /// steps.
    pub first_step: u64,
    /// Steps this shard proves (at least one).
    pub steps: u64,
}

impl Shard {
    /// The step after this shard's last (`None` past `u64::MAX`: a shard read from outside may
    /// claim anything).
    pub fn end_step(&self) -> Option<u64> {
        self.first_step.checked_add(self.steps)
    }
}

/// `N` steps split into `K` consecutive shards whose sizes differ by at most one: the first
/// `N mod K` shards take one step more. (A ceiling split would leave the last shard short, or
/// empty, and the run as slow as its largest shard for nothing.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardPlan {
    total_steps: u64,
    shards: Vec<Shard>,
}

impl ShardPlan {
    /// Splits `total_steps` into `num_shards` shards. Every shard gets at least one step, so
    /// `num_shards` must be between 1 and `total_steps`.
    pub fn new(total_steps: u64, num_shards: u32) -> Result<Self, ShardError> {
        if num_shards == 0 || u64::from(num_shards) > total_steps {
            return Err(ShardError::ShardCount {
                shards: num_shards,
                steps: total_steps,
            });
        }
        let k = u64::from(num_shards);
        let (base, longer) = (total_steps / k, total_steps % k);
        let mut first_step = 0;
        let shards = (0..num_shards)
            .map(|index| {
                let steps = base + u64::from(u64::from(index) < longer);
                let shard = Shard {
                    index,
                    first_step,
                    steps,
                };
                first_step += steps;
                shard
            })
            .collect();
        Ok(Self {
            total_steps,
            shards,
        })
    }

    /// Steps in the whole run.
    pub fn total_steps(&self) -> u64 {
        self.total_steps
    }

    /// The shards, in order.
    pub fn shards(&self) -> &[Shard] {
        &self.shards
    }

    /// Number of shards.
    pub fn len(&self) -> usize {
        self.shards.len()
    }

    /// Never true: a plan has at least one shard.
    pub fn is_empty(&self) -> bool {
        self.shards.is_empty()
    }
}

/// The state at each shard's first step (`z0` for shard 0), followed by the final state `z_N`:
/// `plan.len() + 1` states, computed by running `step` natively `N` times over `inputs` (no
/// proving), reading the input once, in order.
pub fn checkpoints<F: PrimeField, SC: StepCircuit<F, Input = [u8]>>(
    step: &SC,
    plan: &ShardPlan,
    z0: &[F],
    inputs: &StepInputs,
) -> Result<Vec<Vec<F>>, ShardError> {
    step.check_arity(z0)?;
    let mut reader = inputs.reader(0)?;
    let mut states = Vec::with_capacity(plan.len() + 1);
    let mut z = z0.to_vec();
    for shard in plan.shards() {
        let mut next = z.clone();
        for _ in 0..shard.steps {
            next = step.step(&next, reader.next_step()?)?;
        }
        states.push(std::mem::replace(&mut z, next));
    }
    states.push(z);
    Ok(states)
}

/// The state after `steps` native steps from `z0` over `inputs` (no proving): what a proof of
/// those steps must end in.
pub fn run_native<F: PrimeField, SC: StepCircuit<F, Input = [u8]>>(
    step: &SC,
    z0: &[F],
    steps: u64,
    inputs: &StepInputs,
) -> Result<Vec<F>, ShardError> {
    let plan = ShardPlan::new(steps, 1)?;
    let mut states = checkpoints(step, &plan, z0, inputs)?;
    Ok(states.pop().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_step_once_and_differ_by_at_most_one() {
        for n in 1..=40u64 {
            for k in 1..=n.min(12) as u32 {
                let plan = ShardPlan::new(n, k).unwrap();
                assert_eq!(plan.len(), k as usize);
                let mut next = 0;
                for (i, s) in plan.shards().iter().enumerate() {
                    assert_eq!(s.index as usize, i);
                    assert_eq!(s.first_step, next, "n={n} k={k}: gap or overlap");
                    assert!(s.steps >= 1);
                    next = s.end_step().unwrap();
                }
                assert_eq!(next, n);
                let sizes = plan.shards().iter().map(|s| s.steps);
                let (lo, hi) = (sizes.clone().min().unwrap(), sizes.max().unwrap());
                assert!(hi - lo <= 1, "n={n} k={k}: sizes {lo}..{hi}");
            }
        }
    }

    #[test]
    fn ten_steps_in_three_shards_are_4_3_3() {
        let plan = ShardPlan::new(10, 3).unwrap();
        let sizes: Vec<_> = plan
            .shards()
            .iter()
            .map(|s| (s.first_step, s.steps))
            .collect();
        assert_eq!(sizes, [(0, 4), (4, 3), (7, 3)]);
    }

    #[test]
    fn more_shards_than_steps_or_none_is_an_error() {
        assert!(matches!(
            ShardPlan::new(3, 4),
            Err(ShardError::ShardCount {
                shards: 4,
                steps: 3
            })
        ));
        assert!(ShardPlan::new(3, 0).is_err());
        assert!(ShardPlan::new(0, 1).is_err());
        assert!(ShardPlan::new(3, 3).is_ok());
    }
}
