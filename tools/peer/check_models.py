"""Checks that tools/peer/models.py builds the same networks as spd.

  1. Parameter counts equal `spd model summary` (when SPD_BIN or .build/release/spd exists).
  2. ResNet state_dict names and shapes equal the reference listings in Tests/Fixtures/reference/resnet-state-dicts.
  3. YOLOv5-SPD-n loads the authors' weights (strict) and its eval and train-mode forward passes reproduce the
     reference outputs in Tests/Fixtures/reference/yolov5-spd-n.

Exits non-zero on any mismatch. Usage: python tools/peer/check_models.py
"""
import os
import re
import subprocess
import sys

import numpy as np
import torch
from safetensors.torch import load_file

from models import build, parameter_count

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
REFERENCE = os.path.join(ROOT, "Tests", "Fixtures", "reference")
SPD_BIN = os.environ.get("SPD_BIN", os.path.join(ROOT, ".build", "release", "spd"))
failures = []


def check(ok, message):
    print(("ok    " if ok else "FAIL  ") + message)
    if not ok:
        failures.append(message)


def spd_parameter_count(name, nc):
    out = subprocess.run([SPD_BIN, "model", "summary", name, "--nc", str(nc)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"(\d+) parameters", out).group(1))


def check_counts():
    for name, nc in [("yolov5-spd-n", 80), ("yolov5-n", 80), ("yolov5-spd-s", 80), ("yolov5-s", 80),
                     ("resnet18-spd", 200), ("resnet18", 200), ("resnet50-spd", 100), ("resnet50", 100)]:
        ours = parameter_count(build(name, nc))
        if os.access(SPD_BIN, os.X_OK):
            theirs = spd_parameter_count(name, nc)
            check(ours == theirs, f"{name} nc={nc}: PyTorch {ours:,} parameters, spd model summary {theirs:,}")
        else:
            print(f"skip  {name} nc={nc}: PyTorch {ours:,} parameters ({SPD_BIN} not built)")


def check_resnet_state_dicts():
    for listing, name, nc in [("resnet18-spd_200cls", "resnet18-spd", 200), ("resnet18_200cls", "resnet18", 200),
                              ("resnet50-spd_100cls", "resnet50-spd", 100), ("resnet50_100cls", "resnet50", 100)]:
        expected = []
        with open(os.path.join(REFERENCE, "resnet-state-dicts", listing + ".txt")) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                cols = line.rstrip("\n").split("\t")
                expected.append((cols[1], [int(d) for d in re.findall(r"\d+", cols[2])]))
        ours = [(k, list(v.shape)) for k, v in build(name, nc).state_dict().items()]
        check(ours == expected, f"{name} nc={nc}: state_dict names and shapes equal {listing}.txt ({len(ours)} entries)")


def read_f32(name, shape):
    return torch.from_numpy(np.fromfile(os.path.join(REFERENCE, "yolov5-spd-n", name), dtype="<f4").reshape(shape))


def check_golden_forward():
    weights = load_file(os.path.join(REFERENCE, "yolov5-spd-n", "weights_seed0.safetensors"))
    model = build("yolov5-spd-n", 80)
    model.load_state_dict(weights, strict=True)
    check(True, f"yolov5-spd-n: load_state_dict(strict=True) of weights_seed0.safetensors ({len(weights)} tensors)")
    x = read_f32("input_2x3x256x256.f32", (2, 3, 256, 256))
    levels = [(32, 32), (16, 16), (8, 8)]
    model.eval()
    with torch.no_grad():
        decoded, raw = model(x)
    for i, (h, w) in enumerate(levels):
        ref = read_f32(f"eval_raw_level{i}_2x3x{h}x{w}x85.f32", (2, 3, h, w, 85))
        err = (raw[i] - ref).abs().max().item()
        check(err < 1e-4, f"yolov5-spd-n eval raw level {i}: max |diff| {err:.3g} (scale {ref.abs().max().item():.3g})")
    ref = read_f32("eval_decoded_2x4032x85.f32", (2, 4032, 85))
    err = ((decoded - ref).abs() / (1 + ref.abs())).max().item()
    check(err < 1e-4, f"yolov5-spd-n eval decoded: max |diff| / (1 + |ref|) {err:.3g}")
    model.train()
    with torch.no_grad():
        raw = model(x)
    for i, (h, w) in enumerate(levels):
        ref = read_f32(f"train_raw_level{i}_2x3x{h}x{w}x85.f32", (2, 3, h, w, 85))
        err = (raw[i] - ref).abs().max().item()
        check(err < 1e-3, f"yolov5-spd-n train-mode raw level {i}: max |diff| {err:.3g}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    check_counts()
    check_resnet_state_dicts()
    check_golden_forward()
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)
