#!/usr/bin/env python3
"""Pre-embed a very large image collection on a Ray cluster, over object storage.

The same step as `npm run import -- <folder> --to-folder DIR --embed`, split into shards that Ray
runs on many machines. Each shard runs the project's own Node import (same TIFF decoding and
16-bit scaling, same manifest preprocessing, same onnxruntime model: onnxruntime-node on all the
worker's cores), so the embeddings are exactly those the plugin would compute, under the keys it
looks up. Nothing about images or tensors is re-implemented in Python: this script only moves
files and schedules work.

    input   s3://lab/flowcam/2026-11/...            (TIFF/PNG/JPEG crops, FlowCam CSVs beside them)
    output  s3://lab/flowcam-ls/2026-11/images/...  (display PNGs, same relative paths)
            s3://lab/flowcam-ls/2026-11/embeddings/<model>/part-<hash>.cyemb
            s3://lab/flowcam-ls/2026-11/tasks/shard-00042.json

Then (driver, optional): tasks not yet in the Label Studio project are imported through its API
(image URLs are s3:// URIs: give the project an S3 source storage for the output bucket with
"presigned URLs" on, so Label Studio signs them), and the parts are PUT to the shim, which serves
them to annotators' browsers (src/shim/embedding-files.ts).

Requirements on every Ray worker: Node >= 20 and a checkout of this project with
`ONNXRUNTIME_NODE_INSTALL=skip npm ci` done and `npm run models` (or your exported model next to
models/manifest.json), at --repo; Python with ray and fsspec (+ s3fs/gcsfs for the store).

    ray job submit -- python src/import/examples/ray_import.py \\
        --input s3://lab/flowcam/2026-11 --output s3://lab/flowcam-ls/2026-11 --repo /opt/cyto-ml \\
        --cpus-per-shard 8 --shard-size 2000 \\
        --label-studio https://ls.lab.org --project 12 --token $LS_TOKEN --shim http://ml-backend:9090

`--local` runs the shards in a local process pool instead of Ray (same code path otherwise), with
local folders for --input/--output: the single-machine mode.

STATUS: the --local mode was run here (2-core VM, 2026-11-28) on the FlowCam fixtures; the Ray
path could not be run: neither Ray nor PySpark installs on this machine (no PyPI; Debian 12 has no
python3-ray or python3-pyspark), so it is untested.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from pathlib import PurePosixPath


# --- storage: fsspec for object stores, plain files for local paths ---------------------------

def is_remote(path: str) -> bool:
    return '://' in path and not path.startswith('file://')


def filesystem(path: str):
    if not is_remote(path):
        return None
    import fsspec  # only needed for object storage
    return fsspec.core.url_to_fs(path)[0]


def list_files(root: str) -> list[str]:
    """Relative paths (with '/') of every file under root, sorted."""
    fs = filesystem(root)
    if fs is None:
        out = []
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                if not name.startswith('.'):
                    out.append(os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, '/'))
        return sorted(out)
    base = root.rstrip('/').split('://', 1)[-1]
    return sorted(p[len(base) + 1:] for p in fs.find(root) if not PurePosixPath(p).name.startswith('.'))


def copy_down(root: str, rel: str, local: str) -> None:
    os.makedirs(os.path.dirname(local), exist_ok=True)
    fs = filesystem(root)
    if fs is None:
        shutil.copyfile(os.path.join(root, rel), local)
    else:
        fs.get(f"{root.rstrip('/')}/{rel}", local)


def copy_up(local: str, root: str, rel: str) -> None:
    fs = filesystem(root)
    if fs is None:
        target = os.path.join(root, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(local, target)
    else:
        fs.put(local, f"{root.rstrip('/')}/{rel}")


def read_bytes(root: str, rel: str) -> bytes:
    fs = filesystem(root)
    if fs is None:
        with open(os.path.join(root, rel), 'rb') as f:
            return f.read()
    with fs.open(f"{root.rstrip('/')}/{rel}", 'rb') as f:
        return f.read()


# --- sharding: whole folders, so a FlowCam CSV travels with its images -------------------------

def make_shards(files: list[str], shard_size: int) -> list[list[str]]:
    by_dir: dict[str, list[str]] = {}
    for rel in files:
        by_dir.setdefault(str(PurePosixPath(rel).parent), []).append(rel)
    shards = []
    for _dir, rels in sorted(by_dir.items()):
        csvs = [r for r in rels if r.lower().endswith('.csv')]
        images = [r for r in rels if not r.lower().endswith('.csv')]  # non-images are reported by the import
        for i in range(0, len(images), shard_size):
            shards.append(images[i:i + shard_size] + csvs)  # each chunk gets the folder's CSVs
    return shards


# --- one shard: download, run the project's Node import, upload ------------------------------

def run_shard(index: int, rels: list[str], args: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix=f'cyto-shard-{index}-') as tmp:
        src, out = os.path.join(tmp, 'in'), os.path.join(tmp, 'out')
        for rel in rels:
            copy_down(args['input'], rel, os.path.join(src, rel))
        url_prefix = f"{args['output'].rstrip('/')}/images/"
        command = [
            os.path.join(args['repo'], 'node_modules', '.bin', 'tsx'), os.path.join(args['repo'], 'src', 'import', 'cli.ts'),
            src, '--to-folder', out, '--url-prefix', url_prefix, '--embed', '--quiet',
            '--threads', str(args['cpus_per_shard']),
        ] + (['--model', args['model']] if args.get('model') else [])
        done = subprocess.run(command, cwd=args['repo'], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f'shard {index}: import failed ({done.returncode}): {done.stderr.strip()[-2000:]}')
        uploaded = []
        for dirpath, _dirs, files in os.walk(out):
            for name in files:
                local = os.path.join(dirpath, name)
                rel = os.path.relpath(local, out).replace(os.sep, '/')
                if rel == 'tasks.json':
                    rel = f'tasks/shard-{index:05d}.json'
                copy_up(local, args['output'], rel)
                uploaded.append(rel)
        return {'shard': index, 'files': len(rels), 'summary': done.stdout.strip().splitlines()[1:3], 'uploaded': len(uploaded)}


# --- driver ------------------------------------------------------------------------------------

def ls_request(args, method: str, path: str, body=None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{args.label_studio.rstrip('/')}{path}", data=data, method=method,
                                     headers={'Authorization': f'Token {args.token}', 'Content-Type': 'application/json'})
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else {}


def existing_hashes(args) -> set[str]:
    hashes, page = set(), 1
    while True:
        try:
            body = ls_request(args, 'GET', f'/api/tasks?project={args.project}&page={page}&page_size=1000')
        except urllib.error.HTTPError as error:
            if error.code == 404 and page > 1:
                break
            raise
        tasks = body['tasks'] if isinstance(body, dict) else body
        hashes.update(t['data'].get('source_sha256') for t in tasks if t['data'].get('source_sha256'))
        if len(tasks) < 1000:
            break
        page += 1
    return hashes


def finish(args) -> None:
    """Merges the shards' tasks (dropping duplicates), imports them, and hands the parts to the shim."""
    outputs = list_files(args.output)
    tasks, seen = [], set()
    for rel in (r for r in outputs if r.startswith('tasks/shard-')):
        for task in json.loads(read_bytes(args.output, rel)):
            digest = task['data']['source_sha256']
            if digest not in seen:
                seen.add(digest)
                tasks.append(task)
    print(f'{len(tasks)} distinct images in {sum(1 for r in outputs if r.startswith("tasks/"))} shard task files')
    if args.label_studio:
        known = existing_hashes(args)
        new = [t for t in tasks if t['data']['source_sha256'] not in known]
        for i in range(0, len(new), 1000):
            ls_request(args, 'POST', f'/api/projects/{args.project}/import', new[i:i + 1000])
        print(f'imported {len(new)} new tasks into project {args.project} ({len(tasks) - len(new)} were there already)')
    else:
        merged = os.path.join(tempfile.gettempdir(), 'cyto-merged-tasks.json')
        with open(merged, 'w') as f:
            json.dump(tasks, f)
        copy_up(merged, args.output, 'tasks.json')
        print(f'wrote {args.output.rstrip("/")}/tasks.json')
    if args.shim:
        parts = [r for r in outputs if r.startswith('embeddings/') and r.endswith('.cyemb')]
        for rel in parts:
            _, model, name = rel.split('/')
            request = urllib.request.Request(f"{args.shim.rstrip('/')}/embeddings/{args.project}/{model}/{name}",
                                             data=read_bytes(args.output, rel), method='PUT',
                                             headers={'Content-Type': 'application/octet-stream'})
            urllib.request.urlopen(request).read()
        print(f'sent {len(parts)} embedding parts to the shim for project {args.project}')


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--input', required=True)
    p.add_argument('--output', required=True)
    p.add_argument('--repo', required=True, help='checkout of this project on every worker (npm ci done)')
    p.add_argument('--shard-size', type=int, default=2000)
    p.add_argument('--cpus-per-shard', type=int, default=os.cpu_count() or 1)
    p.add_argument('--model')
    p.add_argument('--local', action='store_true', help='a local process pool instead of Ray')
    p.add_argument('--label-studio')
    p.add_argument('--project', type=int)
    p.add_argument('--token', default=os.environ.get('LABEL_STUDIO_TOKEN'))
    p.add_argument('--shim')
    args = p.parse_args()
    if (args.label_studio or args.shim) and not args.project:
        p.error('--label-studio and --shim need --project')

    shards = make_shards([r for r in list_files(args.input)], args.shard_size)
    print(f'{len(shards)} shards from {args.input}')
    shard_args = {'input': args.input, 'output': args.output, 'repo': os.path.abspath(args.repo),
                  'cpus_per_shard': args.cpus_per_shard, 'model': args.model}
    if args.local:
        workers = max(1, (os.cpu_count() or 1) // args.cpus_per_shard)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(run_shard, range(len(shards)), shards, [shard_args] * len(shards)))
    else:
        import ray
        ray.init()
        remote = ray.remote(num_cpus=args.cpus_per_shard, max_retries=2)(run_shard)
        results = ray.get([remote.remote(i, s, shard_args) for i, s in enumerate(shards)])
    for r in results:
        print(f"shard {r['shard']}: {r['files']} files; {' '.join(r['summary'])}")
    finish(args)
    return 0


if __name__ == '__main__':
    sys.exit(main())
