"""``bottleneck.Model``: a model file, checked and run by the no_std runtime."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import numpy as np

from ._native import InputError, NativeModel

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]


class Model:
    """A Bottleneck model file, checked completely on load (header, CRC, every dimension
    and range) and run by the device runtime's integer arithmetic.

    Use :meth:`Model.load`; the constructor takes the extension's object.
    """

    def __init__(self, native: NativeModel) -> None:
        self._native = native

    @classmethod
    def load(cls, source: Source) -> "Model":
        """Loads a model from a path or from the file's bytes.

        Raises ``FormatError`` (a ``ValueError``) for a corrupt, truncated or foreign
        file, and ``TypeError`` for anything that is neither a path nor bytes.
        """
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
        elif isinstance(source, (str, os.PathLike)):
            data = Path(source).read_bytes()
        else:
            raise TypeError(
                f"Model.load takes a path or the file's bytes, not {type(source).__name__}"
            )
        return cls(NativeModel(data))

    def __reduce__(self) -> Any:
        # Pickled as its file: loading checks it again.
        return (Model.load, (self.to_bytes(),))

    def to_bytes(self) -> bytes:
        """The model file's bytes."""
        return self._native.to_bytes()

    @property
    def n_inputs(self) -> int:
        """Inputs per sample (columns of ``X``)."""
        return self._native.n_inputs

    @property
    def n_features(self) -> int:
        """Bottleneck features per sample."""
        return self._native.n_features

    @property
    def n_classes(self) -> int:
        """Classes of the classifier head (0 without one)."""
        return self._native.n_classes

    @property
    def labels(self) -> List[str]:
        """Class labels in class order: ``labels[predict(X)[i]]`` names row ``i``'s class."""
        return self._native.labels

    @property
    def feature_names(self) -> List[str]:
        """The training columns' names, in input order."""
        return self._native.feature_names

    @property
    def threshold(self) -> Optional[int]:
        """The integer anomaly threshold (files with a decoder), else ``None``."""
        return self._native.threshold

    @property
    def score_scale(self) -> Optional[float]:
        """One integer score step as a mean squared error of the scaled inputs."""
        return self._native.score_scale

    def _rows(self, X: Any) -> np.ndarray:
        """``X`` as the C-contiguous float32 rows the runtime takes, or a ValueError
        naming what is wrong. A pandas DataFrame's columns are matched by name, as
        ``bottleneck eval`` matches a CSV's."""
        columns = getattr(X, "columns", None)
        if columns is not None:
            names = [str(c) for c in columns]
            missing = [n for n in self.feature_names if n not in names]
            if missing:
                shown = ", ".join(repr(n) for n in missing[:5])
                more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
                raise ValueError(f"X lacks the model's columns {shown}{more}")
            X = X[self.feature_names]
        array = np.asarray(X)
        if array.dtype.kind not in "biuf":
            raise ValueError(f"X must be numeric; got dtype {array.dtype}")
        if array.ndim != 2:
            hint = " (one sample: X.reshape(1, -1))" if array.ndim == 1 else ""
            raise ValueError(
                f"X must be 2-D, rows x {self.n_inputs} inputs; got {array.ndim}-D{hint}"
            )
        if array.shape[0] == 0:
            raise ValueError("X has 0 rows; at least 1 is needed")
        if array.shape[1] != self.n_inputs:
            raise ValueError(
                f"X has {array.shape[1]} columns; the model takes {self.n_inputs} inputs"
            )
        # A finite value beyond float32's range becomes infinite here; the runtime then
        # rejects it and `_call` names it.
        with np.errstate(over="ignore"):
            return np.ascontiguousarray(array, dtype=np.float32)

    def _call(self, method: Any, X: Any) -> Any:
        original = X
        rows = self._rows(X)
        try:
            return method(rows)
        except InputError as error:
            # A finite float64 beyond float32's range became infinite in the conversion:
            # say so rather than calling the user's value infinite.
            if getattr(original, "columns", None) is not None:
                raise
            values = np.asarray(original, dtype=np.float64)
            if values.shape == rows.shape:
                bad = ~np.isfinite(rows) & np.isfinite(values)
                if bad.any():
                    r, c = (int(i) for i in np.argwhere(bad)[0])
                    raise InputError(
                        f"X[{r}, {c}] = {float(values[r, c])!r} is beyond float32's range"
                    ) from error
            raise

    def predict(self, X: Any) -> np.ndarray:
        """The class index of each row (int64), as the device's head computes it."""
        return self._call(self._native.predict, X)

    def predict_labels(self, X: Any) -> np.ndarray:
        """The class label of each row."""
        return np.asarray(self.labels, dtype=object)[self.predict(X)]

    def logits(self, X: Any) -> np.ndarray:
        """The int32 logits of each row, ``rows x n_logits`` (binary heads: one)."""
        return self._call(self._native.logits, X)

    def scores(self, X: Any) -> np.ndarray:
        """The integer anomaly score of each row (uint32), as the device computes it."""
        return self._call(self._native.scores, X)

    def is_anomaly(self, X: Any) -> np.ndarray:
        """Whether each row's score is above the file's threshold (as ``detect``)."""
        return self.scores(X) > np.uint32(self._native.threshold)

    def self_test(self) -> int:
        """Runs the golden vectors stored in the file; returns how many passed, or raises
        ``SelfTestError`` naming the first that did not."""
        return self._native.self_test()

    def inspect(self) -> Dict[str, Any]:
        """What the file holds: widths, classes, labels, feature names, threshold, sizes."""
        return self._native.inspect()

    def __repr__(self) -> str:
        parts = [f"{self.n_inputs} inputs", f"{self.n_features} features"]
        if self.n_classes:
            parts.append(f"{self.n_classes} classes")
        if self.threshold is not None:
            parts.append(f"anomaly threshold {self.threshold}")
        return f"<bottleneck.Model: {', '.join(parts)}>"


__all__ = ["Model"]
