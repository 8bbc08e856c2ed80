/* The few CMSIS-Core definitions CMSIS-DSP's sources use, written for arm-none-eabi-gcc
 * on ACLE (<arm_acle.h>): the benchmark compiles CMSIS-DSP from the `cmsisdsp` package's
 * sources, which do not ship CMSIS-Core. Each intrinsic is the instruction its name says
 * (the DSP ones only where the core has the DSP extension, as CMSIS-Core defines them). */
#ifndef BOTTLENECK_CMSIS_COMPILER_H
#define BOTTLENECK_CMSIS_COMPILER_H

#include <stdint.h>
#include <arm_acle.h>

#define __ASM __asm
#define __INLINE inline
#define __STATIC_INLINE static inline
#define __STATIC_FORCEINLINE static inline __attribute__((always_inline))
#define __ALIGNED(x) __attribute__((aligned(x)))
#define __PACKED __attribute__((packed))
#define __PACKED_STRUCT struct __attribute__((packed))
#define __WEAK __attribute__((weak))
#define __RESTRICT __restrict

__STATIC_FORCEINLINE uint8_t __CLZ(uint32_t x) { return x == 0 ? 32 : (uint8_t)__builtin_clz(x); }

/* Saturation to a signed or unsigned bit width: SSAT / USAT where the core has them
 * (Armv7-M and later), the same arithmetic in C on Armv6-M. */
#if __ARM_ARCH >= 7
#define __SSAT(x, n) __ssat(x, n)
#define __USAT(x, n) __usat(x, n)
#else
__STATIC_FORCEINLINE int32_t __SSAT(int32_t x, uint32_t n) {
    const int32_t hi = (int32_t)((1u << (n - 1)) - 1), lo = -hi - 1;
    return x > hi ? hi : x < lo ? lo : x;
}
__STATIC_FORCEINLINE uint32_t __USAT(int32_t x, uint32_t n) {
    const int32_t hi = (int32_t)((1u << n) - 1);
    return (uint32_t)(x > hi ? hi : x < 0 ? 0 : x);
}
#endif

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define __QADD(a, b) __qadd(a, b)
#define __QSUB(a, b) __qsub(a, b)
#define __QADD8(a, b) __qadd8(a, b)
#define __QSUB8(a, b) __qsub8(a, b)
#define __QADD16(a, b) __qadd16(a, b)
#define __QSUB16(a, b) __qsub16(a, b)
#define __SHADD16(a, b) __shadd16(a, b)
#define __SHSUB16(a, b) __shsub16(a, b)
#define __QASX(a, b) __qasx(a, b)
#define __QSAX(a, b) __qsax(a, b)
#define __SHASX(a, b) __shasx(a, b)
#define __SHSAX(a, b) __shsax(a, b)
#define __SMUAD(a, b) __smuad(a, b)
#define __SMUADX(a, b) __smuadx(a, b)
#define __SMUSD(a, b) __smusd(a, b)
#define __SMUSDX(a, b) __smusdx(a, b)
#define __SMLAD(a, b, c) __smlad(a, b, c)
#define __SMLADX(a, b, c) __smladx(a, b, c)
#define __SMLSDX(a, b, c) __smlsdx(a, b, c)
#define __SMLALD(a, b, c) __smlald(a, b, c)
#define __SMLALDX(a, b, c) __smlaldx(a, b, c)
#define __SXTB16(a) __sxtb16(a)
#define __SXTAB16(a, b) __sxtab16(a, b)
/* PKHBT / PKHTB: two halfwords packed; the shift is a constant in every use. */
#define __PKHBT(a, b, s) ((((uint32_t)(a)) & 0x0000FFFFu) | ((((uint32_t)(b)) << (s)) & 0xFFFF0000u))
#define __PKHTB(a, b, s) ((((uint32_t)(a)) & 0xFFFF0000u) | ((((uint32_t)(b)) >> (s)) & 0x0000FFFFu))
/* SMMLA: the high word of a 64-bit product plus an accumulator. */
__STATIC_FORCEINLINE int32_t __SMMLA(int32_t a, int32_t b, int32_t c) {
    return (int32_t)((((int64_t)c << 32) + (int64_t)a * b) >> 32);
}
#endif

#endif
