#!/usr/bin/env python3
"""Generate the scikit-learn reference fixtures for src/cluster tests (run once, commit output).

    /usr/bin/python3 scripts/make-sklearn-fixtures.py

Writes src/cluster/fixtures/:
  sklearn-lloyd-300x8.json, sklearn-lloyd-200x16.json: data, given initial centres, and
    sklearn's Lloyd result from them (labels, centres, inertia, n_iter); one case whose start
    leaves a cluster empty (sklearn relocates it); the best inertia of k-means++ n_init=10.
  sklearn-kmeans-60x32.json: a KMeans fitted on 60x32 data, dumped by models/kmeans_to_json.py.
  sklearn-predict-60x32.json: vectors and sklearn's predict() on them.
Data are float32 values (what the browser holds), given to sklearn as float64.
"""
import importlib.util
import json
import pickle
import tempfile
from pathlib import Path

import numpy as np
import sklearn
from sklearn.cluster import KMeans

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "cluster" / "fixtures"


def load_exporter():
    spec = importlib.util.spec_from_file_location("kmeans_to_json", ROOT / "models" / "kmeans_to_json.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def blobs(rng, n, d, k, spread, scale):
    centres = rng.normal(0.0, scale, size=(k, d))
    labels = rng.integers(0, k, size=n)
    x = centres[labels] + rng.normal(0.0, spread, size=(n, d))
    return x.astype(np.float32)


def lloyd(x64, init):
    km = KMeans(n_clusters=init.shape[0], init=init, n_init=1, algorithm="lloyd", max_iter=300, tol=1e-4)
    km.fit(x64)
    return {
        "init": init.astype(np.float32).tolist(),
        "labels": km.labels_.tolist(),
        "centres": km.cluster_centers_.tolist(),
        "inertia": float(km.inertia_),
        "n_iter": int(km.n_iter_),
    }


def parity_case(seed, n, d, k, spread, scale):
    rng = np.random.default_rng(seed)
    x = blobs(rng, n, d, k, spread, scale)
    x64 = x.astype(np.float64)
    # Starts drawn from the data (float32 so TS sees the same values).
    start = x[rng.choice(n, size=k, replace=False)].astype(np.float64)
    # A start with one centre far away from every point: that cluster is empty after the
    # first assignment, so sklearn's relocation to the farthest point is exercised.
    empty_start = start.copy()
    empty_start[-1] = 1000.0
    best = KMeans(n_clusters=k, init="k-means++", n_init=10, algorithm="lloyd", random_state=seed).fit(x64)
    return {
        "sklearn_version": sklearn.__version__,
        "n": n,
        "d": d,
        "k": k,
        "tol": 1e-4,
        "max_iter": 300,
        "data": x.tolist(),
        "from_init": lloyd(x64, start),
        "from_empty_init": lloyd(x64, empty_start),
        "kmeanspp_best_of_10_inertia": float(best.inertia_),
    }


def write(name, obj):
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_text(json.dumps(obj) + "\n")
    print("wrote", OUT / name)


def main():
    # Overlapping blobs so that Lloyd needs several iterations.
    write("sklearn-lloyd-300x8.json", parity_case(7, 300, 8, 4, 1.0, 2.0))
    write("sklearn-lloyd-200x16.json", parity_case(11, 200, 16, 5, 1.0, 1.5))

    exporter = load_exporter()
    rng = np.random.default_rng(3)
    x = blobs(rng, 60, 32, 5, 0.5, 2.0).astype(np.float64)
    km = KMeans(n_clusters=5, init="k-means++", n_init=10, random_state=42).fit(x)
    with tempfile.TemporaryDirectory() as tmp:
        pkl = Path(tmp) / "kmeans.pkl"
        with open(pkl, "wb") as handle:
            pickle.dump(km, handle)
        out = Path(tmp) / "kmeans.json"
        exporter.main([str(pkl), "--model-id", "test-32d", "--n-samples", "60", "-o", str(out)])
        write("sklearn-kmeans-60x32.json", json.loads(out.read_text()))
    vectors = np.concatenate([x[:10], blobs(rng, 20, 32, 5, 1.5, 2.0)]).astype(np.float32)
    write(
        "sklearn-predict-60x32.json",
        {"vectors": vectors.tolist(), "labels": km.predict(vectors.astype(np.float64)).tolist()},
    )


if __name__ == "__main__":
    main()
