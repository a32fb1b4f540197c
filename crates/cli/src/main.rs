//! The `origami` binary: a thin command-line layer over the Origami crates.

mod cmd;

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
    /// Filecoin SDR sealing: labels, parent caches, replica ids.
    Sdr(cmd::sdr::SdrArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Info(args) => cmd::info::run(args),
        Command::Sdr(args) => cmd::sdr::run(args),
    }
}
