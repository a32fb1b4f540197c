//! Commitment-key generators as a verifier reads them.
//!
//! A verifier of Pedersen openings needs one multi-scalar multiplication over a prefix of the
//! key's generators. [`GeneratorSource`] asks for exactly that, so a source may hold the key
//! ([`CommitmentKey`]) or produce the generators a chunk at a time and drop them
//! ([`StreamedGenerators`]): the verifier's memory is then a chunk, not the key.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::curve::{AffineOf, CycleCurve, PointOf, ScalarOf, affine_xy};
use crate::msm::{MsmStream, msm};
use crate::pedersen::{CommitmentKey, blinding_generator, derive_generators};

/// Why a multi-scalar multiplication over a key's generators could not be computed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GeneratorError {
    /// More generators were asked for than the key has.
    #[error("{wanted} generators asked of a key of {len}")]
    TooShort {
        /// Generators asked for.
        wanted: usize,
        /// Generators in the key.
        len: usize,
    },
    /// The generators do not hash to the digest the verifier key carries: the key does not
    /// describe this label's generators.
    #[error("the generators do not match the verifier key's generator digest")]
    DigestMismatch,
}

/// Fills `out` with the scalars of generators `start..start + out.len()`.
pub type ScalarFill<'a, C> = dyn Fn(usize, &mut [ScalarOf<C>]) + Sync + 'a;

/// A commitment key's generators, as far as a verifier needs them.
pub trait GeneratorSource<C: CycleCurve>: Sync {
    /// The blinding generator `H`.
    fn blinding_generator(&self) -> AffineOf<C>;

    /// Number of generators `G[i]`.
    fn len(&self) -> usize;

    /// True when there are no generators.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `Σ_{i<n} s_i·G[i]`, where `scalars(start, out)` writes `s_start, s_start+1, …` into `out`
    /// (a source may ask for them in several pieces).
    fn msm_prefix(
        &self,
        n: usize,
        scalars: &ScalarFill<'_, C>,
    ) -> Result<PointOf<C>, GeneratorError>;
}

fn check_len(wanted: usize, len: usize) -> Result<(), GeneratorError> {
    if wanted > len {
        Err(GeneratorError::TooShort { wanted, len })
    } else {
        Ok(())
    }
}

impl<C: CycleCurve> GeneratorSource<C> for CommitmentKey<C> {
    fn blinding_generator(&self) -> AffineOf<C> {
        CommitmentKey::blinding_generator(self)
    }

    fn len(&self) -> usize {
        CommitmentKey::len(self)
    }

    fn msm_prefix(
        &self,
        n: usize,
        scalars: &ScalarFill<'_, C>,
    ) -> Result<PointOf<C>, GeneratorError> {
        check_len(n, self.len())?;
        let mut s = vec![ScalarOf::<C>::default(); n];
        scalars(0, &mut s);
        Ok(msm(&s, &self.generators()[..n]))
    }
}

/// Domain of [`generator_digest`] (v1 was Keccak-256, 4.5× slower here than SHA-256 with the
/// SHA extensions: the digest is a pass over every generator a verifier reads).
const DIGEST_DOMAIN: &[u8] = b"origami-generator-digest/v2";
/// First bytes of a generator cache file.
const CACHE_MAGIC: &[u8; 8] = b"OGGENS01";
/// Bytes of one generator in a cache file: canonical `x ‖ y`.
const POINT_BYTES: usize = 64;

fn encode_point<C: CycleCurve>(p: &AffineOf<C>, out: &mut [u8]) {
    use ff::PrimeField;
    // Generators are hashed to the curve, never the identity.
    let (x, y) = affine_xy(p).unwrap_or_default();
    out[..32].copy_from_slice(x.to_repr().as_ref());
    out[32..64].copy_from_slice(y.to_repr().as_ref());
}

/// The coordinates of an encoded generator, checked to be a point of the curve.
fn decode_point<C: CycleCurve>(bytes: &[u8]) -> Option<(C::Base, C::Base)> {
    use ff::PrimeField;
    use halo2curves::CurveAffine;
    let coordinate = |b: &[u8]| {
        let mut repr = <C::Base as PrimeField>::Repr::default();
        repr.as_mut().copy_from_slice(b);
        Option::<C::Base>::from(C::Base::from_repr(repr))
    };
    let (x, y) = (coordinate(&bytes[..32])?, coordinate(&bytes[32..64])?);
    bool::from(AffineOf::<C>::from_xy(x, y).is_some()).then_some((x, y))
}

/// Hashes generators in order, as [`generator_digest`] defines.
struct DigestHasher(sha2::Sha256);

impl DigestHasher {
    fn new<C: CycleCurve>(label: &[u8], len: usize) -> Self {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(DIGEST_DOMAIN);
        h.update(C::NAME.as_bytes());
        h.update((label.len() as u64).to_le_bytes());
        h.update(label);
        h.update((len as u64).to_le_bytes());
        Self(h)
    }

    fn update(&mut self, encoded: &[u8]) {
        sha2::Digest::update(&mut self.0, encoded);
    }

    fn finish(self) -> [u8; 32] {
        sha2::Digest::finalize(self.0).into()
    }
}

fn encode_points<C: CycleCurve>(points: &[AffineOf<C>]) -> Vec<u8> {
    let mut bytes = vec![0u8; points.len() * POINT_BYTES];
    bytes
        .par_chunks_mut(POINT_BYTES)
        .zip(points.par_iter())
        .for_each(|(out, p)| encode_point::<C>(p, out));
    bytes
}

/// The digest of a key's first generators: SHA-256 over the curve, the label, the count and
/// every generator's canonical `x ‖ y`. A verifier key carries it, so generators read from a
/// cache file (or derived by other code) are checked to be the ones setup used.
pub fn generator_digest<C: CycleCurve>(key: &CommitmentKey<C>, len: usize) -> Option<[u8; 32]> {
    let generators = key.generators().get(..len)?;
    let mut h = DigestHasher::new::<C>(key.label(), len);
    for chunk in generators.chunks(1 << 14) {
        h.update(&encode_points::<C>(chunk));
    }
    Some(h.finish())
}

/// The cache file of the key labelled `label` on curve `C` inside `dir`.
fn cache_path<C: CycleCurve>(dir: &Path, label: &[u8]) -> PathBuf {
    use sha3::Digest;
    let id = sha3::Keccak256::digest(label);
    let hex: String = id[..8].iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("generators-{}-{hex}.bin", C::NAME))
}

fn cache_header(label: &[u8], count: usize) -> Vec<u8> {
    let mut h = CACHE_MAGIC.to_vec();
    h.extend_from_slice(&(label.len() as u64).to_le_bytes());
    h.extend_from_slice(label);
    h.extend_from_slice(&(count as u64).to_le_bytes());
    h
}

/// Opens a cache file positioned at its first generator if it is for `label` and holds at least
/// `len` generators.
fn open_cache(path: &Path, label: &[u8], len: usize) -> Option<BufReader<File>> {
    let mut file = BufReader::with_capacity(1 << 20, File::open(path).ok()?);
    let mut fixed = [0u8; 16];
    file.read_exact(&mut fixed).ok()?;
    let label_len = u64::from_le_bytes(fixed[8..16].try_into().ok()?);
    if &fixed[..8] != CACHE_MAGIC || label_len != label.len() as u64 {
        return None;
    }
    let mut rest = vec![0u8; label.len() + 8];
    file.read_exact(&mut rest).ok()?;
    let count = u64::from_le_bytes(rest[label.len()..].try_into().ok()?);
    let body = std::fs::metadata(path).ok()?.len() - (16 + rest.len()) as u64;
    let ok = &rest[..label.len()] == label
        && count >= len as u64
        && body == count.checked_mul(POINT_BYTES as u64)?;
    ok.then_some(file)
}

/// A key's first `len` generators as a verifier uses them: never all in memory, and always checked
/// against the digest the verifier key carries.
///
/// They are read a chunk at a time from a per-machine cache file when one is set and present, and
/// otherwise derived from the label a chunk at a time — writing the cache file on the way, so only
/// the first verification on a machine pays for derivation. A missing, short or damaged cache
/// file is never an error: the generators are derived instead.
#[derive(Clone, Debug)]
pub struct StreamedGenerators<C: CycleCurve> {
    label: Vec<u8>,
    len: usize,
    digest: [u8; 32],
    blinding: AffineOf<C>,
    chunk: usize,
    cache_dir: Option<PathBuf>,
    last_origin: OriginCell,
}

/// Where a [`StreamedGenerators`] took its generators from the last time it was used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeneratorOrigin {
    /// Read from the cache file, which matched the digest.
    Cache,
    /// Derived from the label.
    Derived {
        /// A cache file was there but did not hold these generators (damaged, or another key's);
        /// it was not used.
        cache_was_bad: bool,
        /// The cache file was written (or rewritten) on the way.
        cache_written: bool,
    },
}

impl GeneratorOrigin {
    /// The origin of two sources used together (a verifier's two curves): from the cache only
    /// if both were.
    pub fn and(self, other: Self) -> Self {
        match (self, other) {
            (Self::Cache, only) | (only, Self::Cache) => only,
            (
                Self::Derived {
                    cache_was_bad: bad_a,
                    cache_written: written_a,
                },
                Self::Derived {
                    cache_was_bad: bad_b,
                    cache_written: written_b,
                },
            ) => Self::Derived {
                cache_was_bad: bad_a || bad_b,
                cache_written: written_a && written_b,
            },
        }
    }
}

/// The last [`GeneratorOrigin`], set through `&self` (sources are used behind shared
/// references); a clone starts with the original's value and goes its own way.
#[derive(Debug, Default)]
struct OriginCell(std::sync::Mutex<Option<GeneratorOrigin>>);

impl OriginCell {
    fn get(&self) -> Option<GeneratorOrigin> {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn set(&self, origin: GeneratorOrigin) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(origin);
    }
}

impl Clone for OriginCell {
    fn clone(&self) -> Self {
        Self(std::sync::Mutex::new(self.get()))
    }
}

impl<C: CycleCurve> StreamedGenerators<C> {
    /// Generators per chunk. The MSM keeps its buckets across chunks ([`MsmStream`]), so the
    /// chunk sets the memory of the pieces in flight (bytes, points, scalars, terms, scratch) and
    /// barely the time: on `origami verify` at 2^14 (2^18 + 2^17 generators, 2 cores), chunks
    /// of 2^13 / 2^14 / 2^15 took 1.08 / 1.06 / 1.05 s at 27 / 34 / 48 MiB peak.
    pub const DEFAULT_CHUNK: usize = 1 << 13;

    /// The first `len` generators of the key labelled `label`, which must hash to `digest`
    /// ([`generator_digest`]).
    pub fn new(label: &[u8], len: usize, digest: [u8; 32]) -> Self {
        Self {
            label: label.to_vec(),
            len,
            digest,
            blinding: blinding_generator::<C>(label),
            chunk: Self::DEFAULT_CHUNK,
            cache_dir: None,
            last_origin: OriginCell::default(),
        }
    }

    /// The same generators produced `chunk` at a time (at least one).
    pub fn with_chunk(mut self, chunk: usize) -> Self {
        self.chunk = chunk.max(1);
        self
    }

    /// Reads and writes the cache file in `dir` (created if missing).
    pub fn with_cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// The cache file, if a cache directory is set.
    pub fn cache_path(&self) -> Option<PathBuf> {
        self.cache_dir
            .as_deref()
            .map(|d| cache_path::<C>(d, &self.label))
    }

    /// Where the generators came from the last time they were used (`None` before the first
    /// use): [`is_cached`](Self::is_cached) looks at the file's header only, this says whether
    /// its contents were right.
    pub fn last_origin(&self) -> Option<GeneratorOrigin> {
        self.last_origin.get()
    }

    /// True when the cache file exists and holds enough generators (its contents are checked when
    /// it is read).
    pub fn is_cached(&self) -> bool {
        self.cache_path()
            .is_some_and(|p| open_cache(&p, &self.label, self.len).is_some())
    }

    /// Writes the cache file for `key`'s generators into `dir`, as setup does on a machine that
    /// has the key at hand anyway. Keeps an existing file that already holds as many.
    pub fn store(key: &CommitmentKey<C>, dir: &Path) -> std::io::Result<PathBuf> {
        let path = cache_path::<C>(dir, key.label());
        if open_cache(&path, key.label(), key.len()).is_some() {
            return Ok(path);
        }
        let mut out = CacheWriter::create(dir, &path, key.label(), key.len())?;
        for chunk in key.generators().chunks(1 << 14) {
            out.write(&encode_points::<C>(chunk))?;
        }
        out.commit()?;
        Ok(path)
    }

    fn msm_from_cache(
        &self,
        mut file: BufReader<File>,
        n: usize,
        scalars: &ScalarFill<'_, C>,
    ) -> Option<PointOf<C>> {
        let mut h = DigestHasher::new::<C>(&self.label, self.len);
        let mut sum = MsmStream::<AffineOf<C>>::new(n);
        let mut bytes = vec![0u8; self.chunk.min(self.len) * POINT_BYTES];
        let mut s = vec![ScalarOf::<C>::default(); self.chunk.min(n)];
        let mut points = Vec::with_capacity(self.chunk.min(n));
        for start in (0..self.len).step_by(self.chunk) {
            let m = self.chunk.min(self.len - start);
            let bytes = &mut bytes[..m * POINT_BYTES];
            file.read_exact(bytes).ok()?;
            let used = m.min(n.saturating_sub(start));
            if used == 0 {
                h.update(bytes);
                continue;
            }
            points.clear();
            points.par_extend(
                bytes[..used * POINT_BYTES]
                    .par_chunks(POINT_BYTES)
                    .map(decode_point::<C>)
                    .while_some(),
            );
            if points.len() < used {
                return None;
            }
            fill_in_parallel::<C>(scalars, start, &mut s[..used]);
            // The digest is one sequential pass; it runs beside the windows, not before them.
            rayon::join(
                || h.update(bytes),
                || sum.add_coordinates(&s[..used], &points),
            );
        }
        (h.finish() == self.digest).then(|| sum.finish())
    }

    fn msm_deriving(
        &self,
        n: usize,
        scalars: &ScalarFill<'_, C>,
    ) -> Result<(PointOf<C>, bool), GeneratorError> {
        let path = self.cache_path();
        // The cache is an optimisation: failing to write it costs the next verification time,
        // never this one its result.
        let mut writer = path.as_ref().and_then(|p| {
            let dir = self.cache_dir.as_deref()?;
            CacheWriter::create(dir, p, &self.label, self.len).ok()
        });
        let mut h = DigestHasher::new::<C>(&self.label, self.len);
        let mut sum = MsmStream::<AffineOf<C>>::new(n);
        let mut s = vec![ScalarOf::<C>::default(); self.chunk.min(n)];
        for start in (0..self.len).step_by(self.chunk) {
            let m = self.chunk.min(self.len - start);
            let g = derive_generators::<C>(&self.label, start as u64..(start + m) as u64);
            let bytes = encode_points::<C>(&g);
            h.update(&bytes);
            if writer.as_mut().is_some_and(|w| w.write(&bytes).is_err()) {
                writer = None;
            }
            let used = m.min(n.saturating_sub(start));
            if used > 0 {
                fill_in_parallel::<C>(scalars, start, &mut s[..used]);
                sum.add(&s[..used], &g[..used]);
            }
        }
        if h.finish() != self.digest {
            return Err(GeneratorError::DigestMismatch);
        }
        // Best effort, as above.
        let written = writer.is_some_and(|w| w.commit().is_ok());
        Ok((sum.finish(), written))
    }
}

/// `scalars(start, out)`, in pieces on the rayon pool (a scalar is a few multiplications, and
/// one thread filling a chunk would leave the others idle).
fn fill_in_parallel<C: CycleCurve>(
    scalars: &ScalarFill<'_, C>,
    start: usize,
    out: &mut [ScalarOf<C>],
) {
    const PIECE: usize = 1 << 12;
    out.par_chunks_mut(PIECE)
        .enumerate()
        .for_each(|(i, piece)| scalars(start + i * PIECE, piece));
}

/// A cache file being written: a temporary file in the cache directory, renamed into place only
/// once complete, so readers never see a partial file.
struct CacheWriter {
    file: std::io::BufWriter<File>,
    tmp: PathBuf,
    path: PathBuf,
}

impl CacheWriter {
    fn create(dir: &Path, path: &Path, label: &[u8], count: usize) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let tmp = path.with_extension(format!(
            "tmp.{}.{:x}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let mut file = std::io::BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        file.write_all(&cache_header(label, count))?;
        Ok(Self {
            file,
            tmp,
            path: path.to_path_buf(),
        })
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.file.write_all(bytes)
    }

    fn commit(mut self) -> std::io::Result<()> {
        self.file.flush()?;
        self.file.get_ref().sync_all()?;
        std::fs::rename(&self.tmp, &self.path)
    }
}

impl Drop for CacheWriter {
    fn drop(&mut self) {
        // Leaves no temporary file behind when abandoned; after `commit` it no longer exists.
        let _ = std::fs::remove_file(&self.tmp);
    }
}

impl<C: CycleCurve> GeneratorSource<C> for StreamedGenerators<C> {
    fn blinding_generator(&self) -> AffineOf<C> {
        self.blinding
    }

    fn len(&self) -> usize {
        self.len
    }

    fn msm_prefix(
        &self,
        n: usize,
        scalars: &ScalarFill<'_, C>,
    ) -> Result<PointOf<C>, GeneratorError> {
        check_len(n, self.len)?;
        let file = self
            .cache_path()
            .and_then(|p| open_cache(&p, &self.label, self.len));
        let had_file = file.is_some();
        if let Some(p) = file.and_then(|file| self.msm_from_cache(file, n, scalars)) {
            self.last_origin.set(GeneratorOrigin::Cache);
            return Ok(p);
        }
        let (p, cache_written) = self.msm_deriving(n, scalars)?;
        self.last_origin.set(GeneratorOrigin::Derived {
            cache_was_bad: had_file,
            cache_written,
        });
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Pallas, Vesta};
    use ff::Field;
    use rand::{SeedableRng, rngs::StdRng};

    #[test]
    fn origins_combine_to_the_cache_only_when_both_were() {
        use GeneratorOrigin::{Cache, Derived};
        let d = |cache_was_bad, cache_written| Derived {
            cache_was_bad,
            cache_written,
        };
        assert_eq!(Cache.and(Cache), Cache);
        assert_eq!(Cache.and(d(true, false)), d(true, false));
        assert_eq!(d(false, true).and(Cache), d(false, true));
        assert_eq!(d(true, true).and(d(false, false)), d(true, false));
    }

    const LABEL: &[u8] = b"stream-test";

    fn scalars<C: CycleCurve>(n: usize) -> Vec<ScalarOf<C>> {
        let mut rng = StdRng::seed_from_u64(3);
        (0..n).map(|_| ScalarOf::<C>::random(&mut rng)).collect()
    }

    fn agree<C: CycleCurve>() {
        let key = CommitmentKey::<C>::setup(LABEL, 100);
        let digest = generator_digest(&key, 100).unwrap();
        let s = scalars::<C>(100);
        let fill = |start: usize, out: &mut [ScalarOf<C>]| {
            out.copy_from_slice(&s[start..start + out.len()])
        };
        let held = key.msm_prefix(77, &fill).unwrap();
        assert_eq!(held, msm(&s[..77], &key.generators()[..77]));
        for chunk in [1, 7, 32, 77, 1000] {
            let streamed = StreamedGenerators::<C>::new(LABEL, 100, digest).with_chunk(chunk);
            assert_eq!(
                streamed.msm_prefix(77, &fill).unwrap(),
                held,
                "chunk {chunk}"
            );
            assert_eq!(streamed.blinding_generator(), key.blinding_generator());
            assert_eq!(
                streamed.msm_prefix(101, &fill),
                Err(GeneratorError::TooShort {
                    wanted: 101,
                    len: 100
                })
            );
        }
        assert_eq!(
            key.msm_prefix(101, &fill),
            Err(GeneratorError::TooShort {
                wanted: 101,
                len: 100
            })
        );
        // Another label's generators, or another count, do not hash to this digest.
        let other = StreamedGenerators::<C>::new(b"other", 100, digest);
        assert_eq!(
            other.msm_prefix(77, &fill),
            Err(GeneratorError::DigestMismatch)
        );
        let fewer = StreamedGenerators::<C>::new(LABEL, 99, digest);
        assert_eq!(
            fewer.msm_prefix(77, &fill),
            Err(GeneratorError::DigestMismatch)
        );
        assert_eq!(generator_digest(&key, 101), None);
    }

    #[test]
    fn streamed_and_held_generators_give_the_same_msm() {
        agree::<Pallas>();
        agree::<Vesta>();
    }

    #[test]
    fn the_cache_is_written_once_read_after_and_rebuilt_when_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let key = CommitmentKey::<Pallas>::setup(LABEL, 300);
        let digest = generator_digest(&key, 300).unwrap();
        let s = scalars::<Pallas>(300);
        let fill = |start: usize, out: &mut [ScalarOf<Pallas>]| {
            out.copy_from_slice(&s[start..start + out.len()])
        };
        let expected = msm(&s, key.generators());
        let gens = StreamedGenerators::<Pallas>::new(LABEL, 300, digest)
            .with_chunk(64)
            .with_cache_dir(dir.path());
        assert!(!gens.is_cached());
        // First use derives and writes the file; later uses read it.
        assert_eq!(gens.msm_prefix(300, &fill).unwrap(), expected);
        assert!(gens.is_cached());
        let path = gens.cache_path().unwrap();
        let written = std::fs::read(&path).unwrap();
        assert_eq!(gens.msm_prefix(300, &fill).unwrap(), expected);
        // Only the finished file is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        // `store` from a key writes the same bytes.
        let other_dir = tempfile::tempdir().unwrap();
        let stored = StreamedGenerators::store(&key, other_dir.path()).unwrap();
        assert_eq!(std::fs::read(&stored).unwrap(), written);

        // A generator changed on disk: the digest catches it, the result is still right, and the
        // file is rebuilt.
        let mut damaged = written.clone();
        let last = damaged.len() - 40;
        damaged[last] ^= 1;
        std::fs::write(&path, &damaged).unwrap();
        let reader = open_cache(&path, LABEL, 300).unwrap();
        assert!(gens.msm_from_cache(reader, 300, &fill).is_none());
        assert_eq!(gens.msm_prefix(300, &fill).unwrap(), expected);
        assert_eq!(std::fs::read(&path).unwrap(), written);

        // Truncated, or too short for the key: ignored, then rebuilt.
        std::fs::write(&path, &written[..written.len() - 64]).unwrap();
        assert!(!gens.is_cached());
        assert_eq!(gens.msm_prefix(300, &fill).unwrap(), expected);
        assert!(gens.is_cached());
        let longer =
            StreamedGenerators::<Pallas>::new(LABEL, 301, [0; 32]).with_cache_dir(dir.path());
        assert!(!longer.is_cached());
        // A shorter key reads a prefix of a longer key's file.
        let prefix =
            StreamedGenerators::<Pallas>::new(LABEL, 200, generator_digest(&key, 200).unwrap())
                .with_cache_dir(dir.path());
        assert!(prefix.is_cached());
        assert_eq!(
            prefix.msm_prefix(200, &fill).unwrap(),
            msm(&s[..200], &key.generators()[..200])
        );
    }
}
