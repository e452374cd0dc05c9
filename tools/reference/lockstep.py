#!/usr/bin/env python3
"""Records a short training run of the authors' YOLOv5-SPD (LabSAINT/SPD-Conv) for a lockstep comparison with spd.

  python tools/reference/lockstep.py --reference /tmp/spdconv-ref --out DIR [--optimizer sgd|adam] [--iterations 200]

--reference is a checkout of LabSAINT/SPD-Conv kept OUTSIDE this repository (nothing of it is copied here). The tool:

  1. applies the compatibility edits below to that checkout (idempotent; prints which it applied and which it found
     already there), including lowering train.py's warmup minimum of 1000 iterations to --warmup-min (default 100);
  2. writes a small deterministic YOLO-format detection set to DIR/data (64 training and 8 validation PNGs, 64x64,
     1-3 axis-aligned rectangles of 3 classes, integer pixel corners so every label value is exact in float32);
  3. runs the reference's own `train.train()` (imported in-process, one thread) on a scratch copy of that set:
     models/space_depth_n.yaml from scratch (--weights ''), --img 64, --batch-size 8 (nominal batch 64, so 8 batches
     accumulate once warmup is over), --noautoanchor, --workers 0, --noval --nosave, hyp = YOLOv5 v6.0 hyp.scratch with
     every augmentation off, --adam for Adam (at lr0 0.001 unless --lr0 says otherwise), and as many epochs as
     --iterations needs; the reference seeds itself (train() calls init_seeds(0) before it builds the model);
  4. records, by wrapping names inside the imported train module and registering a callback (the reference's training
     logic is not edited): the initial weights, every iteration's files, loss items, learning rate / momentum (SGD) or
     betas (Adam) / weight decay per parameter group, accumulate, whether the optimizer stepped, EMA update count and
     float64 checksums of weights, BN statistics and EMA weights, and model + EMA checkpoints after a few iterations;
  5. writes DIR/trajectory.json describing all of it, DIR/hyp.yaml, DIR/initial_weights.safetensors,
     DIR/ckpt_NNNN_{model,ema}.safetensors and DIR/data/.

The run stops (by an exception raised from the callback) right after the last recorded iteration, so the reference's
end-of-run validation, plots and checkpoint files are skipped; they do not touch the training state.

One logging side effect is left out unless --tb-graph is given: at iteration 0 the reference's TensorBoard logger
calls torch.jit.trace(model, imgs) on the model in train mode, and those extra forward passes update every BatchNorm's
running statistics (and num_batches_tracked) once more. The recording reports the number of train-mode forward passes
per iteration (`bn_forwards`) so the effect is visible when --tb-graph is on.
"""
import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import hashlib
import json
import math
import platform
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
BASE_WEIGHTS = PROJECT / "Tests" / "Fixtures" / "reference" / "yolov5-spd-n" / "weights_seed0.safetensors"
PROJECT_HYP = PROJECT / "configs" / "hyps" / "hyp.scratch.yaml"
MODEL_CFG = "models/space_depth_n.yaml"

# YOLOv5 v6.0 data/hyps/hyp.scratch.yaml (the SPD-Conv recipe; the same values as configs/hyps/hyp.scratch.yaml),
# with every augmentation switched off for a deterministic input stream.
HYP = {
    "lr0": 0.01, "lrf": 0.1, "momentum": 0.937, "weight_decay": 0.0005,
    "warmup_epochs": 3.0, "warmup_momentum": 0.8, "warmup_bias_lr": 0.1,
    "box": 0.05, "cls": 0.5, "cls_pw": 1.0, "obj": 1.0, "obj_pw": 1.0, "iou_t": 0.20, "anchor_t": 4.0,
    "fl_gamma": 0.0,
    "hsv_h": 0.0, "hsv_s": 0.0, "hsv_v": 0.0, "degrees": 0.0, "translate": 0.0, "scale": 0.0, "shear": 0.0,
    "perspective": 0.0, "flipud": 0.0, "fliplr": 0.0, "mosaic": 0.0, "mixup": 0.0, "copy_paste": 0.0,
}
AUGMENTATION_KEYS = ("hsv_h", "hsv_s", "hsv_v", "degrees", "translate", "scale", "shear", "perspective",
                     "flipud", "fliplr", "mosaic", "mixup", "copy_paste")
CLASS_NAMES = ["red", "green", "blue"]
CLASS_COLOURS = [(220, 40, 40), (40, 200, 60), (50, 80, 230)]


# ------------------------------------------------------------------------------------------------ compatibility edits

def compat_edits(warmup_min):
    """(file, description, kind, old, new): 'literal' replaces the string old by new; 'regex' substitutes the pattern."""
    return [
        ("utils/datasets.py", "np.int -> int (removed in NumPy 1.24)", "regex", r"np\.int(?![\w])", "int"),
        ("utils/general.py", "np.int -> int (removed in NumPy 1.24)", "regex", r"np\.int(?![\w])", "int"),
        ("utils/metrics.py", "np.trapz -> np.trapezoid (removed in NumPy 2.4)", "literal", "np.trapz(", "np.trapezoid("),
        ("utils/general.py", "torch.load(..., weights_only=False) in strip_optimizer (PyTorch >= 2.6 default)",
         "literal", "torch.load(f, map_location=torch.device('cpu'))",
         "torch.load(f, map_location=torch.device('cpu'), weights_only=False)"),
        ("models/experimental.py", "torch.load(..., weights_only=False) in attempt_load (PyTorch >= 2.6 default)",
         "literal", "torch.load(attempt_download(w), map_location=map_location)",
         "torch.load(attempt_download(w), map_location=map_location, weights_only=False)"),
        ("utils/loss.py", "build_targets: clamp grid indices with int bounds (a float tensor bound fails on int64)",
         "literal", "gj.clamp_(0, gain[3] - 1), gi.clamp_(0, gain[2] - 1)",
         "gj.clamp_(0, int(gain[3]) - 1), gi.clamp_(0, int(gain[2]) - 1)"),
        ("utils/plots.py", "FreeTypeFont.getsize -> getbbox()[2:] (removed in Pillow 10; used by the batch plots only)",
         "regex", r"self\.font\.getsize\((\w+)\)", r"self.font.getbbox(\1)[2:]"),
        ("train.py", f"warmup minimum: nw = max(round(warmup_epochs * nb), 1000) -> ..., {warmup_min})",
         "warmup", r"(nw = max\(round\(hyp\['warmup_epochs'\] \* nb\), )(\d+)(\))", str(warmup_min)),
    ]


def apply_compat_edits(ydir, warmup_min):
    """Applies compat_edits() to the checkout's YOLOv5-SPD directory; returns one record per edit."""
    records = []
    for rel, what, kind, old, new in compat_edits(warmup_min):
        path = ydir / rel
        text = path.read_text()
        before = text
        detail = {}
        if kind == "literal":
            if old in text:
                text = text.replace(old, new)
            elif new not in text:
                raise SystemExit(f"compat edit not applicable to {path}: neither {old!r} nor {new!r} found")
        elif kind == "regex":
            text = re.sub(old, new, text)
        elif kind == "warmup":
            m = re.search(old, text)
            if not m:
                raise SystemExit(f"compat edit not applicable to {path}: warmup line not found")
            detail = {"minimum_in_file_before": int(m.group(2)), "minimum_after": int(new)}
            try:  # the checkout's committed value (1000 in LabSAINT/SPD-Conv)
                committed = subprocess.run(["git", "-C", str(ydir), "show", "HEAD:YOLOv5-SPD/train.py"], check=True,
                                           capture_output=True, text=True).stdout
                detail["minimum_committed"] = int(re.search(old, committed).group(2))
            except Exception:
                pass
            text = re.sub(old, lambda mm: mm.group(1) + new + mm.group(3), text)
        changed = text != before
        if changed:
            path.write_text(text)
        records.append({"file": f"YOLOv5-SPD/{rel}", "edit": what, "status": "applied" if changed else "already present",
                        **detail})
        print(f"compat: {'applied        ' if changed else 'already present'} {rel}: {what}")
    return records


# ----------------------------------------------------------------------------------------------------------- dataset

def make_dataset(root, n_train=64, n_val=8, size=64, seed=0):
    """YOLO-format set: images/{train,val}/*.png, labels/{train,val}/*.txt, data.yaml (paths relative to root)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    counts = {}
    for split, n in (("train", n_train), ("val", n_val)):
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        counts[split] = {"images": n, "boxes": 0, "per_class": [0] * len(CLASS_NAMES)}
        for k in range(n):
            base = rng.integers(70, 170, size=3).astype(np.float64)
            gx, gy = rng.uniform(-0.5, 0.5, size=2)
            img = np.clip(base[None, None, :] + (gx * xx + gy * yy)[..., None], 0, 255).astype(np.uint8)
            boxes = []
            for _ in range(int(rng.integers(1, 4))):
                for _attempt in range(50):
                    cls = int(rng.integers(0, len(CLASS_NAMES)))
                    w, h = (int(v) for v in rng.integers(6, 29, size=2))
                    x1, y1 = int(rng.integers(1, size - w)), int(rng.integers(1, size - h))
                    if all(x1 >= bx + bw + 1 or bx >= x1 + w + 1 or y1 >= by + bh + 1 or by >= y1 + h + 1
                           for _, bx, by, bw, bh in boxes):
                        break
                else:
                    continue
                colour = np.clip(np.array(CLASS_COLOURS[cls]) + rng.integers(-20, 21, size=3), 0, 255)
                img[y1:y1 + h, x1:x1 + w] = colour.astype(np.uint8)
                boxes.append((cls, x1, y1, w, h))
            name = f"{split}_{k:03d}"
            Image.fromarray(img).save(root / "images" / split / f"{name}.png")
            with open(root / "labels" / split / f"{name}.txt", "w") as f:
                for cls, x1, y1, w, h in boxes:
                    values = ((x1 + w / 2) / size, (y1 + h / 2) / size, w / size, h / size)  # multiples of 1/128
                    f.write(f"{cls} " + " ".join(f"{v:.7f}" for v in values) + "\n")
                    counts[split]["boxes"] += 1
                    counts[split]["per_class"][cls] += 1
    with open(root / "data.yaml", "w") as f:
        f.write("# lockstep detection set written by tools/reference/lockstep.py; paths relative to this file\n")
        f.write(f"train: images/train\nval: images/val\nnc: {len(CLASS_NAMES)}\nnames: {CLASS_NAMES}\n")
    return counts


# -------------------------------------------------------------------------------------------------- tensor helpers

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def subset_rule(t, max_elements):
    """Checkpoint subset: tensors of up to max_elements elements in full, larger ones (conv weights) as flat[::stride]."""
    n = t.numel()
    return 1 if n <= max_elements else math.ceil(n / max_elements)


def subset_state(state, max_elements):
    out, info = {}, {}
    for k, v in state.items():
        v = v.detach().cpu()
        stride = subset_rule(v, max_elements)
        out[k] = (v.reshape(-1)[::stride] if stride > 1 else v).contiguous().clone()
        info[k] = {"shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", ""), "stride": stride}
    return out, info


def checksums(model, ema_model):
    """float64 sums over the parameters, the BN running statistics and the EMA's parameters."""
    import torch
    with torch.no_grad():
        params = [p.detach().double() for p in model.parameters()]
        bn_mean = [b.double() for n, b in model.named_buffers() if n.endswith("running_mean")]
        bn_var = [b.double() for n, b in model.named_buffers() if n.endswith("running_var")]
        ema = [p.detach().double() for p in ema_model.parameters()]
        ema_bn = [b.double() for n, b in ema_model.named_buffers() if n.endswith(("running_mean", "running_var"))]
        return {
            "param_sum": float(sum(p.sum() for p in params)),
            "param_abs_sum": float(sum(p.abs().sum() for p in params)),
            "bn_running_mean_sum": float(sum(b.sum() for b in bn_mean)),
            "bn_running_var_sum": float(sum(b.sum() for b in bn_var)),
            "ema_param_sum": float(sum(p.sum() for p in ema)),
            "ema_param_abs_sum": float(sum(p.abs().sum() for p in ema)),
            "ema_bn_stats_sum": float(sum(b.sum() for b in ema_bn)),
        }


def torchvision_or_stand_in():
    """PyPI's torchvision wheels for torch 2.13 are CUDA builds whose ops do not load with the CPU torch; the reference
    needs torchvision only for ops.nms (validation, which a recording never reaches). Returns a note on what was used."""
    try:
        import torchvision  # noqa: F401
        return f"torchvision {torchvision.__version__}"
    except Exception:
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]
    import torch

    def nms(boxes, scores, iou_threshold):
        order = scores.argsort(descending=True)
        keep = []
        x1, y1, x2, y2 = boxes.unbind(1)
        areas = (x2 - x1) * (y2 - y1)
        while order.numel():
            i = order[0]
            keep.append(i)
            rest = order[1:]
            w = (torch.minimum(x2[i], x2[rest]) - torch.maximum(x1[i], x1[rest])).clamp(min=0)
            h = (torch.minimum(y2[i], y2[rest]) - torch.maximum(y1[i], y1[rest])).clamp(min=0)
            inter = w * h
            order = rest[inter / (areas[i] + areas[rest] - inter) <= iou_threshold]
        return torch.stack(keep) if keep else torch.zeros(0, dtype=torch.long)

    tv = types.ModuleType("torchvision")
    tv.__version__ = "stand-in (lockstep.py)"
    tv.ops = types.ModuleType("torchvision.ops")
    tv.ops.nms = nms
    tv.models = types.ModuleType("torchvision.models")
    sys.modules.update({"torchvision": tv, "torchvision.ops": tv.ops, "torchvision.models": tv.models})
    return "stand-in module (torchvision.ops.nms in plain torch; PyPI torchvision 0.28 for torch 2.13 is a CUDA build)"


# ----------------------------------------------------------------------------------------------------------- record

class RecordingDone(Exception):
    pass


def train_frame():
    """The frame of the reference's train() (the caller of Callbacks.run), to read its loop variables."""
    f = sys._getframe(1)
    while f is not None:
        if f.f_code.co_name == "train" and f.f_code.co_filename.endswith("train.py"):
            return f
        f = f.f_back
    raise RuntimeError("train() frame not found")


def record(args, ydir, out, scratch, edits, dataset_counts):
    import torch
    from safetensors.torch import load_file, save_file

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass

    # Ultralytics config dir with a local TTF as Arial.ttf (it would otherwise download one)
    config_dir = scratch / "ultralytics-config"
    config_dir.mkdir(parents=True, exist_ok=True)
    font = next((p for p in [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")] +
                 sorted(Path("/usr/share/fonts").rglob("*.ttf")) if p.exists()), None)
    if font is None:
        raise SystemExit("no TTF font found (apt-get install fonts-dejavu-core)")
    shutil.copyfile(font, config_dir / "Arial.ttf")
    os.environ["YOLOV5_CONFIG_DIR"] = str(config_dir)

    tv_note = torchvision_or_stand_in()
    os.chdir(ydir)
    sys.path.insert(0, str(ydir))
    import warnings
    warnings.filterwarnings("ignore")
    import train as ref  # the reference's train.py
    from utils.callbacks import Callbacks
    from utils.general import set_logging
    from utils.torch_utils import select_device
    import utils.loggers as ref_loggers

    # ---- run settings
    n_train = dataset_counts["train"]["images"]
    nb = math.ceil(n_train / args.batch_size)
    epochs = math.ceil(args.iterations / nb)
    run_data = scratch / "data"
    shutil.copytree(out / "data", run_data)
    data_yaml = scratch / "data.yaml"
    data_yaml.write_text(f"train: {run_data / 'images' / 'train'}\nval: {run_data / 'images' / 'val'}\n"
                         f"nc: {len(CLASS_NAMES)}\nnames: {CLASS_NAMES}\n")
    hyp = dict(HYP)
    if args.lr0 is not None:
        hyp["lr0"] = args.lr0
    elif args.optimizer == "adam":
        hyp["lr0"] = 0.001  # YOLOv5's hyp comment: SGD=1E-2, Adam=1E-3
    hyp_text = "# written by tools/reference/lockstep.py: YOLOv5 v6.0 hyp.scratch values, augmentation off\n" + \
        "".join(f"{k}: {v}\n" for k, v in hyp.items())
    (out / "hyp.yaml").write_text(hyp_text)
    (scratch / "hyp.yaml").write_text(hyp_text)
    save_dir = scratch / "run"
    argv = ["--weights", "", "--cfg", str(ydir / MODEL_CFG), "--data", str(data_yaml), "--hyp", str(scratch / "hyp.yaml"),
            "--epochs", str(epochs), "--batch-size", str(args.batch_size), "--img", str(args.img),
            "--noautoanchor", "--workers", "0", "--device", "cpu", "--noval", "--nosave", "--exist-ok",
            "--project", str(scratch), "--name", "run"] + (["--adam"] if args.optimizer == "adam" else [])
    sys.argv = ["train.py"] + argv
    opt = ref.parse_opt()
    opt.save_dir = str(save_dir)  # as main() sets it (increment_path with --exist-ok)
    set_logging(ref.RANK)
    device = select_device(opt.device, batch_size=opt.batch_size)

    # ---- wrappers around names the reference's train() looks up in its own module
    state = {"steps": [], "checkpoints": [], "pending_loss": None, "step_hook_calls": 0}
    checkpoint_at = sorted({int(x) for x in args.checkpoints.split(",") if x and 0 < int(x) <= args.iterations})

    OrigModel = ref.Model

    def Model(*a, **k):
        m = OrigModel(*a, **k)
        state["model"] = m
        state["initial"] = {k2: v.detach().clone() for k2, v in m.state_dict().items()}
        return m
    ref.Model = Model

    OrigEMA = ref.ModelEMA

    def ModelEMA(model, *a, **k):
        e = OrigEMA(model, *a, **k)
        state["ema"] = e
        return e
    ref.ModelEMA = ModelEMA

    def capture_optimizer(cls):
        def make(*a, **k):
            o = cls(*a, **k)
            state["optimizer"] = o
            o.register_step_pre_hook(lambda opt_, a_, k_: state.__setitem__("grad_abs_sum", float(sum(
                p.grad.double().abs().sum() for g in opt_.param_groups for p in g["params"] if p.grad is not None))))
            o.register_step_post_hook(lambda opt_, a_, k_: state.__setitem__(
                "step_hook_calls", state["step_hook_calls"] + 1))
            zero_grad = o.zero_grad

            def zero_grad_watched(*a2, **k2):  # train.py also zeroes at every epoch start, before the forward
                if state["pending_loss"] is None:
                    state["zeroed_before_forward"] = True
                return zero_grad(*a2, **k2)
            o.zero_grad = zero_grad_watched
            return o
        return make
    ref.SGD = capture_optimizer(torch.optim.SGD)
    ref.Adam = capture_optimizer(torch.optim.Adam)

    OrigLoss = ref.ComputeLoss

    class ComputeLoss(OrigLoss):
        def __init__(self, model, *a, **k):
            super().__init__(model, *a, **k)
            # built right before the loop: the model as training starts, after train()'s model.half().float()
            state["hyp_effective"] = {k2: float(v) if isinstance(v, (int, float)) else v for k2, v in model.hyp.items()}
            start = model.state_dict()
            init = state["initial"]
            ema_sd = state["ema"].ema.state_dict()
            state["start_checks"] = {
                "model_equals_initial_rounded_through_float16": all(
                    torch.equal(start[k2], init[k2].half().float()) if init[k2].is_floating_point()
                    else torch.equal(start[k2], init[k2]) for k2 in init),
                "model_equals_initial": all(torch.equal(start[k2], init[k2]) for k2 in init),
                "ema_equals_initial": all(torch.equal(ema_sd[k2], init[k2]) for k2 in init),
                "ema_equals_model": all(torch.equal(ema_sd[k2], start[k2]) for k2 in init),
            }
            state["bn_tracked_prev"] = int(model.model[0].conv.bn.num_batches_tracked)

        def __call__(self, p, targets):
            loss, items = super().__call__(p, targets)
            if torch.is_grad_enabled():  # training (validation runs under no_grad)
                state["pending_loss"] = (float(loss.detach().reshape(-1)[0]), [float(x) for x in items],
                                         int(targets.shape[0]))
            return loss, items
    ref.ComputeLoss = ComputeLoss

    if not args.tb_graph:  # leave out the TensorBoard graph trace at iteration 0 (see the module docstring)
        orig_batch_end = ref_loggers.Loggers.on_train_batch_end

        def on_train_batch_end(self, ni, model, imgs, targets, paths, plots, sync_bn):
            return orig_batch_end(self, ni, model, imgs, targets, paths, plots and ni != 0, sync_bn)
        ref_loggers.Loggers.on_train_batch_end = on_train_batch_end

    def on_train_batch_end(ni, model, imgs, targets, paths, plots, sync_bn):
        f = train_frame()
        loc = f.f_locals
        opt_ = state["optimizer"]
        ema = state["ema"]
        loss, items, n_targets = state.pop("pending_loss")
        state["pending_loss"] = None
        stepped = loc["last_opt_step"] == ni
        tracked = int(model.model[0].conv.bn.num_batches_tracked)
        groups = []
        for g in opt_.param_groups:
            entry = {"lr": float(g["lr"]), "weight_decay": float(g["weight_decay"])}
            if "momentum" in g:
                entry["momentum"] = float(g["momentum"])
            if "betas" in g:
                entry["betas"] = [float(b) for b in g["betas"]]
            groups.append(entry)
        step = {
            "iteration": int(ni), "epoch": int(loc["epoch"]), "batch": int(loc["i"]),
            "files": [Path(p).name for p in paths], "targets": n_targets,
            "loss_items": {"box": items[0], "obj": items[1], "cls": items[2], "total": sum(items)},
            "loss": loss,
            "lr": [g["lr"] for g in groups],
            "weight_decay": [g["weight_decay"] for g in groups],
            "accumulate": float(loc["accumulate"]),
            "optimizer_step": bool(stepped),
            "ema_updates": int(ema.updates),
            "bn_forwards": tracked - state["bn_tracked_prev"],
        }
        if "momentum" in groups[0]:
            step["momentum"] = [g["momentum"] for g in groups]
        if "betas" in groups[0]:
            step["betas"] = [g["betas"] for g in groups]
        zeroed = state.pop("zeroed_before_forward", False)
        step["grads_zeroed_before_forward"] = zeroed
        state["batches_accumulated"] = (0 if zeroed else state.get("batches_accumulated", 0)) + 1
        if stepped:
            step["batches_in_step"] = state["batches_accumulated"]
            step["grad_abs_sum_before_step"] = state.get("grad_abs_sum")
            state["batches_accumulated"] = 0
        step["checksums_after"] = checksums(model, ema.ema)
        state["bn_tracked_prev"] = tracked
        state["steps"].append(step)
        state["nw"], state["nb"], state["epochs"] = int(loc["nw"]), int(loc["nb"]), int(loc["epochs"])
        done = ni + 1
        if done in checkpoint_at:
            msd, info = subset_state(model.state_dict(), args.subset)
            esd, _ = subset_state(ema.ema.state_dict(), args.subset)
            mfile, efile = f"ckpt_{done:04d}_model.safetensors", f"ckpt_{done:04d}_ema.safetensors"
            save_file(msd, str(out / mfile), metadata={"after_iterations": str(done)})
            save_file(esd, str(out / efile), metadata={"after_iterations": str(done)})
            state["checkpoints"].append({"after_iterations": done, "iteration": int(ni), "model": mfile, "ema": efile,
                                         "ema_updates": int(ema.updates)})
            state["tensor_info"] = info
            print(f"lockstep: checkpoint after {done} iterations -> {mfile}, {efile}", flush=True)
        if done >= args.iterations:
            raise RecordingDone()

    callbacks = Callbacks()
    callbacks.register_action("on_train_batch_end", name="lockstep", callback=on_train_batch_end)

    try:
        ref.train(opt.hyp, opt, device, callbacks)
        raise SystemExit(f"train() returned before {args.iterations} iterations")
    except RecordingDone:
        pass

    # ---- initial weights: only the tensors that differ from the nc=80 golden state dict of the same seed
    model = state["model"]
    initial = state["initial"]
    base = load_file(str(BASE_WEIGHTS)) if BASE_WEIGHTS.exists() and not args.full_initial else {}
    stored = {k: v.contiguous() for k, v in initial.items()
              if not (k in base and base[k].shape == v.shape and base[k].dtype == v.dtype and torch.equal(base[k], v))}
    save_file(stored, str(out / "initial_weights.safetensors"))
    initial_info = {
        "file": "initial_weights.safetensors",
        "what": "model.state_dict() right after Model(cfg, ch=3, nc=3) inside train() (after its init_seeds(0)), float32",
        "stored_tensors": sorted(stored),
        "all_names_in_order": [[k, list(v.shape), str(v.dtype).replace("torch.", "")] for k, v in initial.items()],
    }
    if base:
        initial_info["other_tensors_from"] = {
            "file": str(BASE_WEIGHTS.relative_to(PROJECT)), "sha256": sha256(BASE_WEIGHTS),
            "note": "every tensor not in `file` is bitwise equal to the one of the same name here (checked when "
                    "recording): the nc=80 golden state dict of torch.manual_seed(0); only the Detect convolutions, "
                    "whose shape depends on nc, differ"}

    # ---- parameter groups as train() built them (names from model.named_parameters())
    names = {id(p): n for n, p in model.named_parameters()}
    group_names = ["g0: BatchNorm2d weights (no decay)", "g1: other weights, i.e. conv weights (weight_decay)",
                   "g2: biases (BatchNorm2d and Detect conv biases, no decay)"]
    param_groups = [{"name": group_names[j], "count": len(g["params"]),
                     "numel": int(sum(p.numel() for p in g["params"])),
                     "initial_lr": float(g["initial_lr"]),
                     "weight_decay": float(g["weight_decay"]),
                     "params": [names[id(p)] for p in g["params"]]}
                    for j, g in enumerate(state["optimizer"].param_groups)]
    opt_cfg = {k: v for k, v in state["optimizer"].defaults.items() if not callable(v)}

    steps = state["steps"]
    traj = {
        "format": "spdtrain-lockstep/1",
        "what": "a short training run of the authors' YOLOv5-SPD train.py (LabSAINT/SPD-Conv), recorded step by step",
        "reference": {
            "repository": "LabSAINT/SPD-Conv", "commit": git_head(ydir), "directory": "YOLOv5-SPD",
            "model_cfg": MODEL_CFG, "compat_edits": edits,
            "tensorboard_graph_trace": "kept (--tb-graph)" if args.tb_graph else
            "left out: at iteration 0 the logger's torch.jit.trace(model, imgs) would run extra train-mode forward "
            "passes that update BN running statistics; pass --tb-graph to keep it",
        },
        "environment": {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
                        "opencv": __import__("cv2").__version__, "torchvision": tv_note, "threads": 1},
        "command": " ".join(["python", "tools/reference/lockstep.py"] + sys_argv_saved),
        "train_py_arguments": argv,
        "settings": {
            "optimizer": args.optimizer, "optimizer_class": type(state["optimizer"]).__name__,
            "optimizer_defaults": opt_cfg,
            "imgsz": args.img, "batch_size": args.batch_size, "nominal_batch_size": 64,
            "images": n_train, "batches_per_epoch": state["nb"], "epochs": state["epochs"],
            "iterations_recorded": len(steps), "warmup_iterations_nw": state["nw"],
            "warmup_minimum_patched_to": args.warmup_min, "schedule": "cosine one_cycle(1, lrf, epochs) (no --linear-lr)",
            "seed": "train() calls init_seeds(0): random.seed(0), np.random.seed(0), torch.manual_seed(0)",
            "sampler": "none (no shuffling): batches take the sorted image files in order, the same every epoch",
        },
        "hyp_file": "hyp.yaml",
        "hyp_effective": state["hyp_effective"],
        "param_groups": param_groups,
        "initial_weights": initial_info,
        "start_of_training": {
            **state["start_checks"],
            "note": "train() runs model.half().float() after creating the EMA, so training starts from the initial "
                    "weights rounded to float16, while the EMA starts from the unrounded initial weights"},
        "dataset": {"dir": "data", "data_yaml": "data/data.yaml", **dataset_counts,
                    "generator": "make_dataset() in tools/reference/lockstep.py (numpy seed 0)"},
        "steps_fields": {
            "iteration": "ni in train.py, from 0", "epoch": "epoch", "batch": "i (batch index in the epoch)",
            "files": "image files of the batch, in batch order", "targets": "number of target boxes in the batch",
            "loss_items": "compute_loss's loss_items (box, obj, cls, already multiplied by the hyp gains) and their sum",
            "loss": "the loss that was backpropagated: (box + obj + cls) * batch_size",
            "lr": "param_groups[j]['lr'] used at this iteration, j = 0, 1, 2 (g0, g1, g2)",
            "momentum": "SGD param_groups[j]['momentum'] at this iteration",
            "betas": "Adam param_groups[j]['betas'] at this iteration (train.py's warmup does not touch them)",
            "weight_decay": "param_groups[j]['weight_decay']",
            "accumulate": "train.py's accumulate at this iteration",
            "optimizer_step": "whether optimizer.step() ran at this iteration (ni - last_opt_step >= accumulate)",
            "ema_updates": "ModelEMA.updates after this iteration",
            "bn_forwards": "train-mode forward passes since the previous record (model.0.conv.bn.num_batches_tracked)",
            "grads_zeroed_before_forward": "optimizer.zero_grad() ran before this iteration's forward (train.py "
                                           "zeroes at every epoch start, dropping gradients accumulated at the end "
                                           "of the previous epoch without a step)",
            "batches_in_step": "at a step: how many batches' gradients it applied (since the last step or zeroing)",
            "grad_abs_sum_before_step": "float64 sum of |grad| over all parameters right before optimizer.step()",
            "checksums_after": "float64 sums after this iteration (after the step and EMA update when there was one)",
        },
        "steps": steps,
        "checkpoints": state["checkpoints"],
        "checkpoint_tensors": {
            "rule": f"float32 (num_batches_tracked int64); tensors of up to {args.subset} elements in full (every BN "
                    f"weight, bias, running_mean, running_var, num_batches_tracked, the anchors, small convs), larger "
                    f"ones as the flattened tensor's every stride-th element, flat[::stride] with "
                    f"stride = ceil(numel / {args.subset})",
            "tensors": state.get("tensor_info", {}),
        },
    }
    with open(out / "trajectory.json", "w") as f:
        json.dump(traj, f, indent=1)
    print(f"lockstep: wrote {out / 'trajectory.json'} ({len(steps)} steps, {len(state['checkpoints'])} checkpoints)")
    return traj


def git_head(ydir):
    try:
        return subprocess.run(["git", "-C", str(ydir), "rev-parse", "HEAD"], check=True, capture_output=True,
                              text=True).stdout.strip()
    except Exception:
        return "unknown"


def summarize(traj):
    steps = traj["steps"]
    losses = [s["loss_items"]["total"] for s in steps]
    assert all(math.isfinite(x) for x in losses), "non-finite loss"
    k = max(1, len(losses) // 10)
    print(f"lockstep: loss (box+obj+cls) first {k} mean {np.mean(losses[:k]):.5f}, last {k} mean {np.mean(losses[-k:]):.5f}")
    for s in steps:
        if s["iteration"] in (0, 1, 50, 99, 100, 101, len(steps) - 1):
            mom = s.get("momentum") or s.get("betas")
            print(f"  it {s['iteration']:4d} ep {s['epoch']:3d} lr {['%.6g' % x for x in s['lr']]} "
                  f"mom/betas {mom[0]} acc {s['accumulate']:.0f} step {s['optimizer_step']} "
                  f"loss {s['loss_items']['total']:.5f}")
    print(f"lockstep: optimizer steps {sum(s['optimizer_step'] for s in steps)}, EMA updates {steps[-1]['ema_updates']}")


sys_argv_saved = []


def main():
    global sys_argv_saved
    sys_argv_saved = sys.argv[1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", required=True, help="checkout of LabSAINT/SPD-Conv (outside this repository)")
    ap.add_argument("--out", required=True, help="output directory (replaced)")
    ap.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--checkpoints", default="1,50,100,200", help="record checkpoints after these many iterations")
    ap.add_argument("--warmup-min", type=int, default=100, help="replaces train.py's 1000-iteration warmup minimum")
    ap.add_argument("--lr0", type=float, default=None, help="default 0.01 (SGD) or 0.001 (Adam)")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--img", type=int, default=64)
    ap.add_argument("--subset", type=int, default=1024, help="checkpoint tensors above this many elements are strided")
    ap.add_argument("--full-initial", action="store_true", help="store every initial tensor, not only those that "
                    "differ from Tests/Fixtures/reference/yolov5-spd-n/weights_seed0.safetensors")
    ap.add_argument("--tb-graph", action="store_true", help="keep the TensorBoard graph trace at iteration 0")
    ap.add_argument("--scratch", default=None, help="scratch directory (default: REFERENCE/lockstep-runs/OPTIMIZER)")
    args = ap.parse_args()

    ref_root = Path(args.reference).resolve()
    ydir = ref_root / "YOLOv5-SPD"
    if not (ydir / "train.py").exists():
        raise SystemExit(f"{ydir}/train.py not found: --reference must be a checkout of LabSAINT/SPD-Conv")
    out = Path(args.out).resolve()
    if out == PROJECT or PROJECT in ref_root.parents or ref_root == PROJECT:
        raise SystemExit("the reference checkout must live outside this repository")
    scratch = Path(args.scratch).resolve() if args.scratch else ref_root / "lockstep-runs" / args.optimizer
    for d in (out, scratch):
        if d.exists():
            shutil.rmtree(d)
    out.mkdir(parents=True)
    scratch.mkdir(parents=True)

    edits = apply_compat_edits(ydir, args.warmup_min)
    counts = make_dataset(out / "data")
    print(f"lockstep: dataset {counts}")
    traj = record(args, ydir, out, scratch, edits, counts)
    summarize(traj)


if __name__ == "__main__":
    main()
