#![doc = include_str!("../README.md")]

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use bincode::Options;
use serde::{Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};

/// The first eight bytes of every Origami file.
pub const MAGIC: [u8; 8] = *b"ORIGAMI\0";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 5;
/// Size of the header in bytes.
pub const HEADER_LEN: usize = 84;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum FileKind {
    /// A prover key.
    ProverKey = 1,
    /// A verifier key.
    VerifierKey = 2,
    /// An uncompressed recursive proof.
    RecursiveProof = 3,
    /// A compressed proof.
    CompressedProof = 4,
    /// A sharded proof.
    ShardedProof = 5,
    /// The proof of one shard, as a worker uploads it.
    ShardProof = 6,
    /// A shard task's input: the shard and the state it starts from.
    ShardTask = 7,
}

impl FileKind {
    fn from_u16(v: u16) -> Option<Self> {
        Some(match v {
            1 => Self::ProverKey,
            2 => Self::VerifierKey,
            3 => Self::RecursiveProof,
            4 => Self::CompressedProof,
            5 => Self::ShardedProof,
            6 => Self::ShardProof,
            7 => Self::ShardTask,
            _ => return None,
        })
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ProverKey => "prover key",
            Self::VerifierKey => "verifier key",
            Self::RecursiveProof => "recursive proof",
            Self::CompressedProof => "compressed proof",
            Self::ShardedProof => "sharded proof",
            Self::ShardProof => "shard proof",
            Self::ShardTask => "shard task",
        })
    }
}

impl FileKind {
    /// The largest payload a file of this kind may declare. Sizes grow with the step circuit,
    /// so these are generous, but they keep a damaged or hostile header from sizing a read:
    /// compressed and shard proofs are logarithmic in the circuit (tens of KiB), a sharded
    /// proof holds one per shard, a shard task holds a state and a shard, a direct-variant
    /// verifier key holds the padded matrices, and prover keys and recursive proofs hold
    /// vectors as long as the circuit.
    pub const fn max_payload(self) -> u64 {
        const MIB: u64 = 1 << 20;
        const GIB: u64 = 1 << 30;
        match self {
            Self::ProverKey => 256 * GIB,
            Self::VerifierKey => 16 * GIB,
            Self::RecursiveProof => 64 * GIB,
            Self::CompressedProof | Self::ShardProof | Self::ShardTask => 64 * MIB,
            Self::ShardedProof => 4 * GIB,
        }
    }
}

/// The decoded header of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version the file was written with.
    pub version: u16,
    /// What the file holds.
    pub kind: FileKind,
    /// Digest of what the file depends on.
    pub digest: [u8; 32],
    /// Length of the payload in bytes.
    pub payload_len: u64,
    /// SHA-256 of the payload.
    pub checksum: [u8; 32],
}

/// Why a file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is shorter than a header.
    #[error("{0} bytes is too short for an Origami file (the header alone is 84 bytes)")]
    TooShort(usize),
    /// The file does not start with the magic bytes.
    #[error("not an Origami file (it does not start with ORIGAMI)")]
    NotOrigami,
    /// The file was written by another format version.
    #[error("written with file format version {found}; this build reads version {FORMAT_VERSION}")]
    UnsupportedVersion {
        /// The version in the file.
        found: u16,
    },
    /// The kind field holds no known kind.
    #[error("unknown file kind {0}")]
    UnknownKind(u16),
    /// The file holds another kind of object than the one asked for.
    #[error("this file is a {found}, but a {expected} was expected")]
    WrongKind {
        /// What the caller asked for.
        expected: FileKind,
        /// What the file holds.
        found: FileKind,
    },
    /// The file depends on something else than what the caller has (e.g. another circuit).
    #[error(
        "made for {found}, but {expected} was expected (the digest a file depends on: a verifier \
         key's identity, or the folding parameters' digest for a recursive proof)"
    )]
    DigestMismatch {
        /// Hex of the digest the caller expects.
        expected: String,
        /// Hex of the digest in the file.
        found: String,
    },
    /// The payload is shorter or longer than the header says.
    #[error(
        "payload is {actual} bytes but the header says {declared}: the file is truncated or has trailing data"
    )]
    LengthMismatch {
        /// Length in the header.
        declared: u64,
        /// Length present.
        actual: u64,
    },
    /// The header declares a payload larger than any file of its kind may hold.
    #[error(
        "the header declares a {declared}-byte payload, more than any {kind} may hold ({max} bytes)"
    )]
    TooLarge {
        /// The kind in the header.
        kind: FileKind,
        /// Length in the header.
        declared: u64,
        /// [`FileKind::max_payload`] of the kind.
        max: u64,
    },
    /// The path names a directory, device or pipe, not a regular file.
    #[error("{0} is not a regular file")]
    NotAFile(PathBuf),
    /// The payload does not match its checksum.
    #[error("payload checksum mismatch: the file is corrupted")]
    Corrupted,
    /// The payload passed its checksum but does not decode as the expected object.
    #[error("malformed {kind}: {reason}")]
    Malformed {
        /// The kind being decoded.
        kind: FileKind,
        /// What the decoder said.
        reason: String,
    },
}

/// Hex of a digest, for messages and file listings.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Fixed-width integers, no trailing bytes, and a cap on what decoding may allocate: a crafted
/// length prefix cannot make the reader allocate more than the payload it actually has.
fn options(limit: u64) -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_limit(limit)
}

/// Encodes `value` with its header.
pub fn encode<T: Serialize>(
    kind: FileKind,
    digest: [u8; 32],
    value: &T,
) -> Result<Vec<u8>, FormatError> {
    let payload = options(u64::MAX)
        .serialize(value)
        .map_err(|e| FormatError::Malformed {
            kind,
            reason: e.to_string(),
        })?;
    Ok(frame(kind, digest, &payload))
}

/// `payload` with a header in front: what [`encode`] writes around an already encoded value.
/// (Fuzzers use it to reach the payload decoders past the checksum.)
pub fn frame(kind: FileKind, digest: [u8; 32], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(kind as u16).to_le_bytes());
    out.extend_from_slice(&digest);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&Sha256::digest(payload));
    out.extend_from_slice(payload);
    out
}

/// The length of what [`encode`] would return for `value`, computed without encoding it (a
/// prover key is hundreds of MiB).
pub fn encoded_len<T: Serialize>(kind: FileKind, value: &T) -> Result<u64, FormatError> {
    let payload = options(u64::MAX)
        .serialized_size(value)
        .map_err(|e| FormatError::Malformed {
            kind,
            reason: e.to_string(),
        })?;
    Ok(HEADER_LEN as u64 + payload)
}

/// Reads and checks the header of `bytes` (not the payload).
pub fn read_header(bytes: &[u8]) -> Result<Header, FormatError> {
    if bytes.len() < HEADER_LEN {
        return Err(if bytes.len() >= 8 && bytes[..8] != MAGIC {
            FormatError::NotOrigami
        } else {
            FormatError::TooShort(bytes.len())
        });
    }
    if bytes[..8] != MAGIC {
        return Err(FormatError::NotOrigami);
    }
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let version = u16_at(8);
    if version != FORMAT_VERSION {
        return Err(FormatError::UnsupportedVersion { found: version });
    }
    let kind = FileKind::from_u16(u16_at(10)).ok_or(FormatError::UnknownKind(u16_at(10)))?;
    let mut digest = [0u8; 32];
    digest.copy_from_slice(&bytes[12..44]);
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[44..52]);
    let mut checksum = [0u8; 32];
    checksum.copy_from_slice(&bytes[52..84]);
    Ok(Header {
        version,
        kind,
        digest,
        payload_len: u64::from_le_bytes(len),
        checksum,
    })
}

/// Decodes bytes written by [`encode`], checking every header field. `expected_digest` of `None`
/// accepts any digest (the caller checks it against something it loads later).
pub fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    expected_kind: FileKind,
    expected_digest: Option<&[u8; 32]>,
) -> Result<(Header, T), FormatError> {
    let header = read_header(bytes)?;
    check_header(&header, expected_kind, expected_digest)?;
    let payload = &bytes[HEADER_LEN..];
    if payload.len() as u64 != header.payload_len {
        return Err(FormatError::LengthMismatch {
            declared: header.payload_len,
            actual: payload.len() as u64,
        });
    }
    if Sha256::digest(payload).as_slice() != header.checksum {
        return Err(FormatError::Corrupted);
    }
    // In-memory structures are at most a small multiple of their encoding.
    let limit = 4 * payload.len() as u64 + 1024;
    let value = options(limit)
        .deserialize(payload)
        .map_err(|e| FormatError::Malformed {
            kind: expected_kind,
            reason: e.to_string(),
        })?;
    Ok((header, value))
}

/// Writes `value` to `path` atomically: to a temporary file beside it, then renamed over it, so a
/// crash never leaves a half-written key or proof under the final name.
pub fn write_file<T: Serialize>(
    path: &Path,
    kind: FileKind,
    digest: [u8; 32],
    value: &T,
) -> Result<u64, FormatError> {
    let bytes = encode(kind, digest, value)?;
    let io = |source| FormatError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = beside(path, "tmp");
    let written = fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(&bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    });
    if let Err(source) = written {
        // A full disk or a failed rename leaves nothing behind under either name.
        let _ = fs::remove_file(&tmp);
        return Err(io(source));
    }
    Ok(bytes.len() as u64)
}

/// A name beside `path` that is this process's own: `<name>.<what><pid>`.
fn beside(path: &Path, what: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".{what}{}", std::process::id()));
    path.with_file_name(name)
}

/// Checks that a file can be written at `path` now, before hours of work whose result would be
/// lost: the directory exists, is writable, and has room for at least one block. A small file
/// beside `path` is created, written, synced and removed; `path` itself is not touched. The
/// write at the end can still fail (the disk may fill meanwhile); [`write_file`] reports that.
pub fn check_writable(path: &Path) -> Result<(), FormatError> {
    let probe = beside(path, "probe");
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut f| {
            // One block, so a full disk shows now (creating an empty file needs no data block).
            f.write_all(&[0u8; 4096])?;
            f.sync_all()
        });
    let _ = fs::remove_file(&probe);
    written.map_err(|source| FormatError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a file written by [`write_file`]; see [`decode`]. The header is read and checked
/// first (see [`read_file_bytes`]), so nothing is read beyond what the header declares.
pub fn read_file<T: DeserializeOwned>(
    path: &Path,
    expected_kind: FileKind,
    expected_digest: Option<&[u8; 32]>,
) -> Result<(Header, T), FormatError> {
    let bytes = read_file_bytes(path, expected_kind, expected_digest)?;
    decode(&bytes, expected_kind, expected_digest)
}

/// Reads the whole file at `path` (header and payload) after checking, before the payload is
/// read: that it is a regular file, its header (kind and, if given, digest), the declared
/// payload length against the kind's [`FileKind::max_payload`], and the file's length against
/// the header. The payload is then read exactly; its checksum is checked by [`decode`].
pub fn read_file_bytes(
    path: &Path,
    expected_kind: FileKind,
    expected_digest: Option<&[u8; 32]>,
) -> Result<Vec<u8>, FormatError> {
    use std::io::Read;
    let io = |source| FormatError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if !metadata.is_file() {
        return Err(FormatError::NotAFile(path.to_path_buf()));
    }
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    let mut reader = file.take(HEADER_LEN as u64);
    reader.read_to_end(&mut bytes).map_err(io)?;
    let header = read_header(&bytes)?;
    check_header(&header, expected_kind, expected_digest)?;
    let declared = HEADER_LEN as u64 + header.payload_len;
    if metadata.len() != declared {
        return Err(FormatError::LengthMismatch {
            declared: header.payload_len,
            actual: metadata.len().saturating_sub(HEADER_LEN as u64),
        });
    }
    // Checked against the kind's maximum above, so the length is plausible and the file has it.
    bytes.reserve_exact(header.payload_len as usize);
    let mut reader = reader.into_inner().take(header.payload_len + 1);
    reader.read_to_end(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// The header checks every reader makes before the payload: kind, digest, declared length.
fn check_header(
    header: &Header,
    expected_kind: FileKind,
    expected_digest: Option<&[u8; 32]>,
) -> Result<(), FormatError> {
    if header.kind != expected_kind {
        return Err(FormatError::WrongKind {
            expected: expected_kind,
            found: header.kind,
        });
    }
    if let Some(d) = expected_digest
        && *d != header.digest
    {
        return Err(FormatError::DigestMismatch {
            expected: hex(d),
            found: hex(&header.digest),
        });
    }
    let max = header.kind.max_payload();
    if header.payload_len > max {
        return Err(FormatError::TooLarge {
            kind: header.kind,
            declared: header.payload_len,
            max,
        });
    }
    Ok(())
}

/// Reads only the header of the file at `path` (to tell what a file is before decoding it).
pub fn read_file_header(path: &Path) -> Result<Header, FormatError> {
    use std::io::Read;
    let io = |source| FormatError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::open(path).map_err(io)?;
    if !file.metadata().map_err(io)?.is_file() {
        return Err(FormatError::NotAFile(path.to_path_buf()));
    }
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    file.take(HEADER_LEN as u64)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    read_header(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Thing {
        name: String,
        values: Vec<u64>,
    }

    fn thing() -> Thing {
        Thing {
            name: "key".into(),
            values: (0..100).collect(),
        }
    }

    #[test]
    fn round_trip_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.key");
        let n = write_file(&path, FileKind::ProverKey, [7; 32], &thing()).unwrap();
        assert_eq!(n, std::fs::metadata(&path).unwrap().len());
        assert_eq!(encoded_len(FileKind::ProverKey, &thing()).unwrap(), n);
        let (h, t): (Header, Thing) =
            read_file(&path, FileKind::ProverKey, Some(&[7; 32])).unwrap();
        assert_eq!(t, thing());
        assert_eq!(
            (h.kind, h.version, h.digest),
            (FileKind::ProverKey, FORMAT_VERSION, [7; 32])
        );
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn every_header_field_is_checked() {
        let good = encode(FileKind::VerifierKey, [1; 32], &thing()).unwrap();
        let read = |b: &[u8]| decode::<Thing>(b, FileKind::VerifierKey, Some(&[1; 32])).map(|_| ());
        read(&good).unwrap();

        assert!(matches!(read(b"ORIG"), Err(FormatError::TooShort(4))));
        assert!(matches!(
            read(b"hello world, not a key"),
            Err(FormatError::NotOrigami)
        ));
        let mut b = good.clone();
        b[0] = b'X';
        assert!(matches!(read(&b), Err(FormatError::NotOrigami)));
        let mut b = good.clone();
        b[8] = 9;
        assert!(matches!(
            read(&b),
            Err(FormatError::UnsupportedVersion { found: 9 })
        ));
        let mut b = good.clone();
        b[10] = 77;
        assert!(matches!(read(&b), Err(FormatError::UnknownKind(77))));
        let err = decode::<Thing>(&good, FileKind::ProverKey, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "this file is a verifier key, but a prover key was expected"
        );
        let err = decode::<Thing>(&good, FileKind::VerifierKey, Some(&[2; 32])).unwrap_err();
        assert!(matches!(err, FormatError::DigestMismatch { .. }), "{err}");
        assert!(matches!(
            read(&good[..good.len() - 1]),
            Err(FormatError::LengthMismatch { .. })
        ));
        let mut b = good.clone();
        b.push(0);
        assert!(matches!(read(&b), Err(FormatError::LengthMismatch { .. })));
        for i in [HEADER_LEN, good.len() / 2, good.len() - 1] {
            let mut b = good.clone();
            b[i] ^= 0x01;
            assert!(
                matches!(read(&b), Err(FormatError::Corrupted)),
                "flip at {i}"
            );
        }
    }

    #[test]
    fn a_payload_of_another_type_is_malformed_not_a_panic() {
        let bytes = encode(FileKind::RecursiveProof, [0; 32], &42u8).unwrap();
        let err = decode::<Thing>(&bytes, FileKind::RecursiveProof, None).unwrap_err();
        assert!(matches!(err, FormatError::Malformed { .. }), "{err}");
    }

    #[test]
    fn a_crafted_length_prefix_is_refused_without_allocating_it() {
        // A "Vec<u64>" claiming 2^60 elements, with a valid header and checksum.
        let mut payload = Vec::new();
        payload.extend_from_slice(&(1u64 << 60).to_le_bytes());
        payload.extend_from_slice(&[0u8; 16]);
        let mut bytes = encode(FileKind::ProverKey, [0; 32], &0u8).unwrap();
        bytes.truncate(HEADER_LEN);
        bytes[44..52].copy_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes[52..84].copy_from_slice(&Sha256::digest(&payload));
        bytes.extend_from_slice(&payload);
        let err = decode::<Vec<u64>>(&bytes, FileKind::ProverKey, None).unwrap_err();
        assert!(matches!(err, FormatError::Malformed { .. }), "{err}");
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = read_file::<Thing>(Path::new("/nonexistent/x.key"), FileKind::ProverKey, None)
            .unwrap_err();
        assert!(err.to_string().starts_with("/nonexistent/x.key:"), "{err}");
    }

    #[test]
    fn a_device_is_refused_before_it_is_read() {
        // A key that links to /dev/zero would otherwise be read until memory runs out.
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("verifier.key");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let err = read_file::<Thing>(&link, FileKind::VerifierKey, None).unwrap_err();
        assert!(matches!(err, FormatError::NotAFile(_)), "{err}");
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert!(matches!(
            read_file_header(&link),
            Err(FormatError::NotAFile(_))
        ));
        assert!(matches!(
            read_file::<Thing>(dir.path(), FileKind::VerifierKey, None),
            Err(FormatError::NotAFile(_))
        ));
    }

    #[test]
    fn a_file_longer_than_its_header_says_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.proof");
        let good = encode(FileKind::CompressedProof, [3; 32], &thing()).unwrap();
        std::fs::write(&path, &good).unwrap();
        // Sparse: 3 GiB on paper, nothing on disk. Reading it whole would take seconds and
        // gigabytes; the header and the file's length disagree, so nothing past the header is
        // read and the allocation is never made.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(3 << 30)
            .unwrap();
        match read_file::<Thing>(&path, FileKind::CompressedProof, None) {
            Err(FormatError::LengthMismatch { declared, actual }) => {
                assert_eq!(declared, (good.len() - HEADER_LEN) as u64);
                assert_eq!(actual, (3 << 30) - HEADER_LEN as u64);
            }
            other => panic!("expected LengthMismatch, got {other:?}"),
        }
    }

    #[test]
    fn a_declared_length_beyond_the_kind_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.proof");
        let mut bytes = encode(FileKind::CompressedProof, [3; 32], &thing()).unwrap();
        let declared = FileKind::CompressedProof.max_payload() + 1;
        bytes[44..52].copy_from_slice(&declared.to_le_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let err = read_file::<Thing>(&path, FileKind::CompressedProof, None).unwrap_err();
        assert!(
            matches!(err, FormatError::TooLarge { declared: d, .. } if d == declared),
            "{err}"
        );
        // decode refuses it the same way.
        assert!(matches!(
            decode::<Thing>(&bytes, FileKind::CompressedProof, None),
            Err(FormatError::TooLarge { .. })
        ));
    }

    #[test]
    fn kind_and_digest_are_checked_before_the_payload_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.key");
        write_file(&path, FileKind::ProverKey, [7; 32], &thing()).unwrap();
        // Truncated payload: the kind and digest errors come first, from the header alone.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..HEADER_LEN + 1]).unwrap();
        assert!(matches!(
            read_file_bytes(&path, FileKind::VerifierKey, None),
            Err(FormatError::WrongKind { .. })
        ));
        assert!(matches!(
            read_file_bytes(&path, FileKind::ProverKey, Some(&[8; 32])),
            Err(FormatError::DigestMismatch { .. })
        ));
        assert!(matches!(
            read_file_bytes(&path, FileKind::ProverKey, Some(&[7; 32])),
            Err(FormatError::LengthMismatch { .. })
        ));
    }
}
