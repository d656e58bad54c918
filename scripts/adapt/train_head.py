"""Step 2 of the in-situ adaptation (scripts/adapt/README.md): train a small projection head on
frozen ImageNet MobileNetV2 features of ndsb-train, and write its weights for make-models.ts.

    /usr/bin/python3 scripts/adapt/train_head.py .bench/adapt models/adapters/insitu-head

Debian's python3-torch, CPU, one thread (a few tens of seconds). Deterministic for a given
features file (torch.manual_seed, one thread).

What it trains: x (1280-d pooled features) -> standardise (train mean / std, folded into the
first layer) -> Linear(1280, 256) -> ReLU -> Linear(256, OUT) = the embedding the browser uses.
Loss: softmax cross-entropy of a cosine classifier (normalised embedding and class weights,
scale 16) over ndsb-train's 99 classes. The classifier is thrown away; what transfers is the
embedding. The classes of ndsb-dev are not among ndsb-train's, so the head is measured on
plankton classes it never saw.

Model selection without touching ndsb-dev: 20 of the 99 classes are held out, the candidates
(epochs x output size) are scored by leave-one-out 1-NN on the held-out classes, the best is
retrained on all 99 classes and written.

Output: <out>.bin (float32 little-endian: W1 [1280 x 256] row-major as x @ W1, b1 [256],
W2 [256 x OUT], b2 [OUT]; standardisation already folded into W1 / b1) and <out>.json
(shapes, selection scores, the features file's sha256).
"""
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)
HIDDEN = 256
SCALE = 16.0
HELD_OUT = 20
CANDIDATES = [(out, epochs) for out in (128, 256) for epochs in (10, 30)]


def loo_1nn(z: np.ndarray, y: np.ndarray) -> float:
    """Leave-one-out 1-NN accuracy after z-score (std floored at 0.1 x median) + L2, like the learner."""
    mu = z.mean(0)
    sd = z.std(0)
    sd = np.maximum(sd, 0.1 * np.median(sd)) + 1e-6
    u = (z - mu) / sd
    u /= np.linalg.norm(u, axis=1, keepdims=True) + 1e-12
    s = u @ u.T
    np.fill_diagonal(s, -np.inf)
    return float((y[s.argmax(1)] == y).mean())


class Head(torch.nn.Module):
    def __init__(self, dim: int, out: int, classes: int):
        super().__init__()
        self.l1 = torch.nn.Linear(dim, HIDDEN)
        self.l2 = torch.nn.Linear(HIDDEN, out)
        self.cls = torch.nn.Parameter(torch.randn(classes, out) * 0.01)

    def embed(self, x):
        return self.l2(torch.relu(self.l1(x)))

    def forward(self, x):
        e = torch.nn.functional.normalize(self.embed(x), dim=1)
        w = torch.nn.functional.normalize(self.cls, dim=1)
        return SCALE * e @ w.T


def train(x: np.ndarray, y: np.ndarray, out: int, epochs: int, seed: int = 18) -> Head:
    torch.manual_seed(seed)
    classes = int(y.max()) + 1
    head = Head(x.shape[1], out, classes)
    opt = torch.optim.AdamW(head.parameters(), lr=1e-3, weight_decay=1e-4)
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y).long()
    # Class-balanced sampling weights: a few classes hold most of ndsb-train's images.
    counts = np.bincount(y, minlength=classes)
    weights = torch.from_numpy(1.0 / counts[y])
    steps = max(1, len(y) // 256)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * steps)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        idx = torch.multinomial(weights, steps * 256, replacement=True, generator=gen).view(steps, 256)
        for b in idx:
            xb = xt[b]
            # Feature dropout: a cheap augmentation for frozen features.
            xb = torch.nn.functional.dropout(xb, 0.2)
            loss = torch.nn.functional.cross_entropy(head(xb), yt[b], label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return head.eval()


def main() -> None:
    feat_dir, out_base = Path(sys.argv[1]), Path(sys.argv[2])
    meta = json.loads((feat_dir / "labels.json").read_text())
    raw = (feat_dir / "features.f32").read_bytes()
    dim = meta["dim"]
    x_raw = np.frombuffer(raw, dtype="<f4").reshape(-1, dim).astype(np.float32)
    y = np.asarray(meta["label"], dtype=np.int64)
    mu = x_raw.mean(0)
    sd = x_raw.std(0)
    sd = np.maximum(sd, 0.1 * np.median(sd)) + 1e-6
    x = ((x_raw - mu) / sd).astype(np.float32)

    rng = np.random.default_rng(18)
    held = set(rng.choice(int(y.max()) + 1, HELD_OUT, replace=False).tolist())
    is_held = np.isin(y, list(held))
    # Held-out classes: at most 40 images each (ndsb-dev's size), so the score is like the dev set's.
    pick = np.concatenate([np.flatnonzero(y == c)[:40] for c in sorted(held)])
    remap = {c: i for i, c in enumerate(sorted(set(y[~is_held].tolist())))}
    y_fit = np.asarray([remap[c] for c in y[~is_held]])
    scores = {"frozen features": loo_1nn(x_raw[pick], y[pick])}
    print(f"held-out classes ({len(pick)} images, {HELD_OUT} classes): frozen features LOO 1-NN {scores['frozen features']:.3f}")
    best = None
    for out, epochs in CANDIDATES:
        head = train(x[~is_held], y_fit, out, epochs)
        with torch.no_grad():
            z = head.embed(torch.from_numpy(x[pick])).numpy()
        s = loo_1nn(z, y[pick])
        scores[f"out {out}, {epochs} epochs"] = s
        print(f"  head out {out}, {epochs} epochs: LOO 1-NN {s:.3f}")
        if best is None or s > best[0]:
            best = (s, out, epochs)
    _, out, epochs = best
    head = train(x, y, out, epochs)
    # Fold the standardisation into the first layer: l1((x - mu) / sd) = x @ (W1^T / sd) + (b1 - (mu / sd) @ W1^T).
    w1 = head.l1.weight.detach().numpy().T / sd[:, None]
    b1 = head.l1.bias.detach().numpy() - (mu / sd) @ head.l1.weight.detach().numpy().T
    w2 = head.l2.weight.detach().numpy().T
    b2 = head.l2.bias.detach().numpy()
    blob = b"".join(a.astype("<f4").tobytes() for a in (w1, b1, w2, b2))
    out_base.parent.mkdir(parents=True, exist_ok=True)
    out_base.with_suffix(".bin").write_bytes(blob)
    out_base.with_suffix(".json").write_text(
        json.dumps(
            {
                "input": dim,
                "hidden": HIDDEN,
                "output": out,
                "epochs": epochs,
                "layout": "float32 LE: W1 [input x hidden] (x @ W1), b1 [hidden], W2 [hidden x output], b2 [output]; standardisation folded into W1/b1",
                "bin_sha256": hashlib.sha256(blob).hexdigest(),
                "features_sha256": hashlib.sha256(raw).hexdigest(),
                "train_images": int(len(y)),
                "classes": int(y.max()) + 1,
                "selection_loo_1nn_held_out_train_classes": scores,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {out_base}.bin ({len(blob)} bytes): out {out}, {epochs} epochs")


if __name__ == "__main__":
    main()
