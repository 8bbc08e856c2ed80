//! Prints the bytes of SPEC.md's worked example, sixteen to a line.
fn main() {
    let bytes = bottleneck_format::spec_example()
        .to_bytes()
        .expect("the worked example is a valid model");
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        println!("{:04x}: {}", i * 16, hex.join(" "));
    }
    println!("{} bytes", bytes.len());
}
