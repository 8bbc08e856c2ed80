//! BatchNorm followed by LeakyReLU (ReLU is slope 0), forward in training and inference
//! mode and backward, on row-major `rows x width` buffers.
//!
//! The formulas are burn's (`ModuleOps::batch_norm_train` and its backward, the default
//! `leaky_relu`): the batch's biased variance normalises and feeds the running variance,
//! the gradient flows through the batch statistics, and LeakyReLU's gradient is 1 at 0.

use super::adam::{AdamStep, Moments};

/// One BatchNorm layer's parameters, running statistics and what a training pass keeps
/// for its backward pass.
#[derive(Debug, Clone)]
pub struct Norm {
    /// Scale per channel.
    pub gamma: Vec<f32>,
    /// Shift per channel.
    pub beta: Vec<f32>,
    /// Running mean (inference mode normalises with it).
    pub running_mean: Vec<f32>,
    /// Running biased variance.
    pub running_var: Vec<f32>,
    /// Weight of the old running value (burn: `1 - momentum`).
    keep: f32,
    /// Weight of the batch's statistic (burn's momentum).
    take: f32,
    epsilon: f32,
    gamma_grad: Vec<f32>,
    beta_grad: Vec<f32>,
    gamma_moments: Moments,
    beta_moments: Moments,
    /// The batch's normalised values, `rows x width`.
    normalized: Vec<f32>,
    /// BatchNorm's output before the activation, whose sign the activation's gradient
    /// needs.
    pre_activation: Vec<f32>,
    /// `1 / sqrt(var + eps)` of the batch, per channel.
    inv_std: Vec<f32>,
    /// Per-channel scratch: sums and means.
    sums: Vec<f32>,
    sums_2: Vec<f32>,
}

impl Norm {
    /// A layer from its parameters and running statistics; `momentum` and `epsilon` as
    /// burn's `BatchNormConfig` (f64 there, applied as f32 scalars).
    pub fn new(
        gamma: Vec<f32>,
        beta: Vec<f32>,
        running_mean: Vec<f32>,
        running_var: Vec<f32>,
        momentum: f64,
        epsilon: f64,
    ) -> Norm {
        let width = gamma.len();
        Norm {
            gamma,
            beta,
            running_mean,
            running_var,
            keep: (1.0 - momentum) as f32,
            take: momentum as f32,
            epsilon: epsilon as f32,
            gamma_grad: vec![0.0; width],
            beta_grad: vec![0.0; width],
            gamma_moments: Moments::new(width),
            beta_moments: Moments::new(width),
            normalized: Vec::new(),
            pre_activation: Vec::new(),
            inv_std: vec![0.0; width],
            sums: vec![0.0; width],
            sums_2: vec![0.0; width],
        }
    }

    fn width(&self) -> usize {
        self.gamma.len()
    }

    /// Training mode: normalises `values` (`rows x width`, the Dense output) with the
    /// batch's statistics, updates the running ones, applies the activation in place
    /// and keeps what the backward pass needs.
    pub fn forward_train(&mut self, values: &mut [f32], rows: usize, slope: f32) {
        let width = self.width();
        let n = rows as f32;
        self.normalized.resize(rows * width, 0.0);
        self.pre_activation.resize(rows * width, 0.0);
        // Mean, then the mean of squared deviations from it (burn's two passes).
        self.sums.fill(0.0);
        for row in values.chunks_exact(width) {
            for (s, &v) in self.sums.iter_mut().zip(row) {
                *s += v;
            }
        }
        let mean = &mut self.sums;
        for m in mean.iter_mut() {
            *m /= n;
        }
        self.sums_2.fill(0.0);
        for row in values.chunks_exact(width) {
            for ((s, &v), &m) in self.sums_2.iter_mut().zip(row).zip(mean.iter()) {
                let d = v - m;
                *s += d * d;
            }
        }
        let var = &mut self.sums_2;
        for v in var.iter_mut() {
            *v /= n;
        }
        for c in 0..width {
            let std = (var[c] + self.epsilon).sqrt();
            self.inv_std[c] = 1.0 / std;
            self.running_mean[c] = self.running_mean[c] * self.keep + mean[c] * self.take;
            self.running_var[c] = self.running_var[c] * self.keep + var[c] * self.take;
            // Kept as the standard deviation for the division below, as burn divides.
            var[c] = std;
        }
        let std = &self.sums_2;
        for ((row, normalized), pre) in values
            .chunks_exact_mut(width)
            .zip(self.normalized.chunks_exact_mut(width))
            .zip(self.pre_activation.chunks_exact_mut(width))
        {
            for c in 0..width {
                let x = (row[c] - mean[c]) / std[c];
                let y = x * self.gamma[c] + self.beta[c];
                normalized[c] = x;
                pre[c] = y;
                row[c] = if y < 0.0 { y * slope } else { y };
            }
        }
    }

    /// Inference mode: normalises with the running statistics, then the activation.
    pub fn forward_inference(&self, values: &mut [f32], slope: f32) {
        let width = self.width();
        let std: Vec<f32> = self
            .running_var
            .iter()
            .map(|&v| (v + self.epsilon).sqrt())
            .collect();
        for row in values.chunks_exact_mut(width) {
            for ((((v, &m), &s), &g), &b) in row
                .iter_mut()
                .zip(&self.running_mean)
                .zip(&std)
                .zip(&self.gamma)
                .zip(&self.beta)
            {
                let y = (*v - m) / s * g + b;
                *v = if y < 0.0 { y * slope } else { y };
            }
        }
    }

    /// Turns the gradient of the activation's output (`grad`, `rows x width`) into the
    /// gradient of the Dense output, in place, and keeps gamma's and beta's gradients.
    pub fn backward(&mut self, grad: &mut [f32], rows: usize, slope: f32) {
        let width = self.width();
        let n = rows as f32;
        self.gamma_grad.fill(0.0);
        self.beta_grad.fill(0.0);
        for ((g_row, pre), normalized) in grad
            .chunks_exact_mut(width)
            .zip(self.pre_activation.chunks_exact(width))
            .zip(self.normalized.chunks_exact(width))
        {
            for c in 0..width {
                if pre[c] < 0.0 {
                    g_row[c] *= slope;
                }
                self.beta_grad[c] += g_row[c];
                self.gamma_grad[c] += g_row[c] * normalized[c];
            }
        }
        for c in 0..width {
            self.sums[c] = self.beta_grad[c] / n;
            self.sums_2[c] = self.gamma_grad[c] / n;
        }
        for (g_row, normalized) in grad
            .chunks_exact_mut(width)
            .zip(self.normalized.chunks_exact(width))
        {
            for c in 0..width {
                let scale = self.gamma[c] * self.inv_std[c];
                g_row[c] = scale * ((g_row[c] - self.sums[c]) - normalized[c] * self.sums_2[c]);
            }
        }
    }

    /// Adam's update of gamma and beta with the gradients of the last backward pass.
    pub fn update(&mut self, step: &AdamStep) {
        step.apply(&mut self.gamma, &self.gamma_grad, &mut self.gamma_moments);
        step.apply(&mut self.beta, &self.beta_grad, &mut self.beta_moments);
    }
}
