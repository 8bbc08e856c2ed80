//! The integer kernels, one file per operator (as CMSIS-NN organises them): input
//! quantization, dense layers, requantization, head and argmax. SPEC.md §4 defines them.
//!
//! Every loop walks zipped iterators instead of indexing, so no bounds check can panic;
//! the loader's checks guarantee the slices have the lengths the zips assume, and that
//! no accumulator can overflow i32.
//!
//! The dot products, where nearly all the time goes, come from one backend per
//! instruction set behind one interface ([`Backend`]): chosen from the compilation target
//! by `build.rs` (cfgs `armv6m`, `armv7em`, `dsp`, ...), and on x86-64 with `std` at run
//! time. Every backend computes the same exact integers; `portable` is the reference the
//! others are tested against.

#[cfg(dsp)]
mod arm_dsp;
#[cfg(dsp)]
mod arm_dsp_dense;
#[cfg(mve)]
mod arm_mve;
#[cfg(mve)]
mod arm_mve_dense;
#[cfg(all(target_arch = "arm", not(dsp), not(mve)))]
mod arm_thumb;
#[cfg(all(target_arch = "arm", not(dsp), not(mve)))]
mod arm_thumb_quad;
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
mod arm_vfp;
mod backend;
mod dense;
mod head;
mod portable;
mod quantize;
mod requantize;
#[cfg(all(target_arch = "riscv32", target_feature = "m"))]
mod riscv32;
mod soft_quantize;
#[cfg(all(target_arch = "x86_64", feature = "std"))]
mod x86_avx2;

pub use backend::{BLOCK, Backend};
#[cfg(dsp)]
pub use dense::dense_in_place;
pub use dense::{dense, dense_portable};
pub use head::{argmax, head};
pub use quantize::{
    quantize_input, quantize_inputs, quantize_inputs_portable, requantized_score,
    round_half_up_float,
};
pub use requantize::{mul_high_halves, mul_wide_halves, scale};
pub use soft_quantize::{quantize as soft_quantize, round_half_up_bits};
