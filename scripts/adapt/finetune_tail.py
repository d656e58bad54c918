"""Step 2 of the in-situ adaptation (scripts/adapt/README.md): fine-tune the last blocks of the
ImageNet MobileNetV2 (blocks 14-17 and the 1280-channel conv) on ndsb-train, starting from the
ImageNet weights, and write them as a small ONNX graph that scripts/make-models.ts grafts onto
the int8 front (blocks 0-13) of the same file.

    /usr/bin/python3 scripts/adapt/finetune_tail.py <block13 dir> models/adapters/insitu-tail [--hold-out 20]

Input: <block13 dir>/features.f32 and labels.json from
`npx tsx scripts/adapt/embed-ndsb-train.ts <train> <dir> --block13` (the front's output for
every training image, 96 x 14 x 14 float32, through the engine's own preprocessing; the front
computes in float with the file's int8 weights, as the default model does, and labels.json says
so: the record's `front`).

Why this shape (issue 18: an adaptation must keep the generality of an ImageNet backbone):
 - only the last four blocks move, from the ImageNet weights (dequantised from the int8 file;
   the activations' clipping follows the file's quantisation ranges), the first 14 blocks stay
   the ImageNet int8 ones, so low-level features are unchanged;
 - four epochs at a small learning rate (one-cycle, 3e-4, AdamW), cosine classifier over the 99
   training classes, label smoothing 0.1: enough to move the features, measured below;
 - a softmax head on frozen 1280-d features did not transfer to unseen classes (README), but
   moving the blocks did: held-out training classes' leave-one-out 1-NN went from 0.661 to 0.73-0.74.
`--hold-out N` keeps N training classes out and prints their LOO 1-NN after each epoch (how
the schedule was chosen); without it every class trains (what `npm run adapt` uses).

Output: <out>.onnx (input `block13` [N, 96, 14, 14], output `embedding` [N, 1280]; opset 13;
convolution weights int8 per output channel with DequantizeLinear, ~1.7 MB instead of 6.6 MB
float) and <out>.json (sha256, settings, figures). Deterministic for the same inputs and
torch build (seeded, single-threaded by default).

Depends on Debian's python3-torch and python3-onnx only; about 1-1.5 minutes an epoch on one
2-core VM.
"""
import argparse, hashlib, io, json, sys, time
import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import helper, numpy_helper

SOURCE_SHA256 = '83530ad811bc31d2b60a5599a21265a5057608c9b044b4ee758cc22f2309f54f'
FRONT_OUTPUT = '426_quantized'  # block 13's output in the Model Zoo graph (96 x 14 x 14)


def tail_convs(source_path):
    """The 13 QLinearConv layers after block 13, dequantised: weights, biases, strides, groups and clip caps."""
    data = open(source_path, 'rb').read()
    if hashlib.sha256(data).hexdigest() != SOURCE_SHA256:
        sys.exit(f'{source_path}: not the documented mobilenetv2-12-int8.onnx (sha256 {SOURCE_SHA256})')
    graph = onnx.load_from_string(data).graph
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    start = next(i for i, n in enumerate(graph.node) if FRONT_OUTPUT in n.output) + 1
    convs = []
    for n in graph.node[start:]:
        if n.op_type != 'QLinearConv':
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        x_scale = init[n.input[1]]
        w = init[n.input[3]].astype(np.float32)
        w_scale = init[n.input[4]].astype(np.float32)
        weight = w * (w_scale.reshape(-1, 1, 1, 1) if w_scale.size > 1 else w_scale)
        bias = init[n.input[8]].astype(np.float32) * x_scale * w_scale
        y_scale, y_zero = float(init[n.input[6]]), int(init[n.input[7]])
        # A zero point of 0 means the file fused a ReLU6: its uint8 range is the clip (<= 6).
        cap = y_scale * 255 if y_zero == 0 else None
        convs.append(dict(weight=weight, bias=bias, stride=attrs['strides'][0], group=attrs['group'], pad=attrs['pads'][0], cap=cap))
    if len(convs) != 13:
        sys.exit(f'expected 13 convolutions after {FRONT_OUTPUT}, found {len(convs)}')
    return convs


class Tail(nn.Module):
    """Blocks 14 (96 -> 160, stride 2), 15, 16 (residual), 17 (160 -> 320), the 1280 conv, global average pool."""

    def __init__(self, convs):
        super().__init__()
        self.convs = nn.ModuleList()
        self.caps = []
        for c in convs:
            out_ch, in_per_group, k, _ = c['weight'].shape
            conv = nn.Conv2d(in_per_group * c['group'], out_ch, k, c['stride'], c['pad'], groups=c['group'], bias=True)
            conv.weight.data = torch.from_numpy(c['weight'].copy())
            conv.bias.data = torch.from_numpy(c['bias'].copy())
            self.convs.append(conv)
            self.caps.append(c['cap'])

    def layer(self, i, x):
        y = self.convs[i](x)
        return y if self.caps[i] is None else torch.clamp(y, 0, self.caps[i])

    def block(self, i, x):
        return self.layer(i + 2, self.layer(i + 1, self.layer(i, x)))

    def forward(self, x):
        x = self.block(0, x)
        x = x + self.block(3, x)
        x = x + self.block(6, x)
        x = self.block(9, x)
        return self.layer(12, x).mean((2, 3))


def loo_1nn(features, labels):
    """Leave-one-out 1-NN in the learner's space (z-score with the 0.1 x median floor, unit length)."""
    sd = features.std(0)
    z = (features - features.mean(0)) / np.maximum(sd, 0.1 * np.median(sd))
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    s = z @ z.T
    np.fill_diagonal(s, -np.inf)
    return float((labels[s.argmax(1)] == labels).mean())


def export(tail, out_path):
    """The tail as ONNX (opset 13) with int8 per-output-channel convolution weights."""
    buf = io.BytesIO()
    tail.eval()
    torch.onnx.export(tail, torch.zeros(1, 96, 14, 14), buf, input_names=['block13'], output_names=['embedding'],
                      dynamic_axes={'block13': {0: 'batch_size'}, 'embedding': {0: 'batch_size'}}, opset_version=13)
    model = onnx.load_from_string(buf.getvalue())
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    new_nodes = []
    for node in graph.node:
        if node.op_type == 'Conv' and node.input[1] in inits:
            name = node.input[1]
            w = numpy_helper.to_array(inits[name]).astype(np.float32)
            scale = np.maximum(np.abs(w).reshape(w.shape[0], -1).max(1), 1e-12) / 127.0
            q = np.clip(np.round(w / scale.reshape(-1, 1, 1, 1)), -127, 127).astype(np.int8)
            graph.initializer.remove(inits[name])
            graph.initializer.extend([
                numpy_helper.from_array(q, f'{name}_int8'),
                numpy_helper.from_array(scale.astype(np.float32), f'{name}_scale'),
                numpy_helper.from_array(np.zeros(w.shape[0], np.int8), f'{name}_zero_point'),
            ])
            new_nodes.append(helper.make_node('DequantizeLinear', [f'{name}_int8', f'{name}_scale', f'{name}_zero_point'], [name], axis=0, name=f'{name}_dequantize'))
        new_nodes.append(node)
    del graph.node[:]
    graph.node.extend(new_nodes)
    model.producer_name = 'scripts/adapt/finetune_tail.py'
    onnx.checker.check_model(model)
    data = model.SerializeToString()
    open(out_path, 'wb').write(data)
    return hashlib.sha256(data).hexdigest(), len(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('features_dir')
    ap.add_argument('out_base')
    ap.add_argument('--source', default='../shared/models/mobilenetv2-12-int8.onnx')
    ap.add_argument('--hold-out', type=int, default=0)
    ap.add_argument('--epochs', type=int, default=4)
    ap.add_argument('--lr', type=float, default=3e-4)
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(args.threads)

    meta = json.load(open(f'{args.features_dir}/labels.json'))
    if meta.get('dim') != 96 * 14 * 14:
        sys.exit(f'{args.features_dir}: not block-13 features (dim {meta.get("dim")}); run embed-ndsb-train.ts with --block13')
    y = np.array(meta['label'])
    x = np.memmap(f'{args.features_dir}/features.f32', dtype=np.float32, mode='r').reshape(len(y), 96, 14, 14)
    rng = np.random.RandomState(0)
    classes = len(meta['classes'])
    held = rng.choice(classes, args.hold_out, replace=False) if args.hold_out else np.array([], int)
    train_idx = np.where(~np.isin(y, held))[0]
    held_idx = np.concatenate([rng.permutation(np.where(y == c)[0])[:30] for c in held]) if args.hold_out else np.array([], int)
    remap = {c: i for i, c in enumerate(sorted(set(y[train_idx].tolist())))}
    x_train = torch.from_numpy(np.ascontiguousarray(x[train_idx])).half()  # half the memory; computed in float
    y_train = torch.tensor([remap[int(v)] for v in y[train_idx]])
    x_held = torch.from_numpy(np.ascontiguousarray(x[held_idx])) if args.hold_out else None

    tail = Tail(tail_convs(args.source))
    head = nn.Linear(1280, len(remap), bias=False)
    nn.init.normal_(head.weight, std=0.01)

    def held_out():
        if x_held is None:
            return None
        tail.eval()
        with torch.no_grad():
            f = torch.cat([tail(x_held[i:i + 256]) for i in range(0, len(held_idx), 256)]).numpy()
        return loo_1nn(f, y[held_idx])

    history = [{'epoch': 0, 'held_out_loo_1nn': held_out()}]
    print(f'epoch 0: held-out LOO 1-NN {history[0]["held_out_loo_1nn"]}', flush=True)
    batch = 64
    steps = len(train_idx) // batch
    opt = torch.optim.AdamW([{'params': tail.parameters(), 'lr': args.lr}, {'params': head.parameters(), 'lr': args.lr * 30}], weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[args.lr, args.lr * 30], total_steps=args.epochs * steps, pct_start=0.15)
    for epoch in range(1, args.epochs + 1):
        tail.train()
        t0, total = time.time(), 0.0
        order = torch.randperm(len(train_idx))
        for s in range(steps):
            idx = order[s * batch:(s + 1) * batch]
            xb = x_train[idx].float()
            if torch.rand(1).item() < 0.5:
                xb = xb.flip(3)  # mirrored feature maps: plankton has no left or right
            f = F.normalize(tail(xb), dim=1)
            logits = 16 * f @ F.normalize(head.weight, dim=1).T
            loss = F.cross_entropy(logits, y_train[idx], label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        history.append({'epoch': epoch, 'loss': round(total / steps, 4), 'held_out_loo_1nn': held_out(), 'seconds': round(time.time() - t0)})
        print(f'epoch {epoch}: {history[-1]}', flush=True)

    sha, size = export(tail, f'{args.out_base}.onnx')
    record = {
        'file': f'{args.out_base.split("/")[-1]}.onnx', 'sha256': sha, 'bytes': size,
        'source_sha256': SOURCE_SHA256, 'training_images': int(len(train_idx)), 'training_classes': len(remap),
        'held_out_classes': int(args.hold_out), 'epochs': args.epochs, 'lr': args.lr, 'history': history,
        'torch': torch.__version__,
        # Which front computed the block-13 features it learnt from (embed-ndsb-train.ts says);
        # scripts/onnx/insitu-tail.ts grafts the tail only onto that front.
        'front': meta.get('front', 'int8'),
    }
    json.dump(record, open(f'{args.out_base}.json', 'w'), indent=2)
    print(json.dumps(record, indent=2))


if __name__ == '__main__':
    main()
