//! Turns the compilation target into cfgs for the kernel backends, as the `cortex-m`
//! crate does: the instruction set is a property of the target, not a Cargo feature a
//! user could forget (a Cortex-M4 build without it silently ran the Cortex-M0 loop).
//!
//! - `armv6m`, `armv7m`, `armv7em`, `armv8m_base`, `armv8m_main`: the Arm profile.
//! - `dsp`: the DSP extension (`SMLAD`, `SXTB16`) is there: always on Armv7E-M, and on
//!   Armv8-M Mainline when the build enables the `dsp` target feature (it is optional
//!   on that architecture; `-C target-feature=+dsp` for a Cortex-M33 that has it).

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let has_feature = |name: &str| features.split(',').any(|f| f == name);

    let arch = [
        ("thumbv6m-", "armv6m"),
        ("thumbv7m-", "armv7m"),
        ("thumbv7em-", "armv7em"),
        ("thumbv8m.base-", "armv8m_base"),
        ("thumbv8m.main-", "armv8m_main"),
    ]
    .into_iter()
    .find_map(|(prefix, cfg)| target.starts_with(prefix).then_some(cfg));

    for cfg in [
        "armv6m",
        "armv7m",
        "armv7em",
        "armv8m_base",
        "armv8m_main",
        "dsp",
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    if let Some(arch) = arch {
        println!("cargo::rustc-cfg={arch}");
    }
    let dsp = arch == Some("armv7em") || (arch == Some("armv8m_main") && has_feature("dsp"));
    if dsp {
        println!("cargo::rustc-cfg=dsp");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
