"""PyTorch CPU baseline for bench/embedding.ts and bench/default-model-speed.ts: the reference's engine.

"arch" picks the network: resnet18 (default; the same-model rows), resnet50 (the reference
backend's plankton model, resnet50-cefas, at native size) or mobilenet_v2_1.4
(torchvision.models.mobilenet_v2(width_mult=1.4), classifier = Identity, 1792-d: the same
architecture as the default model). Random weights throughout: timing needs no trained ones.

torchvision ResNet18 with fc = Identity (512-d embeddings), eval mode, no_grad: what the
reference (plankton_ml / label-studio-cyto-ml) runs. Random weights: same architecture and
FLOPs as models/resnet18-seeded.onnx (whose BatchNorm is folded; here BatchNorm stays, as in the
reference). Reads a JSON spec on stdin, prints one JSON line:

  spec: {"arch": "resnet18" (default) | "resnet50" | "mobilenet_v2_1.4",
         "threads": [1, 2], "size": 224, "batches": [1, 8], "input_bin": path to float32
         [8, 3, size, size] (the same pixels the browser and onnxruntime-node get),
         "native_sizes": [[h, w], ...], "warmup": 2, "runs": 7}
  out:  {"torch": version, "results": [{"threads", "kind": "fixed"|"native", "batch",
         "ms_per_image": [one value per timed run]}]}
"""
import json
import sys
import time

import numpy as np
import torch
import torchvision


def main():
    spec = json.load(sys.stdin)
    size = spec["size"]
    warmup, runs = spec["warmup"], spec["runs"]
    arch = spec.get("arch", "resnet18")
    if arch == "resnet18":
        model = torchvision.models.resnet18()
        model.fc = torch.nn.Identity()
    elif arch == "resnet50":
        model = torchvision.models.resnet50()
        model.fc = torch.nn.Identity()
    elif arch == "mobilenet_v2_1.4":
        model = torchvision.models.mobilenet_v2(width_mult=1.4)
        model.classifier = torch.nn.Identity()
    else:
        raise SystemExit(f"unknown arch {arch}: resnet18, resnet50 or mobilenet_v2_1.4")
    model.eval()
    images = None
    if spec.get("input_bin"):
        images = torch.from_numpy(np.fromfile(spec["input_bin"], dtype=np.float32).reshape(-1, 3, size, size))
    gen = torch.Generator().manual_seed(0)
    natives = [torch.rand(1, 3, h, w, generator=gen) for h, w in spec.get("native_sizes", [])]
    results = []
    with torch.no_grad():
        for threads in spec["threads"]:
            torch.set_num_threads(threads)
            for batch in spec.get("batches", []):
                x = images[:batch].contiguous()
                assert x.shape[0] == batch, f"input_bin holds {images.shape[0]} images, need {batch}"
                samples = []
                for r in range(warmup + runs):
                    t = time.perf_counter()
                    out = model(x)
                    ms = (time.perf_counter() - t) * 1000 / batch
                    if r >= warmup:
                        samples.append(ms)
                assert out.shape[0] == batch
                results.append({"threads": threads, "kind": "fixed", "batch": batch, "ms_per_image": samples})
            if natives:
                samples = []
                n_warmup = spec.get("native_warmup", warmup)
                for r in range(n_warmup + spec.get("native_runs", runs)):
                    per = []
                    for x in natives:
                        t = time.perf_counter()
                        model(x)
                        per.append((time.perf_counter() - t) * 1000)
                    if r >= n_warmup:
                        samples.append(sum(per) / len(per))
                results.append({"threads": threads, "kind": "native", "batch": 1, "ms_per_image": samples})
    print(json.dumps({"torch": torch.__version__, "arch": arch, "results": results}))


if __name__ == "__main__":
    main()
