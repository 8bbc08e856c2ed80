//! A Dense layer (`x W + b`, `W` stored `inputs x outputs` as burn's `Linear`) and the
//! BatchNorm + activation that may follow it.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

use super::adam::{AdamStep, Moments};
use super::norm::Norm;

/// One layer of the autoencoder.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// `inputs x outputs`, row-major.
    pub weight: Vec<f32>,
    /// One per output.
    pub bias: Vec<f32>,
    /// BatchNorm and the activation, on every layer but the bottleneck (unless it has
    /// one) and the reconstruction.
    pub norm: Option<Norm>,
    weight_grad: Vec<f32>,
    bias_grad: Vec<f32>,
    weight_moments: Moments,
    bias_moments: Moments,
    /// The layer's output for the current batch, `rows x outputs`: the next layer's input.
    pub output: Vec<f32>,
}

/// `c = a b + beta c` for row-major slices: `a` is `m x k` (or `k x m` read transposed),
/// `b` is `k x n` (or `n x k` read transposed). ndarray hands f32 products to
/// matrixmultiply's sgemm, as burn-ndarray does.
#[allow(clippy::too_many_arguments)]
fn gemm(
    (m, k, n): (usize, usize, usize),
    a: &[f32],
    a_transposed: bool,
    b: &[f32],
    b_transposed: bool,
    beta: f32,
    c: &mut [f32],
) {
    let view = |data, rows, cols, transposed| {
        if transposed {
            ArrayView2::from_shape((cols, rows), data).map(|v| v.reversed_axes())
        } else {
            ArrayView2::from_shape((rows, cols), data)
        }
    };
    // The shapes come from the layer's own widths and the batch's row count, which size
    // every buffer: a mismatch is a bug in this module, not bad input.
    let a = view(a, m, k, a_transposed).expect("gemm: a's shape");
    let b = view(b, k, n, b_transposed).expect("gemm: b's shape");
    let mut c = ArrayViewMut2::from_shape((m, n), c).expect("gemm: c's shape");
    general_mat_mul(1.0, &a, &b, beta, &mut c);
}

impl Layer {
    /// A layer from burn's weight (`inputs x outputs`, row-major) and bias.
    pub fn new(inputs: usize, outputs: usize, weight: Vec<f32>, bias: Vec<f32>) -> Layer {
        Layer {
            inputs,
            outputs,
            weight_grad: vec![0.0; weight.len()],
            bias_grad: vec![0.0; bias.len()],
            weight_moments: Moments::new(weight.len()),
            bias_moments: Moments::new(bias.len()),
            weight,
            bias,
            norm: None,
            output: Vec::new(),
        }
    }

    /// `input` (`rows x inputs`) through the layer into [`Layer::output`]; `training`
    /// normalises with the batch's statistics and keeps what [`Layer::backward`] needs.
    pub fn forward(&mut self, input: &[f32], rows: usize, slope: f32, training: bool) {
        self.output.resize(rows * self.outputs, 0.0);
        // The bias first and the product added to it: sgemm adds `a b` to `beta c`
        // once, so each value is `(x W) + b` rounded as burn's matmul-then-add rounds it.
        for row in self.output.chunks_exact_mut(self.outputs) {
            row.copy_from_slice(&self.bias);
        }
        gemm(
            (rows, self.inputs, self.outputs),
            input,
            false,
            &self.weight,
            false,
            1.0,
            &mut self.output,
        );
        if let Some(norm) = &mut self.norm {
            if training {
                norm.forward_train(&mut self.output, rows, slope);
            } else {
                norm.forward_inference(&mut self.output, slope);
            }
        }
    }

    /// Backward pass of a training forward pass over `input`: `grad` holds the gradient
    /// of [`Layer::output`] (it is overwritten); the parameters' gradients are kept and,
    /// when `input_grad` is given, the gradient of the input is written there.
    pub fn backward(
        &mut self,
        input: &[f32],
        rows: usize,
        slope: f32,
        grad: &mut [f32],
        input_grad: Option<&mut Vec<f32>>,
    ) {
        if let Some(norm) = &mut self.norm {
            norm.backward(grad, rows, slope);
        }
        // dW = x^T g
        gemm(
            (self.inputs, rows, self.outputs),
            input,
            true,
            grad,
            false,
            0.0,
            &mut self.weight_grad,
        );
        self.bias_grad.fill(0.0);
        for row in grad.chunks_exact(self.outputs) {
            for (b, &g) in self.bias_grad.iter_mut().zip(row) {
                *b += g;
            }
        }
        // dx = g W^T
        if let Some(input_grad) = input_grad {
            input_grad.resize(rows * self.inputs, 0.0);
            gemm(
                (rows, self.outputs, self.inputs),
                grad,
                false,
                &self.weight,
                true,
                0.0,
                input_grad,
            );
        }
    }

    /// Adam's update of every parameter with the gradients of the last backward pass.
    pub fn update(&mut self, step: &AdamStep) {
        step.apply(
            &mut self.weight,
            &self.weight_grad,
            &mut self.weight_moments,
        );
        step.apply(&mut self.bias, &self.bias_grad, &mut self.bias_moments);
        if let Some(norm) = &mut self.norm {
            norm.update(step);
        }
    }
}
