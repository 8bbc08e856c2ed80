//! scikit-learn's `make_classification`, bit for bit.

use ndarray::{Array2, s};
use serde::{Deserialize, Serialize};

use super::Dataset;
use super::numpy_random::RandomState;
use crate::error::{Result, TrainError};

/// The recipe of a synthetic classification problem (scikit-learn's `make_classification`).
///
/// Informative features are Gaussian clusters placed on the vertices of a hypercube with
/// side `2 * class_sep`, each cluster given a random covariance by a random linear map;
/// redundant features are random linear combinations of the informative ones; remaining
/// features are noise. A fraction `flip_y` of labels is reassigned at random, then rows
/// and columns are shuffled. The values are scikit-learn's for the same `random_state`, bit
/// for bit: the random numbers come from NumPy's legacy `RandomState` (MT19937), ported in
/// [`super::numpy_random`], and every step repeats scikit-learn's arithmetic.
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

    /// Generates the data set: scikit-learn's arrays, the features stored as f32.
    pub fn generate(&self) -> Result<Dataset> {
        let (x, targets) = self.arrays()?;
        Ok(self.dataset(&x, targets))
    }

    /// The data set of this recipe's [`ClassificationRecipe::arrays`].
    pub fn dataset(&self, x: &Array2<f64>, targets: Vec<usize>) -> Dataset {
        Dataset {
            source: format!("built-in problem (seed {})", self.seed),
            feature_names: (0..self.n_features).map(|j| format!("x{j}")).collect(),
            features: x.mapv(|v| v as f32),
            targets,
            labels: (0..self.n_classes).map(|k| k.to_string()).collect(),
        }
    }

    /// scikit-learn's `make_classification(n_samples, n_features, n_informative,
    /// n_redundant, n_classes=..., n_clusters_per_class=..., flip_y=..., class_sep=...,
    /// random_state=seed)` (other arguments at their defaults): `X` in f64 and `y`, bit for
    /// bit (`tests/sklearn_data.rs` pins them against scikit-learn 1.9.1). One exception:
    /// with exactly one redundant feature NumPy computes it with a matrix-vector kernel
    /// whose summation order is not reproduced here, and that column may differ in the
    /// last bit.
    pub fn arrays(&self) -> Result<(Array2<f64>, Vec<usize>)> {
        self.validate()?;
        let mut rng = RandomState::new(numpy_seed(self.seed)?);
        let (n, n_inf, n_red) = (self.n_samples, self.n_informative, self.n_redundant);
        let (classes, per_class) = (self.n_classes, self.n_clusters_per_class);
        let clusters = classes * per_class;

        // Rows per cluster, computed as scikit-learn does (in floating point, truncated).
        let weight = 1.0 / classes as f64;
        let mut rows_per_cluster = vec![(n as f64 * weight / per_class as f64) as usize; clusters];
        let assigned: usize = rows_per_cluster.iter().sum();
        for i in 0..n - assigned {
            rows_per_cluster[i % clusters] += 1;
        }

        let centroids = hypercube(clusters, n_inf, &mut rng);
        let mut x = Array2::<f64>::zeros((n, self.n_features));
        for v in x.slice_mut(s![.., ..n_inf]).iter_mut() {
            *v = rng.standard_normal();
        }
        let mut y = vec![0usize; n];
        let mut start = 0;
        for (k, vertex) in centroids.iter().enumerate() {
            let stop = start + rows_per_cluster[k];
            y[start..stop].fill(k % classes);
            let a = uniform_matrix(&mut rng, n_inf, n_inf);
            let covaried = fma_product(&x.slice(s![start..stop, ..n_inf]).to_owned(), &a);
            let mut block = x.slice_mut(s![start..stop, ..n_inf]);
            block.assign(&covaried);
            for mut row in block.rows_mut() {
                for (value, &bit) in row.iter_mut().zip(vertex) {
                    // The centroid: the bit times 2 class_sep, minus class_sep.
                    *value += f64::from(bit) * (2.0 * self.class_sep) - self.class_sep;
                }
            }
            start = stop;
        }
        if n_red > 0 {
            let b = uniform_matrix(&mut rng, n_inf, n_red);
            let redundant = fma_product(&x.slice(s![.., ..n_inf]).to_owned(), &b);
            x.slice_mut(s![.., n_inf..n_inf + n_red]).assign(&redundant);
        }
        for v in x.slice_mut(s![.., n_inf + n_red..]).iter_mut() {
            *v = rng.standard_normal();
        }
        let flipped: Vec<bool> = (0..n).map(|_| rng.random_sample() < self.flip_y).collect();
        for (label, _) in y.iter_mut().zip(&flipped).filter(|(_, f)| **f) {
            *label = rng.randint(classes as u32) as usize;
        }
        // shift = 0 and scale = 1: `X += 0.0` turns -0.0 into 0.0, `X *= 1.0` nothing.
        x.mapv_inplace(|v| v + 0.0);

        // Rows, then columns, shuffled.
        let mut rows: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut rows);
        let mut cols: Vec<usize> = (0..self.n_features).collect();
        rng.shuffle(&mut cols);
        let features = Array2::from_shape_fn((n, self.n_features), |(i, j)| x[[rows[i], cols[j]]]);
        Ok((features, rows.iter().map(|&r| y[r]).collect()))
    }
}

/// A seed as NumPy's `RandomState` takes it: 0 to 2^32 - 1.
pub fn numpy_seed(seed: u64) -> Result<u32> {
    u32::try_from(seed).map_err(|_| TrainError::InvalidSetting {
        flag: "seed",
        problem: format!(
            "{seed} is out of range: the built-in problem and the train/test split follow \
             NumPy's RandomState, whose seeds are 0 to 4294967295"
        ),
    })
}

/// `2 * uniform(size=(rows, cols)) - 1`, filled row by row.
fn uniform_matrix(rng: &mut RandomState, rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_simple_fn((rows, cols), || 2.0 * rng.random_sample() - 1.0)
}

/// `a · b` as NumPy's OpenBLAS computes these small products: each entry one chain of
/// fused multiply-adds in order of the inner index, from zero (the fixtures agree bit for
/// bit; plain multiply-then-add differs in the last bit on half the entries).
fn fma_product(a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
    Array2::from_shape_fn((a.nrows(), b.ncols()), |(i, j)| {
        (0..a.ncols()).fold(0.0, |acc, k| a[[i, k]].mul_add(b[[k, j]], acc))
    })
}

/// scikit-learn's `_generate_hypercube(samples, dimensions, rng)`: distinct vertices of
/// the unit hypercube, one row of bits per sample.
fn hypercube(samples: usize, dimensions: usize, rng: &mut RandomState) -> Vec<Vec<u8>> {
    if dimensions > 30 {
        // The extra leading bits are drawn first, row by row, then 30 by recursion.
        let extra: Vec<Vec<u8>> = (0..samples)
            .map(|_| (0..dimensions - 30).map(|_| rng.randint(2) as u8).collect())
            .collect();
        let low = hypercube(samples, 30, rng);
        return extra
            .into_iter()
            .zip(low)
            .map(|(mut bits, low)| {
                bits.extend(low);
                bits
            })
            .collect();
    }
    let chosen = sample_without_replacement(1u32 << dimensions, samples as u32, rng);
    chosen
        .iter()
        .map(|&v| {
            (0..dimensions)
                .rev()
                .map(|bit| ((v >> bit) & 1) as u8)
                .collect()
        })
        .collect()
}

/// scikit-learn's `sample_without_replacement(population, samples)` with its "auto"
/// method.
fn sample_without_replacement(population: u32, samples: u32, rng: &mut RandomState) -> Vec<u32> {
    let ratio = if population == 0 {
        1.0
    } else {
        f64::from(samples) / f64::from(population)
    };
    if ratio > 0.01 && ratio < 0.99 {
        let order = rng.permutation(population as usize);
        return order[..samples as usize]
            .iter()
            .map(|&v| v as u32)
            .collect();
    }
    if ratio < 0.2 {
        // Tracking selection: redraw until unseen.
        let mut chosen: Vec<u32> = Vec::with_capacity(samples as usize);
        for _ in 0..samples {
            let mut j = rng.randint(population);
            while chosen.contains(&j) {
                j = rng.randint(population);
            }
            chosen.push(j);
        }
        return chosen;
    }
    // Reservoir sampling.
    let mut out: Vec<u32> = (0..samples).collect();
    for i in samples..population {
        let j = rng.interval(i);
        if j < samples {
            out[j as usize] = i;
        }
    }
    out
}
