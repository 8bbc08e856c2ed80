//! Choosing the dot-product backend.

#[cfg(dsp)]
use super::arm_dsp;
#[cfg(mve)]
use super::arm_mve;
#[cfg(all(target_arch = "arm", not(dsp), not(mve)))]
use super::arm_thumb;
use super::portable;
#[cfg(all(target_arch = "riscv32", target_feature = "m"))]
use super::riscv32;
#[cfg(all(target_arch = "x86_64", feature = "std"))]
use super::x86_avx2;

/// Most weight rows one backend call computes: enough for the widest kernel (four rows
/// sharing each load of the input on AVX2), small enough to keep the accumulators in
/// registers and on the stack.
pub const BLOCK: usize = 4;

/// An implementation of the dot products. All give identical integers (the sums are
/// exact: the loader bounds every accumulator to i32); they differ only in speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Backend {
    /// Plain Rust for every target: the reference the others are tested against.
    Portable,
    /// x86-64 with AVX2, detected at run time (needs the `std` feature).
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    X86Avx2,
    /// Cortex-M4/M7/M33 `SMLAD` assembly, two rows at a time (`dsp` cfg).
    #[cfg(dsp)]
    ArmDsp,
    /// Helium (MVE) assembly for the Cortex-M55/M85, four rows sharing each input load
    /// (`mve` cfg).
    #[cfg(mve)]
    ArmMve,
    /// Thumb-1 assembly for every Cortex-M, two rows sharing each input load.
    #[cfg(all(target_arch = "arm", not(dsp), not(mve)))]
    ArmThumb,
    /// RV32IMC assembly, four rows sharing each input load (needs the `M` extension).
    #[cfg(all(target_arch = "riscv32", target_feature = "m"))]
    Riscv32,
}

impl Backend {
    /// The fastest backend this build can use on this machine.
    pub fn select() -> Backend {
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        if x86_avx2::supported() {
            return Backend::X86Avx2;
        }
        #[cfg(dsp)]
        return Backend::ArmDsp;
        #[cfg(mve)]
        return Backend::ArmMve;
        #[cfg(all(target_arch = "arm", not(dsp), not(mve)))]
        return Backend::ArmThumb;
        #[cfg(all(target_arch = "riscv32", target_feature = "m"))]
        return Backend::Riscv32;
        #[allow(unreachable_code)]
        Backend::Portable
    }

    /// Every backend this build can use on this machine, portable first.
    pub fn available() -> impl Iterator<Item = Backend> {
        let select = Backend::select();
        core::iter::once(Backend::Portable).chain((select != Backend::Portable).then_some(select))
    }

    /// Lays out the int8 input `src` in `wide` (at least `src.len()` halfwords) the way
    /// [`Backend::dots`] wants it; once per layer.
    #[inline(always)]
    pub fn prepare(self, src: &[i8], wide: &mut [i16]) {
        match self {
            Backend::Portable => {}
            #[cfg(all(target_arch = "x86_64", feature = "std"))]
            Backend::X86Avx2 => x86_avx2::prepare(src, wide),
            #[cfg(dsp)]
            Backend::ArmDsp => arm_dsp::prepare(src, wide),
            #[cfg(mve)]
            Backend::ArmMve => {}
            #[cfg(all(target_arch = "arm", not(dsp), not(mve)))]
            Backend::ArmThumb => {}
            #[cfg(all(target_arch = "riscv32", target_feature = "m"))]
            Backend::Riscv32 => {}
        }
        let _ = (src, wide);
    }

    /// Dot products of the `acc.len()` (at most [`BLOCK`]) weight rows in `block`
    /// (`n_in` int8 weights each, one row every `stride` bytes) with the input, into
    /// `acc`. `src` and `wide` are the input as given to, and as laid out by,
    /// [`Backend::prepare`].
    #[inline(always)]
    pub fn dots(
        self,
        block: &[u8],
        n_in: usize,
        stride: usize,
        src: &[i8],
        wide: &[i16],
        acc: &mut [i32],
    ) {
        match self {
            Backend::Portable => portable::dots(block, n_in, stride, src, acc),
            #[cfg(all(target_arch = "x86_64", feature = "std"))]
            Backend::X86Avx2 => x86_avx2::dots(block, n_in, stride, src, wide, acc),
            #[cfg(dsp)]
            Backend::ArmDsp => arm_dsp::dots(block, n_in, stride, src, wide, acc),
            #[cfg(mve)]
            Backend::ArmMve => arm_mve::dots(block, n_in, stride, src, acc),
            #[cfg(all(target_arch = "arm", not(dsp), not(mve)))]
            Backend::ArmThumb => arm_thumb::dots(block, n_in, stride, src, acc),
            #[cfg(all(target_arch = "riscv32", target_feature = "m"))]
            Backend::Riscv32 => riscv32::dots(block, n_in, stride, src, acc),
        }
        let _ = wide;
    }
}
