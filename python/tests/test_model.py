"""bottleneck.Model: the runtime from Python, against the CLI's own predictions."""

import random

import numpy as np
import pytest

import bottleneck
from bottleneck import FormatError, InputError, MissingPartError, Model


def test_loads_from_a_path_and_from_bytes(both):
    from_path = Model.load(both.model)
    from_bytes = Model.load(both.model.read_bytes())
    assert from_path.to_bytes() == both.model.read_bytes()
    assert np.array_equal(from_path.predict(both.X), from_bytes.predict(both.X))
    assert Model.load(str(both.model)).n_inputs == 100


def test_classes_scores_and_verdicts_are_the_clis(both):
    model = Model.load(both.model)
    classes = model.predict(both.X)
    scores = model.scores(both.X)
    assert classes.dtype == np.int64 and scores.dtype == np.uint32
    assert classes.tolist() == [int(p["class"]) for p in both.predictions]
    assert model.predict_labels(both.X).tolist() == [p["label"] for p in both.predictions]
    assert scores.tolist() == [int(p["score"]) for p in both.predictions]
    anomaly = [p["anomaly"] == "true" for p in both.predictions]
    assert model.is_anomaly(both.X).tolist() == anomaly


def test_logits_order_as_the_classes(both):
    model = Model.load(both.model)
    logits = model.logits(both.X)
    assert logits.dtype == np.int32
    assert logits.shape == (len(both.X), 1)  # a binary head stores one logit
    assert ((logits[:, 0] > 0).astype(np.int64) == model.predict(both.X)).all()


def test_a_float32_array_and_a_list_give_the_same_integers(both):
    model = Model.load(both.model)
    expected = model.predict(both.X)
    assert np.array_equal(model.predict(both.X.astype(np.float32)), expected)
    assert np.array_equal(model.predict(both.X.tolist()), expected)
    assert np.array_equal(model.predict(np.asfortranarray(both.X)), expected)


def test_dataframe_columns_are_matched_by_name(both):
    pandas = pytest.importorskip("pandas")
    model = Model.load(both.model)
    frame = pandas.DataFrame(both.X, columns=both.feature_names)
    shuffled = frame[list(reversed(both.feature_names))]
    assert np.array_equal(model.predict(shuffled), model.predict(both.X))
    with pytest.raises(ValueError, match="lacks the model's columns 'x3'"):
        model.predict(frame.drop(columns=["x3"]))


def test_inspect_and_self_test(both):
    model = Model.load(both.model)
    info = model.inspect()
    assert info["n_inputs"] == 100
    assert info["encoder_widths"] == [200, 100, 50]
    assert info["decoder_widths"] == [100, 200, 100]
    assert info["labels"] == ["0", "1"] == model.labels
    assert info["feature_names"] == both.feature_names == model.feature_names
    assert info["threshold"] == model.threshold > 0
    assert info["file_bytes"] == len(both.model.read_bytes())
    assert model.self_test() == info["golden_vectors"] > 0
    assert "100 inputs" in repr(model)


@pytest.mark.parametrize(
    "bad, message",
    [
        (lambda X: X[:, :7], "X has 7 columns; the model takes 100 inputs"),
        (lambda X: X[0], r"2-D, rows x 100 inputs; got 1-D \(one sample"),
        (lambda X: X[:0], "0 rows"),
        (lambda X: X.astype(str), "must be numeric"),
        (lambda X: X[:, :, None], "got 3-D"),
    ],
)
def test_bad_shapes_and_dtypes_name_the_problem(both, bad, message):
    model = Model.load(both.model)
    with pytest.raises(ValueError, match=message):
        model.predict(bad(both.X))


def test_a_non_finite_value_is_named_by_row_and_column(both):
    model = Model.load(both.model)
    for value in (np.nan, np.inf, -np.inf):
        X = both.X.copy()
        X[5, 17] = value
        with pytest.raises(InputError, match=r"X\[5, 17\] is NaN or infinite"):
            model.predict(X)
        with pytest.raises(ValueError):
            model.scores(X)
    X = both.X.copy()
    X[2, 3] = 1e300
    with pytest.raises(InputError, match=r"X\[2, 3\] = 1e\+300 is beyond float32's range"):
        model.predict(X)


def test_a_missing_part_is_a_typed_error(classifier, detector):
    with pytest.raises(MissingPartError, match="no decoder"):
        Model.load(classifier.model).scores(classifier.X)
    with pytest.raises(MissingPartError, match="no classifier head"):
        Model.load(detector.model).predict(detector.X)
    assert Model.load(detector.model).threshold is not None
    assert Model.load(classifier.model).threshold is None


def test_corrupt_or_foreign_bytes_raise_format_errors_and_never_crash(both):
    good = both.model.read_bytes()
    for bad in (b"", b"BNCK", good[:100], good[:-1], b"\x00" * len(good)):
        with pytest.raises(FormatError):
            Model.load(bad)
    rng = random.Random(3)
    for _ in range(300):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            Model.load(bytes(data)).predict(both.X[:3])
        except ValueError:
            pass  # every error the package raises is a ValueError; nothing else may escape


def test_load_rejects_what_is_neither_a_path_nor_bytes():
    with pytest.raises(TypeError, match="path or the file's bytes"):
        Model.load(42)
    with pytest.raises(FileNotFoundError):
        Model.load("/nonexistent/model.bin")


def test_every_error_is_a_value_error():
    for error in (
        bottleneck.FormatError,
        bottleneck.InputError,
        bottleneck.MissingPartError,
        bottleneck.SelfTestError,
    ):
        assert issubclass(error, bottleneck.BottleneckError)
        assert issubclass(error, ValueError)
