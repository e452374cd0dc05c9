"""Times PyTorch training steps of an SPDTrain model on synthetic data, on one thread.

One step: zero grads, forward in train mode, loss, backward, SGD (momentum 0.937, Nesterov, weight decay 5e-4 on
conv/linear weights, as `spd bench train`). Precision fp32, or bf16 via torch.autocast('cpu', dtype=torch.bfloat16)
with fp32 weights and optimizer. One warm-up step, then --steps timed steps; prints the median as one line:

  peer: model=yolov5-spd-n imgsz=320 batch=8 precision=fp32 threads=1 steps=5 median_ms=1139.2 images_per_second=7.02

`--info` prints PyTorch's version, CPU capability and oneDNN version instead.
"""
import argparse
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from models import ResNet, build


def torch_info():
    """One line: PyTorch version, ATen CPU capability, oneDNN version and whether oneDNN supports bf16 here."""
    config = torch.__config__.show()
    onednn = re.search(r"(?:oneDNN|MKL-DNN) (v[\d.]+)", config)
    try:
        bf16 = torch.ops.mkldnn._is_mkldnn_bf16_supported()
    except (AttributeError, RuntimeError):
        bf16 = "unknown"
    return (f"PyTorch: {torch.__version__}; cpu_capability={torch.backends.cpu.get_cpu_capability()}; "
            f"oneDNN={onednn.group(1) if onednn else 'n/a'} (available={torch.backends.mkldnn.is_available()}, bf16={bf16})")


def detection_loss(outputs):
    """Stand-in loss over the three head outputs [N, na, H, W, nc + 5]: BCE-with-logits of objectness and classes
    against zeros plus a small box term, so backward runs through the head and the whole network. (spd's own bench,
    `spd bench train`, uses the real YOLOv5 loss with target assignment on synthetic boxes; that bookkeeping is
    small next to the convolutions.)"""
    loss = 0
    for r in outputs:
        r = r.float()
        loss = loss + F.binary_cross_entropy_with_logits(r[..., 4:], torch.zeros_like(r[..., 4:]))
        loss = loss + 0.05 * (r[..., :4].sigmoid() * 2 - 1).square().mean()
    return loss


def make_optimizer(model):
    decay = [p for p in model.parameters() if p.dim() > 1]
    rest = [p for p in model.parameters() if p.dim() <= 1]
    return torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": rest, "weight_decay": 0.0}],
                           lr=0.01, momentum=0.937, nesterov=True)


def measure(model_name, imgsz, batch, steps, precision, nc=None):
    """Sorted step times in seconds (after one warm-up step)."""
    torch.manual_seed(0)
    model = build(model_name, nc)
    model.train()
    optimizer = make_optimizer(model)
    images = torch.rand(batch, 3, imgsz, imgsz)
    classifier = isinstance(model, ResNet)
    if classifier:
        labels = torch.randint(0, model.fc.out_features, (batch,))

    def step():
        optimizer.zero_grad(set_to_none=False)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            out = model(images)
            loss = F.cross_entropy(out.float(), labels) if classifier else detection_loss(out)
        loss.backward()
        optimizer.step()
        if not torch.isfinite(loss):
            raise RuntimeError(f"non-finite loss {loss.item()}")

    step()
    times = []
    for _ in range(max(steps, 1)):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return sorted(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="yolov5-spd-n", help="name under configs/models or a YAML path")
    parser.add_argument("--imgsz", type=int, default=320)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=5, help="timed steps after one warm-up step")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--nc", type=int, help="classes (default: the model file's)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--info", action="store_true", help="print PyTorch's CPU/oneDNN information and exit")
    a = parser.parse_args()
    if a.info:
        print(torch_info())
        return 0
    torch.set_num_threads(a.threads)
    times = measure(a.model, a.imgsz, a.batch, a.steps, a.precision, a.nc)
    median = statistics.median(times)
    print(f"peer: model={a.model} imgsz={a.imgsz} batch={a.batch} precision={a.precision} threads={a.threads} "
          f"steps={len(times)} median_ms={1000 * median:.1f} images_per_second={a.batch / median:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
