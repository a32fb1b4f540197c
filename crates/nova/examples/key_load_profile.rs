//! Times the parts of loading a prover key against setup: `cargo run --release -p origami-nova
//! --example key_load_profile`.
use std::time::Instant;

use origami_arith::PastaCycle;
use origami_nova::PublicParams;

#[path = "../tests/support/squarings.rs"]
mod squarings;
use squarings::Squarings;

fn main() {
    let size: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1 << 14);
    let t = Instant::now();
    let pk = PublicParams::<PastaCycle, Squarings>::setup(Squarings(size)).unwrap();
    let setup = t.elapsed();
    let dir = std::env::temp_dir().join("origami-key-profile");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("prover.key");
    pk.save(&path).unwrap();
    let t = Instant::now();
    let bytes = std::fs::read(&path).unwrap();
    let read = t.elapsed();
    let t = Instant::now();
    let _: (_, PublicParams<PastaCycle, Squarings>) =
        origami_format::decode(&bytes, origami_format::FileKind::ProverKey, None).unwrap();
    let decode = t.elapsed();
    let t = Instant::now();
    let _ = pk.shape_primary().digest();
    let _ = pk.shape_secondary().digest();
    let digest = t.elapsed();
    let t = Instant::now();
    let _ = PublicParams::<PastaCycle, Squarings>::load(&path).unwrap();
    let load = t.elapsed();
    println!(
        "size 2^{}: setup {setup:?}; load {load:?} = read {read:?} + decode (checksum, points, shapes) {decode:?} + shape digests {digest:?}; ratio {:.1}",
        size.trailing_zeros(),
        setup.as_secs_f64() / load.as_secs_f64()
    );
}
