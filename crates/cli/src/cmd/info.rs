//! `origami info`: what this build is and what the machine offers it.

use clap::Args;

#[derive(Args)]
pub struct InfoArgs {}

/// CPU features that select faster code paths, as detected at run time.
fn cpu_features() -> Vec<(&'static str, bool)> {
    #[cfg(target_arch = "x86_64")]
    {
        vec![
            ("adx", std::is_x86_feature_detected!("adx")),
            ("bmi2", std::is_x86_feature_detected!("bmi2")),
            ("avx2", std::is_x86_feature_detected!("avx2")),
            ("sha-ni", std::is_x86_feature_detected!("sha")),
        ]
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Vec::new()
    }
}

pub fn run(_args: InfoArgs) -> anyhow::Result<()> {
    outln!("origami {}", env!("CARGO_PKG_VERSION"))?;
    outln!(
        "curve cycle:   {}",
        <origami_arith::DefaultCycle as origami_arith::Cycle>::NAME
    )?;
    outln!("field backend: {}", origami_arith::FIELD_BACKEND)?;
    outln!(
        "build:         {}",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    )?;
    // Cargo features of this build that change behaviour.
    let features: Vec<&str> = [("heap-profile", cfg!(feature = "heap-profile"))]
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect();
    outln!(
        "features:      {}",
        if features.is_empty() {
            "(none)".to_string()
        } else {
            features.join(", ")
        }
    )?;
    let cpu: Vec<String> = cpu_features()
        .into_iter()
        .map(|(name, on)| format!("{name}={}", if on { "yes" } else { "no" }))
        .collect();
    outln!(
        "cpu features:  {}",
        if cpu.is_empty() {
            "(not x86-64)".to_string()
        } else {
            cpu.join(" ")
        }
    )?;
    outln!(
        "cores:         {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    )?;
    Ok(())
}
