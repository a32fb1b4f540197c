//! Filecoin SDR (stacked DRG) sealing labels, byte-compatible with rust-fil-proofs.
//!
//! - [`Graph`]: the parent graph of a sector size, porep id and API version (6 base parents by
//!   bucket sampling, 8 expander parents by a keyed Feistel permutation).
//! - [`ParentCache`]: every node's 14 parents in Filecoin's cache file format and file name,
//!   generated in parallel, memory-mapped, checked against Filecoin's published digests.
//! - [`replica_id`]: the replica id Filecoin derives from prover, sector, ticket, comm_d, porep id.
//! - [`label_layers_to_dir`] / [`label_layer`]: labels with the single-threaded
//!   [`Labeler::Reference`] or the [`Labeler::Pipelined`] labeler; both write identical
//!   `sc-02-data-layer-N.dat` files.

mod cache;
mod error;
mod graph;
mod label;
mod porep;
mod replica;
mod small_file;
mod space;

pub mod bench;
pub mod sha;

pub use cache::{
    ENTRY_BYTES, ParentCache, cache_file_name, parse_record, published_digest, record_path,
};
pub use error::{Result, SdrError};
pub use graph::{BASE_DEGREE, DEGREE, EXP_DEGREE, Graph};
pub use label::{
    BatchMemory, COMPRESSIONS_PER_LABEL, Labeler, LayerBuffer, LayerReport, MAX_BATCH_THREADS,
    MAX_LANES, MAX_LAYERS, MAX_PIPELINED_THREADS, NoProgress, Progress, SectorLayer, SectorOutput,
    check_layer_count, check_output_dir, label_batch_to_dirs, label_layer, label_layer_batch,
    label_layers_in_memory, label_layers_to_dir, layer_file_name, layer_record_name, layers_need,
};
pub use porep::{
    ApiVersion, NODE_SIZE, PorepId, SectorSize, parse_hex, registered_porep_id, registered_proof_id,
};
pub use replica::{fr32_truncate, replica_id};
pub use space::{SpaceNeed, available_bytes, check_free_space};
