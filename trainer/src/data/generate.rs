//! A seeded re-implementation of scikit-learn's `make_classification` recipe.

use ndarray::{Array2, s};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::Dataset;
use crate::error::{Result, TrainError};

/// The recipe of a synthetic classification problem (scikit-learn's `make_classification`).
///
/// Informative features are Gaussian clusters placed on the vertices of a hypercube with
/// side `2 * class_sep`, each cluster given a random covariance by a random linear map;
/// redundant features are random linear combinations of the informative ones; remaining
/// features are noise. A fraction `flip_y` of labels is reassigned at random, then rows
/// and columns are shuffled. The same seed gives the same data on every platform (ChaCha8).
/// The values differ from scikit-learn's (a different random generator); the statistics
/// are the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationRecipe {
    /// Rows.
    pub n_samples: usize,
    /// Total feature columns.
    pub n_features: usize,
    /// Informative features.
    pub n_informative: usize,
    /// Redundant features (linear combinations of the informative ones).
    pub n_redundant: usize,
    /// Classes.
    pub n_classes: usize,
    /// Gaussian clusters per class.
    pub n_clusters_per_class: usize,
    /// Half the side of the hypercube the clusters sit on.
    pub class_sep: f64,
    /// Fraction of labels reassigned at random.
    pub flip_y: f64,
    /// Random seed.
    pub seed: u64,
}

impl Default for ClassificationRecipe {
    /// The tutorial's problem: `make_classification(n_samples=1000, n_features=100,
    /// n_informative=10, n_redundant=90, random_state=1)`.
    fn default() -> Self {
        ClassificationRecipe {
            n_samples: 1000,
            n_features: 100,
            n_informative: 10,
            n_redundant: 90,
            n_classes: 2,
            n_clusters_per_class: 2,
            class_sep: 1.0,
            flip_y: 0.01,
            seed: 1,
        }
    }
}

fn invalid(problem: String) -> TrainError {
    TrainError::InvalidSetting {
        flag: "generator",
        problem,
    }
}

impl ClassificationRecipe {
    /// Checks the recipe can be generated.
    pub fn validate(&self) -> Result<()> {
        if self.n_informative == 0 {
            return Err(invalid("n_informative must be at least 1".into()));
        }
        if self.n_informative + self.n_redundant > self.n_features {
            return Err(invalid(format!(
                "n_informative ({}) + n_redundant ({}) exceed n_features ({})",
                self.n_informative, self.n_redundant, self.n_features
            )));
        }
        if self.n_classes < 2 || self.n_clusters_per_class == 0 {
            return Err(invalid(
                "need at least 2 classes and 1 cluster per class".into(),
            ));
        }
        let clusters = self.n_classes * self.n_clusters_per_class;
        if self.n_informative < 63 && clusters > 1usize << self.n_informative {
            return Err(invalid(format!(
                "{clusters} clusters do not fit on the {} vertices of a {}-cube",
                1u64 << self.n_informative,
                self.n_informative
            )));
        }
        if self.n_samples < clusters {
            return Err(invalid(format!(
                "{} samples cannot fill {clusters} clusters",
                self.n_samples
            )));
        }
        if !(0.0..=1.0).contains(&self.flip_y) || !self.class_sep.is_finite() {
            return Err(invalid(
                "flip_y must be in 0..=1 and class_sep finite".into(),
            ));
        }
        Ok(())
    }

    /// Generates the data set.
    pub fn generate(&self) -> Result<Dataset> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let (n, n_inf, n_red) = (self.n_samples, self.n_informative, self.n_redundant);
        let clusters = self.n_classes * self.n_clusters_per_class;

        // Distinct hypercube vertices, one per cluster.
        let mut vertices: Vec<Vec<bool>> = Vec::with_capacity(clusters);
        while vertices.len() < clusters {
            let v: Vec<bool> = (0..n_inf).map(|_| rng.random::<bool>()).collect();
            if !vertices.contains(&v) {
                vertices.push(v);
            }
        }

        let mut x = Array2::<f64>::zeros((n, self.n_features));
        for v in x.slice_mut(s![.., ..n_inf]).iter_mut() {
            *v = rng.sample(StandardNormal);
        }
        let mut y = vec![0usize; n];

        // Rows per cluster: as even as possible, the remainder to the first clusters.
        let mut start = 0;
        for (k, vertex) in vertices.iter().enumerate() {
            let count = n / clusters + usize::from(k < n % clusters);
            let stop = start + count;
            y[start..stop].fill(k % self.n_classes);
            let a = Array2::from_shape_fn((n_inf, n_inf), |_| 2.0 * rng.random::<f64>() - 1.0);
            let block = x.slice(s![start..stop, ..n_inf]).dot(&a);
            let mut target = x.slice_mut(s![start..stop, ..n_inf]);
            target.assign(&block);
            for mut row in target.rows_mut() {
                for (value, &bit) in row.iter_mut().zip(vertex) {
                    *value += if bit { self.class_sep } else { -self.class_sep };
                }
            }
            start = stop;
        }

        if n_red > 0 {
            let b = Array2::from_shape_fn((n_inf, n_red), |_| 2.0 * rng.random::<f64>() - 1.0);
            let redundant = x.slice(s![.., ..n_inf]).dot(&b);
            x.slice_mut(s![.., n_inf..n_inf + n_red]).assign(&redundant);
        }
        for v in x.slice_mut(s![.., n_inf + n_red..]).iter_mut() {
            *v = rng.sample(StandardNormal);
        }

        for label in y.iter_mut() {
            if rng.random::<f64>() < self.flip_y {
                *label = rng.random_range(0..self.n_classes);
            }
        }

        let mut rows: Vec<usize> = (0..n).collect();
        rows.shuffle(&mut rng);
        let mut cols: Vec<usize> = (0..self.n_features).collect();
        cols.shuffle(&mut rng);
        let features =
            Array2::from_shape_fn((n, self.n_features), |(i, j)| x[[rows[i], cols[j]]] as f32);
        Ok(Dataset {
            source: format!("built-in problem (seed {})", self.seed),
            feature_names: (0..self.n_features).map(|j| format!("x{j}")).collect(),
            features,
            targets: rows.iter().map(|&r| y[r]).collect(),
            labels: (0..self.n_classes).map(|k| k.to_string()).collect(),
        })
    }
}
