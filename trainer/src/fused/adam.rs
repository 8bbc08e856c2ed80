//! Adam with burn's arithmetic (`burn_optim::AdaptiveMomentum`): the same f32 operations
//! in the same order, so a step here and a step of `AdamConfig::init()` differ by nothing
//! but the rounding of the gradients they are given.

/// Adam's settings and its step counter, shared by every parameter.
#[derive(Debug, Clone)]
pub struct Adam {
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    time: i32,
}

/// The running first and second moments of one parameter tensor.
#[derive(Debug, Clone)]
pub struct Moments {
    first: Vec<f32>,
    second: Vec<f32>,
}

impl Moments {
    /// Zero moments for a tensor of `len` values (burn's first step starts from these:
    /// `0 * beta + g * (1 - beta)` is `g * (1 - beta)`).
    pub fn new(len: usize) -> Moments {
        Moments {
            first: vec![0.0; len],
            second: vec![0.0; len],
        }
    }
}

/// The factors of one step, the same for every parameter.
#[derive(Debug, Clone, Copy)]
pub struct AdamStep {
    beta_1: f32,
    beta_2: f32,
    combined_factor: f32,
    epsilon: f32,
    learning_rate: f32,
}

impl Adam {
    /// burn's `AdamConfig` defaults (beta 0.9 and 0.999) with `epsilon`.
    pub fn new(epsilon: f32) -> Adam {
        Adam {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon,
            time: 0,
        }
    }

    /// Advances the step counter and returns the step's factors.
    pub fn next_step(&mut self, learning_rate: f64) -> AdamStep {
        self.time += 1;
        let bias_correction2_sqrt = (1.0 - self.beta_2.powi(self.time)).sqrt();
        AdamStep {
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            combined_factor: bias_correction2_sqrt / (1.0 - self.beta_1.powi(self.time)),
            epsilon: self.epsilon * bias_correction2_sqrt,
            // burn multiplies the f32 update by the learning rate as an f32 scalar.
            learning_rate: learning_rate as f32,
        }
    }
}

impl AdamStep {
    /// Updates `param` with its gradient `grad`.
    pub fn apply(&self, param: &mut [f32], grad: &[f32], moments: &mut Moments) {
        let keep_1 = self.beta_1;
        let take_1 = 1.0 - self.beta_1;
        let keep_2 = self.beta_2;
        let take_2 = 1.0 - self.beta_2;
        for (((p, &g), m), v) in param
            .iter_mut()
            .zip(grad)
            .zip(moments.first.iter_mut())
            .zip(moments.second.iter_mut())
        {
            *m = *m * keep_1 + g * take_1;
            *v = *v * keep_2 + (g * g) * take_2;
            let update = (*m * self.combined_factor) / (v.sqrt() + self.epsilon);
            *p -= update * self.learning_rate;
        }
    }
}
