/* Streams int16 samples through the C API and prints every window, one line each:
 * tests/c_host.rs compares the lines with the Rust runtime's Stream, bit for bit.
 * Usage: stream MODEL.bin SIGNAL_I16.bin NO_FRONT_END.bin TOO_BIG.bin */
#include <stdio.h>
#include <stdlib.h>

#include "bottleneck.h"

static void *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Chunks a driver might hand over: not a divisor of any hop. */
#define CHUNK 37

static bn_model model, plain, big, unloaded;
static bn_stream stream;
static bn_scratch scratch;
static int8_t input[BN_MAX_WIDTH];

int main(int argc, char **argv) {
    if (argc != 5) return 2;
    size_t model_len, signal_len, plain_len, big_len, used = 0;
    uint8_t *bytes = read_file(argv[1], &model_len);
    int16_t *signal = read_file(argv[2], &signal_len);
    uint8_t *plain_bytes = read_file(argv[3], &plain_len);
    uint8_t *big_bytes = read_file(argv[4], &big_len);
    if (!bytes || !signal || !plain_bytes || !big_bytes) return 2;
    size_t n_samples = signal_len / sizeof(int16_t);
    bn_frame frame;

    printf("uninitialised: %s\n",
           bn_status_name(bn_stream_feed(&stream, signal, 1, &scratch, &used, &frame)));
    printf("unloaded model: %s\n", bn_status_name(bn_stream_init(&stream, &unloaded)));
    if (bn_model_load(&plain, plain_bytes, plain_len) != BN_OK) return 1;
    printf("no front end: %s\n", bn_status_name(bn_stream_init(&stream, &plain)));
    if (bn_model_load(&big, big_bytes, big_len) != BN_OK) return 1;
    printf("too big: %s\n", bn_status_name(bn_stream_init(&stream, &big)));
    if (bn_model_load(&model, bytes, model_len) != BN_OK) return 1;
    bn_status s = bn_stream_init(&stream, &model);
    printf("init: %s fits %d\n", bn_status_name(s), bn_stream_bytes() <= sizeof(bn_stream));
    if (s != BN_OK) return 1;
    printf("null consumed: %s\n",
           bn_status_name(bn_stream_feed(&stream, signal, 1, &scratch, NULL, &frame)));
    printf("short input buffer: %s\n",
           bn_status_name(bn_stream_last_input(&stream, input, bn_model_inputs(&model) - 1)));

    size_t frames = 0;
    for (size_t at = 0; at < n_samples; at += CHUNK) {
        size_t n = n_samples - at < CHUNK ? n_samples - at : CHUNK;
        const int16_t *rest = signal + at;
        while (n > 0) {
            s = bn_stream_feed(&stream, rest, n, &scratch, &used, &frame);
            if (s != BN_OK) { printf("feed: %s\n", bn_status_name(s)); return 1; }
            rest += used;
            n -= used;
            if (!frame.has_frame) continue;
            frames++;
            if (!frame.has_window) continue;
            if (frame.window_index == 0) {
                if (bn_stream_last_input(&stream, input, sizeof input) != BN_OK) return 1;
                printf("first input:");
                for (size_t i = 0; i < bn_model_inputs(&model); i++) printf(" %d", input[i]);
                printf("\n");
            }
            printf("frame %u window %u: score %u smoothed %u anomaly %d alarm %d class %d\n",
                   frame.frame_index, frame.window_index, frame.score, frame.smoothed,
                   frame.is_anomaly, frame.alarm, frame.class_index);
        }
    }
    printf("frames: %zu\n", frames);
    printf("reset: %s\n", bn_status_name(bn_stream_reset(&stream)));
    s = bn_stream_feed(&stream, signal, n_samples, &scratch, &used, &frame);
    printf("after reset: %s first frame %u after %zu samples\n", bn_status_name(s),
           frame.frame_index, used);
    return 0;
}
