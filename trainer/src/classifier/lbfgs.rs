//! Limited-memory BFGS for smooth convex objectives, with scikit-learn's stopping rules.
//!
//! scikit-learn fits `LogisticRegression` with SciPy's L-BFGS-B (memory 10) and stops when
//! the largest gradient component is at most `tol`, when an iteration lowers the objective
//! by a relative `64 * f64::EPSILON` or less, or after `max_iter` iterations. This is the
//! same method without bounds; its line search is backtracking on the Armijo condition,
//! which suffices here because the objectives are strictly convex (every step's curvature
//! pair is positive).

use std::collections::VecDeque;

/// Iteration pairs kept: SciPy's default `maxcor`.
const MEMORY: usize = 10;
/// Armijo sufficient-decrease constant.
const ARMIJO: f64 = 1e-4;
/// Step halvings before a line search gives up (SciPy's `maxls` is 20 for L-BFGS-B,
/// scikit-learn raises it to 50).
const MAX_HALVINGS: usize = 50;
/// A relative decrease at or below this stops the run (scikit-learn's `ftol`).
const RELATIVE_DECREASE: f64 = 64.0 * f64::EPSILON;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The largest gradient component fell to the tolerance.
    Gradient,
    /// An iteration no longer lowered the objective measurably.
    Decrease,
    /// The iteration cap was reached first.
    Iterations,
    /// No step along the search direction lowered the objective.
    LineSearch,
}

/// The minimiser found and how the search went.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// The parameters.
    pub x: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// Iterations run.
    pub iterations: usize,
    /// Why it stopped.
    pub stop: Stop,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Minimises `objective` (value and gradient at a point, written into the gradient
/// slice) from `x0`, stopping at a gradient of `tolerance` (largest component) or after
/// `max_iterations`.
pub fn minimize(
    mut objective: impl FnMut(&[f64], &mut [f64]) -> f64,
    x0: Vec<f64>,
    tolerance: f64,
    max_iterations: usize,
) -> Minimum {
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut f = objective(&x, &mut g);
    let mut pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::with_capacity(MEMORY);
    let mut trial = vec![0.0; n];
    let mut g_trial = vec![0.0; n];
    let mut direction = vec![0.0; n];
    let mut alpha = [0.0; MEMORY];
    for iteration in 0..max_iterations {
        if max_abs(&g) <= tolerance {
            return Minimum {
                x,
                value: f,
                iterations: iteration,
                stop: Stop::Gradient,
            };
        }
        // Two-loop recursion: direction = -H g.
        direction.iter_mut().zip(&g).for_each(|(d, gi)| *d = -gi);
        for (k, (s, y, rho)) in pairs.iter().enumerate().rev() {
            alpha[k] = rho * dot(s, &direction);
            direction
                .iter_mut()
                .zip(y)
                .for_each(|(d, yi)| *d -= alpha[k] * yi);
        }
        let first_step = match pairs.back() {
            Some((s, y, _)) => {
                let gamma = dot(s, y) / dot(y, y);
                direction.iter_mut().for_each(|d| *d *= gamma);
                1.0
            }
            // SciPy's first step: length one along the steepest descent, at most.
            None => (1.0 / dot(&g, &g).sqrt()).min(1.0),
        };
        for (k, (s, y, rho)) in pairs.iter().enumerate() {
            let beta = rho * dot(y, &direction);
            direction
                .iter_mut()
                .zip(s)
                .for_each(|(d, si)| *d += (alpha[k] - beta) * si);
        }
        let slope = dot(&g, &direction);
        if slope >= 0.0 {
            // Not a descent direction (rounding): restart from steepest descent.
            pairs.clear();
            continue;
        }
        let mut step = first_step;
        let mut accepted = None;
        for _ in 0..MAX_HALVINGS {
            trial
                .iter_mut()
                .zip(&x)
                .zip(&direction)
                .for_each(|((t, xi), d)| *t = xi + step * d);
            let f_trial = objective(&trial, &mut g_trial);
            if f_trial.is_finite() && f_trial <= f + ARMIJO * step * slope {
                accepted = Some(f_trial);
                break;
            }
            step *= 0.5;
        }
        let Some(f_new) = accepted else {
            return Minimum {
                x,
                value: f,
                iterations: iteration,
                stop: Stop::LineSearch,
            };
        };
        let s: Vec<f64> = trial.iter().zip(&x).map(|(t, xi)| t - xi).collect();
        let y: Vec<f64> = g_trial.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > f64::EPSILON * dot(&y, &y) {
            if pairs.len() == MEMORY {
                pairs.pop_front();
            }
            pairs.push_back((s, y, 1.0 / sy));
        }
        std::mem::swap(&mut x, &mut trial);
        std::mem::swap(&mut g, &mut g_trial);
        let decrease = (f - f_new) / f.abs().max(f_new.abs()).max(1.0);
        f = f_new;
        if decrease <= RELATIVE_DECREASE {
            return Minimum {
                x,
                value: f,
                iterations: iteration + 1,
                stop: Stop::Decrease,
            };
        }
    }
    let stop = if max_abs(&g) <= tolerance {
        Stop::Gradient
    } else {
        Stop::Iterations
    };
    Minimum {
        x,
        value: f,
        iterations: max_iterations,
        stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_an_ill_conditioned_quadratic() {
        // f = sum_i c_i (x_i - i)^2 with conditioning 1e4.
        let c: Vec<f64> = (0..20)
            .map(|i| 10f64.powf(f64::from(i) / 19.0 * 4.0))
            .collect();
        let m = minimize(
            |x, g| {
                let mut f = 0.0;
                for (i, (xi, gi)) in x.iter().zip(g.iter_mut()).enumerate() {
                    let d = xi - i as f64;
                    f += c[i] * d * d;
                    *gi = 2.0 * c[i] * d;
                }
                f
            },
            vec![0.0; 20],
            1e-4,
            500,
        );
        assert_eq!(m.stop, Stop::Gradient, "{m:?}");
        // SciPy's L-BFGS-B takes 334 iterations on this problem.
        assert!(m.iterations < 450, "{m:?}");
        for (i, xi) in m.x.iter().enumerate() {
            assert!((xi - i as f64).abs() < 1e-5, "x[{i}] = {xi}");
        }
    }

    #[test]
    fn minimises_the_rosenbrock_function() {
        let m = minimize(
            |x, g| {
                let (a, b) = (x[0], x[1]);
                g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
                g[1] = 200.0 * (b - a * a);
                (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
            },
            vec![-1.2, 1.0],
            1e-9,
            1000,
        );
        assert!(
            (m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6,
            "{m:?}"
        );
    }

    #[test]
    fn stops_at_the_iteration_cap() {
        let m = minimize(
            |x, g| {
                g[0] = 2.0 * (x[0] - 3.0);
                (x[0] - 3.0).powi(2)
            },
            vec![0.0],
            0.0,
            1,
        );
        assert_eq!(m.iterations, 1);
    }
}
