//! `include/bottleneck.h` is what cbindgen generates from the crate today: the committed
//! header and the code cannot drift apart.

#[test]
fn the_committed_header_matches_the_code() {
    let dir = &manifest_dir();
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

/// This package's directory, read when the test runs (cargo test sets it): the path
/// compiled in goes stale when one target directory serves two checkouts.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || env!("CARGO_MANIFEST_DIR").into(),
        std::path::PathBuf::from,
    )
}
