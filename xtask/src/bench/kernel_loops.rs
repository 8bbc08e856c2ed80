//! Instructions and MACs of the Cortex-M inner loops, counted in the kernels' own
//! assembly source rather than copied into the report by hand.

use std::path::Path;

/// One pass of an inner loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopCount {
    /// Instructions from the loop label to its backward branch, both included.
    pub instructions: usize,
    /// Multiply-accumulates they do (`smlad`: 2, `muls`: 1).
    pub macs: usize,
}

impl LoopCount {
    /// Instructions per multiply-accumulate.
    pub fn per_mac(&self) -> f64 {
        self.instructions as f64 / self.macs.max(1) as f64
    }
}

/// The first loop (`"2:"` ... `"bne 2b"`) of the first `asm!` block in `path`: the
/// two-row loop each Cortex-M backend puts first.
pub fn inner_loop(path: &Path) -> Result<LoopCount, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    count(&text).ok_or(format!("{}: no \"2:\" ... \"bne 2b\" loop", path.display()))
}

fn count(source: &str) -> Option<LoopCount> {
    // The asm! template lines are string literals, one instruction each.
    let lines: Vec<&str> = source
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix('"')?.split('"').next())
        .collect();
    let start = lines.iter().position(|l| *l == "2:")?;
    let end = start + lines[start..].iter().position(|l| *l == "bne 2b")?;
    let body = &lines[start + 1..=end];
    let macs = body
        .iter()
        .map(|l| match l.split_whitespace().next() {
            Some("smlad") => 2,
            Some("muls") => 1,
            _ => 0,
        })
        .sum();
    Some(LoopCount {
        instructions: body.len(),
        macs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_kernels_loops() {
        let kernels = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/src/kernels");
        let m4 = inner_loop(&kernels.join("arm_dsp.rs")).expect("DSP loop");
        assert_eq!((m4.instructions, m4.macs), (23, 16));
        let m0 = inner_loop(&kernels.join("arm_thumb.rs")).expect("Thumb loop");
        assert_eq!((m0.instructions, m0.macs), (9, 2));
    }
}
