//! A run's input stream: file and memory sources cut into the same pieces, readers that start at
//! any step, shard slices, digests, and every refusal named.

use std::io::Write;

use origami_shard::{InputError, StepInputs, byte_range, stream_digest};

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + 7) as u8).collect()
}

fn file_of(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f.flush().unwrap();
    f
}

fn pieces(inputs: &StepInputs, first: u64, steps: u64) -> Vec<Vec<u8>> {
    let mut reader = inputs.reader(first).unwrap();
    (0..steps)
        .map(|_| reader.next_step().unwrap().to_vec())
        .collect()
}

#[test]
fn file_and_memory_streams_give_the_same_pieces_from_any_step() {
    let bytes = data(1000);
    let file = file_of(&bytes);
    let memory = StepInputs::from_bytes(bytes.clone(), 64);
    let streamed = StepInputs::open(file.path(), 64).unwrap();
    assert_eq!(streamed.len(), 1000);
    for first in [0, 1, 7, 15, 16, 20] {
        let a = pieces(&memory, first, 5);
        assert_eq!(a, pieces(&streamed, first, 5), "from step {first}");
        for (j, piece) in a.iter().enumerate() {
            let (start, end) = byte_range(1000, 64, first + j as u64, 1);
            assert_eq!(piece[..], bytes[start as usize..end as usize]);
        }
    }
    // The last piece is short, and after it every piece is empty.
    assert_eq!(pieces(&memory, 15, 1)[0].len(), 1000 - 15 * 64);
    assert!(pieces(&memory, 16, 3).iter().all(Vec::is_empty));

    // A shard's slice is its steps' pieces, joined; each step finds its own piece in it.
    let slice = streamed.slice(3, 5).unwrap();
    assert_eq!(slice.bytes, bytes[3 * 64..8 * 64]);
    for j in 0..5 {
        assert_eq!(slice.step(j), &pieces(&memory, 3 + j, 1)[0][..]);
    }
    assert!(slice.step(5).is_empty());
    assert_eq!(streamed.slice(15, 4).unwrap().bytes, bytes[960..]);
}

#[test]
fn the_digest_covers_the_bytes_their_length_and_their_cut() {
    let bytes = data(300);
    let file = file_of(&bytes);
    let memory = StepInputs::from_bytes(bytes.clone(), 64);
    let digest = memory.digest().unwrap();
    assert_eq!(
        StepInputs::open(file.path(), 64).unwrap().digest().unwrap(),
        digest
    );
    assert_eq!(
        stream_digest(300, 64, [&bytes[..100], &bytes[100..]]),
        digest
    );
    let mut other = bytes.clone();
    other[299] ^= 1;
    assert_ne!(StepInputs::from_bytes(other, 64).digest().unwrap(), digest);
    assert_ne!(
        StepInputs::from_bytes(bytes.clone(), 128).digest().unwrap(),
        digest
    );
    assert_ne!(
        StepInputs::from_bytes(bytes[..299].to_vec(), 64)
            .digest()
            .unwrap(),
        digest
    );
}

#[test]
fn bad_inputs_are_refused_with_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-file");
    let err = StepInputs::open(&missing, 64).unwrap_err();
    assert!(matches!(err, InputError::Open { .. }), "{err}");
    assert!(err.to_string().contains("no-such-file"), "{err}");
    let err = StepInputs::open(dir.path(), 64).unwrap_err();
    assert!(matches!(err, InputError::NotAFile { .. }), "{err}");

    // Given to a circuit that reads none; longer than the steps read.
    let some = StepInputs::from_bytes(data(10), 0);
    let err = some.check_covered("synthetic (size 8)", 5).unwrap_err();
    assert!(err.to_string().contains("reads no input"), "{err}");
    let err = StepInputs::from_bytes(data(200), 64)
        .check_covered("x", 3)
        .unwrap_err();
    assert!(matches!(err, InputError::Unread { read: 192, .. }), "{err}");
    StepInputs::from_bytes(data(192), 64)
        .check_covered("x", 3)
        .unwrap();
    StepInputs::none().check_covered("x", 3).unwrap();

    // A file that shrinks while it is read is reported, not proven short.
    let file = file_of(&data(500));
    let inputs = StepInputs::open(file.path(), 64).unwrap();
    let mut reader = inputs.reader(0).unwrap();
    reader.next_step().unwrap();
    file.as_file().set_len(100).unwrap();
    let err = reader.next_step().unwrap_err();
    assert!(matches!(err, InputError::Changed { .. }), "{err}");
    assert!(matches!(
        inputs.digest().unwrap_err(),
        InputError::Changed { .. }
    ));
}
