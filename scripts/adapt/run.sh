#!/usr/bin/env bash
# The in-situ model, made on this machine from ../shared (never committed: it is learnt from
# ../shared/fixtures/ndsb-train): unpack, embed (~80 s), fine-tune (~7 min on 2 cores), graft.
# Steps and figures: scripts/adapt/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
train=../shared/fixtures/ndsb-train.tar.gz
[ -f "$train" ] || { echo "adapt: $train not found: the in-situ model is learnt from it" >&2; exit 1; }
work="${TMPDIR:-/tmp}/cyto-ml-adapt"
mkdir -p "$work/images" models/adapters
tar xzf "$train" -C "$work/images"
npx tsx scripts/adapt/embed-ndsb-train.ts "$work/images/train" "$work/block13" --block13
/usr/bin/python3 scripts/adapt/finetune_tail.py "$work/block13" models/adapters/insitu-tail --threads "$(nproc)"
npx tsx scripts/make-models.ts --if-missing
