//! Times training the autoencoder on the built-in problem (not a test: it prints seconds).
//!
//! `cargo bench -p bottleneck-trainer --bench training --profile dev [-- EPOCHS]`
//! (the dev profile already optimises dependencies; `--profile dev` reuses that build).

use std::time::Instant;

use bottleneck_trainer::data::{ClassificationRecipe, train_test_split};
use bottleneck_trainer::model::AutoencoderConfig;
use bottleneck_trainer::scaler::MinMaxScaler;
use bottleneck_trainer::training::{TrainingConfig, train_autoencoder};

fn main() {
    let epochs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let data = ClassificationRecipe::default()
        .generate()
        .expect("built-in recipe");
    let (train, test) = train_test_split(&data, 0.33, 1).expect("split");
    let scaler = MinMaxScaler::fit(&train.features);
    let (x_train, x_test) = (
        scaler.transform(&train.features),
        scaler.transform(&test.features),
    );
    let config =
        TrainingConfig::new(AutoencoderConfig::new(100, vec![200, 100], 50)).with_epochs(epochs);
    let start = Instant::now();
    let (_, history) = train_autoencoder(&config, &x_train, &x_test, |_| {}).expect("training");
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "training: {epochs} epochs, batch 16, 670 rows, 100-200-100-50 autoencoder: {seconds:.1} s \
         ({:.1} ms/epoch); final train MSE {:.5}, validation MSE {:.5}",
        1000.0 * seconds / epochs as f64,
        history.train_loss.last().unwrap_or(&f64::NAN),
        history.valid_loss.last().unwrap_or(&f64::NAN),
    );
}
