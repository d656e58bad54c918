/**
 * Writes the demo's sample images and tasks into public/samples/ (generated, not committed).
 *
 *   npx tsx scripts/make-samples.ts [--if-missing] [--count N] [--seed S] [--out DIR]
 *
 * --if-missing  do nothing when DIR/tasks.json exists (what `npm run setup:assets` uses)
 * --count N     images per class (default 12: 6 classes → 72 PNGs)
 * --seed S      base seed (default fixed): same seed, same bytes
 * --out DIR     output folder (default public/samples)
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_SAMPLE_OPTIONS, generateSamples, TASKS_FILE } from './samples/generate-samples.ts';

interface Args {
  ifMissing: boolean;
  count: number;
  seed: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { ifMissing: false, count: DEFAULT_SAMPLE_OPTIONS.count, seed: DEFAULT_SAMPLE_OPTIONS.seed, out: 'public/samples' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value.`);
      return v;
    };
    switch (flag) {
      case '--if-missing': args.ifMissing = true; break;
      case '--count': args.count = Number(value()); break;
      case '--seed': args.seed = Number(value()); break;
      case '--out': args.out = value(); break;
      case '--help':
      case '-h':
        console.log('usage: make-samples [--if-missing] [--count N] [--seed S] [--out DIR]');
        process.exit(0);
        break;
      default:
        throw new Error(`Unknown option ${flag}; valid: --if-missing, --count N, --seed S, --out DIR.`);
    }
  }
  if (!Number.isInteger(args.seed) || args.seed < 0) throw new Error(`--seed must be a non-negative integer, got ${args.seed}.`);
  return args;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const out = resolve(args.out);
  if (args.ifMissing && existsSync(join(out, TASKS_FILE))) {
    console.log(`samples: ${join(args.out, TASKS_FILE)} exists, skipping (run without --if-missing to regenerate).`);
    return;
  }
  const started = performance.now();
  const { files, tasks } = generateSamples({ seed: args.seed, count: args.count });
  mkdirSync(out, { recursive: true });
  // Remove crops of an earlier, larger --count so tasks.json and the folder agree.
  const keep = new Set(files.map((f) => f.name));
  for (const name of readdirSync(out)) {
    if (!keep.has(name) && /\.(png|tif)$/.test(name)) rmSync(join(out, name));
  }
  let bytes = 0;
  for (const file of files) {
    writeFileSync(join(out, file.name), file.bytes);
    bytes += file.bytes.length;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`samples: wrote ${tasks.length} tasks, ${files.length} files (${(bytes / 1024).toFixed(0)} KiB) to ${args.out} in ${seconds} s.`);
}

try {
  main();
} catch (err) {
  console.error(`make-samples: ${(err as Error).message}`);
  process.exit(1);
}
