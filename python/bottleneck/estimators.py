"""scikit-learn estimators over the Bottleneck trainer.

``AutoencoderClassifier`` is the tutorial: an MLP autoencoder, a logistic regression on
its bottleneck features, quantized to int8. ``AutoencoderAnomalyDetector`` learns normal
rows and flags those it reconstructs badly. Both train with the same code as
``bottleneck train`` (``bottleneck_trainer::fit``), so the same rows and settings give the
same model file, byte for byte; both predict with the int8 model the device runs
(``model_``, a :class:`bottleneck.Model`), so what scores well here is what ships.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, OutlierMixin, TransformerMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _native
from ._model import Model


def _feature_names(estimator: BaseEstimator, n_features: int) -> List[str]:
    """The file's feature names: a DataFrame's columns, else ``x0``, ``x1``, ... (the
    names of the CLI's built-in problem and scikit-learn's own default)."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    return [f"x{i}" for i in range(n_features)]


def _write_atomically(path: "os.PathLike[str] | str", data: bytes) -> None:
    """Writes ``data`` to a temporary file beside ``path`` and renames it over ``path``:
    a failure never leaves a half-written model file."""
    target = Path(path)
    fd, temporary = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class _Autoencoder(BaseEstimator):
    """Parameters shared by both estimators; ``__init__`` only stores them."""

    def __init__(
        self,
        *,
        bottleneck: Optional[int] = None,
        hidden: Optional[Sequence[int]] = None,
        epochs: int = 200,
        batch_size: int = 16,
        learning_rate: float = 1e-3,
        activation: str = "leaky-relu",
        bottleneck_activation: str = "linear",
        engine: str = "fused",
        random_state: int = 1,
    ) -> None:
        self.bottleneck = bottleneck
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.activation = activation
        self.bottleneck_activation = bottleneck_activation
        self.engine = engine
        self.random_state = random_state

    def _settings(self) -> Dict[str, Any]:
        seed = self.random_state
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(
                f"random_state must be a non-negative integer (the trainer's seed), not {seed!r}"
            )
        return dict(
            bottleneck=self.bottleneck,
            hidden=None if self.hidden is None else [int(h) for h in self.hidden],
            epochs=int(self.epochs),
            batch_size=int(self.batch_size),
            learning_rate=float(self.learning_rate),
            seed=int(seed),
            activation=self.activation,
            bottleneck_activation=self.bottleneck_activation,
            engine=self.engine,
        )

    def _fit_rows(
        self,
        X: Any,
        labels: Optional[List[str]],
        eval_set: Optional[Tuple[Any, Any]],
        **task: Any,
    ) -> Any:
        rows = np.ascontiguousarray(X, dtype=np.float32)
        if rows.shape[1] < 2 and self.bottleneck is None:
            raise ValueError(
                f"X has {rows.shape[1]} feature(s); the default bottleneck (half the "
                "features, rounded) would be empty: set bottleneck"
            )
        names = _feature_names(self, rows.shape[1])
        eval_x = eval_y = None
        if eval_set is not None:
            ex, ey = eval_set
            ex = validate_data(self, ex, reset=False, dtype=np.float32, ensure_all_finite=True)
            eval_x = np.ascontiguousarray(ex, dtype=np.float32)
            eval_y = [str(v) for v in np.asarray(ey).ravel()]
        fitted = _native.fit(
            rows, labels, names, eval_x, eval_y, **self._settings(), **task
        )
        self.model_ = Model.load(fitted.model_bytes())
        self.report_: Dict[str, Any] = json.loads(fitted.report_json())
        self.scaler_min_, self.scaler_range_ = fitted.scaler()
        self.encoder_layers_ = fitted.encoder_layers()
        return fitted

    def export(self, path: "os.PathLike[str] | str") -> None:
        """Writes the int8 model file (what ``bottleneck train`` writes as model.bin)."""
        check_is_fitted(self, "model_")
        _write_atomically(path, self.model_.to_bytes())

    def _device_rows(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=np.float32, ensure_all_finite=True)
        return np.ascontiguousarray(X, dtype=np.float32)

    def transform(self, X: Any) -> np.ndarray:
        """The float encoder's bottleneck features (the tutorial's ``encoder.predict``):
        the trainer's min-max scaling in float32 as the trainer scales, then the encoder
        with each BatchNorm folded into its layer (``encoder_layers_``), in float64."""
        rows = self._device_rows(X)
        z = ((rows - self.scaler_min_) / self.scaler_range_).astype(np.float64)
        for weights, bias, slope in self.encoder_layers_:
            z = z @ weights.T + bias
            if slope is not None:
                z = np.where(z < 0.0, z * slope, z)
        return z


class AutoencoderClassifier(ClassifierMixin, TransformerMixin, _Autoencoder):
    """The tutorial as an estimator: an autoencoder learns the rows, a logistic
    regression (scikit-learn's ``LogisticRegression()``, reproduced) classifies its
    bottleneck features, and both are quantized to one int8 model file.

    ``predict``, ``predict_proba`` and ``score`` run the int8 model (``model_``) with the
    device's arithmetic; ``transform`` gives the float encoder's features.

    Fitted attributes: ``classes_``, ``n_features_in_``, ``feature_names_in_`` (from a
    DataFrame), ``model_`` (:class:`bottleneck.Model`), ``report_`` (the trainer's report).
    """

    def fit(self, X: Any, y: Any, eval_set: Optional[Tuple[Any, Any]] = None) -> "AutoencoderClassifier":
        """Trains on ``X``, ``y``. ``eval_set=(X_test, y_test)`` holds rows out as
        ``bottleneck train``'s test split: the validation loss, the file's golden vectors
        and the report's test figures (without it, the training rows serve)."""
        X, y = validate_data(self, X, y, dtype=np.float32, ensure_all_finite=True)
        check_classification_targets(y)
        values = np.asarray(y).ravel()
        labels = [str(v) for v in values]
        if len(set(labels)) < 2:
            raise ValueError("y has 1 class; a classifier needs at least 2")
        fitted = self._fit_rows(X, labels, eval_set, task="classify")
        # Class order is the trainer's (numeric when every label is an integer, as
        # scikit-learn's); map back to the caller's values.
        original = {str(v): v for v in values}
        self.classes_ = np.asarray([original[c] for c in fitted.classes()])
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The class of each row, by the int8 model."""
        rows = self._device_rows(X)
        return self.classes_[self.model_.predict(rows)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from the int8 logits, as the device computes them."""
        rows = self._device_rows(X)
        return self.model_._native.probabilities(rows).astype(np.float64)

    def decision_function(self, X: Any) -> np.ndarray:
        """The int8 logits as floats (binary: one column, raveled, as scikit-learn's)."""
        rows = self._device_rows(X)
        logits = self.model_.logits(rows).astype(np.float64)
        return logits.ravel() if logits.shape[1] == 1 else logits


class AutoencoderAnomalyDetector(OutlierMixin, TransformerMixin, _Autoencoder):
    """An autoencoder trained on normal rows; a row whose reconstruction error is above
    the threshold (``threshold_quantile`` of the training rows' device scores) is an
    outlier. ``predict`` gives +1 (inlier) or -1 (outlier), as scikit-learn's outlier
    detectors do, from the device's integer score against its integer threshold.

    Fitted attributes: ``n_features_in_``, ``feature_names_in_``, ``model_``,
    ``report_``, ``offset_`` (``decision_function = score_samples - offset_``).
    """

    def __init__(
        self,
        *,
        threshold_quantile: float = 0.99,
        bottleneck: Optional[int] = None,
        hidden: Optional[Sequence[int]] = None,
        epochs: int = 200,
        batch_size: int = 16,
        learning_rate: float = 1e-3,
        activation: str = "leaky-relu",
        bottleneck_activation: str = "linear",
        engine: str = "fused",
        random_state: int = 1,
    ) -> None:
        super().__init__(
            bottleneck=bottleneck,
            hidden=hidden,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            activation=activation,
            bottleneck_activation=bottleneck_activation,
            engine=engine,
            random_state=random_state,
        )
        self.threshold_quantile = threshold_quantile

    def fit(self, X: Any, y: Any = None) -> "AutoencoderAnomalyDetector":
        """Learns the rows of ``X``, all taken as normal (``y`` is ignored)."""
        X = validate_data(self, X, dtype=np.float32, ensure_all_finite=True)
        if X.shape[0] < 2:
            raise ValueError(f"X has {X.shape[0]} sample(s); the autoencoder needs at least 2")
        self._fit_rows(
            X, None, None, task="anomaly", threshold_quantile=float(self.threshold_quantile)
        )
        self.offset_ = -float(self.model_.threshold) * float(self.model_.score_scale)
        return self

    def score_samples(self, X: Any) -> np.ndarray:
        """Minus each row's reconstruction error (the device's integer score times its
        scale): the lower, the more abnormal, as scikit-learn's detectors."""
        rows = self._device_rows(X)
        scores = self.model_.scores(rows).astype(np.float64)
        return -scores * float(self.model_.score_scale)

    def decision_function(self, X: Any) -> np.ndarray:
        """``score_samples - offset_``: negative for outliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X: Any) -> np.ndarray:
        """+1 for inliers, -1 for outliers, from the integers (score > threshold)."""
        rows = self._device_rows(X)
        return np.where(self.model_.is_anomaly(rows), -1, 1)


__all__ = ["AutoencoderAnomalyDetector", "AutoencoderClassifier"]
