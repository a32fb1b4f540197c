//! `origami serve`: the proving service (an HTTP API, a prover process and a verifier process),
//! and the hidden `origami service-process` that runs each child.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use origami_service::{ChildCommand, ProverOptions, ServiceConfig};

use crate::args::{GeneratorCacheArgs, host_name, parse_bytes};

/// The environment variable holding the bearer token job submission requires.
const TOKEN_VAR: &str = "ORIGAMI_SERVICE_TOKEN";
/// The environment variable holding the bearer token verify requests require, if any.
const VERIFY_TOKEN_VAR: &str = "ORIGAMI_VERIFY_TOKEN";

#[derive(Args)]
pub struct ServeArgs {
    /// Key directory from `origami setup`. Only the prover process reads its prover.key; with
    /// --verify-only only its verifier.key is read.
    #[arg(long)]
    keys: PathBuf,
    /// Address to listen on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:7878")]
    listen: SocketAddr,
    /// Run jobs through this PostgreSQL cluster (`postgres://user@host/db`), where `origami
    /// worker` processes prove them too, instead of an in-process store.
    #[arg(long, value_name = "URL")]
    cluster: Option<String>,
    /// Answer verify requests only: no prover process, no jobs, only verifier.key is read.
    #[arg(long, conflicts_with = "cluster")]
    verify_only: bool,
    /// File holding the bearer token job submission requires (default: the
    /// ORIGAMI_SERVICE_TOKEN environment variable). Required unless --verify-only.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Worker threads of the prover process proving shards at once (each shard already uses
    /// every core). With --cluster, 0 leaves the proving to the cluster's workers.
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// The largest request body accepted, e.g. `16MiB` (a proof travels base64 in JSON).
    #[arg(long, default_value = "16MiB", value_parser = parse_bytes)]
    max_body: u64,
    /// The most steps a job may ask for.
    #[arg(long, default_value_t = 1_000_000)]
    max_steps: u64,
    /// The largest job input accepted (decoded; it travels base64 in the body, so --max-body
    /// must hold 4/3 of it), e.g. `8MiB`.
    #[arg(long, default_value = "8MiB", value_parser = parse_bytes)]
    max_input: u64,
    /// The most shards a job may be split into.
    #[arg(long, default_value_t = 1024)]
    max_shards: u32,
    /// Refuse a job whose estimated proving time is over this many seconds (the estimate: the
    /// seconds per step measured here, or at first from the circuit's size; divided among the
    /// worker threads). 0: no limit.
    #[arg(long, default_value_t = 86_400)]
    max_job_seconds: u64,
    /// Refuse a job whose estimated peak memory in the prover process (from the prover key's
    /// size, per shard in flight) is over this, e.g. `8GiB` [default: the memory available at
    /// start].
    #[arg(long, value_parser = parse_bytes)]
    max_memory: Option<u64>,
    /// File holding a bearer token every verify request must carry (default: the
    /// ORIGAMI_VERIFY_TOKEN environment variable; unset, verifying is open to all).
    #[arg(long, value_name = "FILE")]
    verify_token_file: Option<PathBuf>,
    /// Verify requests being checked or waiting at once; one more is answered 503 with
    /// Retry-After. Bounds the memory the request bodies take (each at most --max-body).
    #[arg(long, default_value_t = 8)]
    verify_queue: usize,
    /// Seconds a verify request waits for the verifier's answer before it is answered 503.
    #[arg(long, default_value_t = 60)]
    verify_timeout: u64,
    /// Connections served at once; one more is answered 503 and closed.
    #[arg(long, default_value_t = 256)]
    max_connections: usize,
    /// Seconds a client has to send a request's headers; also how long a connection may stay
    /// idle between requests.
    #[arg(long, default_value_t = 10)]
    header_timeout: u64,
    /// Seconds receiving and answering one request may take (a body sent too slowly is
    /// answered 408).
    #[arg(long, default_value_t = 120)]
    request_timeout: u64,
    #[command(flatten)]
    generator_cache: GeneratorCacheArgs,
}

/// A child of `origami serve` (started by it; not for direct use).
#[derive(Args)]
pub struct ServiceProcessArgs {
    #[command(subcommand)]
    role: Role,
}

/// The child's options arrive as its first frame on stdin, not as arguments.
#[derive(Subcommand)]
enum Role {
    /// Receives its options on stdin, loads their key directory's prover.key, sends its
    /// verifier key, proves jobs.
    Prover,
    /// Receives a verifier key on stdin, then verifies proofs.
    Verifier,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let token = token(&args)?;
    let verify_token = read_token(args.verify_token_file.as_deref(), VERIFY_TOKEN_VAR)
        .context("the verify token")?;
    for (flag, value) in [
        ("--verify-queue", args.verify_queue as u64),
        ("--verify-timeout", args.verify_timeout),
        ("--max-connections", args.max_connections as u64),
        ("--header-timeout", args.header_timeout),
        ("--request-timeout", args.request_timeout),
    ] {
        anyhow::ensure!(value >= 1, "{flag} must be at least 1");
    }
    let program = std::env::current_exe()
        .context("finding the origami binary to start the service's processes")?;
    let child = |role: &str| ChildCommand {
        program: program.clone(),
        args: vec!["service-process".into(), role.into()],
    };
    let prover_options = ProverOptions {
        keys: args.keys.clone(),
        cluster: args.cluster.clone(),
        workers: args.workers,
        worker_name: format!("{}-serve-{}", host_name(), std::process::id()),
        generator_cache: args.generator_cache.dir(),
        max_job_seconds: (args.max_job_seconds > 0).then_some(args.max_job_seconds),
        max_memory: args.max_memory.or_else(origami_cluster::available_memory),
    };
    let config = ServiceConfig {
        keys: args.keys,
        listen: args.listen,
        verify_only: args.verify_only,
        token,
        max_body: usize::try_from(args.max_body).context("--max-body is too large")?,
        max_steps: args.max_steps,
        max_input: usize::try_from(args.max_input).context("--max-input is too large")?,
        max_shards: args.max_shards,
        verify_token,
        verify_queue: args.verify_queue,
        verify_timeout: Duration::from_secs(args.verify_timeout),
        max_connections: args.max_connections,
        header_timeout: Duration::from_secs(args.header_timeout),
        request_timeout: Duration::from_secs(args.request_timeout),
        prover: child("prover"),
        prover_options,
        verifier: child("verifier"),
        generator_cache: args.generator_cache.dir(),
    };
    origami_service::serve(config, |addr, what| {
        // A service keeps serving whether or not anyone reads its banner.
        let _ = outln!("serving:       http://{addr} ({what})").and_then(|()| {
            outln!(
                "endpoints:     POST /v1/jobs, GET and DELETE /v1/jobs/{{id}}, GET /v1/jobs/{{id}}/proof, POST /v1/verify, GET /healthz, GET /metrics"
            )
        });
    })?;
    outln!("stopped")?;
    Ok(())
}

/// A token is a line of text; a token file larger than this is a mistake (a wrong path).
const TOKEN_FILE_MAX_BYTES: u64 = 4096;

/// Reads a token file, refusing anything but a small regular file before reading it.
fn read_token_file(path: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        anyhow::bail!("not a regular file");
    }
    if metadata.len() > TOKEN_FILE_MAX_BYTES {
        anyhow::bail!(
            "{} bytes; a token file holds one line (at most {TOKEN_FILE_MAX_BYTES} bytes)",
            metadata.len()
        );
    }
    let mut text = String::new();
    file.take(TOKEN_FILE_MAX_BYTES)
        .read_to_string(&mut text)
        .context("the token must be UTF-8 text")?;
    Ok(text)
}

/// A bearer token: from `file`, else the environment variable `var`; checked to be one word.
fn read_token(file: Option<&std::path::Path>, var: &str) -> anyhow::Result<Option<String>> {
    let token = match file {
        Some(path) => Some(
            read_token_file(path)
                .with_context(|| format!("reading the token file {}", path.display()))?,
        ),
        None => std::env::var(var).ok(),
    };
    match token.map(|t| t.trim().to_string()) {
        Some(t) if t.is_empty() => anyhow::bail!("the bearer token is empty"),
        Some(t) if t.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            anyhow::bail!("the bearer token holds whitespace or control characters")
        }
        other => Ok(other),
    }
}

/// The job token: from `--token-file`, else the environment; none for a verify-only service.
fn token(args: &ServeArgs) -> anyhow::Result<Option<String>> {
    if args.verify_only {
        return Ok(None);
    }
    read_token(args.token_file.as_deref(), TOKEN_VAR)?.map(Some).ok_or_else(|| {
        anyhow::anyhow!(
            "job submission needs a bearer token: set {TOKEN_VAR} or pass --token-file FILE (or serve with --verify-only)"
        )
    })
}

pub fn run_process(args: ServiceProcessArgs) -> anyhow::Result<()> {
    // stdout carries the protocol: nothing else may be printed to it.
    let (input, output) = (std::io::stdin().lock(), std::io::stdout().lock());
    match args.role {
        Role::Prover => origami_service::run_prover(input, output)?,
        Role::Verifier => origami_service::run_verifier(input, output)?,
    }
    Ok(())
}
