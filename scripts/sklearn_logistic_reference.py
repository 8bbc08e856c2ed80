#!/usr/bin/env python3
"""Reference fits for trainer/tests/classifier.rs: scikit-learn's LogisticRegression() on
data computed from a formula the test repeats. Prints classes, iterations, coef, intercept."""
import numpy as np
from sklearn.linear_model import LogisticRegression
def data(n, d, k):
    i = np.arange(n)[:, None]; j = np.arange(d)[None, :]
    x = np.sin(0.37 * i * (j + 1) + 0.11 * j) * (1.0 + 0.5 * (j % 3))
    x = x.astype(np.float32)
    s = x[:, 0].astype(np.float64) + 0.5 * x[:, 1] - 0.8 * x[:, 2] + 0.3 * np.cos(np.arange(n) * 0.7)
    if k == 2:
        y = (s > 0).astype(int)
    else:
        y = np.digitize(s, [-0.7, 0.7])
    return x, y
for k in (2, 3):
    x, y = data(120, 4, k)
    m = LogisticRegression().fit(x.astype(np.float64), y)
    print(k, m.n_iter_, repr(m.coef_.tolist()), repr(m.intercept_.tolist()))
