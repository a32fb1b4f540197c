//! The single-threaded reference labeler: one node after the other, straight from the
//! definition in the module documentation.

use sha2::{Digest, Sha256};

use super::{PARENT_SLOTS, PROGRESS_EVERY, Progress, header_tail, parent_in_slot};
use crate::cache::ParentCache;
use crate::error::Result;
use crate::graph::BASE_DEGREE;
use crate::porep::NODE_SIZE;
use crate::replica::fr32_truncate;

fn label_at(layer: &[u8], node: u32) -> &[u8] {
    let start = node as usize * NODE_SIZE;
    &layer[start..start + NODE_SIZE]
}

pub(super) fn label_layer(
    cache: &ParentCache,
    replica_id: &[u8; 32],
    layer: u32,
    previous: Option<&[u8]>,
    out: &mut [u8],
    progress: &dyn Progress,
) -> Result<()> {
    for node in 0..cache.nodes() {
        let mut hasher = Sha256::new();
        hasher.update(replica_id);
        hasher.update(header_tail(layer, node as u64));
        if node > 0 {
            let parents = cache.parents(node);
            cache.check_entry(node, &parents)?;
            for slot in 0..PARENT_SLOTS {
                let which = parent_in_slot(previous.is_some(), slot);
                let parent = parents[which];
                // Base parents come from the layer being built, expander parents from the last.
                let label = match previous {
                    Some(prev) if which >= BASE_DEGREE => label_at(prev, parent),
                    _ => label_at(out, parent),
                };
                hasher.update(label);
            }
        }
        let mut label: [u8; 32] = hasher.finalize().into();
        fr32_truncate(&mut label);
        out[node * NODE_SIZE..(node + 1) * NODE_SIZE].copy_from_slice(&label);
        if (node + 1).is_multiple_of(PROGRESS_EVERY) {
            progress.nodes_done(layer as usize, node + 1);
        }
    }
    progress.nodes_done(layer as usize, cache.nodes());
    Ok(())
}
