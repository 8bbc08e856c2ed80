//! The runtime's errors as Python exceptions: one class per kind of failure, all
//! `ValueError`s (what scikit-learn and NumPy raise for bad input), so `except ValueError`
//! catches every one and `except bottleneck.InputError` only what it names.

use bottleneck_runtime::Error;
use bottleneck_runtime::batch::BatchError;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    bottleneck,
    BottleneckError,
    PyValueError,
    "Base class of every error the runtime reports."
);
create_exception!(
    bottleneck,
    FormatError,
    BottleneckError,
    "The model file failed a check of the loader: corrupt, truncated or not a model file."
);
create_exception!(
    bottleneck,
    InputError,
    BottleneckError,
    "A sample the model cannot take: the wrong number of values, or NaN or infinity."
);
create_exception!(
    bottleneck,
    MissingPartError,
    BottleneckError,
    "The call needs a part the model file does not have (a classifier head or a decoder)."
);
create_exception!(
    bottleneck,
    SelfTestError,
    BottleneckError,
    "A golden vector stored in the file did not reproduce."
);

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("BottleneckError", py.get_type::<BottleneckError>())?;
    m.add("FormatError", py.get_type::<FormatError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("MissingPartError", py.get_type::<MissingPartError>())?;
    m.add("SelfTestError", py.get_type::<SelfTestError>())?;
    Ok(())
}

/// The exception for a runtime error, its message the runtime's own, after `context`.
pub fn to_py(error: &Error, context: &str) -> PyErr {
    let message = if context.is_empty() {
        error.to_string()
    } else {
        format!("{context}: {error}")
    };
    match error {
        Error::Format(_) => FormatError::new_err(message),
        Error::SampleLength { .. } | Error::NonFiniteInput { .. } => InputError::new_err(message),
        Error::MissingPart { .. } => MissingPartError::new_err(message),
        Error::SelfTestFailed { .. } => SelfTestError::new_err(message),
        _ => BottleneckError::new_err(message),
    }
}

/// A batch's error, naming the row (from 0, as NumPy indexes) and, for a non-finite value,
/// the column.
pub fn batch_to_py(error: &BatchError) -> PyErr {
    match error.error {
        Error::NonFiniteInput { index } => InputError::new_err(format!(
            "X[{}, {index}] is NaN or infinite; every value must be finite",
            error.row
        )),
        other => to_py(&other, &format!("row {}", error.row)),
    }
}
