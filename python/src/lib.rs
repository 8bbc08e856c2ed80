//! `bottleneck._native`: the device runtime (and, through the package's Python side,
//! the trainer) for Python. The public API is the `bottleneck` package around it
//! (`python/bottleneck/`), which validates and converts NumPy input before it gets here.

use pyo3::prelude::*;

mod errors;
mod fit;
mod model;

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<model::NativeModel>()?;
    m.add_class::<fit::NativeFit>()?;
    m.add_function(wrap_pyfunction!(fit::fit, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
