//! `sha256-file`: the SHA-256 digest of a file the prover supplies, `blocks` 64-byte blocks a
//! step.
//!
//! The state is the hash's chaining value (eight 32-bit words), the number of file bytes
//! absorbed so far and a stage: `0` while file data is read, `1` when the terminating `0x80`
//! was written but the length did not fit in its block, `2` when the padded message is done. A
//! run starts from [`initial_state`] and its final state, in stage 2, is the digest and length
//! of exactly one file: the circuit places the `0x80`, the zeros and the bit length itself
//! (see `docs/sha256-file.md` for the argument).
//!
//! A step's input is the file's bytes in the step's range, `64·blocks` of them, fewer for the
//! step where the file ends and none after it. Per block the prover's witness is the number of
//! file bytes `c` (0 to 64) in it, as a one-hot vector `e`, and the block's bytes; everything
//! else is computed from those in the circuit.

use bellpepper::gadgets::{sha256::sha256_compression_function, uint32::UInt32};
use bellpepper_core::{
    ConstraintSystem, LinearCombination, SynthesisError,
    boolean::{AllocatedBit, Boolean},
    num::AllocatedNum,
};
use ff::{PrimeField, PrimeFieldBits};
use origami_nova::{StepCircuit, StepError};

use crate::bits::alloc_le_bits as alloc_bits;

/// Bytes in a SHA-256 block.
pub const BLOCK_BYTES: usize = 64;
/// State elements: eight hash words, the length, the stage.
pub const ARITY: usize = 10;
/// Bits of the byte count; the bit length `8·len` then fits SHA-256's 64-bit length field.
const LEN_BITS: usize = 61;
/// SHA-256's initial hash value (FIPS 180-4, §5.3.3).
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Where a run is in the padded message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// File data is being read.
    Data,
    /// The `0x80` is written; the length goes in a block of its own.
    LengthPending,
    /// The padded message is complete: the chaining value is the digest.
    Finished,
}

impl Stage {
    fn from_index(v: u64) -> Option<Self> {
        match v {
            0 => Some(Self::Data),
            1 => Some(Self::LengthPending),
            2 => Some(Self::Finished),
            _ => None,
        }
    }

    fn index(self) -> u64 {
        match self {
            Self::Data => 0,
            Self::LengthPending => 1,
            Self::Finished => 2,
        }
    }

    /// The stage after a block holding `count` file bytes.
    fn after(self, count: usize) -> Self {
        match self {
            Self::Data if count == BLOCK_BYTES => Self::Data,
            Self::Data if count + 9 > BLOCK_BYTES => Self::LengthPending,
            _ => Self::Finished,
        }
    }

    /// Whether a block holding `count` file bytes ends with the message's bit length.
    fn length_here(self, count: usize) -> bool {
        match self {
            Self::Data => count + 9 <= BLOCK_BYTES,
            Self::LengthPending => true,
            Self::Finished => false,
        }
    }
}

/// A state of a `sha256-file` run, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileState {
    /// The chaining value; the digest once [`Stage::Finished`].
    pub words: [u32; 8],
    /// File bytes absorbed.
    pub len: u64,
    /// Where the run is.
    pub stage: Stage,
}

impl FileState {
    /// Decodes a state, refusing one no run can reach (a word of 2³² or more, a length of 2⁶¹
    /// bytes or more, an unknown stage).
    pub fn decode<F: PrimeFieldBits>(z: &[F]) -> Result<Self, StepError> {
        if z.len() != ARITY {
            return Err(StepError::Arity {
                expected: ARITY,
                got: z.len(),
            });
        }
        let small = |v: &F, bits: usize, what: &str| {
            let le = v.to_le_bits();
            if le.iter().skip(bits).any(|b| *b) {
                return Err(StepError::InvalidState(format!(
                    "sha256-file {what} is 2^{bits} or more"
                )));
            }
            Ok(le
                .iter()
                .take(bits)
                .rev()
                .fold(0u64, |acc, b| acc << 1 | *b as u64))
        };
        let mut words = [0u32; 8];
        for (w, v) in words.iter_mut().zip(z) {
            *w = small(v, 32, "hash word")? as u32;
        }
        let len = small(&z[8], LEN_BITS, "length")?;
        let stage = Stage::from_index(small(&z[9], 2, "stage")?)
            .ok_or_else(|| StepError::InvalidState("sha256-file stage 3 does not exist".into()))?;
        Ok(Self { words, len, stage })
    }

    /// The state as field elements.
    pub fn encode<F: PrimeField>(&self) -> Vec<F> {
        let mut z: Vec<F> = self.words.iter().map(|w| F::from(*w as u64)).collect();
        z.push(F::from(self.len));
        z.push(F::from(self.stage.index()));
        z
    }

    /// The digest, big-endian as `sha256sum` prints it, once the run is finished.
    pub fn digest(&self) -> Option<[u8; 32]> {
        (self.stage == Stage::Finished).then(|| {
            let mut out = [0u8; 32];
            for (chunk, w) in out.chunks_mut(4).zip(self.words) {
                chunk.copy_from_slice(&w.to_be_bytes());
            }
            out
        })
    }
}

/// What a finished `sha256-file` run attests: a file of `len` bytes has SHA-256 `digest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileDigest {
    /// The file's SHA-256.
    pub digest: [u8; 32],
    /// The file's length in bytes.
    pub len: u64,
}

impl core::fmt::Display for FileDigest {
    /// As `sha256sum` prints a digest, with the length where it prints the name.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.digest {
            write!(f, "{b:02x}")?;
        }
        write!(f, "  ({} bytes)", self.len)
    }
}

/// Why a run's states attest no file's digest.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NotAttested {
    /// The run does not start where SHA-256 starts.
    #[error("the run does not start from SHA-256's initial state with no bytes read")]
    Start,
    /// The run ends before the padded message does (too few steps).
    #[error("the run ends before the file's padding and length are absorbed (too few steps)")]
    Unfinished,
    /// The final state is not one a run reaches.
    #[error("the final state is not a sha256-file state: {0}")]
    State(StepError),
}

/// The file digest that a run from `z0` to `z_final` attests.
pub fn attested<F: PrimeFieldBits>(z0: &[F], z_final: &[F]) -> Result<FileDigest, NotAttested> {
    if z0 != initial_state::<F>().as_slice() {
        return Err(NotAttested::Start);
    }
    let end = FileState::decode(z_final).map_err(NotAttested::State)?;
    let digest = end.digest().ok_or(NotAttested::Unfinished)?;
    Ok(FileDigest {
        digest,
        len: end.len,
    })
}

/// The state every `sha256-file` run starts from: SHA-256's initial value, no bytes, reading.
pub fn initial_state<F: PrimeField>() -> Vec<F> {
    FileState {
        words: IV,
        len: 0,
        stage: Stage::Data,
    }
    .encode()
}

/// Steps a file of `len` bytes needs at `blocks` blocks a step: its padded message has
/// `⌊(len + 8) / 64⌋ + 1` blocks.
pub fn steps_for(len: u64, blocks: usize) -> u64 {
    let padded = (len + 8) / BLOCK_BYTES as u64 + 1;
    padded.div_ceil(blocks.max(1) as u64)
}

/// The prover's witness for one block: how many file bytes it holds, and its bytes before the
/// length is laid over the last eight (file data, the `0x80` after it, zeros).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockWitness {
    pub(crate) count: usize,
    pub(crate) bytes: [u8; BLOCK_BYTES],
}

impl BlockWitness {
    /// The honest witness of a block in `stage` whose remaining file data is `data`.
    fn honest(stage: Stage, data: &[u8]) -> Self {
        let mut bytes = [0u8; BLOCK_BYTES];
        let count = if stage == Stage::Data {
            data.len().min(BLOCK_BYTES)
        } else {
            0
        };
        bytes[..count].copy_from_slice(&data[..count]);
        if stage == Stage::Data && count < BLOCK_BYTES {
            bytes[count] = 0x80;
        }
        Self { count, bytes }
    }
}

/// `blocks` blocks of a file's SHA-256 per step, the file being the steps' input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sha256File {
    blocks: usize,
}

impl Sha256File {
    /// A step of `blocks` SHA-256 compressions (about 28,000 constraints each).
    pub fn new(blocks: usize) -> Self {
        Self { blocks }
    }

    /// Blocks a step.
    pub fn blocks(&self) -> usize {
        self.blocks
    }

    /// File bytes a step reads.
    pub fn bytes_per_step(&self) -> usize {
        self.blocks * BLOCK_BYTES
    }

    /// Checks `input` against the state it is read in, and returns each block's honest witness
    /// with the stage and length the block starts from.
    fn witnesses(&self, state: &FileState, input: &[u8]) -> Result<Vec<BlockWitness>, StepError> {
        if input.len() > self.bytes_per_step() {
            return Err(StepError::InvalidInput(format!(
                "a sha256-file step of {} blocks reads at most {} bytes, but was given {}",
                self.blocks,
                self.bytes_per_step(),
                input.len()
            )));
        }
        if state.stage != Stage::Data && !input.is_empty() {
            return Err(StepError::InvalidInput(format!(
                "{} bytes given after the end of the file",
                input.len()
            )));
        }
        let mut stage = state.stage;
        let mut rest = input;
        Ok((0..self.blocks)
            .map(|_| {
                let w = BlockWitness::honest(stage, rest);
                rest = &rest[w.count..];
                stage = stage.after(w.count);
                w
            })
            .collect())
    }
}

/// The block's 64 bytes: the witness's, with the bit length `8·len` over the last eight when
/// the block carries it.
fn full_block(stage: Stage, w: &BlockWitness, len_after: u64) -> [u8; BLOCK_BYTES] {
    let mut block = w.bytes;
    if stage.length_here(w.count) {
        block[BLOCK_BYTES - 8..].copy_from_slice(&(len_after * 8).to_be_bytes());
    }
    block
}

impl<F: PrimeFieldBits> StepCircuit<F> for Sha256File {
    type Input = [u8];

    fn arity(&self) -> usize {
        ARITY
    }

    fn synthesize<CS: ConstraintSystem<F>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<F>],
        input: Option<&[u8]>,
    ) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
        let witnesses = match input {
            None => None,
            Some(input) => {
                let values = z
                    .iter()
                    .map(|n| n.get_value())
                    .collect::<Option<Vec<F>>>()
                    .ok_or(SynthesisError::AssignmentMissing)?;
                let state =
                    FileState::decode(&values).map_err(|_| SynthesisError::Unsatisfiable)?;
                Some(
                    self.witnesses(&state, input)
                        .map_err(|_| SynthesisError::Unsatisfiable)?,
                )
            }
        };
        synthesize_blocks(cs, self.blocks, z, witnesses.as_deref())
    }

    fn step(&self, z: &[F], input: &[u8]) -> Result<Vec<F>, StepError> {
        let mut state = FileState::decode(z)?;
        for w in self.witnesses(&state, input)? {
            let len_after = state.len + w.count as u64;
            if len_after >> LEN_BITS != 0 {
                return Err(StepError::InvalidInput(
                    "a file of 2^61 bytes or more has no SHA-256 digest".into(),
                ));
            }
            if state.stage != Stage::Finished {
                let block = full_block(state.stage, &w, len_after);
                sha2::compress256(&mut state.words, &[block.into()]);
            }
            state.stage = state.stage.after(w.count);
            state.len = len_after;
        }
        Ok(state.encode())
    }
}

/// Packs little-endian `bits` into one allocated number.
fn pack<F: PrimeField, CS: ConstraintSystem<F>>(
    mut cs: CS,
    sum: LinearCombination<F>,
    value: Option<F>,
) -> Result<AllocatedNum<F>, SynthesisError> {
    let num = AllocatedNum::alloc(cs.namespace(|| "num"), || {
        value.ok_or(SynthesisError::AssignmentMissing)
    })?;
    cs.enforce(
        || "num = Σ",
        |_| sum,
        |l| l + CS::one(),
        |l| l + num.get_variable(),
    );
    Ok(num)
}

/// `coeff · Σ bits`.
fn sum<F: PrimeField>(bits: &[AllocatedBit], coeff: F) -> LinearCombination<F> {
    bits.iter().fold(LinearCombination::zero(), |l, b| {
        l + (coeff, b.get_variable())
    })
}

fn lc_value<F: PrimeField>(terms: &[(F, Option<bool>)]) -> Option<F> {
    terms.iter().try_fold(F::ZERO, |acc, (c, b)| {
        b.map(|b| if b { acc + c } else { acc })
    })
}

/// The step's constraints, with each block's witness given (`None` when making the shape).
/// Kept apart from [`StepCircuit::synthesize`] so that tests can hand it a dishonest witness.
pub(crate) fn synthesize_blocks<F: PrimeFieldBits, CS: ConstraintSystem<F>>(
    cs: &mut CS,
    blocks: usize,
    z: &[AllocatedNum<F>],
    witnesses: Option<&[BlockWitness]>,
) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
    if z.len() != ARITY || witnesses.is_some_and(|w| w.len() != blocks) {
        return Err(SynthesisError::Unsatisfiable);
    }
    let one = CS::one();
    // The chaining value as 32-bit words (range-checked).
    let mut words = Vec::with_capacity(8);
    for (k, num) in z[..8].iter().enumerate() {
        let bits = alloc_bits(
            cs.namespace(|| format!("word {k}")),
            num.get_value(),
            LinearCombination::zero() + num.get_variable(),
            32,
        )?;
        words.push(UInt32::from_bits(
            &bits.into_iter().map(Boolean::from).collect::<Vec<_>>(),
        ));
    }
    // The stage as two exclusive bits: stage = pending + 2·finished.
    let stage_value = z[9].get_value().map(|v| v.to_le_bits());
    let stage_bit = |i: usize| stage_value.as_ref().map(|b| b[i]);
    let pending = AllocatedBit::alloc(cs.namespace(|| "pending"), stage_bit(0))?;
    let finished = AllocatedBit::alloc(cs.namespace(|| "finished"), stage_bit(1))?;
    cs.enforce(
        || "stage = pending + 2 finished",
        |l| l + pending.get_variable() + (F::from(2), finished.get_variable()),
        |l| l + one,
        |l| l + z[9].get_variable(),
    );
    cs.enforce(
        || "not pending and finished",
        |l| l + pending.get_variable(),
        |l| l + finished.get_variable(),
        |l| l,
    );
    let mut pending_lc = LinearCombination::zero() + pending.get_variable();
    let mut finished_lc = LinearCombination::zero() + finished.get_variable();
    let mut pending_value = pending.get_value();
    let mut finished_value = finished.get_value();
    let mut stage_lc = LinearCombination::zero() + z[9].get_variable();
    let mut len_lc = LinearCombination::zero() + z[8].get_variable();
    let mut len_value = z[8].get_value();

    for j in 0..blocks {
        let mut cs = cs.namespace(|| format!("block {j}"));
        let w = witnesses.map(|w| &w[j]);
        // `fin`: the block is past the message and leaves the chaining value as it is.
        let fin = AllocatedBit::alloc(cs.namespace(|| "fin"), finished_value)?;
        cs.enforce(
            || "fin = finished",
            |l| l + fin.get_variable(),
            |l| l + one,
            |_| finished_lc.clone(),
        );
        // data = 1 − pending − finished.
        let data_lc = LinearCombination::zero() + one - &pending_lc - &finished_lc;

        // e: one-hot of the block's file-byte count c.
        let e = (0..=BLOCK_BYTES)
            .map(|k| {
                AllocatedBit::alloc(cs.namespace(|| format!("e {k}")), w.map(|w| w.count == k))
            })
            .collect::<Result<Vec<_>, _>>()?;
        cs.enforce(
            || "Σ e = 1",
            |l| e.iter().fold(l, |l, b| l + b.get_variable()),
            |l| l + one,
            |l| l + one,
        );
        // Past the file's data no byte is read: c = 0.
        cs.enforce(
            || "not data ⇒ c = 0",
            |_| pending_lc.clone() + &finished_lc,
            |l| l + one - e[0].get_variable(),
            |l| l,
        );
        // The terminator at position 0 only while reading data.
        let t0_value = e[0]
            .get_value()
            .zip(pending_value.zip(finished_value))
            .map(|(e0, (p, f))| e0 && !p && !f);
        let t0 = AllocatedBit::alloc(cs.namespace(|| "terminator at 0"), t0_value)?;
        cs.enforce(
            || "t0 = e0 · data",
            |l| l + e[0].get_variable(),
            |_| data_lc.clone(),
            |l| l + t0.get_variable(),
        );

        // The block's bytes: anything before c, then 0x80 at c (while reading data), then zeros.
        let mut bits = Vec::with_capacity(BLOCK_BYTES * 8);
        let mut ge = LinearCombination::<F>::zero();
        for (k, e_k) in e[..BLOCK_BYTES].iter().enumerate() {
            let mut cs = cs.namespace(|| format!("byte {k}"));
            ge = ge + e_k.get_variable();
            let byte_bits = (0..8)
                .map(|i| {
                    AllocatedBit::alloc(
                        cs.namespace(|| format!("bit {i}")),
                        w.map(|w| (w.bytes[k] >> i) & 1 == 1),
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            let terminator = if k == 0 {
                t0.get_variable()
            } else {
                e_k.get_variable()
            };
            cs.enforce(
                || "(byte − 0x80·t)·[k ≥ c] = 0",
                |l| {
                    byte_bits
                        .iter()
                        .enumerate()
                        .fold(l, |l, (i, b)| l + (F::from(1 << i), b.get_variable()))
                        - (F::from(0x80), terminator)
                },
                |_| ge.clone(),
                |l| l,
            );
            // SHA-256 reads each byte most significant bit first.
            bits.extend(byte_bits.into_iter().rev().map(Boolean::from));
        }

        // Length: len' = len + c, in 61 bits; the block ends with 8·len' when it carries it.
        let count_lc = e
            .iter()
            .enumerate()
            .fold(LinearCombination::zero(), |l, (k, b)| {
                l + (F::from(k as u64), b.get_variable())
            });
        let len_after_value = len_value.zip(w).map(|(l, w)| l + F::from(w.count as u64));
        let len_bits = alloc_bits(
            cs.namespace(|| "len'"),
            len_after_value,
            len_lc.clone() + &count_lc,
            LEN_BITS,
        )?;
        // Carries the length: short while reading data, or pending. (short − finished.)
        let length_here = sum(&e[..=BLOCK_BYTES - 9], F::ONE) - &finished_lc;
        let length_here_value = w.zip(pending_value.zip(finished_value)).map(|(w, (p, f))| {
            let stage = if f {
                Stage::Finished
            } else if p {
                Stage::LengthPending
            } else {
                Stage::Data
            };
            stage.length_here(w.count)
        });
        // Bit t (most significant first) of the 64-bit field 8·len' is bit 60 − t of len' (the
        // last three are zero).
        for t in 0..64 {
            let Some(len_bit) = (t <= 60).then(|| &len_bits[60 - t]) else {
                continue;
            };
            let pos = (BLOCK_BYTES - 8) * 8 + t;
            let data_bit = &bits[pos];
            let value = data_bit
                .get_value()
                .zip(length_here_value.zip(len_bit.get_value()))
                .map(|(d, (h, l))| d || (h && l));
            let out = AllocatedBit::alloc(cs.namespace(|| format!("length bit {t}")), value)?;
            cs.enforce(
                || format!("length bit {t} = data + here · len"),
                |_| length_here.clone(),
                |l| l + len_bit.get_variable(),
                |l| l + out.get_variable() - &data_bit.lc(one, F::ONE),
            );
            bits[pos] = Boolean::from(out);
        }

        let compressed = sha256_compression_function(cs.namespace(|| "compress"), &bits, &words)?;
        let fin_word = UInt32::from_bits(&vec![Boolean::from(fin.clone()); 32]);
        words = words
            .iter()
            .zip(&compressed)
            .enumerate()
            .map(|(k, (old, new))| {
                UInt32::sha256_ch(cs.namespace(|| format!("keep {k}")), &fin_word, old, new)
            })
            .collect::<Result<_, _>>()?;

        // Next stage: finished after a short block (or a pending or finished one, where c = 0),
        // pending after a block whose terminator left no room for the length.
        pending_value = w.map(|w| (BLOCK_BYTES - 8..BLOCK_BYTES).contains(&w.count));
        finished_value = w.map(|w| w.count + 9 <= BLOCK_BYTES);
        pending_lc = sum(&e[BLOCK_BYTES - 8..BLOCK_BYTES], F::ONE);
        finished_lc = sum(&e[..=BLOCK_BYTES - 9], F::ONE);
        stage_lc = sum(&e[BLOCK_BYTES - 8..BLOCK_BYTES], F::ONE)
            + &sum(&e[..=BLOCK_BYTES - 9], F::from(2));
        len_lc = len_bits
            .iter()
            .enumerate()
            .fold(LinearCombination::zero(), |l, (i, b)| {
                l + (F::from(2).pow_vartime([i as u64]), b.get_variable())
            });
        len_value = len_after_value;
    }

    let mut out = Vec::with_capacity(ARITY);
    for (k, word) in words.into_iter().enumerate() {
        let bits = word.into_bits();
        let terms: Vec<(F, Option<bool>)> = bits
            .iter()
            .enumerate()
            .map(|(i, b)| (F::from(1u64 << i), b.get_value()))
            .collect();
        let sum = bits
            .iter()
            .zip(&terms)
            .fold(LinearCombination::zero(), |l, (b, (c, _))| {
                l + &b.lc(one, *c)
            });
        out.push(pack(
            cs.namespace(|| format!("h {k}")),
            sum,
            lc_value(&terms),
        )?);
    }
    out.push(pack(cs.namespace(|| "len"), len_lc, len_value)?);
    let stage_value = pending_value
        .zip(finished_value)
        .map(|(p, f)| F::from(p as u64 + 2 * f as u64));
    out.push(pack(cs.namespace(|| "stage"), stage_lc, stage_value)?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use bellpepper_core::test_cs::TestConstraintSystem;
    use halo2curves::pasta::Fq;
    use sha2::{Digest, Sha256};

    use super::*;

    /// A file whose bytes are not all alike, so a shifted block shows.
    fn file(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 256) as u8).collect()
    }

    /// The states of a run over `data`, `z₀` first.
    fn run(circuit: &Sha256File, data: &[u8], steps: u64) -> Vec<Vec<Fq>> {
        let mut z = vec![initial_state::<Fq>()];
        for i in 0..steps as usize {
            let chunk = data
                .chunks(circuit.bytes_per_step())
                .nth(i)
                .unwrap_or_default();
            let next = circuit.step(z.last().unwrap(), chunk).unwrap();
            z.push(next);
        }
        z
    }

    #[test]
    fn the_native_step_computes_sha256_of_the_file() {
        for blocks in [1, 2, 3] {
            let circuit = Sha256File::new(blocks);
            for len in [0, 1, 55, 56, 63, 64, 65, 119, 128, 3000] {
                let data = file(len);
                let steps = steps_for(len as u64, blocks);
                let states = run(&circuit, &data, steps);
                let end = FileState::decode(states.last().unwrap()).unwrap();
                let expected: [u8; 32] = Sha256::digest(&data).into();
                assert_eq!(end.digest(), Some(expected), "len {len}, {blocks} blocks");
                assert_eq!(end.len, len as u64);
                // One step fewer does not finish the message.
                let before = FileState::decode(&states[states.len() - 2]).unwrap();
                assert_eq!(before.digest(), None, "len {len}, {blocks} blocks");
                // Steps past the end change nothing.
                let extra = circuit.step(states.last().unwrap(), &[]).unwrap();
                assert_eq!(&extra, states.last().unwrap());
            }
        }
    }

    #[test]
    fn bad_inputs_and_states_are_named() {
        let circuit = Sha256File::new(1);
        let z0 = initial_state::<Fq>();
        let err = circuit.step(&z0, &[0; 65]).unwrap_err();
        assert!(err.to_string().contains("at most 64 bytes"), "{err}");
        let done = circuit.step(&z0, &[1, 2]).unwrap();
        let err = circuit.step(&done, &[3]).unwrap_err();
        assert!(
            err.to_string().contains("after the end of the file"),
            "{err}"
        );
        let mut bad = z0.clone();
        bad[9] = Fq::from(3);
        assert!(matches!(
            circuit.step(&bad, &[]),
            Err(StepError::InvalidState(_))
        ));
        bad[9] = Fq::from(0);
        bad[0] = Fq::from(1u64 << 32);
        assert!(matches!(
            circuit.step(&bad, &[]),
            Err(StepError::InvalidState(_))
        ));
    }

    /// Synthesizes one step from `z` with the given block witnesses into a test system.
    fn synthesize_with(
        blocks: usize,
        z: &[Fq],
        witnesses: &[BlockWitness],
    ) -> (TestConstraintSystem<Fq>, Vec<Fq>) {
        let mut cs = TestConstraintSystem::<Fq>::new();
        let z: Vec<_> = z
            .iter()
            .enumerate()
            .map(|(k, v)| AllocatedNum::alloc(cs.namespace(|| format!("z{k}")), || Ok(*v)).unwrap())
            .collect();
        let out = synthesize_blocks(&mut cs.namespace(|| "step"), blocks, &z, Some(witnesses))
            .unwrap()
            .iter()
            .map(|n| n.get_value().unwrap())
            .collect();
        (cs, out)
    }

    fn honest(circuit: &Sha256File, z: &[Fq], input: &[u8]) -> Vec<BlockWitness> {
        circuit
            .witnesses(&FileState::decode(z).unwrap(), input)
            .unwrap()
    }

    #[test]
    fn the_circuit_agrees_with_the_native_step_at_every_padding_boundary() {
        let circuit = Sha256File::new(2);
        for len in [0, 55, 56, 64, 119, 130] {
            let data = file(len);
            let states = run(&circuit, &data, steps_for(len as u64, 2));
            for (i, pair) in states.windows(2).enumerate() {
                let chunk = data.chunks(128).nth(i).unwrap_or_default();
                let (cs, out) = synthesize_with(2, &pair[0], &honest(&circuit, &pair[0], chunk));
                assert!(
                    cs.is_satisfied(),
                    "len {len} step {i}: {:?}",
                    cs.which_is_unsatisfied()
                );
                assert_eq!(out, pair[1], "len {len} step {i}");
            }
        }
    }

    /// A prover whose block witness breaks one padding rule gets no satisfied step; the honest
    /// witness for the same state is satisfied (so the check can fail).
    #[test]
    fn a_witness_with_bad_padding_or_data_after_the_end_is_unsatisfied() {
        let circuit = Sha256File::new(1);
        let z0 = initial_state::<Fq>();
        let data = file(10);
        let good = honest(&circuit, &z0, &data)[0];
        assert!(synthesize_with(1, &z0, &[good]).0.is_satisfied());
        let cheat = |name: &str, z: &[Fq], w: BlockWitness| {
            let (cs, _) = synthesize_with(1, z, &[w]);
            assert!(!cs.is_satisfied(), "{name} was accepted");
        };
        let mut w = good;
        w.bytes[10] = 0;
        cheat("no terminator", &z0, w);
        let mut w = good;
        w.bytes[10] = 0;
        w.bytes[11] = 0x80;
        cheat("terminator moved", &z0, w);
        let mut w = good;
        w.bytes[20] = 1;
        cheat("a byte after the terminator", &z0, w);
        let mut w = good;
        w.count = 11;
        cheat("one byte more counted", &z0, w);
        let mut w = good;
        w.count = 9;
        cheat("one byte fewer counted", &z0, w);

        // Past the end: neither data nor a terminator, and no length block skipped.
        let done = circuit.step(&z0, &data).unwrap();
        let mut w = honest(&circuit, &done, &[])[0];
        w.count = 5;
        w.bytes[..5].copy_from_slice(&data[..5]);
        cheat("data after the end", &done, w);
        let pending = circuit.step(&z0, &file(60)).unwrap();
        assert_eq!(
            FileState::decode(&pending).unwrap().stage,
            Stage::LengthPending
        );
        let good = honest(&circuit, &pending, &[])[0];
        assert!(synthesize_with(1, &pending, &[good]).0.is_satisfied());
        let mut w = good;
        w.bytes[0] = 0x80;
        cheat("a second terminator", &pending, w);
        let mut w = good;
        w.count = 64;
        cheat("the length block skipped", &pending, w);
    }

    /// The length, the stage and the length field cannot be set apart from the data.
    #[test]
    fn a_wrong_length_or_stage_is_unsatisfied() {
        let circuit = Sha256File::new(1);
        let z0 = initial_state::<Fq>();
        let w = honest(&circuit, &z0, &file(10));
        for path in [
            "step/len/num/num",
            "step/stage/num/num",
            "step/block 0/len'/bit 0/boolean",
            "step/block 0/length bit 60/boolean",
            "step/block 0/e 10/boolean",
            "step/h 0/num/num",
        ] {
            let (mut cs, _) = synthesize_with(1, &z0, &w);
            assert!(cs.is_satisfied());
            let v = cs.get(path);
            // A bit is flipped (so booleanity still holds), a number moved by one.
            let moved = if path.ends_with("boolean") {
                Fq::from(1) - v
            } else {
                v + Fq::from(1)
            };
            cs.set(path, moved);
            assert!(!cs.is_satisfied(), "{path} could be changed");
        }
    }
}
