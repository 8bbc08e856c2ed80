//! The logistic regression against scikit-learn's (1.9.1, `LogisticRegression()` with its
//! defaults: C = 1, lbfgs, tol 1e-4), on data both sides compute from the same formula.

use bottleneck_trainer::classifier::LinearClassifier;
use ndarray::Array2;

/// The data of the reference script (`x` in f32, like the trainer's features).
fn data(n: usize, d: usize, classes: usize) -> (Array2<f32>, Vec<usize>) {
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        ((0.37 * i as f64 * (j + 1) as f64 + 0.11 * j as f64).sin() * (1.0 + 0.5 * (j % 3) as f64))
            as f32
    });
    let targets = (0..n)
        .map(|i| {
            let s = f64::from(x[[i, 0]]) + 0.5 * f64::from(x[[i, 1]]) - 0.8 * f64::from(x[[i, 2]])
                + 0.3 * (i as f64 * 0.7).cos();
            match classes {
                2 => usize::from(s > 0.0),
                _ => usize::from(s >= -0.7) + usize::from(s >= 0.7),
            }
        })
        .collect();
    (x, targets)
}

fn assert_close(what: &str, ours: &[f64], sklearn: &[f64]) {
    for (k, (a, b)) in ours.iter().zip(sklearn).enumerate() {
        assert!(
            (a - b).abs() < 2e-3,
            "{what}[{k}]: ours {a}, scikit-learn {b}"
        );
    }
}

#[test]
fn binary_fit_matches_scikit_learn() {
    let (x, y) = data(120, 4, 2);
    let fitted = LinearClassifier::fit(&x, &y, 2, "test").expect("fits");
    assert_close(
        "coef",
        fitted.weights.as_slice().unwrap(),
        &[
            2.118856692071125,
            1.7214293727877665,
            -2.2839065929402853,
            -0.37647162552803703,
        ],
    );
    assert_close(
        "intercept",
        fitted.bias.as_slice().unwrap(),
        &[-0.21889638741234554],
    );
    // scikit-learn needed 11 iterations.
    assert!(fitted.iterations <= 20, "{} iterations", fitted.iterations);
}

#[test]
fn multinomial_fit_matches_scikit_learn() {
    let (x, y) = data(120, 4, 3);
    let fitted = LinearClassifier::fit(&x, &y, 3, "test").expect("fits");
    assert_close(
        "coef",
        fitted.weights.as_slice().unwrap(),
        &[
            -1.8630831429128343,
            -1.8009634478620367,
            2.243369410704109,
            -0.0022165282186970654,
            -0.25135090953538397,
            0.2405960498687305,
            -0.1360269810414932,
            -0.7325635680826635,
            2.1144340524482184,
            1.5603673979933073,
            -2.107342429662617,
            0.7347800963013607,
        ],
    );
    assert_close(
        "intercept",
        fitted.bias.as_slice().unwrap(),
        &[-1.031112682557776, 1.5106124046714018, -0.47949972211362457],
    );
}

#[test]
fn bad_targets_are_errors() {
    let (x, y) = data(10, 4, 2);
    assert!(LinearClassifier::fit(&x, &y[..9], 2, "test").is_err());
    assert!(LinearClassifier::fit(&x, &[2; 10], 2, "test").is_err());
    assert!(LinearClassifier::fit(&x, &y, 1, "test").is_err());
}
