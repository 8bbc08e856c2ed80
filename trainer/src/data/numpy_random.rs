//! NumPy's legacy `RandomState` (MT19937), as far as scikit-learn's `make_classification`
//! and `train_test_split` use it, so the built-in problem is the tutorial's data bit for bit.
//!
//! Every routine follows NumPy's C sources (`randomkit`/`legacy-distributions.c`,
//! `distributions.c`, `_bounded_integers.pyx`): doubles with 53 random bits from two
//! 32-bit draws, the polar Gaussian that keeps its second value for the next call, bounded
//! integers by masked rejection, and the Fisher-Yates shuffle drawing from the back.

/// MT19937's state size in 32-bit words.
const N: usize = 624;
/// MT19937's middle word offset.
const M: usize = 397;

/// NumPy's `np.random.RandomState(seed)`.
#[derive(Debug, Clone)]
pub struct RandomState {
    state: [u32; N],
    position: usize,
    /// The polar method's second Gaussian, kept for the next call.
    gauss: Option<f64>,
}

impl RandomState {
    /// `RandomState(seed)` for an integer seed (NumPy's `init_genrand`).
    pub fn new(seed: u32) -> RandomState {
        let mut state = [0u32; N];
        state[0] = seed;
        for i in 1..N {
            let previous = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(previous ^ (previous >> 30))
                .wrapping_add(i as u32);
        }
        RandomState {
            state,
            position: N,
            gauss: None,
        }
    }

    fn regenerate(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MATRIX_A: u32 = 0x9908_b0df;
        for i in 0..N {
            let y = (self.state[i] & UPPER) | (self.state[(i + 1) % N] & LOWER);
            let mut next = self.state[(i + M) % N] ^ (y >> 1);
            if y & 1 == 1 {
                next ^= MATRIX_A;
            }
            self.state[i] = next;
        }
        self.position = 0;
    }

    /// The next 32-bit output (`genrand_int32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.position >= N {
            self.regenerate();
        }
        let mut y = self.state[self.position];
        self.position += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random_sample()`: a double in [0, 1) with 53 random bits (`genrand_res53`).
    pub fn random_sample(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) / 9_007_199_254_740_992.0
    }

    /// `standard_normal()`: the legacy polar method, which draws two Gaussians at a time.
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(kept) = self.gauss.take() {
            return kept;
        }
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.gauss = Some(f * x1);
                return f * x2;
            }
        }
    }

    /// A uniform integer in `0..=max` by masked rejection (`random_interval`, and
    /// `randint`'s legacy method for ranges below 2^32).
    pub fn interval(&mut self, max: u32) -> u32 {
        if max == 0 {
            return 0;
        }
        let mask = u32::MAX >> max.leading_zeros();
        loop {
            let value = self.next_u32() & mask;
            if value <= max {
                return value;
            }
        }
    }

    /// `randint(high)`: a uniform integer in `0..high` (`high` >= 1).
    pub fn randint(&mut self, high: u32) -> u32 {
        self.interval(high.saturating_sub(1))
    }

    /// `shuffle(x)` of a one-dimensional array: Fisher-Yates from the back.
    pub fn shuffle<T>(&mut self, x: &mut [T]) {
        for i in (1..x.len()).rev() {
            let j = self.interval(i as u32) as usize;
            x.swap(i, j);
        }
    }

    /// `permutation(n)`: a shuffled `0..n`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        self.shuffle(&mut order);
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_mt19937_reference_outputs() {
        // `np.random.RandomState(1).randint(2**32, size=3, dtype=np.uint64)` draws these
        // raw outputs; Matsumoto's init_genrand(1) sequence starts the same way.
        let mut rs = RandomState::new(1);
        assert_eq!(
            [rs.next_u32(), rs.next_u32(), rs.next_u32()],
            [1_791_095_845, 4_282_876_139, 3_093_770_124]
        );
    }
}
