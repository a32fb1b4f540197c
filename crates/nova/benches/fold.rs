//! One fold of a fresh primary instance into a running one, Nova's (the cross term committed:
//! `Com(T)`, an MSM of one full-width scalar per constraint) against Mova's (the running error's
//! line polynomial and the cross term's evaluation at one point), on the primary augmented shape
//! of `n` squarings per step for `n = 2^12 … 2^18`.
//!
//! Both folds get the same shape and assignments; the fresh instance's `Com(W)`, which both
//! schemes need and compute alike, is outside the measurement.
//!
//! `cargo bench -p origami-nova --bench fold`

// `criterion_group!` defines an undocumented public `benches`.
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ff::Field;
use group::{Curve, Group};
use origami_arith::{Commitment, CommitmentKey, Pallas, PastaCycle, ScalarOf};
use origami_nova::mova::MovaProver;
use origami_nova::{FoldingProver, PublicParams};
use origami_r1cs::{R1csInstance, R1csShape};
use rand::{SeedableRng, rngs::StdRng};

#[path = "../tests/support/squarings.rs"]
mod squarings;
use squarings::Squarings;

type F = ScalarOf<Pallas>;

/// A key of `n` distinct generators `P + i·Q`: an MSM costs the same with any points, and these
/// take one addition each instead of a hash to the curve.
fn key(n: usize) -> CommitmentKey<Pallas> {
    let mut rng = StdRng::seed_from_u64(1);
    let step = halo2curves::pasta::Pallas::random(&mut rng);
    let mut walk = halo2curves::pasta::Pallas::random(&mut rng);
    let points: Vec<_> = (0..=n)
        .map(|_| {
            walk += step;
            walk
        })
        .collect();
    let mut affine = vec![halo2curves::pasta::PallasAffine::default(); n + 1];
    halo2curves::pasta::Pallas::batch_normalize(&points, &mut affine);
    let blinding = affine.pop().unwrap_or_default();
    CommitmentKey::from_parts(b"bench".to_vec(), affine, blinding)
}

/// Assignments `(W, 1, X)` with random `W` and small `X` (Nova's challenge hashes `X` in the
/// other field, where a full-width value may not fit).
fn assignments(shape: &R1csShape<F>, count: usize) -> Vec<(Vec<F>, R1csInstance<Pallas>)> {
    let mut rng = StdRng::seed_from_u64(2);
    (0..count)
        .map(|k| {
            let mut z: Vec<F> = (0..shape.z_len()).map(|_| F::random(&mut rng)).collect();
            z[shape.num_vars()] = F::ONE;
            for (i, x) in z[shape.num_vars() + 1..].iter_mut().enumerate() {
                *x = F::from((k * 7 + i) as u64);
            }
            let x = z[shape.num_vars() + 1..].to_vec();
            let instance = R1csInstance {
                comm_w: Commitment::identity(),
                x,
            };
            (z, instance)
        })
        .collect()
}

fn fold(c: &mut Criterion) {
    let mut group = c.benchmark_group("fold");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for log2 in [12u32, 14, 16, 18] {
        let pk = PublicParams::<PastaCycle, Squarings>::setup(Squarings(1 << log2))
            .expect("setup of the squaring step");
        let shape = pk.shape_primary();
        let ck = key(shape.num_cons().max(shape.num_vars()));
        let steps = assignments(shape, 2);
        let pp_base = origami_arith::ScalarOf::<origami_arith::Vesta>::from(3);
        let pp = F::from(3);

        let mut nova = FoldingProver::<Pallas>::zero(shape);
        nova.fold(&ck, shape, &pp_base, &steps[0].0, &steps[0].1)
            .expect("nova fold");
        group.bench_with_input(BenchmarkId::new("nova", log2), &log2, |b, _| {
            b.iter(|| {
                nova.fold(&ck, shape, &pp_base, &steps[1].0, &steps[1].1)
                    .expect("nova fold")
            })
        });

        let mut mova = MovaProver::<Pallas>::zero(shape);
        mova.fold(shape, &pp, &steps[0].0, &steps[0].1)
            .expect("mova fold");
        group.bench_with_input(BenchmarkId::new("mova", log2), &log2, |b, _| {
            b.iter(|| {
                mova.fold(shape, &pp, &steps[1].0, &steps[1].1)
                    .expect("mova fold")
            })
        });
        eprintln!(
            "2^{log2}: {} constraints; nova parts {:?}; mova parts {:?}",
            shape.num_cons(),
            nova.times(),
            mova.times()
        );
    }
    group.finish();
}

criterion_group!(benches, fold);
criterion_main!(benches);
