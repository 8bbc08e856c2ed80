//! The fused step against burn's autodiff and `Adam`: the same initial model, the same
//! batches, and every parameter and running statistic compared after each step.

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::{Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Adam, Network};
use crate::model::{Activation, Autoencoder, AutoencoderConfig, BottleneckActivation};
use crate::training::{AutodiffSteps, Steps, initial_autoencoder};

/// Every float parameter and running statistic of a module, in visiting order (burn
/// visits a `RunningState` as a float parameter).
#[derive(Default)]
struct Collect(Vec<Vec<f32>>);

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let values = param.val().into_data().convert::<f32>().try_to_vec::<f32>();
        self.0.push(values.expect("f32 values"));
    }
}

fn parameters(model: &Autoencoder) -> Vec<Vec<f32>> {
    let mut collect = Collect::default();
    model.visit(&mut collect);
    collect.0
}

/// `parameters` without the biases whose only effect is a constant per channel that a
/// BatchNorm takes off again: those of Dense layers a BatchNorm follows, and of a linear
/// layer whose output feeds such a layer. Their gradient is zero up to rounding, and Adam
/// scales that rounding noise to steps of the learning rate's size, in either
/// implementation alike.
fn without_normalised_biases(parameters: Vec<Vec<f32>>, model: &Autoencoder) -> Vec<Vec<f32>> {
    let normalised: Vec<bool> = model
        .encoder
        .hidden
        .iter()
        .map(|_| true)
        .chain([model.encoder.bottleneck_norm.is_some()])
        .chain(model.decoder.hidden.iter().map(|_| true))
        .chain([false])
        .collect();
    // Visiting order: each Linear's weight and bias, then its BatchNorm's gamma, beta,
    // running mean and running variance.
    let mut skip = Vec::new();
    let mut index = 0;
    for (layer, &has_norm) in normalised.iter().enumerate() {
        let next_has_norm = normalised.get(layer + 1).copied().unwrap_or(false);
        if has_norm || next_has_norm {
            skip.push(index + 1);
        }
        index += if has_norm { 6 } else { 2 };
    }
    assert_eq!(index, parameters.len(), "visiting order");
    parameters
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !skip.contains(i))
        .map(|(_, p)| p)
        .collect()
}

fn batches(width: usize, count: usize, rows: usize) -> Vec<Vec<f32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    (0..count)
        .map(|_| (0..rows * width).map(|_| rng.random::<f32>()).collect())
        .collect()
}

/// Largest difference between two parameter lists beyond a tolerance of a tenth of one
/// Adam step (1e-4 at the tests' learning rate) plus 1e-4 of the magnitude: 0 when
/// every value is within it. A wrong gradient turns steps of 1e-3 around; a wrong
/// statistic (an unbiased variance, say) moves the running values by more than that.
/// What stays within: summation order, and the running means' share of the noise in the
/// biases described above (momentum 0.01 times at most a few steps of 1e-3).
fn largest_difference(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    assert_eq!(a.len(), b.len(), "parameter count");
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| {
            assert_eq!(x.len(), y.len(), "parameter length");
            x.iter().zip(y)
        })
        .map(|(&x, &y)| ((x - y).abs() - 1e-4 - 1e-4 * x.abs().max(y.abs())).max(0.0))
        .fold(0.0, f32::max)
}

fn compare(config: AutoencoderConfig, rows: usize) {
    let width = config.n_inputs;
    let (learning_rate, epsilon) = (1e-3, 1e-7);
    let data = batches(width, 6, rows);

    // burn: autodiff and Adam (the autodiff engine).
    let mut reference = AutodiffSteps::new(initial_autoencoder(&config, 3), epsilon);
    let mut burn_losses = Vec::new();
    let mut burn_parameters = Vec::new();
    for x in &data {
        burn_losses.push(reference.step(x, rows, learning_rate));
        burn_parameters.push(parameters(&reference.current()));
    }

    // Fused, from the same initial weights.
    let mut fused_model = initial_autoencoder(&config, 3).valid();
    let mut network = Network::from_autoencoder(&fused_model);
    let mut adam = Adam::new(epsilon);
    for (step, x) in data.iter().enumerate() {
        let loss = network.train_batch(x, rows, &adam.next_step(learning_rate));
        let burn_loss = burn_losses[step];
        assert!(
            (loss - burn_loss).abs() <= 1e-5 * burn_loss.abs(),
            "step {step}: loss {loss} vs burn's {burn_loss}"
        );
        network.write_to(&mut fused_model);
        let difference = largest_difference(
            &without_normalised_biases(parameters(&fused_model), &fused_model),
            &without_normalised_biases(burn_parameters[step].clone(), &fused_model),
        );
        assert!(
            difference == 0.0,
            "step {step}: parameters differ from burn's by {difference} beyond the tolerance"
        );
    }
}

#[test]
fn matches_burn_with_a_linear_bottleneck_and_leaky_relu() {
    compare(AutoencoderConfig::new(12, vec![20, 9], 5), 16);
}

#[test]
fn matches_burn_with_a_normalised_relu_bottleneck() {
    compare(
        AutoencoderConfig::new(10, vec![14], 6)
            .with_activation(Activation::Relu)
            .with_bottleneck_activation(BottleneckActivation::Same),
        7,
    );
}

#[test]
fn matches_burn_on_a_batch_of_one_row() {
    // The last batch of an epoch may hold one row: zero batch variance.
    compare(AutoencoderConfig::new(6, vec![8], 3), 1);
}

#[test]
fn inference_matches_burns_forward() {
    let config = AutoencoderConfig::new(9, vec![11, 7], 4)
        .with_bottleneck_activation(BottleneckActivation::Same);
    let mut model = initial_autoencoder(&config, 5).valid();
    let mut network = Network::from_autoencoder(&model);
    let mut adam = Adam::new(1e-7);
    let data = batches(9, 3, 16);
    for x in &data {
        network.train_batch(x, 16, &adam.next_step(1e-2));
    }
    network.write_to(&mut model);
    let x = &data[0];
    let device = model.encoder.bottleneck.weight.device();
    let input = Tensor::<2>::from_data(TensorData::new(x.clone(), [16, 9]), &device);
    let reconstruction = model
        .forward(input)
        .into_data()
        .try_to_vec::<f32>()
        .expect("f32");
    let expected: f64 = reconstruction
        .iter()
        .zip(x)
        .map(|(&p, &t)| f64::from(p - t).powi(2))
        .sum();
    let fused = network.squared_error(x, 16);
    assert!(
        (fused - expected).abs() <= 1e-5 * expected,
        "fused {fused} vs burn {expected}"
    );
}
