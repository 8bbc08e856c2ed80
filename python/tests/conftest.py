"""Model files for the tests, written by the `bottleneck` command line of this checkout.

The CLI is the reference: the package must load what it writes and compute what its
`predict` computes. It is taken from $BOTTLENECK_CLI, else built with cargo (the
workspace's shared target directory and profile).
"""

import csv
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _cli() -> Path:
    given = os.environ.get("BOTTLENECK_CLI")
    if given:
        return Path(given)
    subprocess.run(
        ["cargo", "build", "-q", "-p", "bottleneck-trainer", "--bin", "bottleneck"],
        cwd=ROOT,
        check=True,
    )
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "bottleneck"


@pytest.fixture(scope="session")
def cli() -> Path:
    path = _cli()
    assert path.exists(), f"no bottleneck binary at {path}"
    return path


def run(cli: Path, *args: str) -> str:
    out = subprocess.run([str(cli), *args], check=True, capture_output=True, text=True)
    return out.stdout


class Trained:
    """A model file, the CSV it was checked on and the CLI's predictions for that CSV."""

    def __init__(self, model: Path, data: Path, predictions: Path):
        self.model = model
        self.data = data
        with open(data, newline="") as f:
            rows = list(csv.reader(f))
        header = rows[0]
        label = header.index("label")
        self.feature_names = [h for i, h in enumerate(header) if i != label]
        self.X = np.array(
            [[float(v) for i, v in enumerate(r) if i != label] for r in rows[1:]],
            dtype=np.float64,
        )
        self.labels = [r[label] for r in rows[1:]]
        with open(predictions, newline="") as f:
            self.predictions = list(csv.DictReader(f))


def _train(cli: Path, directory: Path, task: str) -> Trained:
    out = directory / task
    run(cli, "train", "--task", task, "--epochs", "10", "--out", str(out), "-q")
    data = directory / "data.csv"
    if not data.exists():
        run(cli, "generate", "--samples", "300", "--seed", "7", "--out", str(data))
    predictions = out / "predictions.csv"
    run(
        cli, "predict", str(out / "model.bin"), "--data", str(data),
        "--label-column", "label", "--out", str(predictions),
    )
    return Trained(out / "model.bin", data, predictions)


@pytest.fixture(scope="session")
def both(cli, tmp_path_factory) -> Trained:
    """A file with a classifier head and a decoder (`--task both`)."""
    return _train(cli, tmp_path_factory.mktemp("models"), "both")


@pytest.fixture(scope="session")
def classifier(cli, tmp_path_factory) -> Trained:
    """A file with a classifier head only (`--task classify`)."""
    return _train(cli, tmp_path_factory.mktemp("models"), "classify")


@pytest.fixture(scope="session")
def detector(cli, tmp_path_factory) -> Trained:
    """A file with a decoder only (`--task anomaly`)."""
    return _train(cli, tmp_path_factory.mktemp("models"), "anomaly")
