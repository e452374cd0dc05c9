"""Time-to-accuracy report: tables and a plot from timed runs of the reference and of SPDTrain (docs/parity.md).

Each RUN is LABEL=DIR, DIR holding epochs.jsonl (tools/reference/timed_run.py or cluster/time-to-accuracy). For each
run the report lists its own per-epoch validation against minutes and images seen, evaluates its last validated
weights once more with `spd val` (the common evaluation: the same NMS, matcher and COCO statistics for both systems),
and plots AP50 against minutes and against images seen.

    .build/pyenv/bin/python tools/reference/parity_report.py --data data/fashion-detect --out docs/parity \
        reference=runs/parity/reference spd=runs/parity/spd-n:yolov5-spd-n strided=runs/parity/spd-strided-n:yolov5-n
"""
import argparse
import json
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def load_run(spec):
    label, rest = spec.split("=", 1)
    directory, _, model = rest.partition(":")
    directory = Path(directory)
    epochs = [json.loads(line) for line in (directory / "epochs.jsonl").read_text().splitlines() if line.strip()]
    if not epochs:
        raise SystemExit(f"{directory}/epochs.jsonl: no validated epoch")
    last = epochs[-1]
    if "checkpoint" in last:  # SPDTrain: the epoch-end checkpoint that epoch's validation evaluated
        weights = directory / "run" / "checkpoints" / last["checkpoint"] / "ema.safetensors"
    else:  # the reference: the EMA weights timed_run.py wrote after that epoch's validation
        weights = directory / "weights" / f"epoch-{last['epoch']:03d}.safetensors"
    return {"label": label, "dir": directory, "model": model or "yolov5-spd-n", "epochs": epochs, "weights": weights}


def common_evaluation(run, data, spd, imgsz, out):
    result = out / f"val-{run['label']}.json"
    command = [spd, "val", "--weights", str(run["weights"]), "--cfg", run["model"], "--data", str(data),
               "--imgsz", str(imgsz), "--json", str(result)]
    subprocess.run(command, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    metrics = json.loads(result.read_text())["metrics"]
    return {"command": " ".join(command), **metrics}


def markdown(runs):
    lines = []
    for run in runs:
        lines += [f"**{run['label']}** ({run['model']}, {run['dir']}):", "",
                  "| epoch | minutes | images seen | AP50 | AP50:95 | AP_S |", "| --- | --- | --- | --- | --- | --- |"]
        for e in run["epochs"]:
            ap_s = e.get("metrics/AP_S")
            lines.append(f"| {e['epoch']} | {e['minutes']:.1f} | {e['images_seen']} | {e['metrics/mAP_0.5']:.4f} | "
                         f"{e['metrics/mAP_0.5:0.95']:.4f} | {'-' if ap_s is None else f'{ap_s:.4f}'} |")
        lines.append("")
    lines += ["Common evaluation of each run's last validated weights (`spd val`, IoU 0.65, conf 0.001, 300 per image):",
              "", "| run | epoch | minutes | images seen | AP50 | AP50:95 | AP_S |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for run in runs:
        c, last = run["common"], run["epochs"][-1]
        lines.append(f"| {run['label']} | {last['epoch']} | {last['minutes']:.1f} | {last['images_seen']} | "
                     f"{c['mAP_0.5']:.4f} | {c['mAP_0.5:0.95']:.4f} | {c['AP_S']:.4f} |")
    return "\n".join(lines) + "\n"


def plot(runs, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, (by_time, by_images) = plt.subplots(1, 2, figsize=(11, 4))
    for run in runs:
        minutes = [e["minutes"] for e in run["epochs"]]
        images = [e["images_seen"] / 1000 for e in run["epochs"]]
        ap50 = [e["metrics/mAP_0.5"] for e in run["epochs"]]
        by_time.plot(minutes, ap50, marker="o", label=run["label"])
        by_images.plot(images, ap50, marker="o", label=run["label"])
    by_time.set_xlabel("wall time (minutes)")
    by_images.set_xlabel("training images seen (thousands)")
    for axes in (by_time, by_images):
        axes.set_ylabel("AP50 (each system's own validation)")
        axes.grid(alpha=0.3)
        axes.legend()
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="LABEL=DIR[:MODEL] (MODEL default yolov5-spd-n)")
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True, help="directory for the tables (time-to-accuracy.md), plot and val JSON")
    ap.add_argument("--spd", default=str(REPO / ".build/release/spd"))
    ap.add_argument("--imgsz", type=int, default=256)
    ap.add_argument("--title", default="time to accuracy", help="the plot's title (name the data and the machine)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = [load_run(spec) for spec in args.runs]
    for run in runs:
        run["common"] = common_evaluation(run, Path(args.data), args.spd, args.imgsz, out)
    (out / "time-to-accuracy.md").write_text(markdown(runs))
    (out / "time-to-accuracy.json").write_text(json.dumps(
        [{k: (str(v) if isinstance(v, Path) else v) for k, v in run.items()} for run in runs], indent=1))
    plot(runs, out / "time-to-accuracy.png", args.title)
    print(markdown(runs))


if __name__ == "__main__":
    main()
