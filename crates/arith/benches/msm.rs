//! Origami's MSM against `halo2curves::msm::msm_best`, on Pallas, for scalar classes that
//! witnesses produce (binary, 10-, 32-, 64-bit) and for uniformly random scalars.
//!
//! Both sides get the same inputs inside one benchmark group, so that their times are measured
//! under the same machine load; compare them as ratios.

// `criterion_group!` defines an undocumented public `benches`.
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ff::Field;
use group::{Curve, Group};
use halo2curves::pasta::{Fq, Pallas, PallasAffine};
use origami_arith::msm::msm;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::time::Duration;

/// `n` distinct points `P + i·Q` for random `P`, `Q`: one addition each, so that setting up 2^20
/// bases takes a fraction of a second rather than a minute of scalar multiplications.
fn bases(n: usize) -> Vec<PallasAffine> {
    let mut rng = StdRng::seed_from_u64(1);
    let step = Pallas::random(&mut rng);
    let mut walk = Pallas::random(&mut rng);
    let points: Vec<Pallas> = (0..n)
        .map(|_| {
            walk += step;
            walk
        })
        .collect();
    let mut affine = vec![PallasAffine::default(); n];
    Pallas::batch_normalize(&points, &mut affine);
    affine
}

fn scalars(n: usize, bits: Option<u32>, seed: u64) -> Vec<Fq> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| match bits {
            Some(64) => Fq::from(rng.r#gen::<u64>()),
            Some(b) => Fq::from(rng.r#gen::<u64>() & ((1 << b) - 1)),
            None => Fq::random(&mut rng),
        })
        .collect()
}

fn bench_msm(c: &mut Criterion) {
    for log_n in [16u32, 20] {
        let n = 1usize << log_n;
        let b = bases(n);
        for (name, bits) in [
            ("u1", Some(1)),
            ("u10", Some(10)),
            ("u32", Some(32)),
            ("u64", Some(64)),
            ("random", None),
        ] {
            let s = scalars(n, bits, u64::from(log_n));
            assert_eq!(msm(&s, &b), halo2curves::msm::msm_best(&s, &b));
            let mut group = c.benchmark_group(format!("msm/2^{log_n}/{name}"));
            group.sample_size(10);
            group.warm_up_time(Duration::from_millis(500));
            group.measurement_time(Duration::from_secs(if log_n >= 20 { 6 } else { 2 }));
            group.bench_function(BenchmarkId::from_parameter("origami"), |bench| {
                bench.iter(|| msm(&s, &b))
            });
            group.bench_function(BenchmarkId::from_parameter("msm_best"), |bench| {
                bench.iter(|| halo2curves::msm::msm_best(&s, &b))
            });
            group.finish();
        }
    }
}

criterion_group!(benches, bench_msm);
criterion_main!(benches);
