"""The scikit-learn estimators: parity with `bottleneck train`, scikit-learn's
conventions, and the README's example run as written."""

import json
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import bottleneck  # noqa: E402
from bottleneck import AutoencoderAnomalyDetector, AutoencoderClassifier  # noqa: E402

from conftest import ROOT, run  # noqa: E402


def tutorial():
    X, y = make_classification(
        n_samples=1000, n_features=100, n_informative=10, n_redundant=90, random_state=1
    )
    return train_test_split(X, y, test_size=0.33, random_state=1)


@pytest.fixture(scope="module")
def fitted():
    X_train, X_test, y_train, y_test = tutorial()
    clf = AutoencoderClassifier(random_state=1)
    clf.fit(X_train, y_train, eval_set=(X_test, y_test))
    return clf, (X_train, X_test, y_train, y_test)


def test_the_tutorial_gives_the_clis_file_and_accuracy(fitted, cli, tmp_path):
    clf, (_, X_test, _, y_test) = fitted
    run(cli, "train", "--seed", "1", "--out", str(tmp_path), "-q")
    cli_bytes = (tmp_path / "model.bin").read_bytes()
    assert clf.model_.to_bytes() == cli_bytes
    report = json.loads((tmp_path / "report.json").read_text())
    assert clf.score(X_test, y_test) == pytest.approx(report["device"]["device_accuracy"], abs=1e-12)
    assert clf.report_["accuracy"] == report["accuracy"]
    clf.export(tmp_path / "python.bin")
    assert (tmp_path / "python.bin").read_bytes() == cli_bytes


def test_fitted_attributes_and_predictions(fitted):
    clf, (X_train, X_test, _, y_test) = fitted
    assert clf.n_features_in_ == 100
    assert list(clf.classes_) == [0, 1]
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2)
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert (clf.classes_[proba.argmax(axis=1)] == clf.predict(X_test)).all()
    assert clf.decision_function(X_test).shape == (len(X_test),)
    features = clf.transform(X_test)
    assert features.shape == (len(X_test), 50) and np.isfinite(features).all()
    assert clf.model_.self_test() > 0


def test_parameters_clone_and_pickle(fitted):
    clf, (_, X_test, _, _) = fitted
    params = clf.get_params()
    assert params["epochs"] == 200 and params["random_state"] == 1
    assert clone(clf).set_params(epochs=3).get_params()["epochs"] == 3
    assert not hasattr(clone(clf), "model_")
    restored = pickle.loads(pickle.dumps(clf))
    assert (restored.predict(X_test) == clf.predict(X_test)).all()
    assert np.array_equal(restored.transform(X_test), clf.transform(X_test))
    assert restored.model_.to_bytes() == clf.model_.to_bytes()


def test_string_labels_and_dataframe_columns_reach_the_file():
    pandas = pytest.importorskip("pandas")
    X, y = make_classification(n_samples=120, n_features=6, n_informative=3, random_state=0)
    frame = pandas.DataFrame(X, columns=[f"sensor_{i}" for i in range(6)])
    labels = np.where(y == 1, "pump", "fan")
    clf = AutoencoderClassifier(epochs=3).fit(frame, labels)
    assert list(clf.classes_) == ["fan", "pump"]
    assert clf.model_.feature_names == list(frame.columns)
    assert clf.model_.labels == ["fan", "pump"]
    assert set(clf.predict(frame)) <= {"fan", "pump"}


def test_inside_a_pipeline_and_a_grid_search():
    X, y = make_classification(n_samples=160, n_features=8, n_informative=4, random_state=2)
    pipe = Pipeline([("scale", StandardScaler()), ("ae", AutoencoderClassifier(epochs=2))])
    assert 0.0 <= pipe.fit(X, y).score(X, y) <= 1.0
    search = GridSearchCV(AutoencoderClassifier(), {"epochs": [1, 3]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["epochs"] in (1, 3)


def test_bad_input_is_a_clear_value_error():
    X, y = make_classification(n_samples=40, n_features=5, random_state=3)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        AutoencoderClassifier(epochs=1).fit(bad, y)
    with pytest.raises(ValueError, match="1 class"):
        AutoencoderClassifier(epochs=1).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="engine"):
        AutoencoderClassifier(epochs=1, engine="gpu").fit(X, y)
    clf = AutoencoderClassifier(epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="5 features"):
        clf.predict(X[:, :4])


def test_the_anomaly_detector_flags_what_it_did_not_learn():
    rng = np.random.default_rng(0)
    normal = rng.normal(size=(400, 8))
    normal[:, 4:] = normal[:, :4] * 0.5  # structure the autoencoder can learn
    odd = rng.normal(size=(40, 8)) * 3.0
    detector = AutoencoderAnomalyDetector(epochs=30, threshold_quantile=0.95).fit(normal)
    inliers = detector.predict(normal)
    assert set(inliers) <= {-1, 1}
    assert 0.01 <= (inliers == -1).mean() <= 0.10  # about the 5 % the quantile leaves
    assert (detector.predict(odd) == -1).mean() > 0.8
    decision = detector.decision_function(np.vstack([normal, odd]))
    assert ((decision < 0) == (detector.predict(np.vstack([normal, odd])) == -1)).all()
    assert (detector.score_samples(odd).mean() < detector.score_samples(normal).mean())
    assert detector.model_.threshold == detector.report_["anomaly"]["threshold"]


def test_the_readme_example_runs_as_written(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## From Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert (tmp_path / "model.bin").exists()
    assert isinstance(namespace["device"], bottleneck.Model)
