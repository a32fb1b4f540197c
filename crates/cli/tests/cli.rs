//! The `origami` binary's basic commands, run as a user would.

mod cli_support;
use cli_support::origami;

#[test]
fn version_and_help() {
    let out = origami(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("origami {}", env!("CARGO_PKG_VERSION"))
    );
    let out = origami(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("info"), "help lists the subcommands: {help}");
}

#[test]
fn info_reports_cycle_cpu_and_cores() {
    let out = origami(&["info"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("curve cycle:   pallas/vesta"), "{text}");
    assert!(text.contains("cores:"), "{text}");
    assert!(text.contains("features:"), "{text}");
    if cfg!(target_arch = "x86_64") {
        for feature in ["adx=", "bmi2=", "avx2=", "sha-ni="] {
            assert!(text.contains(feature), "missing {feature} in {text}");
        }
    }
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let out = origami(&["frobnicate"]);
    assert!(!out.status.success());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("frobnicate"));
}
