//! The built-in generator: shape, balance, determinism, and the informative/redundant
//! structure (the rank of the feature matrix).

use bottleneck_trainer::data::ClassificationRecipe;
use ndarray::Array2;

/// Numerical rank by Gaussian elimination with full pivoting, relative tolerance `tol`.
fn rank(x: &Array2<f32>, tol: f64) -> usize {
    let mut a = x.mapv(f64::from);
    let (rows, cols) = a.dim();
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut rank = 0;
    let mut used_cols = vec![false; cols];
    for r in 0..rows.min(cols) {
        let mut best = (0.0, 0, 0);
        for i in r..rows {
            for j in 0..cols {
                if !used_cols[j] && a[[i, j]].abs() > best.0 {
                    best = (a[[i, j]].abs(), i, j);
                }
            }
        }
        if best.0 <= tol * scale {
            break;
        }
        let (_, pi, pj) = best;
        for j in 0..cols {
            a.swap([r, j], [pi, j]);
        }
        used_cols[pj] = true;
        for i in r + 1..rows {
            let f = a[[i, pj]] / a[[r, pj]];
            for j in 0..cols {
                let v = a[[r, j]];
                a[[i, j]] -= f * v;
            }
        }
        rank += 1;
    }
    rank
}

#[test]
fn default_problem_has_the_tutorial_shape_and_balance() {
    let data = ClassificationRecipe::default()
        .generate()
        .expect("valid recipe");
    assert_eq!(data.features.dim(), (1000, 100));
    assert_eq!(data.labels, ["0", "1"]);
    let counts = data.class_counts();
    // 500 per class before 1 % of labels are flipped at random.
    assert!(
        counts.iter().all(|&c| (480..=520).contains(&c)),
        "{counts:?}"
    );
    assert!(data.features.iter().all(|v| v.is_finite()));
}

#[test]
fn redundant_features_add_no_rank() {
    let data = ClassificationRecipe::default()
        .generate()
        .expect("valid recipe");
    // 10 informative + 90 linear combinations of them: rank 10 (up to f32 rounding).
    assert_eq!(rank(&data.features, 1e-4), 10);

    let recipe = ClassificationRecipe {
        n_samples: 300,
        n_features: 20,
        n_informative: 5,
        n_redundant: 10,
        ..ClassificationRecipe::default()
    };
    let data = recipe.generate().expect("valid recipe");
    // 5 informative + 5 pure-noise columns are independent; the 10 redundant are not.
    assert_eq!(rank(&data.features, 1e-4), 10);
}

#[test]
fn classes_are_separable_on_the_informative_features() {
    // Class means differ: the clusters sit on hypercube vertices 2 * class_sep apart.
    let data = ClassificationRecipe::default()
        .generate()
        .expect("valid recipe");
    let mut sums = [vec![0.0f64; 100], vec![0.0f64; 100]];
    let counts = data.class_counts();
    for (row, &t) in data.features.rows().into_iter().zip(&data.targets) {
        for (s, v) in sums[t].iter_mut().zip(row) {
            *s += f64::from(*v);
        }
    }
    let max_gap = (0..100)
        .map(|j| (sums[0][j] / counts[0] as f64 - sums[1][j] / counts[1] as f64).abs())
        .fold(0.0, f64::max);
    assert!(max_gap > 0.3, "largest class-mean gap {max_gap}");
}

#[test]
fn same_seed_same_data_other_seed_other_data() {
    let a = ClassificationRecipe::default().generate().expect("valid");
    let b = ClassificationRecipe::default().generate().expect("valid");
    assert_eq!(a, b);
    let c = ClassificationRecipe {
        seed: 2,
        ..ClassificationRecipe::default()
    }
    .generate()
    .expect("valid");
    assert_ne!(a.features, c.features);
}

#[test]
fn multiclass_recipes_work_and_bad_recipes_are_refused() {
    let data = ClassificationRecipe {
        n_classes: 4,
        n_samples: 400,
        ..ClassificationRecipe::default()
    }
    .generate()
    .expect("valid");
    assert_eq!(data.n_classes(), 4);
    assert!(data.class_counts().iter().all(|&c| c > 80));

    let too_many = ClassificationRecipe {
        n_informative: 1,
        n_redundant: 0,
        ..ClassificationRecipe::default()
    };
    let err = too_many
        .generate()
        .expect_err("4 clusters on a 1-cube")
        .to_string();
    assert!(err.contains("4 clusters"), "{err}");
}
