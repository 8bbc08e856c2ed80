#!/usr/bin/env python3
"""Writes trainer/tests/fixtures/sklearn_make_classification.json: scikit-learn's
make_classification and train_test_split for a few recipes, as rows and FNV-1a checksums
that trainer/tests/sklearn_data.rs compares bit for bit with the built-in generator.

Run from the repository root with scikit-learn installed (CI does not need it):
    python3 scripts/sklearn_fixtures.py
"""
import json
import struct

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split


def fnv1a(values, fmt):
    """FNV-1a 64 over the little-endian bytes of each value, row-major."""
    h = 0xCBF29CE484222325
    for v in np.asarray(values).ravel():
        for byte in struct.pack(fmt, v):
            h ^= byte
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


RECIPES = [
    # The tutorial's data (the default `bottleneck train` problem); tracking selection.
    dict(n_samples=1000, n_features=100, n_informative=10, n_redundant=90,
         n_classes=2, n_clusters_per_class=2, flip_y=0.01, class_sep=1.0, random_state=1),
    # Three classes, an odd split of rows, noise columns; permutation sampling.
    dict(n_samples=203, n_features=12, n_informative=3, n_redundant=4,
         n_classes=3, n_clusters_per_class=1, flip_y=0.2, class_sep=1.5, random_state=7),
    # Every vertex used: reservoir sampling.
    dict(n_samples=50, n_features=5, n_informative=2, n_redundant=2,
         n_classes=2, n_clusters_per_class=2, flip_y=0.0, class_sep=0.5, random_state=4294967295),
]

cases = []
for recipe in RECIPES:
    X, y = make_classification(**recipe)
    seed = recipe["random_state"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.33, random_state=seed)
    cases.append(dict(
        recipe=recipe,
        first_rows=[[repr(float(v)) for v in row] for row in X[:2]],
        last_row=[repr(float(v)) for v in X[-1]],
        x_fnv=fnv1a(X, "<d"),
        y=[int(v) for v in y[:40]],
        y_fnv=fnv1a(y, "<q"),
        split_test_rows=len(y_test),
        x_train_fnv=fnv1a(X_train, "<d"),
        y_train_fnv=fnv1a(y_train, "<q"),
        x_test_fnv=fnv1a(X_test, "<d"),
        y_test_fnv=fnv1a(y_test, "<q"),
    ))

out = dict(
    generated_by="scripts/sklearn_fixtures.py",
    scikit_learn=sklearn.__version__,
    numpy=np.__version__,
    cases=cases,
)
with open("trainer/tests/fixtures/sklearn_make_classification.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", len(cases), "cases")
