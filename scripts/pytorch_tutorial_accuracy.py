#!/usr/bin/env python3
"""The tutorial's autoencoder in PyTorch (Keras defaults, as scripts/pytorch_reference.py)
on the tutorial's data, for the training seeds given on the command line; prints per seed
the test accuracy of scikit-learn's LogisticRegression on the bottleneck features and its
iterations. Reference for BENCHMARKS.md's accuracy table (issue 14); not run by CI.

    python3 scripts/pytorch_tutorial_accuracy.py 1 2 3 4 5

`tutorial_data`, `block`, `train_autoencoder` and `encode` are imported by
scripts/int8_agreement_budget.py and scripts/qat_agreement.py; `block` by
scripts/anomaly_baselines.py too.
"""
import sys, numpy as np, torch
from torch import nn
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler
from sklearn.linear_model import LogisticRegression


def tutorial_data():
    """The tutorial's rows, split and min-max scaled: (Xtr, Xte, ytr, yte), float32 X."""
    X, y = make_classification(n_samples=1000, n_features=100, n_informative=10, n_redundant=90, random_state=1)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.33, random_state=1)
    s = MinMaxScaler().fit(Xtr)
    return s.transform(Xtr).astype(np.float32), s.transform(Xte).astype(np.float32), ytr, yte


def block(i, o):
    l = nn.Linear(i, o); nn.init.xavier_uniform_(l.weight); nn.init.zeros_(l.bias)
    return [l, nn.BatchNorm1d(o, eps=1e-3, momentum=0.01), nn.LeakyReLU(0.3)]


def train_autoencoder(seed, Xtr):
    """Trains the tutorial's autoencoder for `seed`; returns (encoder, decoder) in eval mode."""
    torch.set_num_threads(1)
    torch.manual_seed(seed); np.random.seed(seed)
    bl = nn.Linear(100, 50); nn.init.xavier_uniform_(bl.weight); nn.init.zeros_(bl.bias)
    enc = nn.Sequential(*block(100, 200), *block(200, 100), bl)
    ol = nn.Linear(200, 100); nn.init.xavier_uniform_(ol.weight); nn.init.zeros_(ol.bias)
    dec = nn.Sequential(*block(50, 100), *block(100, 200), ol)
    model = nn.Sequential(enc, dec)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    xt = torch.from_numpy(Xtr)
    g = torch.Generator().manual_seed(seed)
    for ep in range(200):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), 16):
            b = xt[perm[i:i+16]]
            opt.zero_grad(); loss = ((model(b)-b)**2).mean(); loss.backward(); opt.step()
    model.eval()
    return enc, dec


def encode(enc, X):
    """Bottleneck features of `X` as float64."""
    with torch.no_grad():
        return enc(torch.from_numpy(X)).numpy().astype(np.float64)


if __name__ == "__main__":
    Xtr, Xte, ytr, yte = tutorial_data()
    for seed in [int(a) for a in sys.argv[1:]]:
        enc, _ = train_autoencoder(seed, Xtr)
        lr = LogisticRegression().fit(encode(enc, Xtr), ytr)
        print(seed, round(lr.score(encode(enc, Xte), yte), 4), lr.n_iter_, flush=True)
