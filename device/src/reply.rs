//! Writing replies: one `m-…` or `e-[…]` line each, ended by `\r\n` as the runner expects.

use core::fmt::{self, Write};

/// `m-<what>-[a,b,c]`.
pub fn list<T: fmt::Display>(
    out: &mut impl Write,
    what: &str,
    values: impl IntoIterator<Item = T>,
) -> fmt::Result {
    write!(out, "m-{what}-[")?;
    for (k, v) in values.into_iter().enumerate() {
        if k > 0 {
            out.write_char(',')?;
        }
        write!(out, "{v}")?;
    }
    out.write_str("]\r\n")
}

/// `e-[<message>]`.
pub fn error(out: &mut impl Write, message: impl fmt::Display) -> fmt::Result {
    write!(out, "e-[{message}]\r\n")
}

/// `m-<message>`.
pub fn message(out: &mut impl Write, message: impl fmt::Display) -> fmt::Result {
    write!(out, "m-{message}\r\n")
}
