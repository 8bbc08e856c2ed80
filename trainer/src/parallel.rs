//! Work split over the machine's two cores, with results that do not depend on it.

use std::ops::Range;

/// `f` on the two halves of `0..n` (`0..n / 2` and `n / 2..n`), the second on another
/// thread; the results in order. The split depends on `n` only, so the results are the
/// same on any machine (and on one core).
pub fn on_two_halves<T: Send>(n: usize, f: impl Fn(Range<usize>) -> Vec<T> + Sync) -> Vec<T> {
    let middle = n / 2;
    if middle == 0 {
        return f(0..n);
    }
    let (mut first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| f(middle..n));
        (f(0..middle), second.join().expect("worker thread"))
    });
    first.extend(second);
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order() {
        for n in [0, 1, 2, 7] {
            let got = on_two_halves(n, |r| r.map(|i| i * 10).collect());
            assert_eq!(got, (0..n).map(|i| i * 10).collect::<Vec<_>>());
        }
    }
}
