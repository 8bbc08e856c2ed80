/* Reset and vector table for a Cortex-M4F, in plain C: set up memory, enable the FPU (the
 * runtime library is built for the hard-float ABI), run main, exit QEMU through
 * semihosting with main's verdict. */
#include <stdint.h>

#include "semihosting.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _stack_top;
int main(void);

void reset_handler(void) {
    for (uint32_t *src = &_sidata, *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
    for (uint32_t *dst = &_sbss; dst < &_ebss;) *dst++ = 0;
    /* CPACR: full access to coprocessors 10 and 11, the FPU. */
    *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
    __asm__ volatile("dsb\n isb");
    semihosting_exit(main() == 0);
}

/* Any fault or unexpected interrupt is a failure. */
void fault_handler(void) {
    semihosting_write("error: fault\n");
    semihosting_exit(0);
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&_stack_top,
    reset_handler,
    fault_handler, fault_handler, fault_handler, fault_handler, fault_handler,
    0, 0, 0, 0,
    fault_handler, fault_handler, 0, fault_handler, fault_handler,
};
