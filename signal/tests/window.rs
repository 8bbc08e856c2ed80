//! The window stage reads a ring buffer's two halves as one frame: wherever the frame is
//! cut, whatever the channel count, the FFT's input is the same as from one slice.

use bottleneck_signal::window_into;

#[test]
fn a_frame_cut_anywhere_windows_as_a_whole() {
    let log2n = 6u32;
    let n = 1usize << log2n;
    let window: Vec<u8> = (0..n)
        .flat_map(|i| ((i * 509 % 32769) as u16).to_le_bytes())
        .collect();
    for channels in 1..=3usize {
        let samples: Vec<i16> = (0..n * channels)
            .map(|i| ((i as i64 * 7919 % 65536) - 32768) as i16)
            .collect();
        for table in [&window[..], &[]] {
            for channel in 0..channels {
                let mut whole = vec![0i32; n];
                window_into([&samples, &[]], channel, channels, table, log2n, &mut whole);
                // The comparison compares something: most slots are nonzero.
                assert!(whole.iter().filter(|&&v| v != 0).count() > n / 2);
                for cut in 0..=n {
                    let (head, tail) = samples.split_at(cut * channels);
                    let mut parts = vec![i32::MIN; n];
                    window_into([head, tail], channel, channels, table, log2n, &mut parts);
                    assert_eq!(
                        parts, whole,
                        "{channels} channels, channel {channel}, cut {cut}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_pairs_land_in_bit_reversed_order() {
    // A frame of 64 samples, no window, only sample i nonzero: it lands, scaled by
    // 2^15 / 2^7, at slot 2 · rev5(i / 2) + i % 2 and nowhere else.
    let log2n = 6u32;
    for i in 0..64usize {
        let mut x = vec![0i16; 64];
        x[i] = (128 * (i + 1)) as i16;
        let mut work = vec![0i32; 64];
        window_into([&x, &[]], 0, 1, &[], log2n, &mut work);
        let slot = 2 * ((i / 2).reverse_bits() >> (usize::BITS - 5)) + i % 2;
        for (k, &v) in work.iter().enumerate() {
            assert_eq!(v != 0, k == slot, "sample {i}: slot {k}");
        }
        assert_eq!(
            work[slot],
            (128 * (i as i32 + 1) * 32768 + 64) >> 7,
            "sample {i}"
        );
    }
}
