"""PyTorch CPU baseline for bench/embedding.ts: the reference's engine.

torchvision ResNet18 with fc = Identity (512-d embeddings), eval mode, no_grad: what the
reference (plankton_ml / label-studio-cyto-ml) runs. Random weights: same architecture and
FLOPs as models/resnet18-seeded.onnx (whose BatchNorm is folded; here BatchNorm stays, as in the
reference). Reads a JSON spec on stdin, prints one JSON line:

  spec: {"threads": [1, 2], "size": 224, "batches": [1, 8], "input_bin": path to float32
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
    model = torchvision.models.resnet18(weights=None)
    model.fc = torch.nn.Identity()
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
            for batch in spec["batches"]:
                x = images[:batch].contiguous()
                assert x.shape[0] == batch, f"input_bin holds {images.shape[0]} images, need {batch}"
                samples = []
                for r in range(warmup + runs):
                    t = time.perf_counter()
                    out = model(x)
                    ms = (time.perf_counter() - t) * 1000 / batch
                    if r >= warmup:
                        samples.append(ms)
                assert out.shape == (batch, 512)
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
    print(json.dumps({"torch": torch.__version__, "results": results}))


if __name__ == "__main__":
    main()
