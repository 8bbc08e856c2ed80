#!/usr/bin/env python3
"""The tutorial's autoencoder in PyTorch with Keras' defaults, timed.

`cargo xtask bench` runs this beside `bottleneck train` on the same machine, in the same
run, and reports the ratio of the two (never another machine's seconds). Usage:

    python3 scripts/pytorch_reference.py DATA.csv [--epochs 200]

DATA.csv is `bottleneck generate`'s built-in problem (a `label` column and 100 features).
Prints one line: `seconds S peak_bytes B` — the wall-clock time of the 200 training
epochs, as `bottleneck train` reports its autoencoder's, and the process's peak resident
memory. Exits 2 when torch is not installed.

The model matches the tutorial's Keras one: encoder 100 -> 200 -> 100 (Dense, BatchNorm,
LeakyReLU 0.3 each) -> 50 (Dense, linear); decoder mirrored back to 100 (linear output);
Glorot-uniform weights, zero biases; BatchNorm momentum 0.99 and epsilon 1e-3 (Keras);
Adam with learning rate 1e-3 and epsilon 1e-7; batch 16; mean squared error; the rows
min-max scaled on a 67 % training split.
"""

import argparse
import csv
import resource
import sys
import time

try:
    import torch
    from torch import nn
except ImportError:
    print("torch is not installed (pip install torch)", file=sys.stderr)
    sys.exit(2)


def dense_block(n_in, n_out):
    linear = nn.Linear(n_in, n_out)
    nn.init.xavier_uniform_(linear.weight)
    nn.init.zeros_(linear.bias)
    # Keras' momentum 0.99 is PyTorch's 0.01 (the weight of the new batch).
    return nn.Sequential(linear, nn.BatchNorm1d(n_out, eps=1e-3, momentum=0.01), nn.LeakyReLU(0.3))


def linear(n_in, n_out):
    layer = nn.Linear(n_in, n_out)
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()
    torch.manual_seed(1)
    with open(args.data, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    label = header.index("label")
    x = torch.tensor(
        [[float(v) for j, v in enumerate(r) if j != label] for r in body], dtype=torch.float32
    )
    n = x.shape[1]
    order = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(1))
    train = x[order[: int(round(0.67 * len(order)))]]
    lo, hi = train.min(0).values, train.max(0).values
    train = (train - lo) / torch.where(hi > lo, hi - lo, torch.ones_like(hi))

    model = nn.Sequential(
        dense_block(n, 2 * n),
        dense_block(2 * n, n),
        linear(n, n // 2),
        dense_block(n // 2, n),
        dense_block(n, 2 * n),
        linear(2 * n, n),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.MSELoss()
    start = time.perf_counter()
    for _ in range(args.epochs):
        model.train()
        for batch in torch.split(train[torch.randperm(train.shape[0])], 16):
            if batch.shape[0] < 2:
                continue  # BatchNorm cannot train on one row; Keras' batches never have one here
            optimizer.zero_grad()
            loss = loss_fn(model(batch), batch)
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    # ru_maxrss is in KiB on Linux: the process's peak resident memory, as the benchmark
    # measures `bottleneck train`'s.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"seconds {seconds:.3f} peak_bytes {peak}")


if __name__ == "__main__":
    main()
