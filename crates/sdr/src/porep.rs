//! Sector sizes, graph versions, porep ids and Filecoin's registered seal proofs.

use std::fmt;
use std::str::FromStr;

use crate::error::{Result, SdrError};

/// Bytes per node (one label, one Fr element).
pub const NODE_SIZE: usize = 32;

/// A 32-byte porep id: it seeds both the DRG and the expander graph.
pub type PorepId = [u8; 32];

/// Which SDR graph Filecoin uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    /// The legacy graph (API 1.0.0): predecessor is base parent 5; expander parents truncated to u32
    /// before dividing by the degree.
    V1_0,
    /// The current graph (API 1.1.0 and 1.2.0): predecessor is base parent 0.
    V1_1,
}

impl FromStr for ApiVersion {
    type Err = SdrError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "v1" | "1" | "1.0" | "1.0.0" | "v1.0" | "v1.0.0" | "v1_0_0" => Ok(ApiVersion::V1_0),
            "v1.1" | "1.1" | "1.1.0" | "v1.1.0" | "v1_1_0" => Ok(ApiVersion::V1_1),
            _ => Err(SdrError::UnknownApiVersion(s.to_string())),
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ApiVersion::V1_0 => "v1",
            ApiVersion::V1_1 => "v1.1",
        })
    }
}

/// A sector size in bytes: a power of two from 64 bytes (2 nodes) to 64 GiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SectorSize(u64);

impl SectorSize {
    /// Smallest size with a non-trivial graph (two nodes).
    const MIN: u64 = 2 * NODE_SIZE as u64;
    /// Largest registered size; node indices must fit in a u32.
    const MAX: u64 = 64 << 30;

    /// Checks that `bytes` is a supported sector size.
    pub fn new(bytes: u64) -> Result<Self> {
        if !bytes.is_power_of_two() {
            return Err(SdrError::UnknownSectorSize {
                given: bytes.to_string(),
                reason: "not a power of two".into(),
            });
        }
        if !(Self::MIN..=Self::MAX).contains(&bytes) {
            return Err(SdrError::UnknownSectorSize {
                given: bytes.to_string(),
                reason: format!("outside {} B ..= 64 GiB", Self::MIN),
            });
        }
        Ok(SectorSize(bytes))
    }

    /// Size in bytes.
    pub fn bytes(self) -> u64 {
        self.0
    }

    /// Number of 32-byte nodes.
    pub fn nodes(self) -> usize {
        (self.0 / NODE_SIZE as u64) as usize
    }

    /// Filecoin's layer count for this size: 2 up to 1 GiB (test and small sizes), 11 above.
    pub fn default_layers(self) -> usize {
        if self.0 <= 1 << 30 { 2 } else { 11 }
    }
}

impl FromStr for SectorSize {
    type Err = SdrError;

    /// Parses `2048`, `2KiB`, `8MiB`, `512MiB`, `32GiB`, `64GiB` (also `KB`/`K` style suffixes, binary).
    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason: &str| SdrError::UnknownSectorSize {
            given: s.to_string(),
            reason: reason.to_string(),
        };
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (digits, unit) = t.split_at(split);
        let value: u64 = digits
            .parse()
            .map_err(|_| bad("expected a number followed by B, KiB, MiB or GiB"))?;
        let shift = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 0,
            "k" | "kb" | "kib" => 10,
            "m" | "mb" | "mib" => 20,
            "g" | "gb" | "gib" => 30,
            _ => return Err(bad("unknown unit (use B, KiB, MiB or GiB)")),
        };
        let bytes = value
            .checked_mul(1u64 << shift)
            .ok_or_else(|| bad("too large"))?;
        SectorSize::new(bytes).map_err(|e| match e {
            SdrError::UnknownSectorSize { reason, .. } => bad(&reason),
            other => other,
        })
    }
}

impl fmt::Display for SectorSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        if b >= 1 << 30 && b.is_multiple_of(1 << 30) {
            write!(f, "{}GiB", b >> 30)
        } else if b >= 1 << 20 && b.is_multiple_of(1 << 20) {
            write!(f, "{}MiB", b >> 20)
        } else if b >= 1 << 10 && b.is_multiple_of(1 << 10) {
            write!(f, "{}KiB", b >> 10)
        } else {
            write!(f, "{b}B")
        }
    }
}

/// The registered sector sizes in the order of Filecoin's proof ids (V1: 0..=4, V1.1: 5..=9).
const REGISTERED_SIZES: [u64; 5] = [2 << 10, 8 << 20, 512 << 20, 32 << 30, 64 << 30];

/// Filecoin's registered seal proof id (`RegisteredSealProof`) for a sector size and graph version.
pub fn registered_proof_id(sector_size: SectorSize, version: ApiVersion) -> Result<u64> {
    let index = REGISTERED_SIZES
        .iter()
        .position(|&s| s == sector_size.bytes())
        .ok_or(SdrError::UnregisteredSectorSize {
            sector_size: sector_size.bytes(),
        })? as u64;
    Ok(match version {
        ApiVersion::V1_0 => index,
        ApiVersion::V1_1 => index + 5,
    })
}

/// The porep id of a registered proof: id as u64 little-endian, nonce 0 as u64 little-endian,
/// then 16 zero bytes.
pub fn registered_porep_id(sector_size: SectorSize, version: ApiVersion) -> Result<PorepId> {
    let id = registered_proof_id(sector_size, version)?;
    let mut porep_id = [0u8; 32];
    porep_id[..8].copy_from_slice(&id.to_le_bytes());
    // bytes 8..16 hold the nonce (0) and 16..32 stay zero.
    Ok(porep_id)
}

/// Decodes exactly `N` bytes of hex (an optional `0x` prefix is accepted).
pub fn parse_hex<const N: usize>(what: &'static str, s: &str) -> Result<[u8; N]> {
    let t = s.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let bad = |detail| SdrError::BadHex {
        what,
        expected: N,
        detail,
    };
    // Characters, not bytes: a non-ASCII character is named as typed, not as its UTF-8 bytes.
    if let Some((at, c)) = t.chars().enumerate().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(bad(format!(
            "character {} ({c:?}) is not a hex digit",
            at + 1
        )));
    }
    if t.len() != 2 * N {
        return Err(bad(format!("got {} hex digits", t.len())));
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(t, &mut out).map_err(|e| bad(format!("not valid hex ({e})")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_hex_character_is_named_as_typed() {
        let text = format!("{}é{}", "0".repeat(10), "0".repeat(53));
        let err = parse_hex::<32>("--replica-id", &text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("character 11 ('é') is not a hex digit"),
            "{err}"
        );
        let err = parse_hex::<32>("--replica-id", "0x12zz")
            .unwrap_err()
            .to_string();
        assert!(err.contains("character 3 ('z')"), "{err}");
        let err = parse_hex::<2>("--x", "abc").unwrap_err().to_string();
        assert!(err.contains("got 3 hex digits"), "{err}");
        assert_eq!(parse_hex::<2>("--x", "0xABcd").unwrap(), [0xab, 0xcd]);
    }

    #[test]
    fn parses_sector_sizes() {
        assert_eq!("2KiB".parse::<SectorSize>().unwrap().bytes(), 2048);
        assert_eq!("8MiB".parse::<SectorSize>().unwrap().nodes(), 262_144);
        assert_eq!("2048".parse::<SectorSize>().unwrap().bytes(), 2048);
        assert_eq!("64GiB".parse::<SectorSize>().unwrap().bytes(), 64 << 30);
        assert_eq!(
            "512MiB".parse::<SectorSize>().unwrap().to_string(),
            "512MiB"
        );
        for bad in ["3MiB", "128GiB", "8XB", "", "MiB", "1"] {
            assert!(bad.parse::<SectorSize>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn registered_ids() {
        let s = |x: &str| x.parse::<SectorSize>().unwrap();
        assert_eq!(registered_proof_id(s("2KiB"), ApiVersion::V1_0).unwrap(), 0);
        assert_eq!(
            registered_proof_id(s("64GiB"), ApiVersion::V1_0).unwrap(),
            4
        );
        assert_eq!(registered_proof_id(s("8MiB"), ApiVersion::V1_1).unwrap(), 6);
        assert_eq!(
            registered_proof_id(s("64GiB"), ApiVersion::V1_1).unwrap(),
            9
        );
        assert!(registered_proof_id(s("4KiB"), ApiVersion::V1_1).is_err());
        let id = registered_porep_id(s("512MiB"), ApiVersion::V1_1).unwrap();
        assert_eq!(id[0], 7);
        assert!(id[1..].iter().all(|&b| b == 0));
    }

    #[test]
    fn hex_lengths() {
        assert!(parse_hex::<4>("x", "0a0b0c0d").is_ok());
        assert!(parse_hex::<4>("x", "0x0a0b0c0d").is_ok());
        assert!(matches!(
            parse_hex::<4>("x", "0a0b0c"),
            Err(SdrError::BadHex { .. })
        ));
        assert!(matches!(
            parse_hex::<4>("x", "0a0b0c0z"),
            Err(SdrError::BadHex { .. })
        ));
    }
}
