"""Train the authors' YOLOv5-SPD (LabSAINT/SPD-Conv) on an SPDTrain shard dataset for a budget of wall time.

The reference half of the time-to-accuracy protocol in docs/parity.md: the reference's own `train.train()` runs
in-process on `--threads` threads, validates after every epoch (its own val.py, conf 0.001, IoU 0.6), and stops at the
first epoch end past `--budget-minutes`. After each epoch it appends to OUT/epochs.jsonl the wall time since start,
the images seen and the reference's metrics, and writes the EMA weights it validated as float32 safetensors with the
reference's state-dict names (OUT/weights/epoch-NNN.safetensors), which `spd val --weights ... --cfg yolov5-spd-n`
evaluates. Nothing of the reference is copied: the tool drives a checkout kept outside this repository, with the
compatibility edits of lockstep.py (see README.md).

    .build/pyenv/bin/python tools/reference/timed_run.py --reference /tmp/spdconv-ref \
        --data data/fashion-detect --out runs/parity/reference --budget-minutes 45
"""
import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lockstep  # noqa: E402  (compatibility edits, the torchvision stand-in, the train() frame finder)

REPO = Path(__file__).resolve().parents[2]


class BudgetSpent(Exception):
    pass


def export_yolo(data_dir, out):
    """SPDTrain shards (PNG/JPEG + JSON boxes [x, y, w, h, class] in pixels) -> YOLOv5 images/ and labels/ folders.
    Returns (class names, {split: images})."""
    manifest = json.loads((data_dir / "dataset.json").read_text())
    counts = {}
    for split, shards in manifest["splits"].items():
        images, labels = out / "images" / split, out / "labels" / split
        images.mkdir(parents=True, exist_ok=True)
        labels.mkdir(parents=True, exist_ok=True)
        count = 0
        for shard in shards:
            tar_bytes = subprocess.run(["zstd", "-dc", str(data_dir / shard["file"])], check=True,
                                       capture_output=True).stdout
            with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
                members = {m.name: m for m in tar.getmembers() if m.isfile()}
                for name, member in members.items():
                    stem, ext = os.path.splitext(name)
                    if ext == ".json":
                        continue
                    meta = json.loads(tar.extractfile(members[stem + ".json"]).read())
                    (images / name).write_bytes(tar.extractfile(member).read())
                    w, h = meta["width"], meta["height"]
                    rows = [f"{c} {(x + bw / 2) / w:.6f} {(y + bh / 2) / h:.6f} {bw / w:.6f} {bh / h:.6f}"
                            for x, y, bw, bh, c in meta["boxes"]]
                    (labels / (stem + ".txt")).write_text("\n".join(rows) + ("\n" if rows else ""))
                    count += 1
        counts[split] = count
    return manifest["classes"], counts


def reference_hyp(spd_hyp_file, overrides):
    """SPDTrain's hyp file as the reference reads it (its keys are YOLOv5 v6.0's; the warmup minimum is a code
    edit in the reference, label smoothing an option)."""
    hyp = yaml.safe_load(Path(spd_hyp_file).read_text())
    hyp.update(overrides)
    warmup_min = int(hyp.pop("warmup_min_iterations", 1000))
    hyp.pop("label_smoothing", None)
    hyp.setdefault("iou_t", 0.20)
    hyp.setdefault("copy_paste", 0.0)
    return hyp, warmup_min


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", required=True, help="checkout of LabSAINT/SPD-Conv (outside this repository)")
    ap.add_argument("--data", required=True, help="SPDTrain dataset directory (dataset.json and shards)")
    ap.add_argument("--out", required=True, help="output directory (replaced)")
    ap.add_argument("--experiment", default=str(REPO / "configs/experiments/fashion-detect-spd-n.yaml"),
                    help="SPDTrain experiment whose recipe (epochs, batch, imgsz, hyp) the reference runs")
    ap.add_argument("--epochs", type=int, default=None, help="override the experiment's epochs")
    ap.add_argument("--budget-minutes", type=float, default=45)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=0, help="reference DataLoader worker processes")
    args = ap.parse_args()

    start = time.time()
    ydir = Path(args.reference).resolve() / "YOLOv5-SPD"
    out = Path(args.out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    (out / "weights").mkdir(parents=True)
    experiment = yaml.safe_load(Path(args.experiment).read_text())
    hyp, warmup_min = reference_hyp(REPO / experiment["hyp_file"], experiment.get("hyp", {}))
    edits = lockstep.apply_compat_edits(ydir, warmup_min)
    names, counts = export_yolo(Path(args.data).resolve(), out / "data")
    print(f"exported {counts} images in {time.time() - start:.0f} s", flush=True)
    data_yaml = out / "data.yaml"
    data_yaml.write_text(yaml.safe_dump({"train": str(out / "data/images/train"), "val": str(out / "data/images/val"),
                                         "nc": len(names), "names": names}))
    (out / "hyp.yaml").write_text(yaml.safe_dump(hyp, sort_keys=False))
    epochs = args.epochs or experiment["epochs"]
    cfg = ydir / "models" / {"yolov5-spd-n": "space_depth_n.yaml", "yolov5-spd-s": "space_depth_s.yaml",
                             "yolov5-spd-m": "space_depth_m.yaml", "yolov5-spd-l": "space_depth_l.yaml"}[experiment["model"]]

    import torch
    from safetensors.torch import save_file
    torch.set_num_threads(args.threads)
    config_dir = out / "ultralytics-config"
    config_dir.mkdir()
    shutil.copyfile("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", config_dir / "Arial.ttf")
    os.environ["YOLOV5_CONFIG_DIR"] = str(config_dir)
    tv_note = lockstep.torchvision_or_stand_in()
    os.chdir(ydir)
    sys.path.insert(0, str(ydir))
    import warnings
    warnings.filterwarnings("ignore")
    import train as ref
    from utils.callbacks import Callbacks
    from utils.general import set_logging
    from utils.torch_utils import select_device

    argv = ["--weights", "", "--cfg", str(cfg), "--data", str(data_yaml), "--hyp", str(out / "hyp.yaml"),
            "--epochs", str(epochs), "--batch-size", str(experiment["batch"]), "--img", str(experiment["imgsz"]),
            "--noautoanchor", "--workers", str(args.workers), "--device", "cpu", "--cache", "ram", "--exist-ok",
            "--project", str(out), "--name", "run"]
    sys.argv = ["train.py"] + argv
    opt = ref.parse_opt()
    opt.save_dir = str(out / "run")
    set_logging(ref.RANK)
    device = select_device(opt.device, batch_size=opt.batch_size)
    settings = {"command": " ".join(sys.argv), "argv": argv, "threads": args.threads, "workers": args.workers,
                "budget_minutes": args.budget_minutes, "torch": torch.__version__, "torchvision": tv_note,
                "compat_edits": edits, "hyp": hyp, "images": counts, "reference_head": lockstep.git_head(ydir)}
    (out / "settings.json").write_text(json.dumps(settings, indent=1))
    log = open(out / "epochs.jsonl", "w")

    def on_fit_epoch_end(log_vals, epoch, best_fitness, fi):
        frame = lockstep.train_frame()
        ema = frame.f_locals["ema"].ema
        state = {k: (v.detach().float() if v.is_floating_point() else v.detach()).contiguous() for k, v in ema.state_dict().items()}
        save_file(state, str(out / "weights" / f"epoch-{epoch:03d}.safetensors"))
        minutes = (time.time() - start) / 60
        # log_vals: box, obj, cls (train), P, R, mAP@.5, mAP@.5:.95, box, obj, cls (val), lr0, lr1, lr2
        keys = ["train/box_loss", "train/obj_loss", "train/cls_loss", "metrics/precision", "metrics/recall",
                "metrics/mAP_0.5", "metrics/mAP_0.5:0.95", "val/box_loss", "val/obj_loss", "val/cls_loss",
                "x/lr0", "x/lr1", "x/lr2"]
        record = {"epoch": epoch, "minutes": minutes, "images_seen": (epoch + 1) * counts["train"],
                  **{k: float(v) for k, v in zip(keys, log_vals)}}
        log.write(json.dumps(record) + "\n")
        log.flush()
        print(f"[timed_run] epoch {epoch} at {minutes:.1f} min: mAP@.5 {record['metrics/mAP_0.5']:.4f}", flush=True)

    def on_model_save(last, epoch, final_epoch, best_fitness, fi):
        if (time.time() - start) / 60 >= args.budget_minutes:
            raise BudgetSpent()

    callbacks = Callbacks()
    callbacks.register_action("on_fit_epoch_end", name="timed_run", callback=on_fit_epoch_end)
    callbacks.register_action("on_model_save", name="timed_run", callback=on_model_save)
    try:
        ref.train(opt.hyp, opt, device, callbacks)
        print("[timed_run] the reference finished its epochs within the budget", flush=True)
    except BudgetSpent:
        print(f"[timed_run] budget of {args.budget_minutes} min spent", flush=True)
    shutil.rmtree(out / "data" / "images", ignore_errors=True)  # the export is reproducible; keep the labels only


if __name__ == "__main__":
    main()
