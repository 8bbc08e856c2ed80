//! Dot products for RV32IMC in assembly (the ESP32-C3 class: no SIMD, no
//! multiply-accumulate, no register-plus-register addressing).
//!
//! A multiply-accumulate cannot cost fewer than three instructions here (`LB` of the
//! weight, `MUL`, `ADD`), so the kernel spends as little as it can around them: eight
//! weight rows share each `LB` of the input, every address is a pointer plus an
//! immediate, and the loop is unrolled eight times so that its nine pointer increments
//! and one branch are paid once per 64 MACs — 210 instructions, 3.28 per MAC (four rows
//! at a time, for the rows left over: 110 per 32, 3.44; the portable Rust loop: about
//! 7). The input is read as int8 straight from the activation buffer: no widened copy,
//! so the scratch is `3 * W` bytes as on the Cortex-M0.
#![allow(unsafe_code)]

use core::arch::asm;

use bottleneck_format::DenseLayer;

use super::dense::{LayerRows, rows_by_pairs, rows_in_blocks};
use super::portable;
use super::requantize::record_output;

/// A whole dense layer straight from the weights and channel records to the outputs:
/// eight rows at a time, then four, then the rest. False (nothing done) if the buffers
/// are not as the loader guarantees. The generic block loop with a full record decode per
/// output cost about 80 instructions per output on RV32IMC (profiled under QEMU); this
/// walk with the in-place requantization about 55.
pub fn dense(layer: &DenseLayer<'_>, x: &[i8], dst: &mut [i8]) -> bool {
    let n = layer.n_in();
    let stride = layer.row_stride();
    if n == 0 || x.len() < n || stride < n {
        return false;
    }
    let output = record_output(layer);
    let rows = LayerRows::of(layer);
    // SAFETY (every closure below): each row handed out is `stride >= n` bytes (blocks
    // are whole chunks of `k * stride`), and `x` holds at least `n` values (checked above).
    let eights = rows_in_blocks(
        rows,
        dst,
        0,
        |block| {
            let p = block.as_ptr();
            unsafe {
                dots8(
                    x.as_ptr(),
                    core::array::from_fn(|k| p.wrapping_add(k * stride)),
                    n,
                )
            }
        },
        &output,
    );
    let done = rows_in_blocks(
        rows,
        dst,
        eights,
        |block| {
            let p = block.as_ptr();
            unsafe {
                dots4(
                    x.as_ptr(),
                    core::array::from_fn(|k| p.wrapping_add(k * stride)),
                    n,
                )
            }
        },
        &output,
    );
    rows_by_pairs(
        rows,
        dst,
        done,
        |r0, r1| unsafe {
            (
                dot1(x.as_ptr(), r0.as_ptr(), n),
                dot1(x.as_ptr(), r1.as_ptr(), n),
            )
        },
        |row| unsafe { dot1(x.as_ptr(), row.as_ptr(), n) },
        output,
    );
    true
}

/// Dot products of the rows of `block` (one every `stride` bytes, `n_in` weights each;
/// the last row may stop after its weights) with the first `n_in` values of `x`: four
/// rows at once, fewer one at a time.
pub fn dots(block: &[u8], n_in: usize, stride: usize, x: &[i8], acc: &mut [i32]) {
    let n = n_in;
    let rows = acc.len();
    let needed = rows
        .checked_sub(1)
        .and_then(|r| r.checked_mul(stride))
        .and_then(|b| b.checked_add(n));
    if n == 0 || x.len() < n || stride < n || needed.is_none_or(|b| block.len() < b) {
        return portable::dots(block, n_in, stride, x, acc);
    }
    if let [a0, a1, a2, a3] = acc {
        let p = block.as_ptr();
        let rows = [0, 1, 2, 3].map(|k| p.wrapping_add(k * stride));
        // SAFETY: the four rows start `stride` bytes apart and the last ends at least `n`
        // bytes after its start (checked above); `x` holds at least `n` values.
        [*a0, *a1, *a2, *a3] = unsafe { dots4(x.as_ptr(), rows, n) };
        return;
    }
    for (row, a) in block.chunks(stride).zip(acc.iter_mut()) {
        // SAFETY: every row but the last is `stride >= n` bytes, the last at least `n`
        // (checked above); `x` holds at least `n` values.
        *a = unsafe { dot1(x.as_ptr(), row.as_ptr(), n) };
    }
}

/// Column `$k` of the unrolled loop: the input value, then two rows at a time so that
/// no multiply waits on the load just before it.
macro_rules! column4 {
    ($k:literal) => {
        concat!(
            "lb {x}, ",
            $k,
            "({px})\n",
            "lb {w0}, ",
            $k,
            "({p0})\n",
            "lb {w1}, ",
            $k,
            "({p1})\n",
            "mul {w0}, {w0}, {x}\n",
            "mul {w1}, {w1}, {x}\n",
            "add {a0}, {a0}, {w0}\n",
            "add {a1}, {a1}, {w1}\n",
            "lb {w0}, ",
            $k,
            "({p2})\n",
            "lb {w1}, ",
            $k,
            "({p3})\n",
            "mul {w0}, {w0}, {x}\n",
            "mul {w1}, {w1}, {x}\n",
            "add {a2}, {a2}, {w0}\n",
            "add {a3}, {a3}, {w1}\n",
        )
    };
}

/// Moves the input and the four row pointers on by `$k` columns.
macro_rules! advance4 {
    ($k:literal) => {
        concat!(
            "addi {px}, {px}, ",
            $k,
            "\n",
            "addi {p0}, {p0}, ",
            $k,
            "\n",
            "addi {p1}, {p1}, ",
            $k,
            "\n",
            "addi {p2}, {p2}, ",
            $k,
            "\n",
            "addi {p3}, {p3}, ",
            $k,
            "\n",
        )
    };
}

/// Four dot products of length `n`: the first `n % 8` columns one at a time, then eight
/// per pass (110 instructions for 32 multiply-accumulates).
///
/// # Safety
/// `n >= 1`; `x` and each of `rows` point to at least `n` readable values.
unsafe fn dots4(x: *const i8, rows: [*const u8; 4], n: usize) -> [i32; 4] {
    let [p0, p1, p2, p3] = rows;
    let (mut a0, mut a1, mut a2, mut a3) = (0i32, 0i32, 0i32, 0i32);
    // SAFETY: the loads stay within the first `n` bytes of each array: the single
    // columns run while the input pointer is below `x + n % 8`, the unrolled passes
    // (offsets 0..8) while it is below `x + n`, which it reaches exactly.
    unsafe {
        asm!(
            "beq {px}, {mid}, 2f",
            "1:",
            column4!(0),
            advance4!(1),
            "bne {px}, {mid}, 1b",
            "2:",
            "beq {px}, {end}, 4f",
            "3:",
            column4!(0),
            column4!(1),
            column4!(2),
            column4!(3),
            column4!(4),
            column4!(5),
            column4!(6),
            column4!(7),
            advance4!(8),
            "bne {px}, {end}, 3b",
            "4:",
            px = inout(reg) x => _,
            mid = in(reg) x.wrapping_add(n % 8),
            end = in(reg) x.wrapping_add(n),
            p0 = inout(reg) p0 => _,
            p1 = inout(reg) p1 => _,
            p2 = inout(reg) p2 => _,
            p3 = inout(reg) p3 => _,
            a0 = inout(reg) a0,
            a1 = inout(reg) a1,
            a2 = inout(reg) a2,
            a3 = inout(reg) a3,
            x = out(reg) _,
            w0 = out(reg) _,
            w1 = out(reg) _,
            options(pure, readonly, nostack),
        );
    }
    [a0, a1, a2, a3]
}

/// Column `$k` of the eight-row loop: the input value, then two rows at a time so that
/// no multiply waits on the load just before it.
macro_rules! column8 {
    ($k:literal) => {
        concat!(
            "lb {x}, ",
            $k,
            "({px})\n",
            "lb {w0}, ",
            $k,
            "({p0})\n",
            "lb {w1}, ",
            $k,
            "({p1})\n",
            "mul {w0}, {w0}, {x}\n",
            "mul {w1}, {w1}, {x}\n",
            "add {a0}, {a0}, {w0}\n",
            "add {a1}, {a1}, {w1}\n",
            "lb {w0}, ",
            $k,
            "({p2})\n",
            "lb {w1}, ",
            $k,
            "({p3})\n",
            "mul {w0}, {w0}, {x}\n",
            "mul {w1}, {w1}, {x}\n",
            "add {a2}, {a2}, {w0}\n",
            "add {a3}, {a3}, {w1}\n",
            "lb {w0}, ",
            $k,
            "({p4})\n",
            "lb {w1}, ",
            $k,
            "({p5})\n",
            "mul {w0}, {w0}, {x}\n",
            "mul {w1}, {w1}, {x}\n",
            "add {a4}, {a4}, {w0}\n",
            "add {a5}, {a5}, {w1}\n",
            "lb {w0}, ",
            $k,
            "({p6})\n",
            "lb {w1}, ",
            $k,
            "({p7})\n",
            "mul {w0}, {w0}, {x}\n",
            "mul {w1}, {w1}, {x}\n",
            "add {a6}, {a6}, {w0}\n",
            "add {a7}, {a7}, {w1}\n",
        )
    };
}

/// Moves the input and the eight row pointers on by `$k` columns.
macro_rules! advance8 {
    ($k:literal) => {
        concat!(
            "addi {px}, {px}, ",
            $k,
            "\n",
            "addi {p0}, {p0}, ",
            $k,
            "\n",
            "addi {p1}, {p1}, ",
            $k,
            "\n",
            "addi {p2}, {p2}, ",
            $k,
            "\n",
            "addi {p3}, {p3}, ",
            $k,
            "\n",
            "addi {p4}, {p4}, ",
            $k,
            "\n",
            "addi {p5}, {p5}, ",
            $k,
            "\n",
            "addi {p6}, {p6}, ",
            $k,
            "\n",
            "addi {p7}, {p7}, ",
            $k,
            "\n",
        )
    };
}

/// Eight dot products of length `n`: the first `n % 8` columns one at a time, then eight
/// per pass (210 instructions for 64 multiply-accumulates). 22 registers. Its labels
/// (5-8) differ from `dots4`'s so the benchmark can count its loop (`7:`).
///
/// # Safety
/// `n >= 1`; `x` and each of `rows` point to at least `n` readable values.
unsafe fn dots8(x: *const i8, rows: [*const u8; 8], n: usize) -> [i32; 8] {
    let [p0, p1, p2, p3, p4, p5, p6, p7] = rows;
    let mut a = [0i32; 8];
    // SAFETY: as in `dots4`, for eight rows.
    unsafe {
        asm!(
            "beq {px}, {mid}, 6f",
            "5:",
            column8!(0),
            advance8!(1),
            "bne {px}, {mid}, 5b",
            "6:",
            "beq {px}, {end}, 8f",
            "7:",
            column8!(0),
            column8!(1),
            column8!(2),
            column8!(3),
            column8!(4),
            column8!(5),
            column8!(6),
            column8!(7),
            advance8!(8),
            "bne {px}, {end}, 7b",
            "8:",
            px = inout(reg) x => _,
            mid = in(reg) x.wrapping_add(n % 8),
            end = in(reg) x.wrapping_add(n),
            p0 = inout(reg) p0 => _,
            p1 = inout(reg) p1 => _,
            p2 = inout(reg) p2 => _,
            p3 = inout(reg) p3 => _,
            p4 = inout(reg) p4 => _,
            p5 = inout(reg) p5 => _,
            p6 = inout(reg) p6 => _,
            p7 = inout(reg) p7 => _,
            a0 = inout(reg) a[0],
            a1 = inout(reg) a[1],
            a2 = inout(reg) a[2],
            a3 = inout(reg) a[3],
            a4 = inout(reg) a[4],
            a5 = inout(reg) a[5],
            a6 = inout(reg) a[6],
            a7 = inout(reg) a[7],
            x = out(reg) _,
            w0 = out(reg) _,
            w1 = out(reg) _,
            options(pure, readonly, nostack),
        );
    }
    a
}

/// One column of one row: the input value, the weight, their product added.
macro_rules! column1 {
    ($k:literal) => {
        concat!(
            "lb {x}, ",
            $k,
            "({px})\n",
            "lb {w}, ",
            $k,
            "({pw})\n",
            "mul {w}, {w}, {x}\n",
            "add {a}, {a}, {w}\n",
        )
    };
}

/// One dot product of length `n`, for the rows a block of four leaves over: single
/// columns, then four per pass.
///
/// # Safety
/// `n >= 1`; `x` and `row` point to at least `n` readable values.
unsafe fn dot1(x: *const i8, row: *const u8, n: usize) -> i32 {
    let mut a = 0i32;
    // SAFETY: as in `dots4`, for one row and passes of four columns.
    unsafe {
        asm!(
            "beq {px}, {mid}, 2f",
            "1:",
            column1!(0),
            "addi {px}, {px}, 1",
            "addi {pw}, {pw}, 1",
            "bne {px}, {mid}, 1b",
            "2:",
            "beq {px}, {end}, 4f",
            "3:",
            column1!(0),
            column1!(1),
            column1!(2),
            column1!(3),
            "addi {px}, {px}, 4",
            "addi {pw}, {pw}, 4",
            "bne {px}, {end}, 3b",
            "4:",
            px = inout(reg) x => _,
            mid = in(reg) x.wrapping_add(n % 4),
            end = in(reg) x.wrapping_add(n),
            pw = inout(reg) row => _,
            a = inout(reg) a,
            x = out(reg) _,
            w = out(reg) _,
            options(pure, readonly, nostack),
        );
    }
    a
}
