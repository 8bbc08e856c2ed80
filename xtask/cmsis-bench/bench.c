/* CMSIS-DSP's Q15 front end on the frames the Rust front end is timed on (tables.h,
 * written by `cargo xtask bench-front-end`: the same Hann window and mel filters in Q15,
 * a 13-coefficient DCT, the frames). Times per frame, with SysTick and a calibration
 * loop as the Rust firmware does:
 *   - arm_rfft_q15 alone;
 *   - the mel steps of arm_mfcc_q15, in its order, up to the log (no DCT): its log-mel;
 *   - arm_mfcc_q15 whole (13 coefficients);
 *   - arm_mfcc_q31's mel steps, up to the log, on the same values widened to Q31.
 * Prints each frame's log-mel values of both mel steps (Q5.26 natural log, as the MFCC
 * functions hold them before the DCT) for the host's accuracy check. */
#include <stdint.h>

#include "arm_math.h"
#include "semihosting.h"
#include "tables.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static uint32_t bench_now(void) { return SYST_CVR; }
/* SysTick counts down over 24 bits. */
static uint32_t bench_elapsed(uint32_t start, uint32_t end) { return (start - end) & 0xFFFFFFu; }

static void bench_calibration_loop(uint32_t n) {
    __asm__ volatile(".syntax unified\n1: subs %0, %0, #1\n bne 1b" : "+l"(n) : : "cc");
}

static q15_t bench_frame[BENCH_FFT_LEN];
static q15_t bench_spectrum[2 * BENCH_FFT_LEN + 2];
static q31_t bench_tmp[2 * BENCH_FFT_LEN];
static q31_t bench_mel[BENCH_MELS];
static q15_t bench_mfcc[BENCH_DCT];
static q31_t bench_frame31[BENCH_FFT_LEN];
static q31_t bench_spectrum31[2 * BENCH_FFT_LEN + 2];
static q31_t bench_window31[BENCH_FFT_LEN];
static q31_t bench_coefs31[sizeof bench_filter_coefs / sizeof bench_filter_coefs[0]];

static void bench_print_u32(uint32_t v) {
    char text[12];
    int i = 11;
    text[i] = 0;
    do { text[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    semihosting_write(&text[i]);
}

static void bench_print_i32(int32_t v) {
    if (v < 0) { semihosting_write("-"); bench_print_u32((uint32_t)0 - (uint32_t)v); }
    else bench_print_u32((uint32_t)v);
}

/* arm_mfcc_q15's steps up to the log: normalise to full scale, window, real FFT,
 * magnitude, mel dot products, undo the normalisation, natural log, exponent correction. */
static arm_status bench_mel_steps(const arm_rfft_instance_q15 *rfft, q15_t *src, q31_t *out) {
    q15_t m;
    uint32_t index;
    arm_absmax_q15(src, BENCH_FFT_LEN, &m, &index);
    if (m != 0 && m != 0x7FFF) {
        q15_t quotient;
        int16_t shift;
        arm_status s = arm_divide_q15(0x7FFF, m, &quotient, &shift);
        if (s != ARM_MATH_SUCCESS) return s;
        arm_scale_q15(src, quotient, (int8_t)shift, src, BENCH_FFT_LEN);
    }
    arm_mult_q15(src, bench_window, src, BENCH_FFT_LEN);
    arm_rfft_q15(rfft, src, bench_spectrum);
    arm_cmplx_mag_q15(bench_spectrum, src, BENCH_FFT_LEN / 2 + 1);
    uint32_t pos = 0;
    for (uint32_t i = 0; i < BENCH_MELS; i++) {
        q63_t result;
        arm_dot_prod_q15(src + bench_filter_pos[i], &bench_filter_coefs[pos], bench_filter_len[i], &result);
        pos += bench_filter_len[i];
        result += 0x219; /* MICRO_Q15 */
        result >>= 10;   /* SHIFT_MELFILTER_SATURATION_Q15 */
        out[i] = __SSAT(result, 31);
    }
    if (m != 0 && m != 0x7FFF) arm_scale_q31(out, m << 16, 0, out, BENCH_MELS);
    arm_vlog_q31(out, out, BENCH_MELS);
    const uint32_t fft_shift = 31 - __CLZ(BENCH_FFT_LEN);
    arm_offset_q31(out, (q31_t)((fft_shift + 2 + 10) * 0x02C5C860), out, BENCH_MELS);
    return ARM_MATH_SUCCESS;
}

/* arm_mfcc_q31's steps up to the log, as bench_mel_steps for Q15. */
static arm_status bench_mel_steps_q31(const arm_rfft_instance_q31 *rfft, q31_t *src, q31_t *out) {
    q31_t m;
    uint32_t index;
    arm_absmax_q31(src, BENCH_FFT_LEN, &m, &index);
    if (m != 0 && m != 0x7FFFFFFF) {
        q31_t quotient;
        int16_t shift;
        arm_status s = arm_divide_q31(0x7FFFFFFF, m, &quotient, &shift);
        if (s != ARM_MATH_SUCCESS) return s;
        arm_scale_q31(src, quotient, (int8_t)shift, src, BENCH_FFT_LEN);
    }
    arm_mult_q31(src, bench_window31, src, BENCH_FFT_LEN);
    arm_rfft_q31(rfft, src, bench_spectrum31);
    arm_cmplx_mag_q31(bench_spectrum31, src, BENCH_FFT_LEN / 2 + 1);
    uint32_t pos = 0;
    for (uint32_t i = 0; i < BENCH_MELS; i++) {
        q63_t result;
        arm_dot_prod_q31(src + bench_filter_pos[i], &bench_coefs31[pos], bench_filter_len[i], &result);
        pos += bench_filter_len[i];
        result += 0x08637BD0; /* MICRO_Q31 */
        result >>= 10 + 18;   /* SHIFT_MELFILTER_SATURATION_Q31 + 18 */
        out[i] = __SSAT(result, 31);
    }
    if (m != 0 && m != 0x7FFFFFFF) arm_scale_q31(out, m, 0, out, BENCH_MELS);
    arm_vlog_q31(out, out, BENCH_MELS);
    const uint32_t fft_shift = 31 - __CLZ(BENCH_FFT_LEN);
    arm_offset_q31(out, (q31_t)((fft_shift + 2 + 10) * 0x02C5C860), out, BENCH_MELS);
    return ARM_MATH_SUCCESS;
}

static void bench_print_values(const char *name, uint32_t f) {
    semihosting_write(name);
    bench_print_u32(f);
    semihosting_write(":");
    for (uint32_t i = 0; i < BENCH_MELS; i++) {
        semihosting_write(" ");
        bench_print_i32(bench_mel[i]);
    }
    semihosting_write("\n");
}

static void bench_copy(const q15_t *from) {
    for (uint32_t i = 0; i < BENCH_FFT_LEN; i++) bench_frame[i] = from[i];
}

int main(void) {
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 5; /* enabled, core clock, no interrupt */

    arm_rfft_instance_q15 rfft;
    if (arm_rfft_init_q15(&rfft, BENCH_FFT_LEN, 0, 1) != ARM_MATH_SUCCESS) return 1;
    arm_mfcc_instance_q15 mfcc;
    if (arm_mfcc_init_q15(&mfcc, BENCH_FFT_LEN, BENCH_MELS, BENCH_DCT, bench_dct, bench_filter_pos,
                          bench_filter_len, bench_filter_coefs, bench_window) != ARM_MATH_SUCCESS)
        return 1;

    arm_rfft_instance_q31 rfft31;
    if (arm_rfft_init_q31(&rfft31, BENCH_FFT_LEN, 0, 1) != ARM_MATH_SUCCESS) return 1;
    for (uint32_t i = 0; i < BENCH_FFT_LEN; i++) bench_window31[i] = (q31_t)bench_window[i] << 16;
    for (uint32_t i = 0; i < sizeof bench_coefs31 / sizeof bench_coefs31[0]; i++)
        bench_coefs31[i] = (q31_t)bench_filter_coefs[i] << 16;

    uint32_t lo[4] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, hi[4] = {0, 0, 0, 0};
    for (uint32_t f = 0; f < BENCH_FRAMES; f++) {
        uint32_t t[4];
        bench_copy(bench_frames[f]);
        uint32_t start = bench_now();
        arm_rfft_q15(&rfft, bench_frame, bench_spectrum);
        t[0] = bench_elapsed(start, bench_now());

        bench_copy(bench_frames[f]);
        start = bench_now();
        if (bench_mel_steps(&rfft, bench_frame, bench_mel) != ARM_MATH_SUCCESS) return 1;
        t[1] = bench_elapsed(start, bench_now());

        bench_copy(bench_frames[f]);
        start = bench_now();
        if (arm_mfcc_q15(&mfcc, bench_frame, bench_mfcc, bench_tmp) != ARM_MATH_SUCCESS) return 1;
        t[2] = bench_elapsed(start, bench_now());
        bench_print_values("frame ", f);

        for (uint32_t i = 0; i < BENCH_FFT_LEN; i++) bench_frame31[i] = (q31_t)bench_frames[f][i] << 16;
        start = bench_now();
        if (bench_mel_steps_q31(&rfft31, bench_frame31, bench_mel) != ARM_MATH_SUCCESS) return 1;
        t[3] = bench_elapsed(start, bench_now());
        bench_print_values("frame31 ", f);
        for (int k = 0; k < 4; k++) {
            if (t[k] < lo[k]) lo[k] = t[k];
            if (t[k] > hi[k]) hi[k] = t[k];
        }
    }
    uint32_t start = bench_now();
    bench_calibration_loop(100000);
    uint32_t calibration = bench_elapsed(start, bench_now());
    const char *names[4] = {"rfft", "mel", "mfcc", "mel31"};
    semihosting_write("timing:");
    for (int k = 0; k < 4; k++) {
        semihosting_write(" ");
        semihosting_write(names[k]);
        semihosting_write(" ");
        bench_print_u32(lo[k]);
        semihosting_write("..=");
        bench_print_u32(hi[k]);
    }
    semihosting_write(" ticks; calibration 200000 instructions in ");
    bench_print_u32(calibration);
    semihosting_write(" ticks\n");
    return 0;
}
