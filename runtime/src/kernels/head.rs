//! The classifier head (SPEC.md §4.4): int32 logits on one common scale, and the class
//! they select.

use bottleneck_format::Head;

use super::backend::Backend;
use super::dense::for_each_dot;
use super::requantize::scale_saturating;

/// The classifier head: int8 features -> int32 logits on the common logit scale. `wide`
/// is working space of at least `features.len()` halfwords.
pub fn head(head: &Head<'_>, features: &[i8], wide: &mut [i16], logits: &mut [i32]) {
    let mut channels = head.channels();
    let mut outputs = logits.iter_mut();
    for_each_dot(
        Backend::select(),
        head.weights(),
        head.n_in(),
        head.row_stride(),
        features,
        wide,
        |acc| {
            if let (Some(ch), Some(out)) = (channels.next(), outputs.next()) {
                *out = scale_saturating(acc + ch.bias, ch.requant.multiplier, ch.requant.shift);
            }
        },
    );
}

/// The class a set of logits selects: `logit > 0` for a single binary logit, otherwise the
/// first index of the largest logit.
pub fn argmax(logits: &[i32]) -> usize {
    if let [single] = logits {
        return usize::from(*single > 0);
    }
    let mut best = 0;
    let mut best_value = i32::MIN;
    for (k, &l) in logits.iter().enumerate() {
        if k == 0 || l > best_value {
            best = k;
            best_value = l;
        }
    }
    best
}
