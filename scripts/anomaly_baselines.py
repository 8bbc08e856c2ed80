#!/usr/bin/env python3
"""Anomaly-detection baselines for BENCHMARKS.md's AUC table (issue 25), on the exact
train/test files `cargo xtask bench` writes for each data set and seed (label column
`label`, normal rows labelled `normal`). Each model is fitted on the training file's
normal rows only and scores every test row; AUC is scikit-learn's `roc_auc_score` with
the anomalies as the positive class. Not run by CI.

    python3 scripts/anomaly_baselines.py TRAIN.csv TEST.csv SEED BOTTLENECK [...]

takes any number of such groups of four and prints, per group, one line
`pytorch <auc> iforest <auc> pca <auc>`:

- pytorch: the trainer's autoencoder in PyTorch (n -> 2n -> n -> b -> n -> 2n -> n,
  Dense + BatchNorm + LeakyReLU(0.3), Keras defaults as scripts/pytorch_reference.py),
  200 epochs of 16 rows, Adam 1e-3, on min-max scaled rows (fitted on the normal training
  rows); score: mean squared reconstruction error;
- iforest: scikit-learn's `IsolationForest(random_state=SEED)` on the raw rows; score:
  `-score_samples`;
- pca: `PCA(n_components=BOTTLENECK)` on the same min-max scaled rows; score: mean squared
  reconstruction error.
"""
import csv, sys
import numpy as np
import torch
from torch import nn
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import MinMaxScaler

# The tutorial's Dense + BatchNorm + LeakyReLU block, Keras defaults.
from pytorch_tutorial_accuracy import block


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    label = rows[0].index("label")
    x = np.array([[float(v) for k, v in enumerate(r) if k != label] for r in rows[1:]])
    normal = np.array([r[label] == "normal" for r in rows[1:]])
    return x, normal


def dense(i, o):
    l = nn.Linear(i, o); nn.init.xavier_uniform_(l.weight); nn.init.zeros_(l.bias)
    return l


def pytorch_scores(seed, train, test, b):
    torch.set_num_threads(1)
    torch.manual_seed(seed); np.random.seed(seed)
    n = train.shape[1]
    model = nn.Sequential(
        *block(n, 2 * n), *block(2 * n, n), dense(n, b),
        *block(b, n), *block(n, 2 * n), dense(2 * n, n))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    xt = torch.from_numpy(train.astype(np.float32))
    g = torch.Generator().manual_seed(seed)
    for _ in range(200):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), 16):
            batch = xt[perm[i:i + 16]]
            if len(batch) < 2:  # BatchNorm needs two rows in training mode
                continue
            opt.zero_grad(); loss = ((model(batch) - batch) ** 2).mean(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        x = torch.from_numpy(test.astype(np.float32))
        return ((model(x) - x) ** 2).mean(dim=1).numpy()


def main(args):
    if len(args) == 0 or len(args) % 4:
        sys.exit(__doc__)
    for k in range(0, len(args), 4):
        train_path, test_path, seed, b = args[k], args[k + 1], int(args[k + 2]), int(args[k + 3])
        x_train, normal_train = read(train_path)
        x_test, normal_test = read(test_path)
        x_train = x_train[normal_train]
        anomalous = ~normal_test
        scaler = MinMaxScaler().fit(x_train)
        s_train, s_test = scaler.transform(x_train), scaler.transform(x_test)
        auc = {}
        auc["pytorch"] = roc_auc_score(anomalous, pytorch_scores(seed, s_train, s_test, b))
        forest = IsolationForest(random_state=seed).fit(x_train)
        auc["iforest"] = roc_auc_score(anomalous, -forest.score_samples(x_test))
        pca = PCA(n_components=b, svd_solver="full").fit(s_train)
        recon = pca.inverse_transform(pca.transform(s_test))
        auc["pca"] = roc_auc_score(anomalous, ((recon - s_test) ** 2).mean(axis=1))
        print(" ".join(f"{name} {value:.6f}" for name, value in auc.items()), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
