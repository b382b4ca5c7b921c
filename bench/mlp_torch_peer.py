"""PyTorch peer of bench/mlp_epoch.sh: the same 784-256-128-10 ReLU network,
Adam (lr 1e-3, Keras's epsilon 1e-7), batch 128, float32, Glorot-uniform
weights and zero biases as hpo's mlp, trained EPOCHS epochs on Fashion-MNIST
(Debian's dataset-fashion-mnist) with THREADS intra-op threads. Prints
seconds per epoch (training only) and the test accuracy as one JSON line."""
import gzip
import json
import sys
import time

import numpy as np
import torch

epochs, threads, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(seed)
D = "/usr/share/datasets/fashion-mnist/"


def images(name):
    with gzip.open(D + name) as f:
        return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255.0


def labels(name):
    with gzip.open(D + name) as f:
        return np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)


Xtr, ytr = torch.from_numpy(images("train-images-idx3-ubyte.gz")), torch.from_numpy(labels("train-labels-idx1-ubyte.gz"))
Xte, yte = torch.from_numpy(images("t10k-images-idx3-ubyte.gz")), torch.from_numpy(labels("t10k-labels-idx1-ubyte.gz"))
model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(),
                            torch.nn.Linear(128, 10))
for m in model:
    if isinstance(m, torch.nn.Linear):
        torch.nn.init.xavier_uniform_(m.weight)
        torch.nn.init.zeros_(m.bias)
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
loss_fn = torch.nn.CrossEntropyLoss()
n = Xtr.shape[0]
t0 = time.perf_counter()
for epoch in range(epochs):
    perm = torch.randperm(n)
    for i in range(0, n, 128):
        idx = perm[i:i + 128]
        opt.zero_grad()
        loss_fn(model(Xtr[idx]), ytr[idx]).backward()
        opt.step()
fit = time.perf_counter() - t0
with torch.no_grad():
    acc = (model(Xte).argmax(1) == yte).float().mean().item()
print(json.dumps({"seconds_per_epoch": fit / epochs, "accuracy": acc}))
