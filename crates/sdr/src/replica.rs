//! Replica id: what binds a sector's labels to its prover, sector, ticket and data.

use sha2::{Digest, Sha256};

use crate::porep::PorepId;

/// Filecoin's replica id: SHA-256(prover_id || sector_id (u64 BE) || ticket || comm_d ||
/// porep_id) with the top two bits of the last byte cleared so that it is a valid Fr element.
pub fn replica_id(
    prover_id: &[u8; 32],
    sector_id: u64,
    ticket: &[u8; 32],
    comm_d: &[u8; 32],
    porep_id: &PorepId,
) -> [u8; 32] {
    let mut id: [u8; 32] = Sha256::new()
        .chain_update(prover_id)
        .chain_update(sector_id.to_be_bytes())
        .chain_update(ticket)
        .chain_update(comm_d)
        .chain_update(porep_id)
        .finalize()
        .into();
    fr32_truncate(&mut id);
    id
}

/// Clears the top two bits of a little-endian 32-byte value so that it is below the BLS12-381
/// scalar modulus, as Filecoin does for labels and replica ids.
#[inline]
pub fn fr32_truncate(bytes: &mut [u8; 32]) {
    bytes[31] &= 0b0011_1111;
}
