#!/usr/bin/env python3
"""Export a fitted scikit-learn KMeans (pickle or joblib file) as JSON for the browser.

The browser side (src/cluster/sklearn-import.ts) reads this JSON, checks it and uses the
centres as the clustering of the labelling plugin, so an existing model such as the
reference backend's ``kmeans-<bucket>.pkl`` (5 x 2048, fitted on ResNet50 embeddings)
keeps giving the same cluster ids.

Usage:
    python models/kmeans_to_json.py kmeans.pkl --model-id resnet50-cefas -o kmeans.json

Needs Python 3 with scikit-learn (the version that wrote the pickle, or a compatible one).
"""
from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

FORMAT = "cyto-ml-kmeans"
FORMAT_VERSION = 1


def load_model(path: Path):
    """Load a pickled estimator; joblib files are tried first because they are the common case."""
    try:
        import joblib

        return joblib.load(path)
    except Exception:  # not a joblib file (or no joblib): fall back to plain pickle
        with open(path, "rb") as handle:
            return pickle.load(handle)


def kmeans_to_dict(model, model_id: str, n_samples: int | None = None) -> dict:
    """Describe a fitted KMeans as a JSON-ready dict (centres as nested lists of floats)."""
    import sklearn

    centres = getattr(model, "cluster_centers_", None)
    if centres is None:
        raise ValueError(
            f"{type(model).__name__} has no cluster_centers_: pass a fitted sklearn KMeans "
            "(or MiniBatchKMeans)"
        )
    n_clusters, n_features = centres.shape
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_id": model_id,
        "estimator": type(model).__name__,
        "sklearn_version": sklearn.__version__,
        "n_clusters": int(n_clusters),
        "n_features": int(n_features),
        "inertia": float(model.inertia_) if hasattr(model, "inertia_") else None,
        "n_iter": int(model.n_iter_) if hasattr(model, "n_iter_") else None,
        "n_samples": n_samples,
        "centres": [[float(v) for v in row] for row in centres],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="pickled/joblib scikit-learn KMeans, e.g. kmeans-bucket.pkl")
    parser.add_argument(
        "--model-id",
        required=True,
        help="id of the embedding model the centres were fitted on (as in models/manifest.json), e.g. resnet50-cefas",
    )
    parser.add_argument(
        "--n-samples",
        type=int,
        default=None,
        help="number of embeddings the KMeans was fitted on (not stored in the pickle); the browser "
        "keeps the imported clusters until it holds more embeddings than this (default: unknown, "
        "so the first local fit replaces them)",
    )
    parser.add_argument("-o", "--output", type=Path, help="output JSON file (default: stdout)")
    args = parser.parse_args(argv)

    model = load_model(args.model)
    try:
        data = kmeans_to_dict(model, args.model_id, args.n_samples)
    except ValueError as error:
        parser.error(str(error))
    text = json.dumps(data)
    if args.output:
        args.output.write_text(text + "\n")
        print(
            f"wrote {args.output}: {data['n_clusters']} clusters x {data['n_features']} features",
            file=sys.stderr,
        )
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
