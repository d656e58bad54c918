"""scikit-learn baseline for bench/kmeans.ts: the reference's clustering.

KMeans(n_clusters=k, init=<first k rows>, n_init=1, max_iter=iterations, tol=0,
algorithm="lloyd") on the same float32 data the browser generates (written by the runner).
Reads a JSON spec on stdin, prints one JSON line:

  spec: {"data_bin": path, "n": 10000, "d": 512, "ks": [5, 10], "iterations": 20,
         "threads": [1, null], "warmup": 1, "runs": 3}   (null: scikit-learn's default, all cores)
  out:  {"sklearn": version, "results": [{"k", "threads", "ms": [...], "n_iter", "inertia"}]}
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits


def main():
    spec = json.load(sys.stdin)
    n, d = spec["n"], spec["d"]
    x = np.fromfile(spec["data_bin"], dtype=np.float32).reshape(n, d)
    results = []
    for threads in spec["threads"]:
        for k in spec["ks"]:
            init = x[:k].copy()
            samples = []
            model = None
            for r in range(spec["warmup"] + spec["runs"]):
                model = KMeans(n_clusters=k, init=init, n_init=1, max_iter=spec["iterations"], tol=0, algorithm="lloyd")
                with warnings.catch_warnings(), threadpool_limits(limits=threads):
                    warnings.simplefilter("ignore")
                    t = time.perf_counter()
                    model.fit(x)
                    ms = (time.perf_counter() - t) * 1000
                if r >= spec["warmup"]:
                    samples.append(ms)
            results.append({
                "k": k,
                "threads": threads if threads is not None else os.cpu_count(),
                "ms": samples,
                "n_iter": int(model.n_iter_),
                "inertia": float(model.inertia_),
            })
    print(json.dumps({"sklearn": sklearn.__version__, "results": results}))


if __name__ == "__main__":
    main()
