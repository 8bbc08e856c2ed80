//! `include/bottleneck.h` is what cbindgen generates from the crate today: the committed
//! header and the code cannot drift apart.

use std::path::Path;

#[test]
fn the_committed_header_matches_the_code() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);
    let path = dir.join("include/bottleneck.h");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write the header");
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/bottleneck.h is stale: rerun with BLESS=1 cargo test -p bottleneck-c --test header\n\
         generated:\n{}",
        String::from_utf8_lossy(&generated)
    );
}
