# Shared by cluster/mpi-test and cluster/multihost-test: the test dataset and experiment, a 1-rank
# reference run. Source it after lib.sh, with $work set to the test's scratch directory.
seconds_since() { echo "$(date +%s.%N) - $1" | bc; }

# A ResNet18-SPD experiment on 48 Fashion-MNIST images at 32x32: 4 steps of a global batch of 12 (divisible by 1-4
# ranks), SyncBN on, no EMA, no warmup, no flips: the same global batch on any number of ranks gives the same weights.
make_experiment() {
    "$SPD_BIN" data make fashion-lowres --out "$work/data" --train 48 --val 12 >"$work/data.log" 2>&1 \
        || die "spd data make fashion-lowres failed: $(tail -3 "$work/data.log")"
    cat >"$work/experiment.yaml" <<YAML
model: resnet18-spd
data: $work/data
epochs: 1
batch: 12
nominal_batch: 12
imgsz: 32
seed: 7
window: 48
sync_bn: true
ema: false
log_every: 1
checkpoint_every_minutes: 0
replica_check_every: 1
hyp:
  warmup_min_iterations: 0
  warmup_epochs: 0
  lr0: 0.01
  fliplr: 0
YAML
}

# YOLOv5-SPD-n (SiLU throughout) on 48 fashion-detect images at 64x64 (1-8 boxes each, so the ranks' parts of a batch
# hold different numbers of boxes) into $work/detect.yaml: one epoch of 4 steps of a global batch of 12, SyncBN on,
# no EMA, no warmup, lr0 0.001.
make_detection_experiment() {
    "$SPD_BIN" data make fashion-detect --out "$work/detect-data" --train 48 --val 12 >"$work/detect-data.log" 2>&1 \
        || die "spd data make fashion-detect failed: $(tail -3 "$work/detect-data.log")"
    sed -e "s|^model: .*|model: yolov5-spd-n|" -e "s|^data: .*|data: $work/detect-data|" -e "s|^imgsz: .*|imgsz: 64|" \
        -e "s|^  lr0: .*|  lr0: 0.001|" -e "/^  fliplr:/d" "$work/experiment.yaml" >"$work/detect.yaml"
}

# Trains ${experiment:-$work/experiment.yaml} in one process (no mpirun) into $work/runs/NAME: reference weights;
# extra arguments go to spd train.
train_single() {
    local name=$1
    shift
    timeout -k 5 120 "$SPD_BIN" train "${experiment:-$work/experiment.yaml}" --run-dir "$work/runs/$name" "$@" >"$work/$name.log" 2>&1
}

# Compares run NAME's final weights with run REFERENCE's (spd checkpoint compare: 1e-5 of the weights); LABEL names the
# case. With INITIAL (a state dict both started from) it compares the updates instead, to 1e-2 of the update: the
# bound for ReLU networks, explained in Tests/TrainingTests/DataParallelTests.swift.
check_same_weights() {
    local reference=$1 name=$2 label=$3 initial=${4:-} result
    local options=(--rtol 1e-5)
    [ -n "$initial" ] && options=(--rtol 1e-2 --from "$initial")
    if result=$("$SPD_BIN" checkpoint compare "$work/runs/$reference/checkpoints/last/model.safetensors" \
                "$work/runs/$name/checkpoints/last/model.safetensors" "${options[@]}" 2>&1); then
        pass "$label: $result"
    else
        fail "$label: $result"
    fi
}
