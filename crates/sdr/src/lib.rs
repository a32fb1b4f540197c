#![doc = include_str!("../README.md")]

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
