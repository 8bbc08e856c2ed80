//! Instructions and MACs of the Cortex-M and RISC-V inner loops, counted in the kernels' own
//! assembly source rather than copied into the report by hand.

use std::path::Path;

/// One pass of an inner loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopCount {
    /// Instructions from the loop label to its backward branch, both included.
    pub instructions: usize,
    /// Multiply-accumulates they do (`smlad`: 2, `muls` and RISC-V's `mul`: 1,
    /// `vmladava.s8`: 16).
    pub macs: usize,
}

impl LoopCount {
    /// Instructions per multiply-accumulate.
    pub fn per_mac(&self) -> f64 {
        self.instructions as f64 / self.macs.max(1) as f64
    }
}

/// The loop labelled `label` (`"N:"` ... `"bne Nb"` or `"letp lr, Nb"`) in the assembly
/// of `path`: the inner loop of a Cortex-M or RISC-V backend.
pub fn inner_loop(path: &Path, label: &str) -> Result<LoopCount, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let body = loop_body(&text, label).ok_or(format!(
        "{}: no \"{label}:\" ... \"bne {label}b\" loop",
        path.display()
    ))?;
    Ok(count_body(&body))
}

/// The string literals of `source`'s lines, one instruction each (`asm!` template lines
/// and `concat!` pieces alike), with a line `name!(),` or `name!(args),` replaced by the
/// instructions of `macro_rules! name` in the same file (its pieces split at `\n`).
fn template_lines(source: &str) -> Vec<String> {
    let raw = |l: &str| -> Option<String> {
        let inner = l.trim().strip_prefix('"')?.split('"').next()?;
        Some(inner.to_string())
    };
    let literal = |l: &str| raw(l).map(|l| l.trim_end_matches("\\n").to_string());
    let mut out = Vec::new();
    let lines: Vec<&str> = source.lines().collect();
    for line in &lines {
        let t = line.trim();
        // `name!(),` or `name!(args),`: each use is one copy of the macro's lines.
        let invoked = t
            .strip_suffix("),")
            .and_then(|t| t.split_once("!("))
            .map(|(name, _)| name)
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_'));
        if let Some(name) = invoked {
            let head = format!("macro_rules! {name}");
            if let Some(start) = lines.iter().position(|l| l.trim().starts_with(&head)) {
                // `concat!` pieces joined, then split at each "\n": rustfmt may spread
                // one instruction over several pieces (`"lb {x}, ", $k, "({px})\n"`).
                let joined: String = lines[start + 1..]
                    .iter()
                    .take_while(|l| !l.starts_with('}'))
                    .filter_map(|l| raw(l))
                    .collect();
                let body = joined.split("\\n").filter(|l| !l.trim().is_empty());
                out.extend(body.map(str::to_string));
                continue;
            }
        }
        if let Some(l) = literal(t) {
            out.push(l);
        }
    }
    out
}

/// The instructions of the loop labelled `label` in `source`, one per line.
fn loop_body(source: &str, label: &str) -> Option<Vec<String>> {
    let lines = template_lines(source);
    // Thumb's `bne 3b`, RISC-V's `bne {px}, {end}, 3b`, or Armv8.1-M's low-overhead
    // loop end `letp lr, 3b`.
    let open = format!("{label}:");
    let closes = |l: &String| {
        (l.starts_with("bne ")
            && (*l == format!("bne {label}b") || l.ends_with(&format!(", {label}b"))))
            || *l == format!("letp lr, {label}b")
    };
    let start = lines.iter().position(|l| *l == open)?;
    let end = start + lines[start..].iter().position(closes)?;
    Some(lines[start + 1..=end].to_vec())
}

/// Registers in an `LDM` list: `ldm r11!, {{r2-r5}}` has 4, `{{r2, r3}}` 2.
fn ldm_registers(line: &str) -> u32 {
    let list = line.rsplit('{').next().unwrap_or("").trim_end_matches('}');
    list.split(',')
        .map(|item| {
            let number = |r: &str| r.trim().trim_start_matches('r').parse::<u32>().ok();
            match item.split_once('-') {
                Some((a, b)) => match (number(a), number(b)) {
                    (Some(a), Some(b)) if b >= a => b - a + 1,
                    _ => 1,
                },
                None => 1,
            }
        })
        .sum()
}

/// Estimated Cortex-M4 cycles of one pass of a loop, best and worst case, from the
/// instruction timings of the Cortex-M4 Technical Reference Manual (ARM DDI 0439B,
/// table 3-1). Assumptions: zero-wait-state memory; `LDM` of N registers takes 1 + N,
/// `LDRD` 3 (1 + 2 words); `LDR` 2, or 1 right after another `LDR` (pipelined loads); `SXTB16`, `SMLAD` and
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

/// [`CycleEstimate`] of the loop labelled `label` in `path` on a Cortex-M4.
pub fn cortex_m4_cycles(path: &Path, label: &str) -> Result<CycleEstimate, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let body = loop_body(&text, label).ok_or(format!("{}: no loop", path.display()))?;
    Ok(m4_timing(&body))
}

/// [`CycleEstimate`] of a Cortex-M4 loop this project does not have, for the estimate of
/// what would close the gap to the best published result: weights stored as
/// sign-extended halfword pairs (in the widened input's `x0 x2 x1 x3` order), so the
/// loop needs no `SXTB16`. Per 8 inputs of two rows: one `LDM` of four input words,
/// one `LDM` of four weight words per row and 8 `SMLAD`; four such groups per pass of 64
/// MACs, then `SUBS` and the taken `BNE`. Timed by [`cortex_m4_cycles`]'s rules, from
/// the same instruction list that function would read.
pub fn prewidened_m4_cycles() -> CycleEstimate {
    let group = [
        "ldm r11!, {{r2-r5}}",
        "ldm r1!, {{r6-r9}}",
        "ldm lr!, {{r6-r9}}",
    ]
    .into_iter()
    .chain(std::iter::repeat_n("smlad r0, r6, r2, r0", 8));
    let body: Vec<String> = std::iter::repeat_n(group, 4)
        .flatten()
        .chain(["subs r12, r12, #1", "bne 3b"])
        .map(str::to_string)
        .collect();
    m4_timing(&body)
}

/// [`cortex_m4_cycles`]'s timing of a loop body.
fn m4_timing(body: &[String]) -> CycleEstimate {
    let mut fixed = 0u32;
    let mut branches = 0u32;
    let mut previous = "";
    for line in body {
        let op = line.split_whitespace().next().unwrap_or("");
        fixed += match op {
            "ldm" => 1 + ldm_registers(line),
            "ldrd" => 3,
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
    CycleEstimate {
        best: fixed + branches,
        worst: fixed + 3 * branches,
        macs: count_body(body).macs,
    }
}

/// [`CycleEstimate`] of the loop labelled `label` in `path` on a Cortex-M0+, from its
/// Technical Reference Manual (ARM DDI 0484C, table 3-1): loads 2 cycles, `MULS` 1 (the
/// single-cycle multiplier most parts configure), a taken branch 2, everything else 1.
pub fn cortex_m0plus_cycles(path: &Path, label: &str) -> Result<CycleEstimate, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let body = loop_body(&text, label).ok_or(format!("{}: no loop", path.display()))?;
    let cycles: u32 = body
        .iter()
        .map(|line| match line.split_whitespace().next().unwrap_or("") {
            op if op.starts_with("ldr") => 2,
            "bne" | "b" | "beq" => 2,
            _ => 1,
        })
        .sum();
    Ok(CycleEstimate {
        best: cycles,
        worst: cycles,
        macs: count_body(&body).macs,
    })
}

/// Whole-inference cycles per MAC, best and worst, estimated from a measured instruction
/// count: `passes` passes of the inner loop at its estimated cycles, every other
/// instruction (per-row requantization, loop bookkeeping, quantization, score) at 1
/// (best) to 2 (worst) cycles, an assumption: most are 1-cycle data processing, loads
/// take 2, taken branches 2 to 4.
pub fn whole_inference_cycles(
    instructions: f64,
    macs: usize,
    passes: usize,
    inner: LoopCount,
    cycles: CycleEstimate,
) -> (f64, f64) {
    let inner_instructions = (passes * inner.instructions) as f64;
    if inner_instructions > instructions {
        // More loop instructions than were measured: the pass count is wrong, say so.
        return (f64::NAN, f64::NAN);
    }
    let other = instructions - inner_instructions;
    let macs = macs.max(1) as f64;
    let best = passes as f64 * f64::from(cycles.best) + other;
    let worst = passes as f64 * f64::from(cycles.worst) + 2.0 * other;
    (best / macs, worst / macs)
}

fn count_body(body: &[String]) -> LoopCount {
    let macs = body
        .iter()
        .map(|l| match l.split_whitespace().next() {
            Some("smlad") => 2,
            // Helium: sixteen int8 products into one accumulator.
            Some("vmladava.s8") => 16,
            Some("muls" | "mul") => 1,
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
        let kernels = crate::workspace_root().join("runtime/src/kernels");
        let m4 = inner_loop(&kernels.join("arm_dsp_dense.rs"), "3").expect("DSP loop");
        assert_eq!((m4.instructions, m4.macs), (78, 64));
        let m0 = inner_loop(&kernels.join("arm_thumb_quad.rs"), "4").expect("Thumb loop");
        assert_eq!((m0.instructions, m0.macs), (57, 16));
        let rv = inner_loop(&kernels.join("riscv32.rs"), "7").expect("RISC-V loop");
        assert_eq!((rv.instructions, rv.macs), (210, 64));
        let rv4 = inner_loop(&kernels.join("riscv32.rs"), "3").expect("RISC-V 4-row loop");
        assert_eq!((rv4.instructions, rv4.macs), (110, 32));
        let mve = inner_loop(&kernels.join("arm_mve_dense.rs"), "3").expect("Helium loop");
        assert_eq!((mve.instructions, mve.macs), (10, 64));
        assert_eq!(ldm_registers("ldm r11!, {{r2-r5}}"), 4);
        assert_eq!(ldm_registers("ldm {xp}!, {{r2, r3}}"), 2);
    }

    #[test]
    fn estimates_the_cortex_m4_loop_from_the_trm_timings() {
        let kernels = crate::workspace_root().join("runtime/src/kernels");
        let e = cortex_m4_cycles(&kernels.join("arm_dsp_dense.rs"), "3").expect("DSP loop");
        // Four LDM of 4: 20; eight LDRD: 24; 32 SXTB16 + 32 SMLAD + SUBS: 65; the taken
        // BNE: 2 to 4.
        assert_eq!((e.best, e.worst, e.macs), (111, 113, 64));
        // Four groups of three LDM of 4 (15) and 8 SMLAD: 92; SUBS; the BNE 2 to 4.
        let w = prewidened_m4_cycles();
        assert_eq!((w.best, w.worst, w.macs), (95, 97, 64));
        // Per column 5 LDRSB (10) + 4 MULS + 4 ADD + ADDS (9); four columns and the BNE.
        let m0 = cortex_m0plus_cycles(&kernels.join("arm_thumb_quad.rs"), "4").expect("Thumb loop");
        assert_eq!((m0.best, m0.macs), (78, 16));
        // 10 passes of that loop (570 instructions, 160 MACs) and 70 other instructions.
        let inner = LoopCount {
            instructions: 57,
            macs: 16,
        };
        let (best, worst) = whole_inference_cycles(640.0, 160, 10, inner, m0);
        assert_eq!((best, worst), (850.0 / 160.0, 920.0 / 160.0));
        // A pass count the measurement cannot hold gives no estimate.
        assert!(whole_inference_cycles(500.0, 160, 10, inner, m0).0.is_nan());
    }
}
