//! Principal component analysis for the anomaly baseline: reconstruction error through
//! the top `k` principal components of the training rows (the classic linear baseline an
//! autoencoder should beat).

use ndarray::{Array1, Array2, Axis};

/// The mean and the top principal directions of some rows.
#[derive(Debug, Clone)]
pub struct Pca {
    mean: Array1<f64>,
    /// `features × k`, orthonormal columns.
    components: Array2<f64>,
}

impl Pca {
    /// Fits the top `k` components of `x` (rows × features).
    pub fn fit(x: &Array2<f64>, k: usize) -> Pca {
        let mean = x
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(x.ncols()));
        let centered = x - &mean;
        let covariance = centered.t().dot(&centered) / (x.nrows().max(2) - 1) as f64;
        let (values, vectors) = symmetric_eigen(covariance);
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        let components = vectors.select(Axis(1), &order[..k.min(order.len())]);
        Pca { mean, components }
    }

    /// Per row, the mean squared error of its reconstruction from the components.
    pub fn reconstruction_errors(&self, x: &Array2<f64>) -> Vec<f64> {
        let centered = x - &self.mean;
        let projected = centered.dot(&self.components).dot(&self.components.t());
        (&centered - &projected)
            .axis_iter(Axis(0))
            .map(|d| d.iter().map(|e| e * e).sum::<f64>() / d.len().max(1) as f64)
            .collect()
    }
}

/// Eigenvalues and eigenvectors (as columns) of a symmetric matrix, by cyclic Jacobi
/// rotations: slow for large matrices, exact to rounding for the 30 x 30 ones here.
pub fn symmetric_eigen(mut a: Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let n = a.nrows();
    let mut v = Array2::<f64>::eye(n);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[[i, j]] * a[[i, j]])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[[p, q]].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[[q, q]] - a[[p, p]]) / (2.0 * a[[p, q]]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[[k, p]], a[[k, q]]);
                    a[[k, p]] = c * akp - s * akq;
                    a[[k, q]] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[[p, k]], a[[q, k]]);
                    a[[p, k]] = c * apk - s * aqk;
                    a[[q, k]] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[[k, p]], v[[k, q]]);
                    v[[k, p]] = c * vkp - s * vkq;
                    v[[k, q]] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[[i, i]]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_of_a_known_matrix() {
        // [[2, 1], [1, 2]]: eigenvalues 3 and 1, eigenvectors (1, 1)/√2 and (1, -1)/√2.
        let (mut values, vectors) = symmetric_eigen(ndarray::arr2(&[[2.0, 1.0], [1.0, 2.0]]));
        values.sort_by(f64::total_cmp);
        assert!((values[0] - 1.0).abs() < 1e-12 && (values[1] - 3.0).abs() < 1e-12);
        let v = vectors.column(0);
        assert!((v[0].abs() - v[1].abs()).abs() < 1e-12);
    }

    #[test]
    fn full_rank_reconstructs_exactly() {
        let x = ndarray::arr2(&[
            [1.0, 2.0, 0.5],
            [3.0, 1.0, 2.0],
            [0.0, 4.0, 1.0],
            [2.0, 2.0, 2.0],
        ]);
        let pca = Pca::fit(&x, 3);
        assert!(pca.reconstruction_errors(&x).iter().all(|&e| e < 1e-20));
        let one = Pca::fit(&x, 1);
        assert!(one.reconstruction_errors(&x).iter().any(|&e| e > 1e-3));
    }
}
