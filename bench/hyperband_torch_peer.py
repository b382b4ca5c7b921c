"""Optuna + PyTorch peer of bench/hyperband_mlp.sh: Hyperband over the MLP of
examples/mlp-fashion-hyperband.yaml on Fashion-MNIST (Debian's
dataset-fashion-mnist), with Debian's python3-optuna and python3-torch.

  hyperband_torch_peer.py MAX_EPOCHS N_TRIALS THREADS SEED SAMPLER

- space: n_layers int 1..3, units int 32..512 step 32 (every hidden layer),
  dropout float 0..0.5, learning_rate in [1e-2, 1e-3, 1e-4];
- network: n_layers x (Linear, ReLU, Dropout), then Linear to 10 logits;
  Glorot-uniform weights, zero biases, Adam (eps 1e-7 as Keras), batch 128,
  float32, pixels / 255 -- as bench/mlp_torch_peer.py;
- validation: 6000 of the 60000 training images (10%, a seeded random
  permutation), the other 54000 train; val accuracy reported after every
  epoch with trial.report / trial.should_prune;
- pruner: optuna.pruners.HyperbandPruner(min_resource=1,
  max_resource=MAX_EPOCHS, reduction_factor=3); sampler RandomSampler(seed)
  (SAMPLER=random, the twin of hpo's random sampler) or TPESampler(seed)
  (SAMPLER=tpe); N_TRIALS trials, sequential (n_jobs=1);
- then the best trial (the best complete one, Optuna's best_trial) is
  retrained from scratch on all 60000 training images for the epochs it
  trained and scored on the 10000 t10k images.

Prints one JSON line: best validation accuracy and parameters, test accuracy,
seconds (search, refit), epochs trained (search, refit), trials by state."""
import gzip
import json
import sys
import time

import numpy as np
import optuna
import torch

max_epochs, n_trials, threads, seed, sampler_name = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                                                     int(sys.argv[4]), sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(seed)
optuna.logging.set_verbosity(optuna.logging.WARNING)
D = "/usr/share/datasets/fashion-mnist/"


def images(name):
    with gzip.open(D + name) as f:
        return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255.0


def labels(name):
    with gzip.open(D + name) as f:
        return np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)


t_start = time.perf_counter()
Xall, yall = torch.from_numpy(images("train-images-idx3-ubyte.gz")), torch.from_numpy(labels("train-labels-idx1-ubyte.gz"))
Xte, yte = torch.from_numpy(images("t10k-images-idx3-ubyte.gz")), torch.from_numpy(labels("t10k-labels-idx1-ubyte.gz"))
perm = torch.from_numpy(np.random.default_rng(seed).permutation(Xall.shape[0]))
n_val = int(round(0.1 * Xall.shape[0]))
Xval, yval = Xall[perm[:n_val]], yall[perm[:n_val]]
Xtr, ytr = Xall[perm[n_val:]], yall[perm[n_val:]]


def build(p):
    layers, d = [], 784
    for _ in range(p["n_layers"]):
        layers += [torch.nn.Linear(d, p["units"]), torch.nn.ReLU(), torch.nn.Dropout(p["dropout"])]
        d = p["units"]
    layers.append(torch.nn.Linear(d, 10))
    model = torch.nn.Sequential(*layers)
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    return model, torch.optim.Adam(model.parameters(), lr=p["learning_rate"], eps=1e-7)


loss_fn = torch.nn.CrossEntropyLoss()


def train_epoch(model, opt, X, y):
    model.train()
    order = torch.randperm(X.shape[0])
    for i in range(0, X.shape[0], 128):
        idx = order[i:i + 128]
        opt.zero_grad()
        loss_fn(model(X[idx]), y[idx]).backward()
        opt.step()


def accuracy(model, X, y):
    model.eval()
    with torch.no_grad():
        return (model(X).argmax(1) == y).float().mean().item()


epochs_trained = 0


def objective(trial):
    global epochs_trained
    p = {"n_layers": trial.suggest_int("n_layers", 1, 3),
         "units": trial.suggest_int("units", 32, 512, step=32),
         "dropout": trial.suggest_float("dropout", 0.0, 0.5),
         "learning_rate": trial.suggest_categorical("learning_rate", [1e-2, 1e-3, 1e-4])}
    model, opt = build(p)
    acc = float("nan")
    for epoch in range(1, max_epochs + 1):
        train_epoch(model, opt, Xtr, ytr)
        epochs_trained += 1
        acc = accuracy(model, Xval, yval)
        trial.set_user_attr("epochs", epoch)
        trial.report(acc, epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return acc


sampler = (optuna.samplers.RandomSampler(seed=seed) if sampler_name == "random"
           else optuna.samplers.TPESampler(seed=seed))
pruner = optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max_epochs, reduction_factor=3)
study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)
t0 = time.perf_counter()
study.optimize(objective, n_trials=n_trials, n_jobs=1)
t_search = time.perf_counter() - t0
best = study.best_trial
# The best validation accuracy seen at any epoch of any trial (pruned ones included), for reference.
best_any = max(max(t.intermediate_values.values()) for t in study.trials if t.intermediate_values)

t0 = time.perf_counter()
refit_epochs = best.user_attrs["epochs"]
model, opt = build(best.params)
for _ in range(refit_epochs):
    train_epoch(model, opt, Xall, yall)
test_acc = accuracy(model, Xte, yte)
t_refit = time.perf_counter() - t0
states = {}
for t in study.trials:
    states[t.state.name.lower()] = states.get(t.state.name.lower(), 0) + 1
print(json.dumps({"best_val_accuracy": best.value, "best_params": best.params, "best_epochs": refit_epochs,
                  "best_val_accuracy_any_epoch": best_any, "test_accuracy": test_acc,
                  "search_seconds": t_search, "refit_seconds": t_refit,
                  "total_seconds": time.perf_counter() - t_start,
                  "search_epochs": epochs_trained, "refit_epochs": refit_epochs,
                  "n_configurations": len(study.trials), "states": states,
                  "n_brackets": pruner._n_brackets, "sampler": type(sampler).__name__}))
