//! One AFL++ fuzz target, named by the first argument (`scripts/fuzz.sh` runs each in turn):
//! `cargo afl fuzz -i SEEDS -o OUT -- fuzz-target compressed-proof`, and
//! `fuzz-target compressed-proof --seeds DIR` writes the target's seeds into DIR.

use origami_fuzz::Target;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(target) = args.first().and_then(|name| Target::from_name(name)) else {
        let names: Vec<_> = Target::ALL.iter().map(|t| t.name()).collect();
        eprintln!(
            "usage: fuzz-target TARGET [--seeds DIR], TARGET one of: {}",
            names.join(", ")
        );
        std::process::exit(2);
    };
    if let [_, flag, dir] = &args[..]
        && flag == "--seeds"
    {
        if let Err(e) = write_seeds(target, std::path::Path::new(dir)) {
            eprintln!("writing seeds into {dir}: {e}");
            std::process::exit(1);
        }
        return;
    }
    // The fixture is loaded in each forked child, on its first input (from the files
    // `--seeds` stored), never before the fork server starts: a child of a fork has none of
    // the parent's threads, so a rayon pool made before it would wait for ever.
    afl::fuzz!(|data: &[u8]| {
        target.run(data);
    });
}

fn write_seeds(target: Target, dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (i, seed) in target.seeds().iter().enumerate() {
        std::fs::write(dir.join(format!("seed-{i}")), seed)?;
    }
    Ok(())
}
