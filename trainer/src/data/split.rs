//! Shuffled train/test split (scikit-learn's `train_test_split`).

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::Dataset;
use crate::error::{Result, TrainError};

/// Splits `data` into `(train, test)`: `ceil(test_fraction * rows)` rows, chosen by a
/// seeded shuffle, go to the test set. Every class must keep at least one training row.
pub fn train_test_split(
    data: &Dataset,
    test_fraction: f64,
    seed: u64,
) -> Result<(Dataset, Dataset)> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(TrainError::InvalidSetting {
            flag: "test-fraction",
            problem: format!("{test_fraction} is not strictly between 0 and 1"),
        });
    }
    let n = data.n_rows();
    let n_test = (test_fraction * n as f64).ceil() as usize;
    let n_train = n.saturating_sub(n_test);
    if n_test == 0 || n_train < 2 {
        return Err(TrainError::TooFewRows {
            source_name: data.source.clone(),
            rows: n,
            needed: format!(
                "a test fraction of {test_fraction} needs at least 2 training rows and 1 test row"
            ),
        });
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let (test, train) = order.split_at(n_test);
    let train = data.select(train);
    if let Some(missing) = train.class_counts().iter().position(|&c| c == 0) {
        return Err(TrainError::TooFewRows {
            source_name: data.source.clone(),
            rows: n,
            needed: format!(
                "class {:?} has no row left for training after the split",
                data.labels[missing]
            ),
        });
    }
    Ok((train, data.select(test)))
}
