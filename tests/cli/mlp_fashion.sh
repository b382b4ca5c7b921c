#!/usr/bin/env bash
# The mlp estimator on Fashion-MNIST (Debian's dataset-fashion-mnist, which
# scripts/install-deps.sh installs): the estimator's defaults as the cheat
# sheet lists them (2 hidden layers of 128 relu units, adam, learning_rate 1e-3,
# batch_size 128, alpha 1e-4) reach test accuracy >= 0.85 in 5 epochs, half the
# cheat sheet's budget (seeds 0..2 give 0.864..0.874 on the 2-core reference
# machine, for any thread count); the benchmark's 784-256-128-10 network too;
# and a checkpointed run (k epochs, save, load, fit_more) ends with the same
# model bytes as one run, on a 3000-row subset.
. "$(dirname "$0")/../lib/common.sh"
TOOL="$(dirname "$HPO_BIN")/tools/hpo-tool-mlp_fashion"
[ -x "$TOOL" ] || TOOL="${HPO_TOOLS:-}/hpo-tool-mlp_fashion"
FM=/usr/share/datasets/fashion-mnist
check "Fashion-MNIST is installed in $FM" test -r "$FM/train-images-idx3-ubyte.gz"

expect_status 0 "the defaults for 5 epochs" "$TOOL" --threads 2 --seed 0 epochs=5
check "defaults: test accuracy >= 0.85" test "$(json_query last.out 'd["accuracy"] >= 0.85')" = True

expect_status 0 "train 784-256-128-10 for 5 epochs" \
  "$TOOL" --threads 2 --seed 0 epochs=5 units_1=256 units_2=128
cp last.out full.json
cat full.json
check "all 60000 training and 10000 test rows" \
  test "$(json_query full.json '(d["train_rows"], d["test_rows"])')" = "(60000, 10000)"
check "test accuracy >= 0.85" \
  test "$(json_query full.json 'd["accuracy"] >= 0.85')" = True

expect_status 0 "adam + dropout: 1 epoch, save, load, continue to 4" \
  "$TOOL" --train 3000 --test 1000 --seed 7 --continue-from 1 epochs=4 dropout=0.2
check "adam checkpoint equals one run" \
  test "$(json_query last.out 'd["checkpoint_equal"]')" = True
expect_status 0 "sgd, 2 threads: 2 epochs, save, load, continue to 3" \
  "$TOOL" --train 3000 --test 1000 --threads 2 --continue-from 2 epochs=3 optimizer=sgd \
  learning_rate=0.05 activation=tanh n_layers=3
check "sgd checkpoint equals one run" \
  test "$(json_query last.out 'd["checkpoint_equal"]')" = True

expect_status 2 "a bad parameter is refused" "$TOOL" --train 100 units=0
check "the message names it" grep -q "mlp: units must be in \[1, 4096\], got 0" last.err
finish
