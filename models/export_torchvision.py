#!/usr/bin/env python3
"""Export a torchvision ResNet (fc = Identity) to ONNX for the browser and add it to manifest.json.

Needs torch + torchvision (tested with torch 1.13 / torchvision 0.14) and onnx. Internet is
needed only for `--weights imagenet` (torchvision downloads the weights once).

Examples (run from the repository root):

  # ImageNet ResNet50, 2048-d, ImageNet normalisation, 224 px centre crop
  python3 models/export_torchvision.py --arch resnet50 --weights imagenet \
      --id resnet50-imagenet --resize crop:224

  # ImageNet ResNet18, 512-d, native image size like the reference
  python3 models/export_torchvision.py --arch resnet18 --weights imagenet --id resnet18-imagenet

  # The reference backend's plankton weights (a state_dict for a 3-class resnet50)
  python3 models/export_torchvision.py --arch resnet50 --weights path/to/resnet50-cefas.pth \
      --id resnet50-cefas --name "ResNet50 CEFAS plankton" --set-default

  # Offline smoke test: random torchvision init
  python3 models/export_torchvision.py --arch resnet18 --weights none --id resnet18-random \
      --out /tmp/resnet18-random.onnx --manifest /tmp/manifest.json

The ONNX model has input `input` float32 [batch, 3, height, width] (all three dynamic) and
output `embedding` float32 [batch, 2048] (resnet50) or [batch, 512] (resnet18); opset 17.
The manifest entry (sha256, bytes, preprocessing) is written or replaced by id; other entries
are kept as they are. The browser checks the sha256 before it creates a session.
"""
import argparse
import hashlib
import json
import os
import sys
from collections import OrderedDict

import torch
import torchvision

EMBEDDING_SIZE = {"resnet18": 512, "resnet50": 2048}
WEIGHTS_ENUM = {"resnet18": "ResNet18_Weights", "resnet50": "ResNet50_Weights"}
HERE = os.path.dirname(os.path.abspath(__file__))


def parse_resize(text):
    """'native' | 'crop:224' | 'stretch:224' -> the manifest's ResizeMode."""
    if text == "native":
        return "native"
    fit, _, size = text.partition(":")
    if fit not in ("crop", "stretch") or not size.isdigit() or int(size) <= 0:
        raise argparse.ArgumentTypeError(f"expected native, crop:<px> or stretch:<px>, got {text!r}")
    return {"size": int(size), "fit": fit}


def build_model(arch, weights):
    """A torchvision ResNet with the requested weights and fc replaced by Identity."""
    ctor = getattr(torchvision.models, arch)
    if weights == "imagenet":
        enum = getattr(torchvision.models, WEIGHTS_ENUM[arch], None)
        model = ctor(weights=enum.DEFAULT) if enum is not None else ctor(pretrained=True)
    elif weights == "none":
        model = ctor()
    else:
        model = ctor()
        load_checkpoint(model, weights)
    model.fc = torch.nn.Identity()
    return model.eval()


def load_checkpoint(model, path):
    """Loads a state_dict (or a checkpoint/model holding one) into `model`, ignoring `fc.*`.

    The reference's resnet50-cefas weights are a state_dict for a 3-class resnet50: the
    classifier head (fc) has the wrong shape for torchvision's 1000-class fc and is not needed
    for embeddings, so fc keys are dropped. Every other key must match exactly.
    """
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
    if not isinstance(obj, dict):
        sys.exit(f"{path}: not a state_dict (got {type(obj).__name__})")
    state = OrderedDict()
    for k, v in obj.items():
        # Checkpoints saved from DataParallel prefix every key with "module.".
        k = k[len("module."):] if k.startswith("module.") else k
        if not k.startswith("fc."):
            state[k] = v
    model.fc = torch.nn.Identity()
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as e:  # shape mismatches raise even with strict=False
        sys.exit(f"{path}: weights do not fit torchvision's architecture (wrong --arch?)\n{str(e)[:2000]}")
    if result.missing_keys or result.unexpected_keys:
        sys.exit(
            f"{path}: weights do not fit torchvision's architecture\n"
            f"  missing: {result.missing_keys}\n  unexpected: {result.unexpected_keys}"
        )


def export(model, out, opset):
    dummy = torch.rand(1, 3, 224, 224)
    torch.onnx.export(
        model,
        dummy,
        out,
        input_names=["input"],
        output_names=["embedding"],
        dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"}, "embedding": {0: "batch"}},
        opset_version=opset,
        do_constant_folding=True,  # folds BatchNorm into the convs (eval mode)
    )
    return dummy


def check(model, out, dummy, expected_dim):
    """onnx.checker plus a shape check of the declared output."""
    try:
        import onnx
    except ImportError:
        print("onnx not installed: skipping the ONNX checker", file=sys.stderr)
        return
    m = onnx.load(out)
    onnx.checker.check_model(m)
    dims = m.graph.output[0].type.tensor_type.shape.dim
    declared = [d.dim_param or d.dim_value for d in dims]
    if declared[1] != expected_dim:
        sys.exit(f"{out}: output has shape {declared}, expected [batch, {expected_dim}]")
    with torch.no_grad():
        got = model(dummy).shape
    if tuple(got) != (1, expected_dim):
        sys.exit(f"torch model gives {tuple(got)}, expected (1, {expected_dim})")


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def update_manifest(path, entry, set_default):
    """Replaces the entry with the same id (in place) or appends it; keeps everything else."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f, object_pairs_hook=OrderedDict)
    else:
        manifest = OrderedDict([("version", 1), ("default", entry["id"]), ("models", [])])
    models = manifest["models"]
    for i, m in enumerate(models):
        if m.get("id") == entry["id"]:
            models[i] = entry
            break
    else:
        models.append(entry)
    if set_default or not any(m.get("id") == manifest.get("default") for m in models):
        manifest["default"] = entry["id"]
    # Same text form as scripts/make-models.ts writes (2-space JSON, final newline).
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", choices=sorted(EMBEDDING_SIZE), default="resnet50")
    p.add_argument("--weights", default="imagenet",
                   help="imagenet (torchvision download), none (random init, for testing) or a .pth state_dict path")
    p.add_argument("--id", required=True, help="manifest id, e.g. resnet50-cefas (also the default file name)")
    p.add_argument("--name", help="human-readable name (default: derived from arch and weights)")
    p.add_argument("--out", help="ONNX output path (default: models/<id>.onnx)")
    p.add_argument("--manifest", default=os.path.join(HERE, "manifest.json"))
    p.add_argument("--no-manifest", action="store_true", help="only write the ONNX file")
    p.add_argument("--set-default", action="store_true", help="make this model the manifest's default")
    p.add_argument("--normalise", choices=["unit", "imagenet"],
                   help="pixel scaling the weights expect (default: imagenet for --weights imagenet, else unit)")
    p.add_argument("--resize", type=parse_resize, default="native",
                   help="native (default, like the reference), crop:<px> or stretch:<px>")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--seed", type=int, default=0, help="torch seed for --weights none")
    p.add_argument("--source", help="free text for the manifest's source field")
    args = p.parse_args(argv)

    weights = args.weights
    if weights not in ("imagenet", "none") and not os.path.isfile(weights):
        p.error(f"--weights: expected imagenet, none or an existing .pth file, got {weights!r}")
    torch.manual_seed(args.seed)
    out = args.out or os.path.join(HERE, f"{args.id}.onnx")
    normalise = args.normalise or ("imagenet" if weights == "imagenet" else "unit")
    dim = EMBEDDING_SIZE[args.arch]

    model = build_model(args.arch, weights)
    dummy = export(model, out, args.opset)
    check(model, out, dummy, dim)
    digest, size = sha256_of(out), os.path.getsize(out)
    print(f"{out}: {size} bytes, sha256 {digest}")

    trained = weights != "none"
    label = {"imagenet": "ImageNet weights", "none": "untrained, random init"}.get(weights, os.path.basename(weights))
    entry = OrderedDict([
        ("id", args.id),
        ("name", args.name or f"{args.arch} ({label})"),
        ("file", os.path.relpath(out, os.path.dirname(os.path.abspath(args.manifest))).replace(os.sep, "/")),
        ("sha256", digest),
        ("bytes", size),
        ("inputName", "input"),
        ("outputName", "embedding"),
        ("embeddingSize", dim),
        ("preprocess", OrderedDict([("resize", args.resize), ("normalise", normalise), ("highBitDepth", "max")])),
        ("trained", trained),
        ("source", args.source or f"models/export_torchvision.py: torchvision {args.arch}, weights {label}, "
                                  f"fc = Identity, opset {args.opset}, torch {torch.__version__}"),
    ])
    if not args.no_manifest:
        update_manifest(args.manifest, entry, args.set_default)
        print(f"{args.manifest}: entry {args.id} written")


if __name__ == "__main__":
    main()
