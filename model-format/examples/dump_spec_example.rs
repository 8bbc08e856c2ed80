//! Prints the bytes of SPEC.md's worked examples, sixteen to a line: version 1 (§5.1)
//! and, with `--v2`, the version-2 file of §5.3 (lines prefixed `v2`, as SPEC.md shows
//! them).
fn main() {
    let v2 = std::env::args().any(|a| a == "--v2");
    let (spec, prefix) = if v2 {
        (bottleneck_format::spec_example_v2(), "v2 ")
    } else {
        (bottleneck_format::spec_example(), "")
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
