//! Turns the target triple into the cfg the cycle counters need, as the `cortex-m`
//! crate's build script does: Armv6-M has no DWT cycle counter.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(armv6m)");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv6m-") {
        println!("cargo:rustc-cfg=armv6m");
    }
}
