#!/usr/bin/env python3
"""The Python package against the Rust it wraps, side by side in one process and run.

    python3 scripts/python_bench.py PATH/TO/bottleneck [--runs 5]

Prints one JSON object:
- predict: `bottleneck.Model.predict` on 10,000 rows (float64 in, as NumPy users hold
  them: the conversion to float32 is part of its cost) against the same runtime call
  made from Rust alone on float32 rows (`NativeModel.time_batch`: load, pack, batched
  run), medians of `--runs x 10` calls, microseconds per row;
- fit: `AutoencoderClassifier(random_state=1).fit` on the tutorial's training split
  (eval_set the test split) against `bottleneck train --out <tmp> -q` on the same data
  (the built-in problem, which is that split bit for bit), wall-clock seconds, medians
  of `--runs` runs each, interleaved; plus whether both wrote the same model file.
Exits 2 when the package or scikit-learn is not installed.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import numpy as np
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    import bottleneck
except ImportError as error:
    print(f"{error} (pip install ./python[test])", file=sys.stderr)
    sys.exit(2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cli")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    X, y = make_classification(
        n_samples=1000, n_features=100, n_informative=10, n_redundant=90, random_state=1
    )
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.33, random_state=1)

    cli_seconds, python_seconds = [], []
    same_file = True
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            out = Path(tmp) / f"run{run}"
            start = time.perf_counter()
            subprocess.run([args.cli, "train", "--out", str(out), "-q"], check=True)
            cli_seconds.append(time.perf_counter() - start)
            start = time.perf_counter()
            clf = bottleneck.AutoencoderClassifier(random_state=1)
            clf.fit(X_train, y_train, eval_set=(X_test, y_test))
            python_seconds.append(time.perf_counter() - start)
            same_file &= clf.model_.to_bytes() == (out / "model.bin").read_bytes()

        model = bottleneck.Model.load(Path(tmp) / "run0" / "model.bin")
        rows = np.resize(X, (10_000, X.shape[1]))  # the tutorial's rows, repeated
        rows32 = np.ascontiguousarray(rows, dtype=np.float32)
        model.predict(rows)  # warm up
        python_ns, rust_ns = [], []
        for _ in range(args.runs):
            for _ in range(10):
                start = time.perf_counter_ns()
                model.predict(rows)
                python_ns.append(time.perf_counter_ns() - start)
            rust_ns.extend(model._native.time_batch(rows32, 10))

    per_row = lambda ns: statistics.median(ns) / len(rows) / 1000.0  # noqa: E731
    print(
        json.dumps(
            {
                "package": bottleneck.__version__,
                "predict_rows": len(rows),
                "predict_us_per_row_python": per_row(python_ns),
                "predict_us_per_row_rust": per_row(rust_ns),
                "fit_seconds_python": statistics.median(python_seconds),
                "train_seconds_cli": statistics.median(cli_seconds),
                "same_model_file": same_file,
                "runs": args.runs,
            }
        )
    )


if __name__ == "__main__":
    main()
