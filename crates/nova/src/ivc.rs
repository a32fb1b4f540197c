//! Incremental verifiable computation: [`RecursiveSnark`] proves `z_n = Fⁿ(z₀)` one step at a
//! time; [`RecursiveProof`] is what it hands to a verifier.
//!
//! Each step runs the primary augmented circuit (the user's step plus the verifier of the last
//! secondary fold) and the secondary one (the verifier of the primary fold), and folds each fresh
//! instance into its curve's running instance. All O(circuit) storage lives in two
//! [`FoldingProver`]s and two [`WitnessBuffer`]s, allocated at the first step and reused after.

use std::marker::PhantomData;
use std::path::Path;
use std::time::{Duration, Instant};

use ff::Field;
use origami_arith::encoding::field_vec;
use origami_arith::{Cycle, CycleCurve};
use origami_format::{FileKind, FormatError, hex};
use origami_r1cs::{
    R1csInstance, R1csShape, R1csWitness, RelaxedR1csInstance, RelaxedR1csWitness, WitnessBuffer,
};
use serde::{Deserialize, Serialize};

use crate::augmented::{self, AugmentedInputs, instance_hash};
use crate::convert::cross_field;
use crate::error::NovaError;
use crate::nifs::{FoldTimes, FoldingProver};
use crate::params::{PrimaryField, ProvableStep, PublicParams, SecondaryField, digest_to_field};
use crate::step::{StepCircuit, TrivialCircuit};

type Primary<Y> = <Y as Cycle>::Primary;
type Secondary<Y> = <Y as Cycle>::Secondary;

/// Time spent proving one of the two augmented circuits, summed over steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CircuitTimes {
    /// Witness generation.
    pub synthesis: Duration,
    /// `Com(W)` of each fresh witness.
    pub commit_w: Duration,
    /// Folding each fresh instance into the running one (the cross term and its commitment
    /// included).
    pub fold: FoldTimes,
}

/// Time spent in each phase of proving, for each circuit, summed over steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhaseTimes {
    /// The primary circuit (the step and the verifier of the secondary fold).
    pub primary: CircuitTimes,
    /// The secondary circuit (the verifier of the primary fold).
    pub secondary: CircuitTimes,
}

impl PhaseTimes {
    /// Witness generation of both circuits.
    pub fn synthesis(&self) -> Duration {
        self.primary.synthesis + self.secondary.synthesis
    }

    /// The commitments of both circuits: to the fresh witnesses and to the cross terms.
    pub fn commitments(&self) -> Duration {
        let [p, s] = [&self.primary, &self.secondary];
        p.commit_w + p.fold.commit_t + s.commit_w + s.fold.commit_t
    }

    /// The rest of folding: matrix products, cross terms and the in-place folds.
    pub fn folding(&self) -> Duration {
        let [p, s] = [&self.primary.fold, &self.secondary.fold];
        p.multiply + p.cross_term + p.fold + s.multiply + s.cross_term + s.fold
    }
}

/// Synthesizes an augmented circuit into `buf` and commits to its witness; returns the fresh
/// instance and the step's output state.
fn run_augmented<C, D, SC>(
    times: &mut CircuitTimes,
    buf: &mut WitnessBuffer<<C as CycleCurve>::Base>,
    ck: &origami_arith::CommitmentKey<D>,
    primary: bool,
    inputs: &AugmentedInputs<C>,
    step: &SC,
    step_input: &SC::Input,
) -> Result<(R1csInstance<D>, Vec<C::Base>), NovaError>
where
    C: CycleCurve,
    D: CycleCurve<Scalar = C::Base>,
    SC: crate::StepCircuit<C::Base>,
{
    let start = Instant::now();
    let z_next = buf.synthesize_with(|cs| {
        augmented::synthesize::<C, SC, _>(cs, primary, Some(inputs), step, Some(step_input))
    })?;
    let z_next = z_next
        .iter()
        .map(|n| {
            n.get_value()
                .ok_or(bellpepper_core::SynthesisError::AssignmentMissing)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let synthesized = Instant::now();
    times.synthesis += synthesized - start;
    let instance = R1csInstance {
        comm_w: ck.commit(buf.w())?,
        x: buf.x().to_vec(),
    };
    times.commit_w += synthesized.elapsed();
    Ok((instance, z_next))
}

/// The prover of an incremental computation.
pub struct RecursiveSnark<Y: Cycle, SC> {
    pub(crate) z0: Vec<PrimaryField<Y>>,
    pub(crate) zi: Vec<PrimaryField<Y>>,
    pub(crate) zi_secondary: Vec<SecondaryField<Y>>,
    pub(crate) num_steps: u64,
    pub(crate) state: Option<FoldState<Y>>,
    times: PhaseTimes,
    _step: PhantomData<SC>,
}

/// Everything of size O(circuit), created by the first step.
pub(crate) struct FoldState<Y: Cycle> {
    pub(crate) running_primary: FoldingProver<Primary<Y>>,
    pub(crate) running_secondary: FoldingProver<Secondary<Y>>,
    /// The last secondary instance, not yet folded; its assignment is in `buf_secondary`.
    pub(crate) last_secondary: R1csInstance<Secondary<Y>>,
    pub(crate) buf_primary: WitnessBuffer<PrimaryField<Y>>,
    pub(crate) buf_secondary: WitnessBuffer<SecondaryField<Y>>,
}

impl<Y: Cycle, SC: ProvableStep<Y>> RecursiveSnark<Y, SC> {
    /// A prover for the computation starting at `z0`; no step is proven yet.
    pub fn new(pk: &PublicParams<Y, SC>, z0: &[PrimaryField<Y>]) -> Result<Self, NovaError> {
        let arity = pk.step().arity();
        if z0.len() != arity {
            return Err(NovaError::Arity {
                state: "the given z0",
                expected: arity,
                got: z0.len(),
            });
        }
        Ok(Self {
            z0: z0.to_vec(),
            zi: z0.to_vec(),
            zi_secondary: vec![SecondaryField::<Y>::ZERO],
            num_steps: 0,
            state: None,
            times: PhaseTimes::default(),
            _step: PhantomData,
        })
    }

    /// Steps proven so far.
    pub fn num_steps(&self) -> u64 {
        self.num_steps
    }

    /// Time spent in each phase so far.
    pub fn phase_times(&self) -> PhaseTimes {
        let mut times = self.times;
        if let Some(st) = &self.state {
            times.primary.fold = st.running_primary.times();
            times.secondary.fold = st.running_secondary.times();
        }
        times
    }

    /// The current state `z_i`.
    pub fn zi(&self) -> &[PrimaryField<Y>] {
        &self.zi
    }

    /// Proves one more step, which reads `input`. The input is not checked against the native
    /// step here (workers prove without running it); one the circuit cannot use fails synthesis.
    pub fn prove_step(
        &mut self,
        pk: &PublicParams<Y, SC>,
        input: &SC::Input,
    ) -> Result<(), NovaError> {
        let (pp1, pp2) = (pk.digest_primary(), pk.digest_secondary());
        let z0_secondary = vec![SecondaryField::<Y>::ZERO];
        let i = self.num_steps;
        let Some(st) = self.state.as_mut() else {
            // Step 0: the primary circuit starts from the zero instance, the secondary from the
            // primary's first instance.
            let mut buf_primary = WitnessBuffer::with_capacity(pk.shape_primary().num_vars(), 2);
            let inputs = AugmentedInputs::<Secondary<Y>> {
                pp: pp1,
                i: 0,
                z0: self.z0.clone(),
                zi: None,
                running: None,
                fresh: None,
                comm_t: None,
            };
            let (u1, z1) = run_augmented(
                &mut self.times.primary,
                &mut buf_primary,
                pk.ck_primary(),
                true,
                &inputs,
                pk.step(),
                input,
            )?;
            let mut buf_secondary =
                WitnessBuffer::with_capacity(pk.shape_secondary().num_vars(), 2);
            let inputs = AugmentedInputs::<Primary<Y>> {
                pp: pp2,
                i: 0,
                z0: z0_secondary,
                zi: None,
                running: None,
                fresh: Some(u1.clone()),
                comm_t: None,
            };
            let (u2, z2) = run_augmented(
                &mut self.times.secondary,
                &mut buf_secondary,
                pk.ck_secondary(),
                false,
                &inputs,
                &TrivialCircuit,
                &(),
            )?;
            self.state = Some(FoldState {
                running_primary: FoldingProver::from_instance(
                    pk.shape_primary(),
                    buf_primary.z(),
                    &u1,
                )?,
                running_secondary: FoldingProver::zero(pk.shape_secondary()),
                last_secondary: u2,
                buf_primary,
                buf_secondary,
            });
            self.zi = z1;
            self.zi_secondary = z2;
            self.num_steps = 1;
            return Ok(());
        };

        // Fold the last secondary instance, then prove the primary step that verifies that fold.
        let running_secondary = st.running_secondary.instance().clone();
        let nifs_secondary = st.running_secondary.fold(
            pk.ck_secondary(),
            pk.shape_secondary(),
            &pp1,
            st.buf_secondary.z(),
            &st.last_secondary,
        )?;
        let inputs = AugmentedInputs::<Secondary<Y>> {
            pp: pp1,
            i,
            z0: self.z0.clone(),
            zi: Some(self.zi.clone()),
            running: Some(running_secondary),
            fresh: Some(st.last_secondary.clone()),
            comm_t: Some(nifs_secondary.comm_t),
        };
        let (u1, z_next) = run_augmented(
            &mut self.times.primary,
            &mut st.buf_primary,
            pk.ck_primary(),
            true,
            &inputs,
            pk.step(),
            input,
        )?;

        // Fold the primary instance, then prove the secondary step that verifies that fold.
        let running_primary = st.running_primary.instance().clone();
        let nifs_primary = st.running_primary.fold(
            pk.ck_primary(),
            pk.shape_primary(),
            &pp2,
            st.buf_primary.z(),
            &u1,
        )?;
        let inputs = AugmentedInputs::<Primary<Y>> {
            pp: pp2,
            i,
            z0: z0_secondary,
            zi: Some(self.zi_secondary.clone()),
            running: Some(running_primary),
            fresh: Some(u1),
            comm_t: Some(nifs_primary.comm_t),
        };
        let (u2, z2) = run_augmented(
            &mut self.times.secondary,
            &mut st.buf_secondary,
            pk.ck_secondary(),
            false,
            &inputs,
            &TrivialCircuit,
            &(),
        )?;
        st.last_secondary = u2;
        self.zi = z_next;
        self.zi_secondary = z2;
        self.num_steps += 1;
        Ok(())
    }

    /// The proof of the steps so far (a copy of the running witnesses: as large as the circuit).
    pub fn proof(&self, pk: &PublicParams<Y, SC>) -> Result<RecursiveProof<Y>, NovaError> {
        let st = self.state.as_ref().ok_or(NovaError::NoSteps)?;
        Ok(RecursiveProof {
            params_digest: pk.digest(),
            num_steps: self.num_steps,
            z0: self.z0.clone(),
            z_final: self.zi.clone(),
            zi_secondary: self.zi_secondary.clone(),
            running_primary: st.running_primary.instance().clone(),
            running_primary_witness: st.running_primary.witness(),
            running_secondary: st.running_secondary.instance().clone(),
            running_secondary_witness: st.running_secondary.witness(),
            last_secondary: st.last_secondary.clone(),
            last_secondary_witness: R1csWitness {
                w: st.buf_secondary.w().to_vec(),
            },
        })
    }

    /// Verifies the steps proven so far (see [`RecursiveProof::verify`]).
    pub fn verify(
        &self,
        pk: &PublicParams<Y, SC>,
        num_steps: u64,
        z0: &[PrimaryField<Y>],
    ) -> Result<Vec<PrimaryField<Y>>, NovaError> {
        self.proof(pk)?.verify(pk, num_steps, z0)
    }
}

/// A recursive (uncompressed) proof: the two running instances with their witnesses and the
/// last secondary instance. As large as the circuit; compress it for shipping.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct RecursiveProof<Y: Cycle> {
    /// Digest of the parameters the proof was made with.
    pub params_digest: [u8; 32],
    /// Steps proven.
    pub num_steps: u64,
    /// Initial state.
    #[serde(with = "field_vec")]
    pub z0: Vec<PrimaryField<Y>>,
    /// Final state.
    #[serde(with = "field_vec")]
    pub z_final: Vec<PrimaryField<Y>>,
    /// Final state of the secondary (trivial) circuit.
    #[serde(with = "field_vec")]
    pub zi_secondary: Vec<SecondaryField<Y>>,
    /// Running instance of the primary circuit.
    pub running_primary: RelaxedR1csInstance<Primary<Y>>,
    /// Its witness.
    pub running_primary_witness: RelaxedR1csWitness<PrimaryField<Y>>,
    /// Running instance of the secondary circuit.
    pub running_secondary: RelaxedR1csInstance<Secondary<Y>>,
    /// Its witness.
    pub running_secondary_witness: RelaxedR1csWitness<SecondaryField<Y>>,
    /// The last secondary instance, not yet folded.
    pub last_secondary: R1csInstance<Secondary<Y>>,
    /// Its witness.
    pub last_secondary_witness: R1csWitness<SecondaryField<Y>>,
}

fn unsat<E>(which: &'static str) -> impl FnOnce(E) -> NovaError
where
    E: Into<origami_r1cs::R1csError>,
{
    move |e| NovaError::Unsatisfied {
        which,
        source: e.into(),
    }
}

impl<Y: Cycle> RecursiveProof<Y> {
    /// Checks that the proof shows `z_n = Fⁿ(z0)` for `n = num_steps` and returns `z_n`.
    ///
    /// Checks, in order: the parameters' digest, the step count and `z0`; that the last secondary
    /// instance's public inputs are the hashes of both running instances (binding them to `n`,
    /// `z0` and `z_n`); and that all three instances are satisfied by their witnesses.
    pub fn verify<SC: StepCircuit<PrimaryField<Y>>>(
        &self,
        pk: &PublicParams<Y, SC>,
        num_steps: u64,
        z0: &[PrimaryField<Y>],
    ) -> Result<Vec<PrimaryField<Y>>, NovaError> {
        self.statement()
            .check(&pk.digest(), pk.step().arity(), num_steps, z0)?;
        let (s1, s2): (&R1csShape<_>, &R1csShape<_>) = (pk.shape_primary(), pk.shape_secondary());
        s1.is_sat_relaxed(
            pk.ck_primary(),
            &self.running_primary,
            &self.running_primary_witness,
        )
        .map_err(unsat("running primary"))?;
        s2.is_sat_relaxed(
            pk.ck_secondary(),
            &self.running_secondary,
            &self.running_secondary_witness,
        )
        .map_err(unsat("running secondary"))?;
        s2.is_sat(
            pk.ck_secondary(),
            &self.last_secondary,
            &self.last_secondary_witness,
        )
        .map_err(unsat("last secondary"))?;
        Ok(self.z_final.clone())
    }

    fn statement(&self) -> Statement<'_, Y> {
        Statement {
            params_digest: &self.params_digest,
            num_steps: self.num_steps,
            z0: &self.z0,
            z_final: &self.z_final,
            zi_secondary: &self.zi_secondary,
            running_primary: &self.running_primary,
            running_secondary: &self.running_secondary,
            last_secondary: &self.last_secondary,
        }
    }

    /// Writes the proof to `path`. Returns the bytes written.
    pub fn save(&self, path: &Path) -> Result<u64, FormatError> {
        origami_format::write_file(path, FileKind::RecursiveProof, self.params_digest, self)
    }

    /// Loads a proof, refusing one made for other parameters than `expected_digest`.
    pub fn load(path: &Path, expected_digest: &[u8; 32]) -> Result<Self, NovaError> {
        let (_, proof): (_, Self) =
            origami_format::read_file(path, FileKind::RecursiveProof, Some(expected_digest))?;
        Ok(proof)
    }

    /// Decodes a proof file's contents, refusing one made for other parameters than
    /// `expected_digest`.
    pub fn from_bytes(bytes: &[u8], expected_digest: &[u8; 32]) -> Result<Self, NovaError> {
        let (_, proof): (_, Self) =
            origami_format::decode(bytes, FileKind::RecursiveProof, Some(expected_digest))?;
        Ok(proof)
    }
}

/// What a proof claims (`z_n = Fⁿ(z0)`) and the instances that bind the claim, as both the
/// recursive and the compressed proof carry them.
pub(crate) struct Statement<'a, Y: Cycle> {
    pub params_digest: &'a [u8; 32],
    pub num_steps: u64,
    pub z0: &'a [PrimaryField<Y>],
    pub z_final: &'a [PrimaryField<Y>],
    pub zi_secondary: &'a [SecondaryField<Y>],
    pub running_primary: &'a RelaxedR1csInstance<Primary<Y>>,
    pub running_secondary: &'a RelaxedR1csInstance<Secondary<Y>>,
    pub last_secondary: &'a R1csInstance<Secondary<Y>>,
}

impl<Y: Cycle> Statement<'_, Y> {
    /// Checks, in order: the parameters' digest, the step count and `z0`; then that the last
    /// secondary instance's public inputs are the hashes of both running instances (binding them
    /// to `n`, `z0` and `z_n`). What remains is that the instances are satisfied.
    pub(crate) fn check(
        &self,
        expected_digest: &[u8; 32],
        arity: usize,
        num_steps: u64,
        z0: &[PrimaryField<Y>],
    ) -> Result<(), NovaError> {
        // Lengths first, against the step itself (not only against each other), before anything
        // is hashed: the hashes would still separate lengths, but a precise error is owed.
        let secondary_arity = StepCircuit::<SecondaryField<Y>>::arity(&TrivialCircuit);
        for (state, expected, got) in [
            ("the expected z0", arity, z0.len()),
            ("the proof's z0", arity, self.z0.len()),
            ("the proof's final state", arity, self.z_final.len()),
            (
                "the proof's secondary state",
                secondary_arity,
                self.zi_secondary.len(),
            ),
        ] {
            if got != expected {
                return Err(NovaError::Arity {
                    state,
                    expected,
                    got,
                });
            }
        }
        if self.params_digest != expected_digest {
            return Err(NovaError::ParamsMismatch {
                expected: hex(expected_digest),
                found: hex(self.params_digest),
            });
        }
        if self.num_steps == 0 {
            return Err(NovaError::NoSteps);
        }
        if self.num_steps != num_steps {
            return Err(NovaError::StepCount {
                expected: num_steps,
                found: self.num_steps,
            });
        }
        if self.z0 != z0 {
            return Err(NovaError::InitialState);
        }
        let x = &self.last_secondary.x;
        if x.len() != 2 {
            return Err(NovaError::PublicInputCount(x.len()));
        }
        let pp1 = digest_to_field::<<Secondary<Y> as CycleCurve>::Base>(expected_digest);
        let pp2 = digest_to_field::<<Primary<Y> as CycleCurve>::Base>(expected_digest);
        let h_primary = instance_hash::<Secondary<Y>>(
            &pp1,
            self.num_steps,
            self.z0,
            self.z_final,
            self.running_secondary,
        )?;
        let h_secondary = instance_hash::<Primary<Y>>(
            &pp2,
            self.num_steps,
            &[SecondaryField::<Y>::ZERO],
            self.zi_secondary,
            self.running_primary,
        )?;
        if cross_field::<_, SecondaryField<Y>>(&h_primary) != Some(x[0]) {
            return Err(NovaError::HashMismatch("primary"));
        }
        if h_secondary != x[1] {
            return Err(NovaError::HashMismatch("secondary"));
        }
        Ok(())
    }
}
