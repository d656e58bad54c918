"""Step 2 of the in-situ adaptation (scripts/adapt/README.md): train a small head on frozen
ImageNet MobileNetV2 features of ndsb-train, and write its weights for make-models.ts.

    /usr/bin/python3 scripts/adapt/train_head.py .bench/adapt-rot4 models/adapters/insitu-head

Debian's python3-torch, CPU, one thread (about a minute). Deterministic for a given features file
(torch.manual_seed, one thread).

What it learns: rotation invariance, distilled. Plankton crops have no "up", and embedding each
image at four right angles and averaging (the `-rot4` idea) improves every quality figure, at four
times the compute. The head maps the features of ONE view to the mean of the FOUR views' features:

    s = (x - mu) / sd                       (standardised 1280-d pooled features of one view)
    y = s + W2 relu(W1 s + b1) + b2         (residual MLP, 1280 -> HIDDEN -> 1280; W2 starts at 0,
                                             so training starts from the frozen features)
    loss = 1 - cos(y, (mean of the 4 views' x - mu) / sd)

Why this and not a classifier head: a softmax head over ndsb-train's 99 classes (tried first, same
script history) did not transfer to classes it never saw: leave-one-out 1-NN on 20 held-out
classes 0.820 against 0.821 for the frozen features. Rotation invariance is a property of every
plankton class, so it can transfer; the held-out score below says whether it does.

Model selection without touching ndsb-dev: 20 of the 99 classes are held out; candidates are
scored by leave-one-out 1-NN of single upright views on the held-out classes (40 images per
class at most, like ndsb-dev); the best is retrained on all 99 classes and written.

Output: <out>.bin (float32 little-endian: mu [1280], inv_sd [1280], W1 [1280 x HIDDEN] as s @ W1,
b1 [HIDDEN], W2 [HIDDEN x 1280], b2 [1280]) and <out>.json (shapes, scores, sha256s).
"""
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)
HELD_OUT = 20
CANDIDATES = [(hidden, epochs) for hidden in (128,) for epochs in (4, 12)]


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
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.l1 = torch.nn.Linear(dim, hidden)
        self.l2 = torch.nn.Linear(hidden, dim)
        torch.nn.init.zeros_(self.l2.weight)
        torch.nn.init.zeros_(self.l2.bias)

    def forward(self, s):
        return s + self.l2(torch.relu(self.l1(s)))


def train(views: np.ndarray, teacher: np.ndarray, hidden: int, epochs: int, seed: int = 18) -> Head:
    """views: [n, 4, d] standardised single views; teacher: [n, d] standardised 4-view means."""
    torch.manual_seed(seed)
    n, r, d = views.shape
    head = Head(d, hidden)
    opt = torch.optim.AdamW(head.parameters(), lr=1e-3, weight_decay=1e-4)
    xv = torch.from_numpy(views.reshape(n * r, d))
    tv = torch.from_numpy(np.repeat(teacher, r, axis=0))
    steps = max(1, (n * r) // 256)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * steps)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(n * r, generator=gen)[: steps * 256].view(steps, 256)
        for b in perm:
            loss = (1 - torch.nn.functional.cosine_similarity(head(xv[b]), tv[b], dim=1)).mean()
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
    rot = np.asarray(meta["rotation"])
    if not (rot[:4] == [0, 90, 180, 270]).all():
        raise SystemExit("features must hold 4 rotations per image (embed-ndsb-train.ts --rotations 4)")
    x = np.frombuffer(raw, dtype="<f4").reshape(-1, 4, dim).astype(np.float32)
    y = np.asarray(meta["label"], dtype=np.int64)[::4]
    mu = x[:, 0].mean(0)
    sd = x[:, 0].std(0)
    sd = np.maximum(sd, 0.1 * np.median(sd)) + 1e-6
    views = ((x - mu) / sd).astype(np.float32)
    teacher = ((x.mean(1) - mu) / sd).astype(np.float32)

    rng = np.random.default_rng(18)
    held = sorted(rng.choice(int(y.max()) + 1, HELD_OUT, replace=False).tolist())
    is_held = np.isin(y, held)
    pick = np.concatenate([np.flatnonzero(y == c)[:40] for c in held])
    scores = {
        "frozen features, one view": loo_1nn(x[pick, 0], y[pick]),
        "frozen features, mean of 4 views (4x compute)": loo_1nn(x[pick].mean(1), y[pick]),
    }
    for k, v in scores.items():
        print(f"held-out classes ({len(pick)} images, {HELD_OUT} classes): {k}: LOO 1-NN {v:.3f}")
    best = None
    for hidden, epochs in CANDIDATES:
        head = train(views[~is_held], teacher[~is_held], hidden, epochs)
        with torch.no_grad():
            z = head(torch.from_numpy(views[pick, 0])).numpy()
        s = loo_1nn(z, y[pick])
        scores[f"head {hidden}, {epochs} epochs, one view"] = s
        print(f"  head hidden {hidden}, {epochs} epochs, one view: LOO 1-NN {s:.3f}")
        if best is None or s > best[0]:
            best = (s, hidden, epochs)
    _, hidden, epochs = best
    head = train(views, teacher, hidden, epochs)
    arrays = (
        mu,
        1.0 / sd,
        head.l1.weight.detach().numpy().T,
        head.l1.bias.detach().numpy(),
        head.l2.weight.detach().numpy().T,
        head.l2.bias.detach().numpy(),
    )
    blob = b"".join(np.ascontiguousarray(a).astype("<f4").tobytes() for a in arrays)
    out_base.parent.mkdir(parents=True, exist_ok=True)
    out_base.with_suffix(".bin").write_bytes(blob)
    out_base.with_suffix(".json").write_text(
        json.dumps(
            {
                "input": dim,
                "hidden": hidden,
                "output": dim,
                "epochs": epochs,
                "layout": "float32 LE: mu [input], inv_sd [input], W1 [input x hidden] (s @ W1), b1 [hidden], W2 [hidden x output], b2 [output]; y = s + relu(s @ W1 + b1) @ W2 + b2, s = (x - mu) * inv_sd",
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
    print(f"wrote {out_base}.bin ({len(blob)} bytes): hidden {hidden}, {epochs} epochs")


if __name__ == "__main__":
    main()
