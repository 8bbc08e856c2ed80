/* CMSIS-NN's fully connected kernel, arm_nn_vec_mat_mult_t_s8 (what arm_fully_connected_s8
 * calls), on the layers of MLPerf Tiny's anomaly-detection autoencoder: 640 -> 128 x4 -> 8
 * -> 128 x4 -> 640, ten calls, 264192 multiply-accumulates. Weights and inputs come from a
 * fixed pseudo-random sequence (the count of instructions does not depend on the values);
 * the kernel sums CMSIS-NN's Helium path wants are computed beforehand, as TensorFlow Lite
 * Micro's Prepare does. Times the ten calls with SysTick for several inputs and a
 * calibration loop, as the Rust firmware does, and prints a checksum of the outputs. */
#include <stdint.h>

#include "arm_nnsupportfunctions.h"
#include "semihosting.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

#define LAYERS 10
#define WEIGHTS 264192
#define OUTPUTS 1672
#define WIDEST 640
#define RUNS 5

static const int32_t bench_widths[LAYERS + 1] = {640, 128, 128, 128, 128, 8, 128, 128, 128, 128, 640};

static int8_t bench_weights[WEIGHTS];
static int32_t bench_bias[OUTPUTS];
static int32_t bench_kernel_sum[OUTPUTS];
static int8_t bench_a[WIDEST], bench_b[WIDEST];

static uint32_t bench_state = 0x2545F491u;
static int8_t bench_random(void) {
    bench_state ^= bench_state << 13;
    bench_state ^= bench_state >> 17;
    bench_state ^= bench_state << 5;
    return (int8_t)(bench_state >> 24);
}

static uint32_t bench_now(void) { return SYST_CVR; }
/* SysTick counts down over 24 bits. */
static uint32_t bench_elapsed(uint32_t start, uint32_t end) { return (start - end) & 0xFFFFFFu; }

static void bench_calibration_loop(uint32_t n) {
    __asm__ volatile(".syntax unified\n1: subs %0, %0, #1\n bne 1b" : "+l"(n) : : "cc");
}

static void bench_print_u32(uint32_t v) {
    char text[12];
    int i = 11;
    text[i] = 0;
    do { text[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    semihosting_write(&text[i]);
}

/* The ten layers on bench_a; the output ends in bench_a or bench_b (returned). */
static const int8_t *bench_layers(void) {
    const int8_t *w = bench_weights;
    int8_t *src = bench_a, *dst = bench_b;
    int32_t channel = 0;
    for (int l = 0; l < LAYERS; l++) {
        const int32_t n_in = bench_widths[l], n_out = bench_widths[l + 1];
        /* Input zero point -128 (lhs_offset 128), output zero point -128, a per-tensor
         * multiplier below 1; ReLU is the clamp at the zero point, as TFLM folds it. */
        if (arm_nn_vec_mat_mult_t_s8(src, w, &bench_kernel_sum[channel], &bench_bias[channel], dst,
                                     128, -128, 1518500250, -8, n_in, n_out, -128, 127, 1, 0) !=
            ARM_CMSIS_NN_SUCCESS)
            return 0;
        w += n_in * n_out;
        channel += n_out;
        int8_t *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

int main(void) {
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 5; /* enabled, core clock, no interrupt */

    for (int32_t i = 0; i < WEIGHTS; i++) bench_weights[i] = bench_random();
    const int8_t *w = bench_weights;
    int32_t channel = 0;
    for (int l = 0; l < LAYERS; l++) {
        for (int32_t r = 0; r < bench_widths[l + 1]; r++, channel++) {
            int32_t sum = 0;
            for (int32_t c = 0; c < bench_widths[l]; c++) sum += *w++;
            bench_bias[channel] = bench_random() * 64;
            bench_kernel_sum[channel] = bench_bias[channel] + 128 * sum;
        }
    }

    uint32_t lo = 0xFFFFFFFFu, hi = 0, checksum = 0;
    for (int run = 0; run < RUNS; run++) {
        for (int32_t i = 0; i < WIDEST; i++) bench_a[i] = bench_random();
        uint32_t start = bench_now();
        const int8_t *out = bench_layers();
        uint32_t t = bench_elapsed(start, bench_now());
        if (!out) return 1;
        for (int32_t i = 0; i < WIDEST; i++) checksum = checksum * 31u + (uint8_t)out[i];
        if (t < lo) lo = t;
        if (t > hi) hi = t;
    }
    uint32_t start = bench_now();
    bench_calibration_loop(100000);
    uint32_t calibration = bench_elapsed(start, bench_now());
    semihosting_write("checksum ");
    bench_print_u32(checksum);
    semihosting_write("\ntiming: layers ");
    bench_print_u32(lo);
    semihosting_write("..=");
    bench_print_u32(hi);
    semihosting_write(" ticks; calibration 200000 instructions in ");
    bench_print_u32(calibration);
    semihosting_write(" ticks\n");
    return 0;
}
