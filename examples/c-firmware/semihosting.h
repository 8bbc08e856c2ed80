/* Semihosting, as QEMU implements it for Arm M-profile: print to the host, exit. */
#ifndef SEMIHOSTING_H
#define SEMIHOSTING_H

#include <stdint.h>

static inline int semihosting_call(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* A NUL-terminated string to the host's standard output: SYS_WRITE on the handle
 * SYS_OPEN gives ":tt" opened for writing (QEMU sends SYS_WRITE0 to standard error). */
static inline void semihosting_write(const char *text) {
    static int handle = -1;
    if (handle < 0) {
        const uint32_t open_args[3] = {(uint32_t)":tt", 4, 3};
        handle = semihosting_call(0x01, open_args);
    }
    uint32_t len = 0;
    while (text[len]) len++;
    const uint32_t write_args[3] = {(uint32_t)handle, (uint32_t)text, len};
    semihosting_call(0x05, write_args);
}

/* SYS_EXIT with ADP_Stopped_ApplicationExit (success) or ADP_Stopped_RunTimeErrorUnknown. */
static inline void __attribute__((noreturn)) semihosting_exit(int success) {
    semihosting_call(0x18, (const void *)(success ? 0x20026 : 0x20023));
    for (;;) __asm__ volatile("wfi");
}

#endif
