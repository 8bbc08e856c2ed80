//! Prints the bytes of SPEC.md's worked examples, sixteen to a line: version 1 (§5.1),
//! with `--v2` the version-2 file of §5.3 (lines prefixed `v2`), with `--ties` the
//! rounding example of §5.4 (lines prefixed `ties`), with `--v3` the version-3
//! autoencoder of §6.4 (lines prefixed `v3`), with `--v4` the front end of §8.9 (lines
//! prefixed `v4`), as SPEC.md shows them.
fn main() {
    let flag = std::env::args().nth(1).unwrap_or_default();
    let (spec, prefix) = match flag.as_str() {
        "--v2" => (bottleneck_format::spec_example_v2(), "v2 "),
        "--ties" => (bottleneck_format::spec_example_ties(), "ties "),
        "--v3" => (bottleneck_format::spec_example_v3(), "v3 "),
        "--v4" => (bottleneck_format::spec_example_v4(), "v4 "),
        _ => (bottleneck_format::spec_example(), ""),
    };
    let bytes = spec
        .to_bytes()
        .expect("the worked example is a valid model");
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        println!("{prefix}{:04x}: {}", i * 16, hex.join(" "));
    }
    println!("{} bytes", bytes.len());
}
