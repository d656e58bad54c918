#!/usr/bin/python3
"""Embeds a folder of images on a Dask cluster: the heavy step of `npm run import -- DIR --embed`.

The folder is cut into N shards (file i of the sorted walk goes to shard i mod N, the import's own
`--shard I/N`). Each shard is one Dask task, which runs THIS project's Node import on its worker:

    node_modules/.bin/tsx src/import/cli.ts FOLDER --to-folder OUT/shards/I --embed --shard I/N ...

so every worker decodes, preprocesses and embeds exactly as a single-process import does (sharp /
geotiff / fast-png decoding, the plugin's preprocessing, onnxruntime-node, the manifest's model
checked by SHA-256); there is no Python re-implementation whose vectors could drift. The driver
then gathers the shards' embedding part files (content-named, so they never collide) into
OUT/embeddings/<model>/, and with --shim PUTs them to the shim, which serves them to the plugin.

Tasks are not created here: run `npm run import -- FOLDER --label-studio ... --project ...` (no
--embed) once the parts are on the shim; the PNGs it uploads are byte for byte those the workers
embedded (the conversion is deterministic), so every image is a cache hit in annotators' browsers.

Needs on every worker: Node >= 20, this checkout with `npm ci` done (same path on every worker, or
--repo), and FOLDER and OUT on storage every worker and the driver see at the same path (NFS, a
shared volume; an object store mounted with s3fs/gcsfuse). On the driver: Python 3 with
`distributed` (Debian: `apt install python3-distributed`).

    /usr/bin/python3 src/import/distributed/dask_embed.py FOLDER --out OUT --scheduler tcp://HOST:8786
    /usr/bin/python3 src/import/distributed/dask_embed.py FOLDER --out OUT --local-workers 2   # one machine

Tested here (src/import/distributed/dask-embed.test.ts): a LocalCluster of 2 worker processes,
vectors equal to the single-process import's. A remote scheduler is the same client code, not
tested here (one machine).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def run_shard(repo: str, folder: str, out: str, index: int, count: int, threads: int, model: str | None, manifest: str | None) -> dict:
    """One Dask task: the project's Node import on shard index/count. Returns its summary."""
    shard_out = Path(out) / "shards" / f"{index:04d}-of-{count:04d}"
    if shard_out.exists():
        shutil.rmtree(shard_out)  # a retried task starts clean
    cmd = [
        str(Path(repo) / "node_modules" / ".bin" / "tsx"), str(Path(repo) / "src" / "import" / "cli.ts"),
        folder, "--to-folder", str(shard_out), "--embed", "--shard", f"{index}/{count}",
        "--threads", str(threads), "--quiet",
    ]
    if model:
        cmd += ["--model", model]
    if manifest:
        cmd += ["--manifest", manifest]
    started = time.time()
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"shard {index}/{count}: the Node import exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-2000:]}")
    parts = sorted(str(p) for p in (shard_out / "embeddings").glob("*/*.cyemb"))
    return {"shard": index, "seconds": time.time() - started, "parts": parts, "summary": proc.stdout.strip()}


def put_part(shim: str, project: str, path: Path, token: str | None) -> None:
    """PUT one part to the shim (the protocol of src/shim/embedding-files.ts)."""
    model = path.parent.name
    url = f"{shim.rstrip('/')}/embeddings/{urllib.request.quote(project, safe='')}/{urllib.request.quote(model, safe='')}/{path.name}"
    headers = {"Content-Type": "application/octet-stream"}
    if token:
        headers["Authorization"] = f"Token {token}"
    req = urllib.request.Request(url, data=path.read_bytes(), method="PUT", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            resp.read()
    except urllib.error.HTTPError as e:
        raise SystemExit(f"dask_embed: the shim refused {path.name}: HTTP {e.code} {e.read()[:300]!r}")
    except urllib.error.URLError as e:
        raise SystemExit(f"dask_embed: cannot reach the shim at {shim} ({e.reason}): check --shim and that `npm run shim` runs")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", help="folder of images, at the same path on every worker")
    ap.add_argument("--out", required=True, help="output folder on shared storage (shards/, embeddings/)")
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--local-workers", type=int, help="start a LocalCluster of this many worker processes on this machine")
    ap.add_argument("--shards", type=int, help="number of shards (default: 4 x the workers)")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime threads per shard (default 1: one process per core)")
    ap.add_argument("--model", help="model id (default: the manifest's default, as the plugin)")
    ap.add_argument("--manifest", help="model manifest path on the workers (default: the checkout's models/manifest.json)")
    ap.add_argument("--repo", default=str(REPO), help="this checkout's path on the workers (default: this script's)")
    ap.add_argument("--shim", help="shim URL to PUT the parts to (npm run shim)")
    ap.add_argument("--project", help="Label Studio project id the parts belong to (with --shim)")
    ap.add_argument("--token", default=os.environ.get("LABEL_STUDIO_TOKEN"), help="Label Studio token, for a shim with auth on [LABEL_STUDIO_TOKEN]")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    a = ap.parse_args(argv)
    if a.shim and not a.project:
        ap.error("--shim needs --project (the plugin finds embeddings by Label Studio project id)")
    folder = str(Path(a.folder).resolve())
    out = Path(a.out).resolve()
    if not Path(folder).is_dir():
        ap.error(f"{folder} is not a folder")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("dask_embed: Python's `distributed` is missing: `apt install python3-distributed` (Debian) or `pip install distributed`", file=sys.stderr)
        return 2

    cluster = None
    if a.local_workers:
        # Processes, not threads: each worker is its own Python process and starts its own Node processes.
        cluster = LocalCluster(n_workers=a.local_workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(a.scheduler)
    started = time.time()
    try:
        workers = len(client.scheduler_info()["workers"]) or 1
        count = a.shards or 4 * workers
        futures = [client.submit(run_shard, a.repo, folder, str(out), i, count, a.threads, a.model, a.manifest, pure=False, key=f"cyto-shard-{i}-of-{count}")
                   for i in range(count)]
        results = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    parts_dir = out / "embeddings"
    gathered: list[Path] = []
    for r in results:
        for p in map(Path, r["parts"]):
            dest = parts_dir / p.parent.name / p.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dest)
            gathered.append(dest)
    if a.shim:
        for p in gathered:
            put_part(a.shim, a.project, p, a.token)
    result = {"workers": workers, "shards": count, "parts": [str(p) for p in gathered], "seconds": time.time() - started,
              "shard_seconds": [r["seconds"] for r in results]}
    if a.json:
        print(json.dumps(result))
    else:
        print(f"{len(gathered)} part(s) from {count} shard(s) on {workers} worker(s) in {result['seconds']:.1f} s → {parts_dir}")
        if a.shim:
            print(f"PUT to {a.shim} for project {a.project}; now create the tasks: npm run import -- {a.folder} --label-studio URL --project {a.project}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
