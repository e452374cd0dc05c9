"""Converts a YOLOv5 or YOLOv5-SPD training checkpoint (.pt) into a safetensors state dict under the reference names
(`model.0.conv.conv.weight`, ...), which `spd train --weights`, `spd val` and `spd detect` load.

The YOLOv5 code is not needed: a .pt pickles the model object itself (models.yolo.Model, models.common.Conv, ...);
those classes are read as plain objects, and the tensors are collected from their `_parameters` and `_buffers`
exactly as nn.Module.state_dict() names them. YOLOv5 stores the weights in float16; they are written as float32
(exactly), integer buffers (num_batches_tracked) as they are.

Usage: python tools/yolov5_pt_to_safetensors.py CHECKPOINT.pt OUT.safetensors [--weights ema|model]
  --weights: the EMA (default when the checkpoint has one, as YOLOv5's detect.py and val.py use it) or the raw model.
Needs torch and safetensors (cluster/requirements-test.txt; `.build/pyenv/bin/python` after cluster/test).
"""
import argparse
import pickle
import sys

import torch
from safetensors.torch import save_file

# Modules whose classes are loaded as they are; any other class (the YOLOv5 code's) becomes a plain object. Like
# torch.load(weights_only=False), this runs what the pickle asks of these modules: convert checkpoints you trust.
TRUSTED_MODULES = ("torch", "collections", "copyreg", "_codecs", "numpy", "datetime", "argparse", "pathlib")
SAFE_BUILTINS = {"set", "frozenset", "slice", "complex", "dict", "list", "tuple", "int", "float", "bool", "str", "bytes", "bytearray"}


class PlainObject:
    """Stands for a class of the YOLOv5 code: keeps the pickled attributes, nothing else."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots)
            state = {**(state[0] or {}), **(state[1] or {})}
        if isinstance(state, dict):
            self.__dict__.update(state)


class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module == "__builtin__":  # protocol 2 names builtins as Python 2 did
            module = "builtins"
        if module.split(".")[0] in TRUSTED_MODULES or (module == "builtins" and name in SAFE_BUILTINS):
            return super().find_class(module, name)
        if module == "builtins":
            raise pickle.UnpicklingError(f"refusing builtins.{name} in a checkpoint")
        return type(name, (PlainObject,), {"__module__": module})


class PickleModule:
    """What torch.load needs of a pickle module."""
    Unpickler = Unpickler
    load = staticmethod(pickle.load)


def state_dict(module, prefix=""):
    """nn.Module.state_dict() of a module object, real or plain: parameters, persistent buffers, then children."""
    attributes = module.__dict__
    tensors = {}
    for name, tensor in attributes.get("_parameters", {}).items():
        if tensor is not None:
            tensors[prefix + name] = tensor.detach()
    skipped = attributes.get("_non_persistent_buffers_set", set())
    for name, tensor in attributes.get("_buffers", {}).items():
        if tensor is not None and name not in skipped:
            tensors[prefix + name] = tensor.detach()
    for name, child in attributes.get("_modules", {}).items():
        if child is not None:
            tensors.update(state_dict(child, prefix + name + "."))
    return tensors


def convert(checkpoint_path, out_path, which=None):
    """Writes the chosen weights of `checkpoint_path` to `out_path`; returns (which, tensor count)."""
    try:
        checkpoint = torch.load(checkpoint_path, map_location="cpu", weights_only=False, pickle_module=PickleModule)
    except Exception as error:  # a damaged file, or not a torch checkpoint
        raise SystemExit(f"{checkpoint_path}: cannot read it as a PyTorch checkpoint: {error}")
    if not isinstance(checkpoint, dict):
        raise SystemExit(f"{checkpoint_path}: not a YOLOv5 checkpoint (a dict with 'model' and 'ema'), got {type(checkpoint).__name__}")
    if which is None:
        which = "ema" if checkpoint.get("ema") is not None else "model"
    model = checkpoint.get(which)
    if model is None:
        raise SystemExit(f"{checkpoint_path}: has no '{which}' weights (keys: {', '.join(sorted(map(str, checkpoint)))})")
    tensors = state_dict(model)
    if not tensors:
        raise SystemExit(f"{checkpoint_path}: '{which}' holds no tensors")
    tensors = {name: (t.float() if t.is_floating_point() else t).contiguous() for name, t in tensors.items()}
    save_file(tensors, out_path)
    return which, len(tensors)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("out")
    parser.add_argument("--weights", choices=["ema", "model"], default=None,
                        help="the EMA (default when present) or the raw model weights")
    args = parser.parse_args()
    which, count = convert(args.checkpoint, args.out, args.weights)
    print(f"{args.out}: {count} tensors of the {which} weights of {args.checkpoint}")


if __name__ == "__main__":
    sys.exit(main())
