#!/usr/bin/env python3
"""Does a short quantization-aware fine-tuning pass (issue 14's `--qat-epochs` route) bring
the int8 model's classes closer to the float pipeline's? Measured in PyTorch on the
tutorial's network, not in the trainer. Not run by CI; quoted in BENCHMARKS.md.

For each training seed: the autoencoder of scripts/pytorch_tutorial_accuracy.py; an int8
simulation of its encoder as Bottleneck quantizes it (BatchNorm folded, weights symmetric
per row, inputs on [0, 1], hidden activations on one range per layer, bottleneck features
on one range per channel, each range the training rows' min..max; plain rounding, no
output-matching rounding); scikit-learn's LogisticRegression on float features (the float
pipeline) and refitted on the int8 features (the device). Then the same encoder fine-tuned
for 2 and 5 epochs with that quantization in its forward pass (straight-through rounding,
BatchNorm statistics frozen, Adam at 1e-4, reconstruction loss through the float decoder),
re-calibrated and measured again, against the original float pipeline and against the
fine-tuned model's own float pipeline. A flip is a test row (of 330) whose class differs.

    python3 scripts/qat_agreement.py 1 2 3 4 5 6 7 8 9 10
"""
import copy, sys, warnings
import numpy as np, torch
from torch import nn
from sklearn.linear_model import LogisticRegression
from pytorch_tutorial_accuracy import tutorial_data, train_autoencoder

warnings.filterwarnings("ignore")  # LogisticRegression's max_iter=100, as the tutorial


def ste_round(x):
    """Rounds forward, passes the gradient straight through."""
    return x + (torch.round(x) - x).detach()


def fake_quantize(x, lo, hi):
    """8-bit affine rounding over lo..hi, saturating outside it."""
    scale = (hi - lo) / 255
    return torch.clamp(ste_round((x - lo) / scale), 0, 255) * scale + lo


def fake_quantize_rows(w):
    """Symmetric int8 per row, as the file stores weights."""
    scale = w.detach().abs().amax(1, keepdim=True) / 127
    return ste_round(w / scale) * scale


def folded(enc):
    """The encoder's three Dense layers with BatchNorm folded in (running statistics)."""
    layers = []
    for lin, bn in [(enc[0], enc[1]), (enc[3], enc[4])]:
        k = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        layers.append((lin.weight * k[:, None], (lin.bias - bn.running_mean) * k + bn.bias))
    layers.append((enc[6].weight, enc[6].bias))
    return layers


def forward(enc, x, ranges=None):
    """Bottleneck features and every layer's output: float, or quantized on `ranges`."""
    if ranges:
        x = fake_quantize(x, 0.0, 1.0)
    outputs = []
    for i, (w, b) in enumerate(folded(enc)):
        x = x @ (fake_quantize_rows(w) if ranges else w).T + b
        if i < 2:
            x = nn.functional.leaky_relu(x, 0.3)
        outputs.append(x)
        if ranges:
            x = fake_quantize(x, *ranges[i])
    return x, outputs


def calibrate(enc, x):
    """Per-layer ranges of the hidden layers, per-channel ranges of the features."""
    with torch.no_grad():
        _, out = forward(enc, x)
    return [(o.min(), o.max()) for o in out[:2]] + [(out[2].min(0).values, out[2].max(0).values)]


def features(enc, x, ranges=None):
    with torch.no_grad():
        return forward(enc, x, ranges)[0].numpy().astype(np.float64)


def fine_tune(enc, dec, ranges, epochs, x, seed):
    enc, dec = copy.deepcopy(enc), copy.deepcopy(dec)
    dec.eval()
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=1e-4, eps=1e-7)
    g = torch.Generator().manual_seed(seed + 1000)
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), 16):
            b = x[perm[i:i + 16]]
            opt.zero_grad()
            loss = ((dec(forward(enc, b, ranges)[0]) - b) ** 2).mean()
            loss.backward()
            opt.step()
    return enc


def pipelines(enc, xt, xe, ytr):
    """Test classes of the float pipeline and of the int8 model, for `enc`."""
    ranges = calibrate(enc, xt)
    float_classes = LogisticRegression().fit(features(enc, xt), ytr).predict(features(enc, xe))
    int8 = LogisticRegression().fit(features(enc, xt, ranges), ytr)
    return float_classes, int8.predict(features(enc, xe, ranges))


Xtr, Xte, ytr, yte = tutorial_data()
xt, xe = torch.from_numpy(Xtr), torch.from_numpy(Xte)
flips = lambda a, b: int((a != b).sum())
ACCURACIES = (0, 1, 3, 6)  # the other columns count rows
cell = lambda i, v, count: f"{v:.3f}" if i in ACCURACIES else count.format(v)
columns = ["float acc", "int8 acc", "flips"]
for epochs in (2, 5):
    columns += [f"QAT {epochs}: int8 acc", "flips vs original float", "flips vs its own float"]
print("| seed | " + " | ".join(columns) + " |")
print("|---" * (len(columns) + 1) + "|")
table = []
for seed in [int(a) for a in sys.argv[1:]]:
    torch.set_num_threads(1)
    enc, dec = train_autoencoder(seed, Xtr)
    float_classes, int8_classes = pipelines(enc, xt, xe, ytr)
    row = [(float_classes == yte).mean(), (int8_classes == yte).mean(), flips(int8_classes, float_classes)]
    for epochs in (2, 5):
        tuned = fine_tune(enc, dec, calibrate(enc, xt), epochs, xt, seed)
        own_float, tuned_int8 = pipelines(tuned, xt, xe, ytr)
        row += [(tuned_int8 == yte).mean(), flips(tuned_int8, float_classes), flips(tuned_int8, own_float)]
    table.append(row)
    print(f"| {seed} | " + " | ".join(cell(i, v, "{:.0f}") for i, v in enumerate(row)) + " |", flush=True)
t = np.array(table, dtype=float)
for name, agg in (("mean", t.mean(0)), ("max", t.max(0))):
    print(f"| {name} | " + " | ".join(cell(i, v, "{:.1f}") for i, v in enumerate(agg)) + " |")
