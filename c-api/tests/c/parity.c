/* Runs the C API on a model file and samples and prints every result, one line each:
 * tests/c_host.rs compares the lines with the Rust runtime's, bit for bit.
 * Usage: parity MODEL.bin SAMPLES_F32.bin SAMPLES_I8.bin */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bottleneck.h"

static void *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    /* The loader wants the model on a 4-byte boundary; malloc gives at least that. */
    void *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* A float's bits, so the comparison is exact. */
static unsigned bits(float v) {
    uint32_t b;
    memcpy(&b, &v, sizeof b);
    return (unsigned)b;
}

static bn_model model;
static bn_scratch scratch;

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    size_t model_len, f_len, q_len;
    uint8_t *bytes = read_file(argv[1], &model_len);
    float *floats = read_file(argv[2], &f_len);
    int8_t *ints = read_file(argv[3], &q_len);
    if (!bytes || !floats || !ints) return 2;

    /* Errors first: each call names its status. */
    bn_classification unused;
    printf("unloaded: %s\n", bn_status_name(bn_classify(&model, floats, 1, &scratch, &unused)));
    printf("null model: %s\n", bn_status_name(bn_model_load(NULL, bytes, model_len)));
    printf("truncated: %s\n", bn_status_name(bn_model_load(&model, bytes, model_len - 1)));
    printf("after a failed load: %s\n", bn_status_name(bn_self_test(&model, &scratch, NULL)));
    printf("unknown status: %s\n", bn_status_name(99));

    bn_status s = bn_model_load(&model, bytes, model_len);
    printf("load: %s\n", bn_status_name(s));
    if (s != BN_OK) return 1;
    size_t n = bn_model_inputs(&model), features = bn_model_features(&model);
    printf("inputs %zu features %zu classes %zu scratch %d\n", n, features,
           bn_model_classes(&model), bn_scratch_bytes() <= sizeof(bn_scratch));
    size_t vectors = 0;
    s = bn_self_test(&model, &scratch, &vectors);
    printf("self-test: %s %zu\n", bn_status_name(s), vectors);
    printf("short sample: %s\n", bn_status_name(bn_classify(&model, floats, n - 1, &scratch, &unused)));
    printf("null output: %s\n", bn_status_name(bn_detect(&model, floats, n, &scratch, NULL)));
    float nan_sample[BN_MAX_WIDTH];
    memcpy(nan_sample, floats, n * sizeof(float));
    nan_sample[n / 2] = nan_sample[n / 2] / 0.0f - nan_sample[n / 2] / 0.0f;
    int8_t q[BN_MAX_WIDTH];
    printf("nan: %s\n", bn_status_name(bn_quantize(&model, nan_sample, n, q, n)));

    size_t samples = f_len / (n * sizeof(float));
    for (size_t i = 0; i < samples; i++) {
        const float *x = floats + i * n;
        bn_classification c = {0};
        bn_detection d = {0};
        s = bn_quantize(&model, x, n, q, BN_MAX_WIDTH);
        printf("float %zu: %s q", i, bn_status_name(s));
        for (size_t j = 0; j < n; j++) printf(" %d", q[j]);
        s = bn_classify(&model, x, n, &scratch, &c);
        printf(" | %s class %u p %08x label %.*s logits", bn_status_name(s), c.class_index,
               bits(c.probability), (int)c.label_len, c.label);
        for (size_t j = 0; j < c.n_logits; j++) printf(" %d", c.logits[j]);
        s = bn_detect(&model, x, n, &scratch, &d);
        printf(" | %s score %u threshold %u anomaly %d mse %08x\n", bn_status_name(s), d.score,
               d.threshold, d.is_anomaly, bits(d.mean_squared_error));
    }
    samples = q_len / n;
    for (size_t i = 0; i < samples; i++) {
        const int8_t *x = ints + i * n;
        bn_classification c = {0};
        bn_detection d = {0};
        int8_t f[BN_MAX_WIDTH];
        s = bn_encode_quantized(&model, x, n, &scratch, f, features);
        printf("int8 %zu: %s features", i, bn_status_name(s));
        for (size_t j = 0; j < features; j++) printf(" %d", f[j]);
        s = bn_classify_quantized(&model, x, n, &scratch, &c);
        printf(" | %s class %u logits", bn_status_name(s), c.class_index);
        for (size_t j = 0; j < c.n_logits; j++) printf(" %d", c.logits[j]);
        s = bn_detect_quantized(&model, x, n, &scratch, &d);
        printf(" | %s score %u anomaly %d\n", bn_status_name(s), d.score, d.is_anomaly);
    }
    free(bytes);
    free(floats);
    free(ints);
    return 0;
}
