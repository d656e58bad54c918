#!/usr/bin/env python3
"""Manual cross-check (not run in CI): the generated ONNX models against PyTorch.

Needs torch, torchvision, onnx, numpy and PIL (e.g. Debian's /usr/bin/python3 with
python3-torch). Run after make-models and make-reference-embeddings:

    /usr/bin/python3 scripts/check_against_torch.py

For each fixture PNG it compares the embeddings stored in
src/embedding/fixtures/reference-embeddings.json (computed by onnxruntime-node) with
  1. torchvision's own resnet18 (fc = Identity) loaded with the ONNX weights: each BatchNorm is
     set to the identity plus the folded bias, which proves the graph is torchvision's layout;
  2. a direct interpretation of the ONNX graph with torch.nn.functional (both models).
It prints the max abs difference and exits non-zero above 1e-4.
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
import torchvision
from onnx import numpy_helper
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOLERANCE = 1e-4


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def run_graph(model, x):
    """Evaluates the (Conv/Relu/Add/MaxPool/GlobalAveragePool/Flatten) graph with torch ops."""
    env = {k: torch.from_numpy(numpy_helper.to_array(t).copy()) for k, t in
           ((t.name, t) for t in model.graph.initializer)}
    env[model.graph.input[0].name] = x
    for node in model.graph.node:
        a = attrs(node)
        i = [env[n] for n in node.input]
        if node.op_type == "Conv":
            p = a["pads"]
            assert p[0] == p[2] and p[1] == p[3]
            y = F.conv2d(i[0], i[1], i[2], stride=tuple(a["strides"]), padding=(p[0], p[1]))
        elif node.op_type == "Relu":
            y = F.relu(i[0])
        elif node.op_type == "Add":
            y = i[0] + i[1]
        elif node.op_type == "MaxPool":
            y = F.max_pool2d(i[0], tuple(a["kernel_shape"]), tuple(a["strides"]), a["pads"][0])
        elif node.op_type == "GlobalAveragePool":
            y = F.adaptive_avg_pool2d(i[0], 1)
        elif node.op_type == "Flatten":
            y = torch.flatten(i[0], a.get("axis", 1))
        else:
            raise ValueError("unsupported op " + node.op_type)
        env[node.output[0]] = y
    return env[model.graph.output[0].name]


def torchvision_resnet18(model):
    """torchvision resnet18 with the ONNX weights: conv weights as is, BN = identity + bias."""
    net = torchvision.models.resnet18()
    net.fc = torch.nn.Identity()
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
    state = net.state_dict()
    new_state = {}
    for key, value in state.items():
        if key.endswith("num_batches_tracked"):
            new_state[key] = value
            continue
        module, param = key.rsplit(".", 1)
        # torchvision names: conv1 <-> bn1, layerX.Y.convN <-> layerX.Y.bnN, downsample.0 <-> downsample.1
        if module == "bn1" or ".bn" in module or module.endswith("downsample.1"):
            conv = module.replace("bn", "conv") if not module.endswith("downsample.1") else module[:-1] + "0"
            eps = dict(net.named_modules())[module].eps
            new_state[key] = {
                "weight": torch.ones_like(value),
                "bias": weights[conv + ".bias"],
                "running_mean": torch.zeros_like(value),
                "running_var": torch.full_like(value, 1.0 - eps),
            }[param]
        else:
            new_state[key] = weights[key]
    net.load_state_dict(new_state, strict=True)
    return net.eval()


def main():
    torch.set_num_threads(1)
    ref = json.load(open(os.path.join(ROOT, "src/embedding/fixtures/reference-embeddings.json")))
    models = {key: onnx.load(os.path.join(ROOT, "models", ref["models"][key]["id"] + ".onnx"))
              for key in ("tiny", "resnet18")}
    for m in models.values():
        onnx.checker.check_model(m)
    tv = torchvision_resnet18(models["resnet18"])
    worst = 0.0
    with torch.no_grad():
        for img in ref["images"]:
            pixels = np.asarray(Image.open(os.path.join(ROOT, "src/embedding/fixtures", img["file"])).convert("RGB"))
            x = torch.from_numpy(pixels.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0).contiguous()
            for key, m in models.items():
                d = float(np.abs(run_graph(m, x).numpy()[0] - np.array(img[key], dtype=np.float32)).max())
                print(f"{img['file']} {key}: functional torch vs onnxruntime-node max abs diff {d:.3g}")
                worst = max(worst, d)
            d = float(np.abs(tv(x).numpy()[0] - np.array(img["resnet18"], dtype=np.float32)).max())
            print(f"{img['file']} resnet18: torchvision.models.resnet18 vs onnxruntime-node max abs diff {d:.3g}")
            worst = max(worst, d)
    print(f"worst {worst:.3g} (tolerance {TOLERANCE})")
    sys.exit(0 if worst <= TOLERANCE else 1)


if __name__ == "__main__":
    main()
