//! The integer front end of SPEC.md §8, as a straightforward reference: every frame
//! computed from scratch in i64/u128, the FFT recursive (decimation in time, which does
//! the same butterflies as the device's in-place loops), every bound asserted.

use bottleneck_format::FrontEndSpec;

use super::frame_count;

/// A complex value in wide integers.
type Complex = (i64, i64);

/// The reference integer front end of one [`FrontEndSpec`].
#[derive(Debug, Clone)]
pub struct IntegerFrontEnd {
    spec: FrontEndSpec,
    /// Q30 `(cos, sin)` of `2πj / 2048`, `j = 0 ..= 1024` (SPEC.md §8.3).
    twiddles: Vec<Complex>,
    /// `round(2^16 log2(1 + i/32))`, `i = 0 ..= 32` (SPEC.md §8.6).
    nodes: Vec<i64>,
}

impl IntegerFrontEnd {
    /// The reference for `spec` (assumed valid: the writer checks it).
    pub fn new(spec: &FrontEndSpec) -> Self {
        let q30 = f64::from(1u32 << 30);
        let twiddles = (0..=1024)
            .map(|j| {
                let theta = 2.0 * std::f64::consts::PI * f64::from(j) / 2048.0;
                (
                    (q30 * theta.cos()).round() as i64,
                    (q30 * theta.sin()).round() as i64,
                )
            })
            .collect();
        let nodes = (0..=32)
            .map(|i| (65536.0 * (1.0 + f64::from(i) / 32.0).log2()).round() as i64)
            .collect();
        IntegerFrontEnd {
            spec: spec.clone(),
            twiddles,
            nodes,
        }
    }

    /// The log-band values `L` of every frame of an interleaved signal, each frame
    /// `channels × n_bands` values, channel by channel.
    pub fn log_bands(&self, samples: &[i16]) -> Vec<Vec<u32>> {
        let c = usize::from(self.spec.channels);
        let n = usize::from(self.spec.frame_len);
        let hop = usize::from(self.spec.hop);
        (0..frame_count(samples.len() / c, n, hop))
            .map(|t| {
                (0..c)
                    .flat_map(|ch| {
                        let x: Vec<i64> = (0..n)
                            .map(|i| i64::from(samples[(t * hop + i) * c + ch]))
                            .collect();
                        self.frame(&x)
                    })
                    .collect()
            })
            .collect()
    }

    /// The int8 model inputs of every window: the last `frames` frames, oldest first,
    /// quantized per input (§8.7).
    pub fn inputs(&self, log_bands: &[Vec<u32>]) -> Vec<Vec<i8>> {
        let f = usize::from(self.spec.frames);
        if log_bands.len() < f {
            return Vec::new();
        }
        (0..=log_bands.len() - f)
            .map(|w| {
                log_bands[w..w + f]
                    .iter()
                    .flatten()
                    .zip(&self.spec.affine)
                    .map(|(&l, &(m, o))| {
                        let acc = i128::from(l) * i128::from(m) + i128::from(o) + (1i128 << 31);
                        (acc >> 32).clamp(-128, 127) as i8
                    })
                    .collect()
            })
            .collect()
    }

    /// The smoothed scores of §8.10 for a stream's window scores.
    pub fn smoothed(&self, scores: &[u32]) -> Vec<u32> {
        let k = usize::from(self.spec.smoothing);
        (0..scores.len())
            .map(|w| {
                let from = (w + 1).saturating_sub(k);
                let window = &scores[from..=w];
                (window.iter().map(|&s| u64::from(s)).sum::<u64>() / window.len() as u64) as u32
            })
            .collect()
    }

    /// The alarms of §8.10 for the windows' anomaly verdicts.
    pub fn alarms(&self, anomalous: &[bool]) -> Vec<bool> {
        let (a, w) = (
            usize::from(self.spec.alarm_count),
            usize::from(self.spec.alarm_window),
        );
        (0..anomalous.len())
            .map(|i| {
                let from = (i + 1).saturating_sub(w);
                anomalous[from..=i].iter().filter(|&&v| v).count() >= a
            })
            .collect()
    }

    /// One channel's frame: window, FFT, spectrum, power, bands, log (§8.2 to §8.6).
    fn frame(&self, x: &[i64]) -> Vec<u32> {
        let n = x.len();
        let log2n = n.trailing_zeros();
        let s = log2n + 1;
        let v: Vec<i64> = x
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let w = self.spec.window.get(i).map_or(32768, |&w| i64::from(w));
                (x * w + (1 << (s - 1))) >> s
            })
            .collect();
        let z: Vec<Complex> = v.chunks(2).map(|p| (p[0], p[1])).collect();
        let big_z = self.fft(&z);
        let m = n / 2;
        let power: Vec<u128> = (0..=m)
            .map(|k| {
                let zk = big_z[k % m];
                let zm = big_z[(m - k) % m];
                let a = (zk.0 + zm.0, zk.1 - zm.1);
                let b = (zk.0 - zm.0, zk.1 + zm.1);
                let (c, s) = self.twiddles[k * 2048 / n];
                let cr = (-s * b.0 + c * b.1 + (1 << 29)) >> 30;
                let ci = (-c * b.0 - s * b.1 + (1 << 29)) >> 30;
                let y = (a.0 + cr, a.1 + ci);
                assert!(
                    y.0.abs() < 1 << 31 && y.1.abs() < 1 << 31,
                    "Y_{k} leaves i32"
                );
                (y.0 * y.0 + y.1 * y.1) as u128
            })
            .collect();
        // The frame's shift (§8.5): bits of the largest power and of the largest band
        // weight sum, beyond 64.
        let bits = |x: u128| 128 - x.leading_zeros();
        let largest_weights = self
            .spec
            .bands
            .iter()
            .map(|(_, w)| w.iter().map(|&w| u128::from(w)).sum::<u128>())
            .max()
            .unwrap_or(0);
        let largest_power = power.iter().copied().max().unwrap_or(0);
        let shift = (bits(largest_power) + bits(largest_weights)).saturating_sub(64);
        self.spec
            .bands
            .iter()
            .map(|(first, weights)| {
                let e: u128 = weights
                    .iter()
                    .enumerate()
                    .map(|(j, &w)| u128::from(w) * (power[usize::from(*first) + j] >> shift))
                    .sum();
                let e = u64::try_from(e).expect("the frame shift keeps every band sum in u64");
                if e == 0 {
                    0
                } else {
                    self.log2_q16(e) + (shift << 16)
                }
            })
            .collect()
    }

    /// The radix-2 decimation-in-time FFT, recursively: `X_k = E_k + W^k O_k`,
    /// `X_(k+L/2) = E_k - W^k O_k` with `W^k` rounded as §8.3 says.
    fn fft(&self, z: &[Complex]) -> Vec<Complex> {
        let len = z.len();
        if len == 1 {
            return z.to_vec();
        }
        let even: Vec<Complex> = z.iter().step_by(2).copied().collect();
        let odd: Vec<Complex> = z.iter().skip(1).step_by(2).copied().collect();
        let (e, o) = (self.fft(&even), self.fft(&odd));
        let mut out = vec![(0, 0); len];
        for k in 0..len / 2 {
            let (c, s) = self.twiddles[k * 2048 / len];
            let b = o[k];
            let t = (
                (c * b.0 + s * b.1 + (1 << 29)) >> 30,
                (c * b.1 - s * b.0 + (1 << 29)) >> 30,
            );
            out[k] = (e[k].0 + t.0, e[k].1 + t.1);
            out[k + len / 2] = (e[k].0 - t.0, e[k].1 - t.1);
            for v in [out[k], out[k + len / 2]] {
                assert!(v.0.abs() < 1 << 31 && v.1.abs() < 1 << 31, "FFT leaves i32");
            }
        }
        out
    }

    /// `log2(e)` in Q16 (§8.6).
    fn log2_q16(&self, e: u64) -> u32 {
        if e <= 1 {
            return 0;
        }
        let k = i64::from(63 - e.leading_zeros());
        let f = ((u128::from(e) * (1u128 << 16)) >> k) as i64 - 65536;
        let (i, r) = ((f >> 11) as usize, f & 2047);
        let (t0, t1) = (self.nodes[i], self.nodes[i + 1]);
        (k * 65536 + t0 + (((t1 - t0) * r + 1024) >> 11)) as u32
    }
}
