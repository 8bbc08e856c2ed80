//! The parity contract for raw signals (SPEC.md §8): the runtime's `Stream` computes the
//! same log-band frames, int8 inputs, scores, smoothed scores, verdicts, alarms and classes
//! as the trainer's independent integer reference (`IntegerFrontEnd` + `ReferenceModel`),
//! for random front ends (channels, frame lengths, hops, windows, bands, stacking) on
//! random, loud and silent signals fed in random chunks.

use bottleneck_format::ModelSpec;
use bottleneck_runtime::{Model, Scratch, Stream};
use bottleneck_test_support::{SplitMix, V3Shape, random_front_end, random_v3_spec};
use bottleneck_trainer::quant::reference::ReferenceModel;
use bottleneck_trainer::signal::IntegerFrontEnd;

/// A signal of `instants × channels` samples: noise, a full-scale square wave, silence or
/// a quiet tone, by `kind`.
fn signal(rng: &mut SplitMix, kind: u64, instants: usize, channels: usize) -> Vec<i16> {
    (0..instants * channels)
        .map(|i| match kind {
            0 => rng.range(-32768, 32767) as i16,
            1 => {
                if (i / channels / 7).is_multiple_of(2) {
                    32767
                } else {
                    -32768
                }
            }
            2 => 0,
            _ => (40.0 * (i as f64 * 0.3).sin()) as i16,
        })
        .collect()
}

/// Checks one random model and signal; returns the windows compared and whether any band
/// was non-zero.
fn check(seed: u64) -> (usize, bool) {
    let mut rng = SplitMix(seed);
    let channels = rng.range(1, 3) as u8;
    let n_bands = rng.range(1, 12) as usize;
    let frames = rng.range(1, 4) as u8;
    let n_inputs = usize::from(frames) * usize::from(channels) * n_bands;
    let front_end = random_front_end(&mut rng, channels, n_bands, frames);
    let mut spec: ModelSpec = random_v3_spec(
        seed,
        &V3Shape {
            n_inputs,
            encoder: &[7, 3],
            decoder: Some(&[5]),
            n_classes: if seed.is_multiple_of(2) { 3 } else { 0 },
            n_golden: 0,
        },
    );
    spec.front_end = Some(front_end.clone());
    let bytes = spec.to_bytes().expect("a valid version-4 model");
    let kind = rng.next_u64() % 4;
    let n = usize::from(front_end.frame_len);
    let instants = n + rng.range(0, 6) as usize * usize::from(front_end.hop) + 3;
    let samples = signal(&mut rng, kind, instants, usize::from(channels));

    // The reference: whole signal at once.
    let reference = IntegerFrontEnd::new(&front_end);
    let log_bands = reference.log_bands(&samples);
    let inputs = reference.inputs(&log_bands);
    let model_ref = ReferenceModel::new(&spec);
    let outputs: Vec<_> = inputs.iter().map(|q| model_ref.infer(q)).collect();
    let scores: Vec<u32> = outputs.iter().map(|o| o.score).collect();
    let smoothed = reference.smoothed(&scores);
    let threshold = spec.anomaly.expect("decoder models have one").threshold;
    let anomalous: Vec<bool> = smoothed.iter().map(|&s| s > threshold).collect();
    let alarms = reference.alarms(&anomalous);

    // The runtime: random chunks.
    let model = Model::from_bytes(&bytes).expect("loads");
    let mut stream = Stream::<3072, 160>::new(&model).expect("fits");
    let mut scratch = Scratch::<160>::new();
    let mut frames_seen = Vec::new();
    let mut rest = &samples[..];
    while !rest.is_empty() {
        let take = (rng.range(1, 300) as usize).min(rest.len());
        let (part, tail) = rest.split_at(take);
        rest = tail;
        stream
            .push(part, &mut scratch, |s, f| {
                frames_seen.push((f, s.last_frame().to_vec(), s.last_input().to_vec()));
            })
            .expect("runs");
    }
    let what = format!(
        "seed {seed} (signal kind {kind}, N {n}, hop {})",
        front_end.hop
    );
    assert_eq!(frames_seen.len(), log_bands.len(), "{what}: frame count");
    let mut w = 0;
    for (t, (frame, bands, input)) in frames_seen.iter().enumerate() {
        assert_eq!(frame.index as usize, t);
        assert_eq!(bands, &log_bands[t], "{what}: log bands of frame {t}");
        let Some(window) = frame.window else {
            assert!(
                t + 1 < usize::from(frames),
                "{what}: frame {t} has no window"
            );
            continue;
        };
        assert_eq!(window.index as usize, w);
        assert_eq!(input, &inputs[w], "{what}: input of window {w}");
        assert_eq!(window.score, Some(scores[w]), "{what}: score of window {w}");
        assert_eq!(window.smoothed, Some(smoothed[w]), "{what}: smoothed {w}");
        assert_eq!(window.anomaly, anomalous[w], "{what}: verdict {w}");
        assert_eq!(window.alarm, alarms[w], "{what}: alarm {w}");
        let class = spec.head.as_ref().map(|_| outputs[w].class);
        assert_eq!(window.class, class, "{what}: class {w}");
        w += 1;
    }
    assert_eq!(w, inputs.len(), "{what}: window count");
    (w, log_bands.iter().flatten().any(|&l| l > 0))
}

#[test]
fn the_stream_equals_the_trainers_integer_reference() {
    let (mut windows, mut loud) = (0, 0);
    for seed in 0..120 {
        let (w, any) = check(seed);
        windows += w;
        loud += usize::from(any);
    }
    // The comparison had something to compare: many windows, most with signal in them.
    assert!(
        windows > 300 && loud > 60,
        "{windows} windows, {loud} with signal"
    );
}
