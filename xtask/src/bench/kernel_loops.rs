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

/// The instructions of the first `"2:"` ... `"bne 2b"` loop in `source`, one per line.
fn loop_body(source: &str) -> Option<Vec<&str>> {
    // The asm! template lines are string literals, one instruction each.
    let lines: Vec<&str> = source
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix('"')?.split('"').next())
        .collect();
    let start = lines.iter().position(|l| *l == "2:")?;
    let end = start + lines[start..].iter().position(|l| *l == "bne 2b")?;
    Some(lines[start + 1..=end].to_vec())
}

/// Estimated Cortex-M4 cycles of one pass of a loop, best and worst case, from the
/// instruction timings of the Cortex-M4 Technical Reference Manual (ARM DDI 0439B,
/// table 3-1). Assumptions: zero-wait-state memory; `LDM` of N registers takes 1 + N;
/// `LDR` 2, or 1 right after another `LDR` (pipelined loads); `SXTB16`, `SMLAD` and
/// data-processing instructions 1; a taken branch 1 + P, the pipeline refill P being 1
/// to 3 cycles (the best and the worst case). QEMU counts instructions, never cycles:
/// this is an estimate beside the measured counts, not a measurement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleEstimate {
    /// Cycles per pass with the shortest pipeline refill.
    pub best: u32,
    /// Cycles per pass with the longest pipeline refill.
    pub worst: u32,
    /// Multiply-accumulates per pass.
    pub macs: usize,
}

impl CycleEstimate {
    /// Best and worst case cycles per multiply-accumulate.
    pub fn per_mac(&self) -> (f64, f64) {
        let macs = self.macs.max(1) as f64;
        (f64::from(self.best) / macs, f64::from(self.worst) / macs)
    }
}

/// [`CycleEstimate`] of the first loop of `path` on a Cortex-M4.
pub fn cortex_m4_cycles(path: &Path) -> Result<CycleEstimate, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let body = loop_body(&text).ok_or(format!("{}: no loop", path.display()))?;
    let mut fixed = 0u32;
    let mut branches = 0u32;
    let mut previous = "";
    for line in &body {
        let op = line.split_whitespace().next().unwrap_or("");
        fixed += match op {
            "ldm" => {
                // The registers between the braces: `ldm {xp}!, {{r2, r3, r4, r5}}`.
                let regs = line.rsplit('{').next().unwrap_or("").matches('r').count() as u32;
                1 + regs
            }
            "ldr" if previous == "ldr" => 1,
            "ldr" => 2,
            "bne" | "b" | "beq" => {
                branches += 1;
                1
            }
            _ => 1,
        };
        previous = op;
    }
    let macs = count_body(&body).macs;
    Ok(CycleEstimate {
        best: fixed + branches,
        worst: fixed + 3 * branches,
        macs,
    })
}

fn count(source: &str) -> Option<LoopCount> {
    Some(count_body(&loop_body(source)?))
}

fn count_body(body: &[&str]) -> LoopCount {
    let macs = body
        .iter()
        .map(|l| match l.split_whitespace().next() {
            Some("smlad") => 2,
            Some("muls") => 1,
            _ => 0,
        })
        .sum();
    LoopCount {
        instructions: body.len(),
        macs,
    }
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

    #[test]
    fn estimates_the_cortex_m4_loop_from_the_trm_timings() {
        let kernels = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/src/kernels");
        let e = cortex_m4_cycles(&kernels.join("arm_dsp.rs")).expect("DSP loop");
        // LDM of 4: 5; four LDR, none after another: 8; 8 SXTB16 + 8 SMLAD + SUBS: 17;
        // the taken BNE: 2 to 4.
        assert_eq!((e.best, e.worst, e.macs), (32, 34, 16));
        assert_eq!(e.per_mac(), (2.0, 2.125));
    }
}
