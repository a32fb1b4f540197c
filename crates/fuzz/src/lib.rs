#![doc = include_str!("../README.md")]

use std::str::FromStr;
use std::sync::OnceLock;

use origami_arith::DefaultCycle;
use origami_circuits::CircuitKind;
use origami_cluster::ShardInput;
use origami_format::FileKind;
use origami_keys::{Field as F, ProverKey as Pk, Verifier, VerifierKey as Vk};
use origami_nova::{CompressedProof, RecursiveProof, RecursiveSnark, StepCircuit, Variant};
use origami_sdr::SectorSize;
use origami_service::protocol::{
    ProverOptions, ProverRequest, ProverResponse, VerifierStart, VerifyRequest, read_frame,
};
use origami_service::requests::{JobBody, VerifyBody, parse_state};
use origami_service::{HeadLimits, check_stream};
use origami_shard::{InputSlice, ShardChain, ShardPlan, ShardProof, StepInputs, checkpoints};

/// Steps every fixture proof covers.
pub const STEPS: u64 = 2;

/// One decoder under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A compressed proof file, then its verification.
    CompressedProof,
    /// A sharded proof file, then its verification.
    ShardChain,
    /// A recursive (uncompressed) proof file, then its verification.
    RecursiveProof,
    /// A worker's shard-proof upload, then its check.
    ShardProof,
    /// A verifier key file, then the verifier made from it.
    VerifierKey,
    /// A prover key file, with its load checks.
    ProverKey,
    /// A shard task's input as a worker claims it.
    ShardTask,
    /// Frames between the service's processes (each message type), and a verify request
    /// answered as the verifier process answers it.
    ServiceFrames,
    /// `POST /v1/jobs` and `POST /v1/verify` bodies, down to the state and the proof bytes.
    HttpBodies,
    /// A client's byte stream as the service's request-head check reads it, split where the
    /// first byte says: what passes to hyper must be a prefix of the stream and, like the
    /// refusal, the same however the stream is split.
    HttpHeads,
    /// A parent cache's digest record, a layer's completion record (then a run resumed over
    /// it), and the hex and sector sizes `sdr` takes.
    SdrInputs,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 11] = [
        Target::CompressedProof,
        Target::ShardChain,
        Target::RecursiveProof,
        Target::ShardProof,
        Target::VerifierKey,
        Target::ProverKey,
        Target::ShardTask,
        Target::ServiceFrames,
        Target::HttpBodies,
        Target::HttpHeads,
        Target::SdrInputs,
    ];

    /// The target's name on the command line and in `fuzz/` paths.
    pub fn name(self) -> &'static str {
        match self {
            Target::CompressedProof => "compressed-proof",
            Target::ShardChain => "sharded-proof",
            Target::RecursiveProof => "recursive-proof",
            Target::ShardProof => "shard-proof",
            Target::VerifierKey => "verifier-key",
            Target::ProverKey => "prover-key",
            Target::ShardTask => "shard-task",
            Target::ServiceFrames => "service-frames",
            Target::HttpBodies => "http-bodies",
            Target::HttpHeads => "http-heads",
            Target::SdrInputs => "sdr-inputs",
        }
    }

    /// The target named `name`.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Feeds `data` to the target. Returns whether it was accepted; panics only on a bug.
    pub fn run(self, data: &[u8]) -> bool {
        // These need no keys (and their fuzzers start without making any).
        match self {
            Target::HttpBodies => return http_body(data),
            Target::HttpHeads => return http_heads(data),
            Target::SdrInputs => return sdr_inputs(data),
            _ => {}
        }
        let f = fixture();
        match self {
            Target::CompressedProof => file(data, FileKind::CompressedProof, f.identity)
                .and_then(|b| CompressedProof::<DefaultCycle>::from_bytes(&b, &f.identity).ok())
                .is_some_and(|p| p.verify(&f.verifier, STEPS, &f.z0).is_ok()),
            Target::ShardChain => file(data, FileKind::ShardedProof, f.identity)
                .and_then(|b| ShardChain::<DefaultCycle>::from_bytes(&b, Some(&f.identity)).ok())
                .is_some_and(|p| p.verify(&f.verifier, STEPS, &f.z0).is_ok()),
            Target::RecursiveProof => {
                let digest = f.pk.params().digest();
                file(data, FileKind::RecursiveProof, digest)
                    .and_then(|b| {
                        origami_format::decode::<RecursiveProof<DefaultCycle>>(
                            &b,
                            FileKind::RecursiveProof,
                            Some(&digest),
                        )
                        .ok()
                    })
                    .is_some_and(|(_, p)| p.verify(f.pk.params(), STEPS, &f.z0).is_ok())
            }
            Target::ShardProof => file(data, FileKind::ShardProof, f.identity)
                .and_then(|b| ShardProof::<DefaultCycle>::from_bytes(&b, &f.identity).ok())
                .is_some_and(|p| p.verify(&f.verifier).is_ok()),
            Target::VerifierKey => file(data, FileKind::VerifierKey, f.identity)
                .and_then(|b| Vk::from_bytes(&b).ok())
                .is_some_and(|vk| vk.prepare().is_ok()),
            Target::ProverKey => file(data, FileKind::ProverKey, f.identity)
                .is_some_and(|b| Pk::from_bytes(&b).is_ok()),
            Target::ShardTask => file(data, FileKind::ShardTask, f.identity).is_some_and(|b| {
                ShardInput::<DefaultCycle>::from_bytes(&b, &f.identity).is_ok_and(|input| {
                    StepCircuit::<F>::check_arity(f.pk.params().step(), &input.z_in).is_ok()
                })
            }),
            Target::ServiceFrames => service_frame(data, &f.verifier),
            Target::HttpBodies | Target::HttpHeads | Target::SdrInputs => {
                unreachable!("answered above")
            }
        }
    }

    /// Real inputs to start from: files and messages Origami itself writes, each in both
    /// modes where the target has modes.
    pub fn seeds(self) -> Vec<Vec<u8>> {
        let f = fixture();
        match self {
            Target::CompressedProof => modes(&f.compressed),
            Target::ShardChain => modes(&f.sharded),
            Target::RecursiveProof => modes(&f.recursive),
            Target::ShardProof => modes(&f.shard),
            Target::VerifierKey => modes(&f.vk_bytes),
            // A prover key is large for a mutation seed: the whole file (accepted) and the
            // first 4 KiB of its payload, where the decoder's lengths and the shapes are.
            Target::ProverKey => {
                let mut seeds = modes(&f.pk_bytes);
                seeds[1].truncate(4096);
                seeds
            }
            Target::ShardTask => modes(&f.task),
            Target::ServiceFrames => {
                let mut seeds = Vec::new();
                for (kind, message) in [
                    (
                        0u8,
                        frame(&VerifierStart {
                            verifier_key: f.vk_bytes.clone(),
                            generator_cache: None,
                        }),
                    ),
                    (1, frame(&f.verify_request())),
                    (
                        2,
                        frame(&ProverRequest::Submit {
                            steps: 2,
                            shards: 2,
                            z0: origami_service::protocol::State(f.z0.clone()),
                            input: b"a step's input".to_vec(),
                        }),
                    ),
                    (
                        4,
                        frame(&ProverOptions {
                            keys: "keys".into(),
                            cluster: Some("postgres://origami@db/origami".into()),
                            workers: 2,
                            worker_name: "fuzz".into(),
                            generator_cache: None,
                            max_job_seconds: Some(86_400),
                            max_memory: Some(8 << 30),
                        }),
                    ),
                ] {
                    let mut seed = vec![kind];
                    seed.extend_from_slice(&message);
                    seeds.push(seed);
                }
                seeds
            }
            Target::HttpBodies => {
                let z0: Vec<String> = f.z0.iter().map(origami_service::format_field).collect();
                vec![
                    format!(
                        r#"{{"circuit":"synthetic","size":16,"steps":2,"shards":2,"z0":{}}}"#,
                        serde_json::to_string(&z0).unwrap_or_default()
                    )
                    .into_bytes(),
                    format!(
                        r#"{{"proof":"{}","z0":[1,"0x02"],"steps":2}}"#,
                        base64_of(&f.compressed)
                    )
                    .into_bytes(),
                ]
            }
            // Requests as clients send them, each after its split byte: kept alive, a body
            // of a declared length, a chunked one with an extension and a trailer, pipelined.
            Target::HttpHeads => vec![
                b"\x05GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
                b"\x10POST /v1/verify HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nAuthorization: Bearer t\r\nContent-Length: 12\r\n\r\n{\"steps\": 2}".to_vec(),
                b"\x03POST /v1/jobs HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4;a=b\r\n{\"x\"\r\n1\r\n}\r\n0\r\nX-T: 1\r\n\r\nDELETE /v1/jobs/ab HTTP/1.1\r\n\r\n".to_vec(),
            ],
            Target::SdrInputs => vec![
                format!("{}  sc-02-data.cache\n", "ab".repeat(32)).into_bytes(),
                b"\x010x0000000000000000000000000000000000000000000000000000000000000001".to_vec(),
                b"\x022KiB".to_vec(),
                [&b"\x03"[..], &layer_record_seed()].concat(),
            ],
        }
    }
}

/// Where the SDR target labels its tiny sectors: a RAM filesystem where there is one, since
/// the labeler syncs every file it publishes and that dominates a run on a disk.
fn scratch_dir() -> std::path::PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// A completion record as the labeler writes it, for the two-node sector of
/// `resume_with_record`.
fn layer_record_seed() -> Vec<u8> {
    let dir = scratch_dir().join(format!("origami-fuzz-seed-{}", std::process::id()));
    let labeled = label_tiny_sector(&dir);
    let record = std::fs::read(dir.join(origami_sdr::layer_record_name(1)));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(labeled.is_ok(), "labeling the seed's sector");
    record.expect("the seed's record")
}

/// The file a file target's input stands for (see the crate's documentation for the modes).
fn file(data: &[u8], kind: FileKind, digest: [u8; 32]) -> Option<Vec<u8>> {
    let (&mode, rest) = data.split_first()?;
    Some(if mode % 2 == 0 {
        rest.to_vec()
    } else {
        origami_format::frame(kind, digest, rest)
    })
}

/// `bytes` as both modes' seeds: the whole file, and its payload.
fn modes(bytes: &[u8]) -> Vec<Vec<u8>> {
    let whole = [&[0u8][..], bytes].concat();
    let payload = [
        &[1u8][..],
        bytes.get(origami_format::HEADER_LEN..).unwrap_or(&[]),
    ]
    .concat();
    vec![whole, payload]
}

/// A message as one protocol frame.
fn frame<T: serde::Serialize>(message: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec fails only if the message cannot be encoded: a bug in the seed.
    origami_service::protocol::write_frame(&mut out, message).expect("seed frame");
    out
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn service_frame(data: &[u8], verifier: &Verifier) -> bool {
    let Some((&kind, mut rest)) = data.split_first() else {
        return false;
    };
    match kind % 5 {
        0 => read_frame::<VerifierStart>(&mut rest).is_ok_and(|start| {
            start.is_some_and(|s| {
                Vk::from_bytes(&s.verifier_key).is_ok_and(|vk| vk.prepare().is_ok())
            })
        }),
        1 => read_frame::<VerifyRequest>(&mut rest).is_ok_and(|request| {
            request.is_some_and(|r| origami_service::verify(verifier, &r).is_ok())
        }),
        2 => read_frame::<ProverRequest>(&mut rest).is_ok_and(|r| r.is_some()),
        3 => read_frame::<ProverResponse>(&mut rest).is_ok_and(|r| r.is_some()),
        _ => read_frame::<ProverOptions>(&mut rest).is_ok_and(|r| r.is_some()),
    }
}

fn http_body(data: &[u8]) -> bool {
    let step = &CircuitKind::Synthetic.with_size(16);
    let arity = StepCircuit::<F>::arity(step);
    if let Ok(job) = serde_json::from_slice::<JobBody>(data) {
        let kind = CircuitKind::from_str(&job.circuit);
        let z0 = job
            .z0
            .as_deref()
            .map(|values| parse_state(step, arity, "z0", values));
        return kind.is_ok() && z0.is_none_or(|z| z.is_ok()) && job.input_bytes().is_ok();
    }
    serde_json::from_slice::<VerifyBody>(data).is_ok_and(|body| {
        body.proof_bytes().is_ok()
            && body
                .z0
                .as_deref()
                .is_none_or(|values| parse_state(step, arity, "z0", values).is_ok())
    })
}

/// Limits small enough for mutations to reach each of them.
const HEAD_LIMITS: HeadLimits = HeadLimits {
    max_head: 1024,
    max_uri: 256,
    max_body: 4096,
};

fn http_heads(data: &[u8]) -> bool {
    let Some((&split, stream)) = data.split_first() else {
        return false;
    };
    let (pass, refusal) = check_stream(stream, usize::from(split % 64) + 1, HEAD_LIMITS);
    let (whole, whole_refusal) = check_stream(stream, stream.len(), HEAD_LIMITS);
    assert!(
        stream.starts_with(&pass),
        "bytes passed that the client did not send"
    );
    assert_eq!(
        pass, whole,
        "what passes depends on how the stream is split"
    );
    assert_eq!(refusal.is_some(), whole_refusal.is_some());
    if let Some((status, message)) = &refusal {
        assert!(
            matches!(status, 400 | 413 | 414 | 431),
            "{status}: {message}"
        );
    }
    refusal.is_none()
}

fn sdr_inputs(data: &[u8]) -> bool {
    let Some((&kind, rest)) = data.split_first() else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return false;
    };
    match kind % 4 {
        0 => origami_sdr::parse_record(text).is_some(),
        1 => origami_sdr::parse_hex::<32>("--replica-id", text).is_ok(),
        2 => SectorSize::from_str(text).is_ok_and(|size| size.nodes() > 0),
        _ => resume_with_record(rest),
    }
}

/// A run resumed over a layer whose completion record is `record`: a two-node sector is
/// labeled, its record replaced, and the run started again, as a rerun after a crash is. It
/// must finish (reusing the layer or labeling it again) or refuse the directory, and it may
/// reuse the layer only under the record the labeler wrote.
fn resume_with_record(record: &[u8]) -> bool {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let dir = scratch_dir().join(format!(
        "origami-fuzz-resume-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let record_path = dir.join(origami_sdr::layer_record_name(1));
    let first = label_tiny_sector(&dir).is_ok();
    let written = std::fs::read(&record_path).unwrap_or_default();
    let replaced = std::fs::write(&record_path, record).is_ok();
    let rerun = label_tiny_sector(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(first && replaced, "the fixture run failed");
    if let Ok(reports) = &rerun
        && reports.iter().any(|r| r.reused)
    {
        // Reused: the record must say all the labeler wrote (line endings aside).
        let given = String::from_utf8_lossy(record);
        let written = String::from_utf8_lossy(&written);
        assert!(
            written.lines().all(|line| given.lines().any(|l| l == line)),
            "a layer was reused under a record that does not state it: {given:?}"
        );
    }
    rerun.is_ok()
}

/// Labels layer 1 of the SDR target's two-node sector into `dir` (resuming what is there).
fn label_tiny_sector(dir: &std::path::Path) -> origami_sdr::Result<Vec<origami_sdr::LayerReport>> {
    let size = SectorSize::new(64).expect("a 64-byte sector is valid");
    let graph = origami_sdr::Graph::new(size, &[3; 32], origami_sdr::ApiVersion::V1_1);
    origami_sdr::label_layers_to_dir(
        origami_sdr::Labeler::Reference,
        &origami_sdr::ParentCache::in_memory(&graph),
        &[5; 32],
        1,
        dir,
        &origami_sdr::NoProgress,
    )
}

/// The smallest real keys and one file of each kind made with them.
pub struct Fixture {
    pk: Pk,
    verifier: Verifier,
    identity: [u8; 32],
    z0: Vec<F>,
    pk_bytes: Vec<u8>,
    vk_bytes: Vec<u8>,
    compressed: Vec<u8>,
    sharded: Vec<u8>,
    recursive: Vec<u8>,
    shard: Vec<u8>,
    task: Vec<u8>,
}

impl Fixture {
    fn verify_request(&self) -> VerifyRequest {
        VerifyRequest {
            proof: self.compressed.clone(),
            z0: origami_service::protocol::State(self.z0.clone()),
            steps: STEPS,
        }
    }
}

/// The fixture, made on first use (setup and five small proofs: seconds here, minutes in an
/// instrumented build). With `ORIGAMI_FUZZ_FIXTURE` naming a directory, its files are read
/// from there when present (and written there when not), so each fuzzer starts in seconds.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let stored = std::env::var_os("ORIGAMI_FUZZ_FIXTURE").map(std::path::PathBuf::from);
        let f = match stored.as_deref().map(load_fixture) {
            Some(Ok(f)) => f,
            _ => {
                let f = make_fixture().expect("the fuzz fixture's keys and proofs");
                if let Some(dir) = &stored {
                    // Best effort: without it, the next fuzzer makes its own.
                    let _ = store_fixture(&f, dir);
                }
                f
            }
        };
        // The fixture's own proof verifies: a check of the fixture, and the generator cache
        // is written here, once, not in every fuzzing child (where it would time out).
        let proof = CompressedProof::<DefaultCycle>::from_bytes(&f.compressed, &f.identity)
            .expect("the fixture's proof decodes");
        proof
            .verify(&f.verifier, STEPS, &f.z0)
            .expect("the fixture's proof verifies");
        f
    })
}

/// The fixture's files, by name.
fn fixture_files(f: &Fixture) -> [(&'static str, &Vec<u8>); 7] {
    [
        ("prover.key", &f.pk_bytes),
        ("verifier.key", &f.vk_bytes),
        ("compressed.proof", &f.compressed),
        ("sharded.proof", &f.sharded),
        ("recursive.proof", &f.recursive),
        ("shard.proof", &f.shard),
        ("shard.task", &f.task),
    ]
}

fn store_fixture(f: &Fixture, dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, bytes) in fixture_files(f) {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}

fn load_fixture(dir: &std::path::Path) -> Result<Fixture, Box<dyn std::error::Error>> {
    let read = |name: &str| std::fs::read(dir.join(name));
    let pk_bytes = read("prover.key")?;
    // The prover key's own checks; the verifier key is the one it holds.
    let pk = Pk::from_bytes(&pk_bytes)?;
    let vk = pk.verifier_key().clone();
    let identity = vk.identity();
    Ok(Fixture {
        verifier: verifier_for(vk)?,
        z0: pk.params().step().default_z0(),
        vk_bytes: read("verifier.key")?,
        compressed: read("compressed.proof")?,
        sharded: read("sharded.proof")?,
        recursive: read("recursive.proof")?,
        shard: read("shard.proof")?,
        task: read("shard.task")?,
        pk,
        pk_bytes,
        identity,
    })
}

/// Verifying derives the generators unless they are cached: cached, a verification is
/// milliseconds, so the fuzzer spends its time in the decoders and checks, not in hashing to
/// the curve. (Cache files are checked against the key's digest when read.)
fn verifier_for(vk: Vk) -> Result<Verifier, origami_nova::NovaError> {
    let cache = std::env::temp_dir().join("origami-fuzz-generators");
    origami_keys::prepare_verifier(vk, Some(&cache))
}

fn make_fixture() -> Result<Fixture, Box<dyn std::error::Error>> {
    let step = CircuitKind::Synthetic.with_size(16);
    let pk = Pk::setup(step, Variant::Preprocessing)?;
    let vk = pk.verifier_key().clone();
    let identity = vk.identity();
    let verifier = verifier_for(vk.clone())?;
    let z0: Vec<F> = step.default_z0();

    let mut snark = RecursiveSnark::new(pk.params(), &z0)?;
    for _ in 0..STEPS {
        snark.prove_step(pk.params(), &[])?;
    }
    let recursive = origami_format::encode(
        FileKind::RecursiveProof,
        pk.params().digest(),
        &snark.proof(pk.params())?,
    )?;
    let compressed = CompressedProof::prove(&pk, &snark)?;
    let compressed = origami_format::encode(FileKind::CompressedProof, identity, &compressed)?;

    let plan = ShardPlan::new(STEPS, 2)?;
    let states = checkpoints(&step, &plan, &z0, &StepInputs::none())?;
    let mut shards = Vec::new();
    for (shard, z_in) in plan.shards().iter().zip(&states) {
        shards.push(ShardProof::prove(
            &pk,
            shard,
            z_in,
            &InputSlice::default(),
            |_| std::ops::ControlFlow::Continue(()),
        )?);
    }
    let shard = shards[1].to_bytes()?;
    let task = ShardInput::<DefaultCycle> {
        shard: plan.shards()[1],
        z_in: states[1].clone(),
        input: InputSlice::default(),
    }
    .to_bytes(identity)?;
    let sharded = ShardChain {
        verifier_key: identity,
        shards,
    }
    .to_bytes()?;
    Ok(Fixture {
        pk_bytes: origami_format::encode(FileKind::ProverKey, identity, &pk)?,
        vk_bytes: vk.to_bytes()?,
        pk,
        verifier,
        identity,
        z0,
        compressed,
        sharded,
        recursive,
        shard,
        task,
    })
}
