//! The streaming front end on SPEC.md §8.9's worked example, and what a stream promises
//! whatever the caller does: the same frames however the samples are split, typed errors.

use bottleneck_runtime::{Error, Frame, Model, Scratch, Stream, Window};

fn example() -> Vec<u8> {
    bottleneck_format::spec_example_v4()
        .to_bytes()
        .expect("the worked example is valid")
}

/// Every frame of `samples` pushed in chunks of `chunk`, with its log-band values and
/// int8 input.
fn frames(bytes: &[u8], samples: &[i16], chunk: usize) -> Vec<(Frame, Vec<u32>, Vec<i8>)> {
    let model = Model::from_bytes(bytes).expect("valid");
    let mut stream = Stream::<64, 2>::new(&model).expect("fits");
    let mut scratch = Scratch::<16>::new();
    let mut out = Vec::new();
    for part in samples.chunks(chunk) {
        stream
            .push(part, &mut scratch, |s, f| {
                out.push((f, s.last_frame().to_vec(), s.last_input().to_vec()))
            })
            .expect("runs");
    }
    out
}

#[test]
fn the_worked_example_gives_the_documented_integers() {
    let out = frames(&example(), &[1000; 64], 64);
    assert_eq!(out.len(), 1);
    let (frame, log_bands, input) = &out[0];
    assert_eq!(log_bands, &[4_255_355, 0]);
    assert_eq!(input, &[60, -120]);
    assert_eq!(
        *frame,
        Frame {
            index: 0,
            window: Some(Window {
                index: 0,
                score: Some(40864),
                smoothed: Some(40864),
                anomaly: true,
                alarm: true,
                class: Some(1),
            }),
        }
    );
    // The front-end input goes through the model like any int8 sample.
    let bytes = example();
    let model = Model::from_bytes(&bytes).expect("valid");
    let mut scratch = Scratch::<16>::new();
    let inference = model
        .infer_quantized(&[60, -120], &mut scratch)
        .expect("runs");
    assert_eq!((inference.features, inference.class), (&[-44i8][..], 1));
    assert_eq!(
        model
            .reconstruct_quantized(&[60, -120], &mut scratch)
            .expect("runs"),
        &[-32, 60]
    );
}

#[test]
fn frames_follow_the_hop_and_scores_are_smoothed() {
    // Silence, then the DC frame of the example: frames at instants 64, 96, 128, 160.
    let mut samples = vec![0i16; 96];
    samples.extend([1000; 64]);
    let out = frames(&example(), &samples, 160);
    let indices: Vec<u32> = out.iter().map(|(f, ..)| f.index).collect();
    assert_eq!(indices, [0, 1, 2, 3]);
    let windows: Vec<Window> = out.iter().filter_map(|(f, ..)| f.window).collect();
    // Silence: every band energy 0, L = 0, so the inputs are the offsets: -200 saturates.
    assert_eq!(out[0].2, [-128, -120]);
    assert_eq!(out[3].2, [60, -120]);
    let scores: Vec<u32> = windows.iter().map(|w| w.score.expect("decoder")).collect();
    let smoothed: Vec<u32> = windows
        .iter()
        .map(|w| w.smoothed.expect("decoder"))
        .collect();
    assert_eq!(scores[3], 40864);
    // K = 2: the mean of this score and the one before, rounded down.
    for w in 1..4 {
        assert_eq!(smoothed[w], (scores[w] + scores[w - 1]) / 2);
    }
    assert_eq!(smoothed[0], scores[0]);
    // A = 1 of W = 2: the alarm holds one window after the last anomalous one.
    for w in 1..4 {
        assert_eq!(
            windows[w].alarm,
            windows[w].anomaly || windows[w - 1].anomaly
        );
    }
}

#[test]
fn the_frames_do_not_depend_on_how_the_samples_are_split() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let samples: Vec<i16> = (0..1000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 48) as i16
        })
        .collect();
    let whole = frames(&example(), &samples, samples.len());
    assert_eq!(whole.len(), (1000 - 64) / 32 + 1);
    for chunk in [1, 7, 31, 32, 33, 64, 999] {
        assert_eq!(
            frames(&example(), &samples, chunk),
            whole,
            "chunks of {chunk}"
        );
    }
}

#[test]
fn a_model_without_front_end_or_with_small_buffers_is_a_typed_error() {
    let v3 = bottleneck_format::spec_example_v3()
        .to_bytes()
        .expect("valid");
    let model = Model::from_bytes(&v3).expect("valid");
    assert_eq!(
        Stream::<64, 2>::new(&model).err(),
        Some(Error::MissingPart {
            part: "signal front end"
        })
    );
    let bytes = example();
    let model = Model::from_bytes(&bytes).expect("valid");
    let err = Stream::<63, 2>::new(&model).err();
    assert_eq!(
        err,
        Some(Error::CapacityTooSmall {
            what: "samples",
            needed: 64,
            capacity: 63
        })
    );
    assert!(err.unwrap().to_string().contains("needs 64"));
    assert!(matches!(
        Stream::<64, 1>::new(&model),
        Err(Error::CapacityTooSmall { what: "inputs", .. })
    ));
}
