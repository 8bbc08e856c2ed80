//! SPEC.md names every error the loader raises: every variant of `Error` and every `what`
//! string in the loader's source appears in SPEC.md §7, and the decoding rules §7 states
//! for values that do not fit their type hold.

use bottleneck_format::{Error, ModelView, spec_example};

/// This package's directory, read when the test runs (cargo test sets it): the path
/// compiled in goes stale when one target directory serves two checkouts.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || env!("CARGO_MANIFEST_DIR").into(),
        std::path::PathBuf::from,
    )
}

fn read(path: &str) -> String {
    let full = manifest_dir().join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// SPEC.md from its §7 on.
fn section_7() -> String {
    let spec = read("SPEC.md");
    let at = spec
        .find("## 7. Every check, its error")
        .expect("SPEC.md has §7");
    spec[at..].to_string()
}

/// The string literals passed as `what` in the loader (and the names of record fields
/// used as `what` through helper functions), read from its source.
fn what_strings() -> Vec<String> {
    let mut found = Vec::new();
    for file in ["src/model.rs", "src/header.rs"] {
        let text = read(file);
        let mut rest = text.as_str();
        while let Some(start) = rest.find('"') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('"') else { break };
            let literal = &after[..end];
            // Loader `what`s are lower-case phrases; skip feature names and format strings.
            if literal
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
                && !literal.contains('{')
                && literal != "defmt"
            {
                found.push(literal.to_string());
            }
            rest = &after[end + 1..];
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn every_what_string_is_in_section_7() {
    let spec = section_7();
    let whats = what_strings();
    assert!(whats.len() > 40, "found only {whats:?}");
    let missing: Vec<&String> = whats
        .iter()
        .filter(|w| !spec.contains(&format!("\"{w}\"")))
        .collect();
    assert!(missing.is_empty(), "SPEC.md §7 does not name {missing:?}");
}

#[test]
fn every_error_variant_is_in_the_spec() {
    let spec = read("SPEC.md");
    let source = read("src/error.rs");
    let enum_body = &source[source.find("pub enum Error {").expect("enum")..];
    let enum_body = &enum_body[..enum_body.find("\n}\n").expect("end of enum")];
    let variants: Vec<&str> = enum_body
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let name = l.strip_suffix(" {").or_else(|| l.strip_suffix(','))?;
            name.chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase())
                .then_some(name)
        })
        .collect();
    assert!(variants.len() >= 17, "{variants:?}");
    let missing: Vec<&&str> = variants
        .iter()
        .filter(|v| !spec.contains(&format!("`{v}")))
        .collect();
    assert!(missing.is_empty(), "SPEC.md does not name {missing:?}");
}

/// The example file with its payload replaced, header resealed.
fn resealed(payload: &[u8]) -> Vec<u8> {
    let file = spec_example().to_bytes().expect("valid");
    let mut out = file[..16].to_vec();
    out[8..12].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(payload);
    out[12..16].copy_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

#[test]
fn a_u16_above_65535_is_malformed_and_an_overlong_one_non_canonical() {
    let file = spec_example().to_bytes().expect("valid");
    let payload = &file[16..];
    // The preamble starts with n_inputs = 2, one byte `02`.
    assert_eq!(payload[0], 2);
    let mut above = vec![0x80, 0x80, 0x04]; // 65,536
    above.extend_from_slice(&payload[1..]);
    assert_eq!(
        ModelView::parse(&resealed(&above)).err(),
        Some(Error::Malformed { what: "preamble" })
    );
    let mut overlong = vec![0x82, 0x00]; // 2 in two bytes
    overlong.extend_from_slice(&payload[1..]);
    assert_eq!(
        ModelView::parse(&resealed(&overlong)).err(),
        Some(Error::NonCanonical { what: "preamble" })
    );
}
