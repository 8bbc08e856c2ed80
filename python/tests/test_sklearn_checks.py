"""scikit-learn's own estimator checks (`parametrize_with_checks`), the contract the
estimators follow. Every check that fails is listed below with why; each such check is
an expected failure (xfail), so one that starts passing says so."""

import pytest

pytest.importorskip("sklearn")
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from bottleneck import AutoencoderAnomalyDetector, AutoencoderClassifier  # noqa: E402

# Few epochs: the checks fit hundreds of times on small data.
ESTIMATORS = [AutoencoderClassifier(epochs=20), AutoencoderAnomalyDetector(epochs=20)]

# The default bottleneck is half the inputs: on the check's 2-feature blobs (three
# overlapping clusters) it is 1 wide, and a 1-wide code of them scored 0.67-0.91 on the
# training rows here (0.69 after 20 epochs, 0.91 after 200; logistic regression on the
# raw 2 features: 0.93), so the check's "accuracy > 0.83" depends on the epoch count and
# the seed. That is the autoencoder's compression, not a convention broken.
POOR_SCORE = (
    "a 1-wide bottleneck (half of the check's 2 features) does not separate its three "
    "overlapping blobs reliably; accuracy 0.67-0.91 against the check's 0.83"
)
EXPECTED_FAILURES = {
    "AutoencoderClassifier": {"check_classifiers_train": POOR_SCORE},
    "AutoencoderAnomalyDetector": {},
}


@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda estimator: EXPECTED_FAILURES[type(estimator).__name__],
)
def test_scikit_learn_checks(estimator, check):
    check(estimator)
