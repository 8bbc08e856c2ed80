//! The reference dot products: plain Rust, every target.

/// `Σ row[j] · x[j]` with the weights stored as raw bytes.
#[inline]
pub fn dot(row: &[u8], x: &[i8]) -> i32 {
    // A plain zipped sum: the form compilers vectorize best (pmaddwd on x86-64).
    row.iter()
        .zip(x)
        .map(|(&w, &v)| i32::from(w as i8) * i32::from(v))
        .sum()
}

/// Dot products of the rows of `block` (one every `stride` bytes, `n_in` weights each)
/// with the first `n_in` values of `x`, into `acc`.
pub fn dots(block: &[u8], n_in: usize, stride: usize, x: &[i8], acc: &mut [i32]) {
    let x = x.get(..n_in).unwrap_or(x);
    for (row, a) in block.chunks(stride.max(1)).zip(acc.iter_mut()) {
        *a = dot(row, x);
    }
}
