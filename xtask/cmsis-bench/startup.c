/* Reset and vector table for the CMSIS-DSP and CMSIS-NN benchmarks on any Cortex-M: set
 * up memory, enable the FPU (and Helium) where the core has one, run main, exit QEMU with
 * main's verdict. */
#include <stddef.h>
#include <stdint.h>

#include "semihosting.h"

/* The C library routines GCC calls for copies and fills (no C library is linked). Word
 * copies when both sides are aligned, so a CMSIS-DSP call that copies is not slowed down.
 * Compiled so GCC does not turn their own loops back into calls to them. */
#define BENCH_PLAIN __attribute__((optimize("no-tree-loop-distribute-patterns")))

BENCH_PLAIN void *memcpy(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
        for (; n >= 4; n -= 4, d += 4, s += 4) *(uint32_t *)d = *(const uint32_t *)s;
    }
    while (n--) *d++ = *s++;
    return dst;
}

BENCH_PLAIN void *memset(void *dst, int value, size_t n) {
    uint8_t *d = dst;
    while (n--) *d++ = (uint8_t)value;
    return dst;
}

BENCH_PLAIN size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _stack_top;
int main(void);

void bench_reset(void) {
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    /* CPACR: full access to coprocessors 10 and 11, the FPU and Helium. First: GCC may
     * vectorise the copy loops below with Helium instructions. */
    *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
    __asm__ volatile("dsb\n isb");
#endif
    for (uint32_t *src = &_sidata, *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
    for (uint32_t *dst = &_sbss; dst < &_ebss;) *dst++ = 0;
    semihosting_exit(main() == 0);
}

void bench_fault(void) {
    semihosting_write("error: fault\n");
    semihosting_exit(0);
}

__attribute__((section(".vectors"), used)) static void (*const bench_vectors[16])(void) = {
    (void (*)(void))&_stack_top,
    bench_reset,
    bench_fault, bench_fault, bench_fault, bench_fault, bench_fault,
    0, 0, 0, 0,
    bench_fault, bench_fault, 0, bench_fault, bench_fault,
};
