//! Round constants and MDS matrix of the width-3 Poseidon instance, generated per field with the
//! Grain LFSR and cached for the life of the process.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use ff::PrimeFieldBits;

use super::grain::{Grain, GrainSeed};
use super::{FULL_ROUNDS, PARTIAL_ROUNDS, WIDTH};

/// Number of Cauchy matrices the reference script rejects, for these parameters, before it finds
/// one that passes its three security checks (algorithms 1–3 of the script: no invariant
/// subspace trails). The script's output for both Pasta fields reports the first matrix as
/// secure ("Secure MDS: 0"), so none is skipped. Other fields or widths must re-establish this
/// count with the reference script before use.
const INSECURE_MDS_SKIPPED: usize = 0;

/// The constants of Poseidon with width 3, x^5, R_F = 8 and R_P = 56 over the field `F`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoseidonConstants<F> {
    /// `round_constants[r][i]` is added to state element `i` at the start of round `r`.
    pub round_constants: Vec<[F; WIDTH]>,
    /// The linear layer: `new_state[i] = Σ_j mds[i][j] · state[j]`.
    pub mds: [[F; WIDTH]; WIDTH],
}

impl<F: PrimeFieldBits> PoseidonConstants<F> {
    /// The constants for `F`, generated on first use and shared afterwards.
    ///
    /// Generation runs the Grain LFSR (a few milliseconds); every later call is a map lookup.
    pub fn get() -> &'static Self {
        // Rust has no generic statics, so one process-wide map holds one leaked instance per
        // field type; the set of field types is fixed at compile time, so the leak is bounded.
        type Cache = Mutex<HashMap<TypeId, &'static (dyn Any + Send + Sync)>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        let mut map = cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = map.entry(TypeId::of::<F>()).or_insert_with(|| {
            let constants: &'static Self = Box::leak(Box::new(Self::generate()));
            constants
        });
        entry
            .downcast_ref::<Self>()
            .expect("the cache entry for a field type holds that field's constants")
    }

    /// Generates the constants from scratch, exactly as the reference script does: first
    /// `(R_F + R_P) · t` round constants by rejection sampling, then, from the same stream, the
    /// Cauchy MDS matrix `mds[i][j] = 1 / (x_i + y_j)`.
    pub fn generate() -> Self {
        let mut grain = Grain::new(GrainSeed {
            field_bits: u16::try_from(F::NUM_BITS).expect("field size fits the 12-bit Grain seed"),
            width: WIDTH as u16,
            full_rounds: FULL_ROUNDS as u16,
            partial_rounds: PARTIAL_ROUNDS as u16,
        });
        let round_constants = (0..FULL_ROUNDS + PARTIAL_ROUNDS)
            .map(|_| core::array::from_fn(|_| grain.next_field_element::<F>()))
            .collect();
        let mds = cauchy_mds(&mut grain, INSECURE_MDS_SKIPPED);
        Self {
            round_constants,
            mds,
        }
    }
}

/// Draws Cauchy matrices as the reference script's `create_mds_p` does and returns the one after
/// `skip` candidates.
///
/// Each candidate takes 2t reduced field elements `x_0..x_{t-1}, y_0..y_{t-1}`; the whole draw is
/// repeated while any two of them are equal, and the candidate is discarded if some `x_i + y_j`
/// is zero (it would have no inverse).
fn cauchy_mds<F: PrimeFieldBits>(grain: &mut Grain, mut skip: usize) -> [[F; WIDTH]; WIDTH] {
    loop {
        let points: [F; 2 * WIDTH] = loop {
            let points: [F; 2 * WIDTH] =
                core::array::from_fn(|_| grain.next_field_element_reduced());
            let all_distinct = points
                .iter()
                .enumerate()
                .all(|(i, a)| points[i + 1..].iter().all(|b| a != b));
            if all_distinct {
                break points;
            }
        };
        let (xs, ys) = points.split_at(WIDTH);
        let mut mds = [[F::ZERO; WIDTH]; WIDTH];
        let mut invertible = true;
        for (row, x) in mds.iter_mut().zip(xs) {
            for (entry, y) in row.iter_mut().zip(ys) {
                match Option::<F>::from((*x + y).invert()) {
                    Some(inverse) => *entry = inverse,
                    None => invertible = false,
                }
            }
        }
        if !invertible {
            continue;
        }
        if skip == 0 {
            return mds;
        }
        skip -= 1;
    }
}
