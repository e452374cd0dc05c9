"""PyTorch definitions of SPDTrain's models, built from the project's YAML files in configs/models.

Two families:
  * YOLOv5 v6.0-format detectors (yolov5-{n,s,m,l}, yolov5-spd-{n,s,m,l}): `Yolo`, state_dict names `model.N.*`.
  * ResNets (`family: resnet`): `ResNet`, state_dict names as in Tests/Fixtures/reference/resnet-state-dicts.

`build(name_or_path, nc=None)` returns either; `python models.py NAME [--nc N]` prints the parameter count.
"""
import argparse
import math
import os

import torch
import torch.nn as nn
import yaml

MODELS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "configs", "models")


def space_to_depth(x):
    """[N, C, H, W] -> [N, 4C, H/2, W/2]: (even row, even col), (odd, even), (even, odd), (odd, odd) blocks."""
    return torch.cat([x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]], 1)


class SpaceToDepth(nn.Module):
    """space_to_depth as a module (no parameters)."""

    def forward(self, x):
        return space_to_depth(x)


# ---------------------------------------------------------------- YOLOv5 modules

class Conv(nn.Module):
    """Conv2d (no bias, 'same' padding unless given) -> BatchNorm2d(eps 1e-3, momentum 0.03) -> SiLU."""

    def __init__(self, c1, c2, k=1, s=1, p=None):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2 if p is None else p, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    """1x1 Conv -> 3x3 Conv, plus the input when `shortcut` (same width in and out)."""

    def __init__(self, c1, c2, shortcut=True):
        super().__init__()
        self.cv1 = Conv(c1, c2, 1)
        self.cv2 = Conv(c2, c2, 3)
        self.add = shortcut and c1 == c2

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C3(nn.Module):
    """CSP block: cv3(cat(m(cv1(x)), cv2(x))) with n Bottlenecks of half width."""

    def __init__(self, c1, c2, n=1, shortcut=True):
        super().__init__()
        c = c2 // 2
        self.cv1 = Conv(c1, c, 1)
        self.cv2 = Conv(c1, c, 1)
        self.cv3 = Conv(2 * c, c2, 1)
        self.m = nn.Sequential(*(Bottleneck(c, c, shortcut) for _ in range(n)))

    def forward(self, x):
        return self.cv3(torch.cat([self.m(self.cv1(x)), self.cv2(x)], 1))


class SPPF(nn.Module):
    """Fast spatial pyramid pooling: three chained k x k stride-1 max pools, concatenated with their input."""

    def __init__(self, c1, c2, k=5):
        super().__init__()
        c = c1 // 2
        self.cv1 = Conv(c1, c, 1)
        self.cv2 = Conv(4 * c, c2, 1)
        self.pool = nn.MaxPool2d(k, 1, k // 2)

    def forward(self, x):
        y0 = self.cv1(x)
        y1 = self.pool(y0)
        y2 = self.pool(y1)
        return self.cv2(torch.cat([y0, y1, y2, self.pool(y2)], 1))


class Focus(nn.Module):
    """space_to_depth then Conv(4 * c1 -> c2, k)."""

    def __init__(self, c1, c2, k=1, s=1):
        super().__init__()
        self.conv = Conv(4 * c1, c2, k, s)

    def forward(self, x):
        return self.conv(space_to_depth(x))


class Concat(nn.Module):
    def forward(self, xs):
        return torch.cat(xs, 1)


class Detect(nn.Module):
    """One 1x1 conv per level to na * (nc + 5) outputs. Training: the raw maps [N, na, H, W, nc + 5] per level.
    Eval: (decoded boxes [N, sum(na*H*W), nc + 5] in pixels, raw maps). `anchors` are in grid units (pixels / stride)."""

    def __init__(self, nc, anchors, ch):
        super().__init__()
        self.no = nc + 5
        self.nl = len(anchors)
        self.na = len(anchors[0]) // 2
        self.register_buffer("anchors", torch.tensor(anchors, dtype=torch.float32).view(self.nl, self.na, 2))
        self.m = nn.ModuleList(nn.Conv2d(c, self.na * self.no, 1) for c in ch)
        self.strides = None  # set by Yolo once it knows the levels' strides

    def forward(self, xs, image_size=None):
        raw = []
        for i, x in enumerate(xs):
            n, _, h, w = x.shape
            raw.append(self.m[i](x).view(n, self.na, self.no, h, w).permute(0, 1, 3, 4, 2).contiguous())
        if self.training:
            return raw
        decoded = []
        for i, r in enumerate(raw):
            n, _, h, w, _ = r.shape
            stride = self.strides[i]
            ys, xs_ = torch.meshgrid(torch.arange(h, dtype=r.dtype), torch.arange(w, dtype=r.dtype), indexing="ij")
            grid = torch.stack([xs_, ys], -1).view(1, 1, h, w, 2)
            anchor = (self.anchors[i] * stride).view(1, self.na, 1, 1, 2)
            y = r.sigmoid()
            xy = (y[..., 0:2] * 2 - 0.5 + grid) * stride
            wh = (y[..., 2:4] * 2) ** 2 * anchor
            decoded.append(torch.cat([xy, wh, y[..., 4:]], -1).view(n, -1, self.no))
        return torch.cat(decoded, 1), raw


def make_divisible(x, divisor=8):
    return math.ceil(x / divisor) * divisor


class Yolo(nn.Module):
    """A YOLOv5 v6.0-format model: `self.model[i]` is row i of backbone + head; each row's `f` says where its
    input comes from (-1: the previous row)."""

    def __init__(self, cfg, nc=None):
        super().__init__()
        nc = cfg["nc"] if nc is None else nc
        gd, gw = cfg["depth_multiple"], cfg["width_multiple"]
        ch, layers = [3], []
        for i, (f, n, name, args) in enumerate(cfg["backbone"] + cfg["head"]):
            n = max(round(n * gd), 1) if n > 1 else n
            c1 = ch[f] if isinstance(f, int) else None
            if name in ("Conv", "C3", "SPPF", "Focus"):
                c2 = make_divisible(args[0] * gw)
                rest = list(args[1:])
                if name == "C3":
                    m = C3(c1, c2, n, *rest)
                else:
                    m = {"Conv": Conv, "SPPF": SPPF, "Focus": Focus}[name](c1, c2, *rest)
            elif name == "space_to_depth":
                m, c2 = SpaceToDepth(), 4 * c1
            elif name == "nn.Upsample":
                m, c2 = nn.Upsample(scale_factor=args[1], mode=args[2]), c1
            elif name == "Concat":
                m, c2 = Concat(), sum(ch[j + 1 if j >= 0 else i + j + 1] for j in f)
            elif name == "Detect":
                anchors = cfg["anchors"] if args[1] == "anchors" else args[1]
                m, c2 = Detect(nc, anchors, [ch[j + 1] for j in f]), None
            else:
                raise ValueError(f"row {i}: unknown module {name}")
            m.f = f
            layers.append(m)
            ch.append(c2)
        self.model = nn.ModuleList(layers)
        # Each level's stride from a probe forward pass (the same for any input size that divides evenly).
        probe = 256
        with torch.no_grad():
            self.train()
            outs = self.forward(torch.zeros(1, 3, probe, probe))
        self.detect.strides = [probe // o.shape[2] for o in outs]

    @property
    def detect(self):
        return self.model[-1]

    def forward(self, x):
        saved = []
        for m in self.model:
            if m.f != -1:
                x = [saved[j] for j in m.f] if isinstance(m.f, list) else saved[m.f]
            x = m(x)
            saved.append(x)
        return x


# ---------------------------------------------------------------- ResNet

class ResidualBlock(nn.Module):
    """relu(residual_function(x) + shortcut(x)). `residual_function` is an nn.Sequential whose indices count
    every entry (conv, space_to_depth, BN, ReLU), as in the reference state_dicts. With `spd` a stride-2 3x3 conv
    becomes conv3x3 (stride 1) -> space_to_depth -> BN(4w) -> ReLU, and the next conv reads 4w channels."""

    def __init__(self, bottleneck, c_in, width, stride, spd):
        super().__init__()
        expansion = 4 if bottleneck else 1
        out = width * expansion

        def strided3x3(c):
            if spd and stride == 2:
                return [nn.Conv2d(c, width, 3, 1, 1, bias=False), SpaceToDepth(), nn.BatchNorm2d(4 * width), nn.ReLU()], 4 * width
            return [nn.Conv2d(c, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()], width

        if bottleneck:
            mid, c = strided3x3(width)
            layers = [nn.Conv2d(c_in, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(), *mid,
                      nn.Conv2d(c, out, 1, bias=False), nn.BatchNorm2d(out)]
        else:
            first, c = strided3x3(c_in)
            layers = [*first, nn.Conv2d(c, out, 3, 1, 1, bias=False), nn.BatchNorm2d(out)]
        self.residual_function = nn.Sequential(*layers)
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, out, 1, stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        return torch.relu(self.residual_function(x) + self.shortcut(x))


class SPDStem(nn.Module):
    """The SPD stem: space_to_depth -> Conv(12 -> 64, 1x1) -> BN -> SiLU, named `conv1.conv.{conv,bn}`."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Module()
        self.conv.conv = nn.Conv2d(12, 64, 1, bias=False)
        self.conv.bn = nn.BatchNorm2d(64)

    def forward(self, x):
        return nn.functional.silu(self.conv.bn(self.conv.conv(space_to_depth(x))))


class ResNet(nn.Module):
    """CIFAR/Tiny-ImageNet style ResNet: stem (SPD, or 3x3 stride-1 conv without max pool), conv2_x..conv5_x
    (widths 64..512, the first block of stages 3-5 halves the size), global average pool, fc."""

    def __init__(self, cfg, nc=None):
        super().__init__()
        bottleneck = {"basic": False, "bottleneck": True}[cfg["block"]]
        spd = bool(cfg["spd"])
        classes = cfg["classes"] if nc is None else nc
        if spd:
            self.conv1 = SPDStem()
        else:
            self.conv1 = nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        c = 64
        for stage, (width, count) in enumerate(zip([64, 128, 256, 512], cfg["layers"])):
            blocks = []
            for i in range(count):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(ResidualBlock(bottleneck, c, width, stride, spd))
                c = width * (4 if bottleneck else 1)
            setattr(self, f"conv{stage + 2}_x", nn.Sequential(*blocks))
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        x = self.conv1(x)
        for stage in range(2, 6):
            x = getattr(self, f"conv{stage}_x")(x)
        return self.fc(torch.flatten(self.avg_pool(x), 1))


# ---------------------------------------------------------------- entry points

def config_path(name_or_path):
    """A YAML path, or a name under configs/models (e.g. yolov5-spd-n)."""
    if os.path.exists(name_or_path):
        return name_or_path
    return os.path.join(MODELS_DIR, name_or_path + ".yaml")


def load_config(name_or_path):
    with open(config_path(name_or_path)) as f:
        return yaml.safe_load(f)


def build(name_or_path, nc=None):
    """The model of a YAML file: a ResNet for `family: resnet`, else a YOLOv5 detector. `nc` overrides the classes."""
    cfg = load_config(name_or_path)
    return ResNet(cfg, nc) if cfg.get("family") == "resnet" else Yolo(cfg, nc)


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Print a model's parameter count and state_dict size.")
    parser.add_argument("model")
    parser.add_argument("--nc", type=int)
    a = parser.parse_args()
    m = build(a.model, a.nc)
    print(f"{a.model}: {parameter_count(m)} parameters, {len(m.state_dict())} state_dict entries")
