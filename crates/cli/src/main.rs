#![doc = include_str!("../README.md")]

#[macro_use]
mod output;
mod args;
mod cluster_job;
mod cmd;
mod report;

use clap::{Parser, Subcommand};

/// Origami: a folding prover for long computations.
#[derive(Parser)]
#[command(name = "origami", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print build features, the curve cycle and the CPU features Origami detected.
    Info(cmd::info::InfoArgs),
    /// Generate public parameters for a circuit: prover.key and verifier.key.
    Setup(cmd::setup::SetupArgs),
    /// Prove N steps of a circuit (a compressed proof unless --recursive).
    Prove(cmd::prove::ProveArgs),
    /// Verify a proof.
    Verify(cmd::verify::VerifyArgs),
    /// Print what a key or proof file is: kind, version, circuit digest, sizes.
    Inspect(cmd::inspect::InspectArgs),
    /// Filecoin SDR sealing: labels, parent caches, replica ids.
    Sdr(cmd::sdr::SdrArgs),
    /// Prove shards for a PostgreSQL cluster until stopped (Ctrl-C releases the shard in hand).
    Worker(cmd::worker::WorkerArgs),
    /// A PostgreSQL cluster's database: set it up, see its jobs, fetch a job's proof.
    Cluster(cmd::cluster::ClusterArgs),
    /// Run the proving service: an HTTP API with a prover process and a lean verifier process.
    Serve(cmd::serve::ServeArgs),
    /// A process of `origami serve` (started by it).
    #[command(hide = true)]
    ServiceProcess(cmd::serve::ServiceProcessArgs),
}

#[cfg(feature = "heap-profile")]
#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let output = e
                .chain()
                .find_map(|c| c.downcast_ref::<output::OutputError>());
            if output.is_some_and(|o| o.is_closed_pipe()) {
                // Whoever read our output stopped reading (`| head`): exit quietly, with the
                // status a shell gives a process that SIGPIPE ended, never success (the
                // command's own outcome may not have been printed).
                return std::process::ExitCode::from(128 + 13);
            }
            eprintln!("Error: {e:?}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Info(args) => cmd::info::run(args),
        Command::Setup(args) => cmd::setup::run(args),
        Command::Prove(args) => cmd::prove::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Sdr(args) => cmd::sdr::run(args),
        Command::Worker(args) => cmd::worker::run(args),
        Command::Cluster(args) => cmd::cluster::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::ServiceProcess(args) => cmd::serve::run_process(args),
    }
}
