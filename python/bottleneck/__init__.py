"""Bottleneck from Python: the device runtime over NumPy arrays.

``bottleneck.Model.load("model.bin")`` checks a model file exactly as a board's loader
does and runs it with the same integer arithmetic, many rows at a time with the GIL
released: the classes, logits and anomaly scores it returns are the integers the
microcontroller computes, bit for bit.

Every error is a ``ValueError`` subclass: ``FormatError`` (a corrupt or foreign file),
``InputError`` (a sample the model cannot take), ``MissingPartError`` (no classifier
head, or no decoder), ``SelfTestError`` (a stored golden vector did not reproduce).
"""

from ._native import (
    BottleneckError,
    FormatError,
    InputError,
    MissingPartError,
    SelfTestError,
    __version__,
)
from ._model import Model


def __getattr__(name: str):
    # The estimators import scikit-learn, which the runtime side does not need.
    if name in ("AutoencoderClassifier", "AutoencoderAnomalyDetector"):
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'bottleneck' has no attribute {name!r}")

__all__ = [
    "AutoencoderAnomalyDetector",
    "AutoencoderClassifier",
    "BottleneckError",
    "FormatError",
    "InputError",
    "MissingPartError",
    "Model",
    "SelfTestError",
    "__version__",
]
