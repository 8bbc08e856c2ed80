//! Turns the compilation target into cfgs for the kernel backends, as the `cortex-m`
//! crate does: the instruction set is a property of the target, not a Cargo feature a
//! user could forget (a Cortex-M4 build without it silently ran the Cortex-M0 loop).
//!
//! - `armv6m`, `armv7m`, `armv7em`, `armv8m_base`, `armv8m_main`: the Arm profile.
//! - `mve`: the M-profile Vector Extension (Helium) is there, on Armv8.1-M Mainline:
//!   `-C target-cpu=cortex-m55` or `cortex-m85`, or `-C target-feature=+mve`. Its
//!   kernels (`arm_mve.rs`) replace the DSP ones, so `dsp` is not set with it.
//! - `dsp`: the DSP-extension kernels (`SMLAD`, `SXTB16`) are used: always on Armv7E-M,
//!   and on Armv8-M Mainline without MVE when the build says the core has the extension
//!   (it is optional on that architecture): `-C target-cpu=cortex-m33` (or M35P), or
//!   `-C target-feature=+dsp`. Stable rustc does not report the unstable `dsp` and `mve`
//!   features in `cfg(target_feature)`, so the flags themselves are read.
//! - `soft_float`: the build may not use a floating-point unit (Arm `eabi` targets, RISC-V
//!   without the `F` extension), so input quantization is done in integer arithmetic.
//! - `widens`: the build's kernels read each layer's input widened to halfwords (the DSP
//!   and AVX2 ones), so the scratch holds a widened copy; the Thumb-1, RISC-V and
//!   portable kernels read int8 directly.

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
        "mve",
        "soft_float",
        "widens",
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    if let Some(arch) = arch {
        println!("cargo::rustc-cfg={arch}");
    }
    let rustflags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let flags: Vec<&str> = rustflags.split('\u{1f}').collect();
    // Each flag's value, whether given as one argument ("-Ctarget-cpu=x") or two.
    let values = flags.iter().enumerate().filter_map(|(i, f)| {
        let f = f.strip_prefix("-C").unwrap_or(f);
        if f.is_empty() {
            flags.get(i + 1).copied()
        } else {
            Some(f)
        }
    });
    let (mut flags_say_dsp, mut flags_say_mve) = (false, false);
    for value in values {
        if let Some(cpu) = value.strip_prefix("target-cpu=") {
            let helium = ["cortex-m55", "cortex-m85"].contains(&cpu);
            flags_say_dsp |= helium || ["cortex-m33", "cortex-m35p"].contains(&cpu);
            flags_say_mve |= helium;
        }
        if let Some(features) = value.strip_prefix("target-feature=") {
            flags_say_dsp |= features.split(',').any(|f| f == "+dsp");
            flags_say_mve |= features.split(',').any(|f| f == "+mve" || f == "+mve.fp");
        }
    }
    let main = arch == Some("armv8m_main");
    let mve = main && (has_feature("mve") || flags_say_mve);
    if mve {
        println!("cargo::rustc-cfg=mve");
    }
    let dsp = !mve && (arch == Some("armv7em") || (main && (has_feature("dsp") || flags_say_dsp)));
    if dsp {
        println!("cargo::rustc-cfg=dsp");
    }
    let target_arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let soft_float = match target_arch.as_str() {
        "arm" => std::env::var("CARGO_CFG_TARGET_ABI").as_deref() != Ok("eabihf"),
        "riscv32" | "riscv64" => !has_feature("f"),
        _ => false,
    };
    if soft_float {
        println!("cargo::rustc-cfg=soft_float");
    }
    let avx2 = target_arch == "x86_64" && std::env::var_os("CARGO_FEATURE_STD").is_some();
    if dsp || avx2 {
        println!("cargo::rustc-cfg=widens");
    }
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
}
