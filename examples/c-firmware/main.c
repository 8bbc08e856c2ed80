/* The C firmware example: the model from `bottleneck export --c-header`, the samples from
 * `bottleneck export --samples` (little-endian f32, embedded with .incbin), the runtime
 * through its C API. Prints what the Rust parity firmware prints for a classifier: the
 * self-test, then per sample the class, int8 input, features and logits, so the QEMU test
 * compares both against the host with the same lines. */
#include <stddef.h>
#include <stdint.h>

#include "bottleneck.h"
#include "model.h"
#include "semihosting.h"

__asm__(".section .rodata.samples, \"a\"\n"
        ".balign 4\n"
        ".global samples_start\n"
        "samples_start:\n"
        ".incbin \"samples.bin\"\n"
        ".global samples_end\n"
        "samples_end:\n"
        ".text\n");
extern const float samples_start[], samples_end[];

static bn_model model;
static bn_scratch scratch;
static char line[8192];
static size_t used;

static void put(const char *s) { while (*s && used + 1 < sizeof line) line[used++] = *s++; }

static void put_uint(uint32_t v) {
    char digits[11];
    int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) { char c[2] = {digits[--n], 0}; put(c); }
}

static void put_int(int32_t v) {
    if (v < 0) { put("-"); put_uint(0u - (uint32_t)v); } else put_uint((uint32_t)v);
}

static void put_hex(const int8_t *v, size_t n) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char c[3] = {digits[(uint8_t)v[i] >> 4], digits[(uint8_t)v[i] & 15], 0};
        put(c);
    }
}

static void flush(void) {
    line[used++] = '\n';
    line[used] = 0;
    semihosting_write(line);
    used = 0;
}

static int fail(const char *what, bn_status s) {
    put("error: ");
    put(what);
    put(": ");
    put(bn_status_name(s));
    flush();
    return 1;
}

int main(void) {
    bn_status s = bn_model_load(&model, bottleneck_model, bottleneck_model_len);
    if (s != BN_OK) return fail("load", s);
    size_t vectors = 0;
    if ((s = bn_self_test(&model, &scratch, &vectors)) != BN_OK) return fail("self-test", s);
    put("self-test: ");
    put_uint((uint32_t)vectors);
    put(" vectors ok");
    flush();

    size_t n = bn_model_inputs(&model), k = bn_model_features(&model), count = 0;
    int8_t q[BN_MAX_WIDTH], features[BN_MAX_WIDTH];
    for (const float *x = samples_start; x + n <= samples_end; x += n, count++) {
        bn_classification c;
        if ((s = bn_quantize(&model, x, n, q, BN_MAX_WIDTH)) != BN_OK) return fail("quantize", s);
        if ((s = bn_encode_quantized(&model, q, n, &scratch, features, BN_MAX_WIDTH)) != BN_OK)
            return fail("encode", s);
        if ((s = bn_classify_quantized(&model, q, n, &scratch, &c)) != BN_OK)
            return fail("classify", s);
        put("sample ");
        put_uint((uint32_t)count);
        put(": class ");
        put_uint(c.class_index);
        put(" q ");
        put_hex(q, n);
        put(" f ");
        put_hex(features, k);
        put(" l ");
        for (size_t i = 0; i < c.n_logits; i++) {
            if (i) put(",");
            put_int(c.logits[i]);
        }
        flush();
    }
    put("total: ");
    put_uint((uint32_t)count);
    put(" samples");
    flush();
    return 0;
}
