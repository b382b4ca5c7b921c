#!/usr/bin/env python3
"""An external training command for hpo's schedulers (examples/digits-command-hyperband.yaml).

A one-hidden-layer network trained with mini-batch SGD on the bundled digits
data (numpy only). It logs one line per epoch the way Keras does,

    epoch 3 - loss: 0.4123 - val_accuracy: 0.9306

which hpo reads while the command runs (pruning decisions use them), and it
resumes from its checkpoint: with --initial-epoch E it loads
<checkpoint-dir>/checkpoint.npz (weights, epoch, random state) and trains
epochs E+1 .. --epochs, so a Hyperband trial promoted from 3 to 9 epochs trains
6 more, and ends with exactly the weights of a run trained to 9 in one go.
"""
import argparse
import os
import sys

import numpy as np


def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    x, y = data[:, :-1] / 16.0, data[:, -1].astype(int)
    order = np.random.RandomState(0).permutation(len(y))
    cut = int(0.8 * len(y))
    tr, va = order[:cut], order[cut:]
    return x[tr], y[tr], x[va], y[va]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--l2", type=float, default=1e-4)
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--initial-epoch", type=int, default=0)
    ap.add_argument("--checkpoint-dir", default=".")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "data",
                                                   "digits.csv"))
    a = ap.parse_args()
    xtr, ytr, xva, yva = load(a.data)
    n_in, n_out = xtr.shape[1], 10
    ckpt = os.path.join(a.checkpoint_dir, "checkpoint.npz")
    if a.initial_epoch > 0:
        if not os.path.exists(ckpt):
            sys.exit(f"--initial-epoch {a.initial_epoch} but no checkpoint in {a.checkpoint_dir}")
        c = np.load(ckpt, allow_pickle=False)
        if int(c["epoch"]) != a.initial_epoch:
            sys.exit(f"the checkpoint is at epoch {int(c['epoch'])}, not {a.initial_epoch}")
        w1, b1, w2, b2 = c["w1"], c["b1"], c["w2"], c["b2"]
        rng = np.random.RandomState()
        rng.set_state(("MT19937", c["rng_keys"], int(c["rng_pos"]), 0, 0.0))
    else:
        rng = np.random.RandomState(a.seed)
        w1 = rng.normal(0, np.sqrt(2.0 / n_in), (n_in, a.hidden))
        b1 = np.zeros(a.hidden)
        w2 = rng.normal(0, np.sqrt(1.0 / a.hidden), (a.hidden, n_out))
        b2 = np.zeros(n_out)
    for epoch in range(a.initial_epoch + 1, a.epochs + 1):
        order = rng.permutation(len(ytr))
        total = 0.0
        for k in range(0, len(order), 32):
            idx = order[k:k + 32]
            x, y = xtr[idx], ytr[idx]
            h = np.maximum(x @ w1 + b1, 0)
            z = h @ w2 + b2
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            total += -np.log(p[np.arange(len(y)), y] + 1e-12).sum()
            g = p
            g[np.arange(len(y)), y] -= 1
            g /= len(y)
            gw2 = h.T @ g + a.l2 * w2
            gh = (g @ w2.T) * (h > 0)
            gw1 = x.T @ gh + a.l2 * w1
            w2 -= a.lr * gw2
            b2 -= a.lr * g.sum(axis=0)
            w1 -= a.lr * gw1
            b1 -= a.lr * gh.sum(axis=0)
        acc = float((np.argmax(np.maximum(xva @ w1 + b1, 0) @ w2 + b2, axis=1) == yva).mean())
        print(f"epoch {epoch} - loss: {total / len(ytr):.4f} - val_accuracy: {acc:.4f}",
              flush=True)
        state = rng.get_state()
        np.savez(ckpt + ".tmp.npz", w1=w1, b1=b1, w2=w2, b2=b2, epoch=epoch,
                 rng_keys=state[1], rng_pos=state[2])
        os.replace(ckpt + ".tmp.npz", ckpt)


if __name__ == "__main__":
    main()
