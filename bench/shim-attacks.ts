/**
 * Section 5, attack rows (issue 19): the three worst findings of the attack catalogue, replayed
 * against a shim in its own process (auth on, proxy in front of a fake Label Studio that answers
 * chunked with a `Trailer`). For each attack: the longest `GET /health` while it runs (a probe
 * every 5 ms from this process: how long the shim's event loop was unavailable), and the bytes
 * the attacker got back. The baseline row is the same probe while the shim is idle, same run.
 *  - Trailer: HEAD and HTTP/1.0 GET through the proxy to an upstream answer with `Trailer:`
 *    (it used to end the process);
 *  - /predict amplification: 8 tasks holding ~1 MB predictions asked 4 times at once (one
 *    request for 300 copies answered 282 MiB before; now an answer is at most one prediction past
 *    the 4 MiB budget);
 *  - unauthorised PUT: 4 concurrent 62 MB embedding parts without credentials (hashed and decoded
 *    before the 401 before: 3.5 s stalled), sent from a child process.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { encodeEmbeddingPart } from '../src/store/embedding-file.ts';
import { partName } from '../src/shim/embedding-files.ts';
import type { Row } from './common.ts';
import { summarise } from './stats.ts';

export const ATTACK_IDS = ['shim/attack-idle-probe', 'shim/attack-trailer', 'shim/attack-predict-amplification', 'shim/attack-put-unauthorised'];
const BASIC = { authorization: `Basic ${Buffer.from('bench:bench').toString('base64')}` };
/** Options for bench/shim-child.ts. */
export const ATTACK_SHIM_OPTIONS = { basicAuth: { user: 'bench', pass: 'bench' } };

/** A fake Label Studio whose every answer is chunked with a Trailer (written raw). */
export async function startTrailerUpstream(): Promise<{ url: string; server: Server }> {
  const server = createServer((req) => {
    const body = '{"ok":true}';
    req.socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\nConnection: close\r\n\r\n` +
      (req.method === 'HEAD' ? '' : `${body.length.toString(16)}\r\n${body}\r\n0\r\nX-Checksum: abc\r\n\r\n`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, server };
}

function raw(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let got = '';
    socket.on('data', (c) => { got += c.toString('latin1'); });
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on('close', () => { clearTimeout(timer); done(got); });
    socket.on('error', () => undefined);
  });
}

/** Runs `work` while probing `/health` every 5 ms; returns the longest probe (ms). */
async function probeDuring<T>(url: string, work: () => Promise<T>): Promise<{ worst: number; result: T }> {
  let stop = false;
  let worst = 0;
  const probe = (async () => {
    while (!stop) {
      const t0 = performance.now();
      const r = await fetch(`${url}/health`, { headers: BASIC });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`/health answered ${r.status} during an attack`);
      worst = Math.max(worst, performance.now() - t0);
      await new Promise((res) => setTimeout(res, 5));
    }
  })();
  const result = await work();
  stop = true;
  await probe;
  return { worst, result };
}

function putFromChild(url: string, file: string, count: number): Promise<number[]> {
  const script = `
    const { request } = require('node:http');
    const { createReadStream, statSync } = require('node:fs');
    const [url, file, count] = [process.argv[1], process.argv[2], Number(process.argv[3])];
    const one = () => new Promise((done) => {
      const req = request(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': statSync(file).size } }, (res) => {
        let n = 0; res.on('data', (c) => { n += c.length; }); res.on('end', () => done([res.statusCode, n])); });
      req.on('error', () => done([0, 0]));
      createReadStream(file).pipe(req);
    });
    Promise.all(Array.from({ length: count }, one)).then((s) => process.stdout.write(JSON.stringify(s)));`;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-e', script, url, file, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.on('exit', () => { try { done(JSON.parse(out) as number[]); } catch (error) { fail(error); } });
  });
}

function bigPrediction(task: number) {
  return {
    task, project: '7', score: 0.5, model_version: 'big',
    result: Array.from({ length: 200 }, (_, i) => ({ id: `r${i}`, from_name: `c${i}`, to_name: 'image', type: 'choices', value: { choices: Array.from({ length: 5 }, (_, j) => `${j}${'x'.repeat(999)}`) } })),
  };
}

/** Replays the three attacks `runs` times each; rows with the worst /health latency (ms). */
export async function attackRows(opts: { url: string; proxyUrl: string; tmp: string; runs: number }): Promise<Row[]> {
  const { url, proxyUrl, runs } = opts;
  // Setup: 8 tasks with ~1 MB predictions; a 62 MB part on disk.
  for (let task = 1; task <= 8; task += 1) {
    const r = await fetch(`${url}/api/predictions`, { method: 'POST', headers: { 'content-type': 'application/json', ...BASIC }, body: JSON.stringify(bigPrediction(task)) });
    if (r.status !== 201) throw new Error(`relaying a 1 MB prediction failed: ${r.status} ${await r.text()}`);
  }
  const part = encodeEmbeddingPart('bench-model', 3100, Array.from({ length: 5000 }, (_, i) => ({ imageKey: i.toString(16).padStart(64, '0'), vector: new Float32Array(3100).fill(i), width: 8, height: 8 })));
  const partFile = join(opts.tmp, 'attack-part.cyemb');
  writeFileSync(partFile, part);
  const host = new URL(proxyUrl).host;
  const predictBody = JSON.stringify({ tasks: Array.from({ length: 8 }, (_, i) => ({ id: i + 1 })), project: '7.1700000000' });

  const attacks: Record<string, () => Promise<number>> = {
    'shim/attack-trailer': async () => {
      const answers = await Promise.all([
        raw(proxyUrl, `HEAD /x/ HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
        raw(proxyUrl, `GET /x/ HTTP/1.0\r\nHost: ${host}\r\n\r\n`),
      ]);
      if (!answers.every((a) => a.startsWith('HTTP/1.1 200'))) throw new Error(`the proxy did not answer the Trailer requests: ${answers.map((a) => a.slice(0, 40)).join(' | ')}`);
      return answers.reduce((n, a) => n + a.length, 0);
    },
    'shim/attack-predict-amplification': async () => {
      const answers = await Promise.all(Array.from({ length: 4 }, () =>
        fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...BASIC }, body: predictBody }).then((r) => r.text())));
      return Math.max(...answers.map((a) => a.length));
    },
    'shim/attack-put-unauthorised': async () => {
      const answers = (await putFromChild(`${url}/embeddings/7/bench-model/${partName(part)}`, partFile, 4)) as unknown as Array<[number, number]>;
      if (answers.some(([status]) => status !== 401 && status !== 0)) throw new Error(`unauthorised PUTs answered ${answers.map(([s]) => s).join(', ')}`);
      return Math.max(...answers.map(([, bytes]) => bytes));
    },
  };

  const rows: Row[] = [];
  const idle: number[] = [];
  for (const [id, attack] of Object.entries(attacks)) {
    const stalls: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs; i += 1) {
      const t0 = performance.now();
      const { worst, result } = await probeDuring(url, attack);
      stalls.push(worst);
      bytes = Math.max(bytes, result);
      const quiet = await probeDuring(url, () => new Promise((r) => setTimeout(r, performance.now() - t0)));
      idle.push(quiet.worst);
    }
    rows.push({
      id, section: 'shim', label: `${id.replace('shim/attack-', 'attack: ')}: longest GET /health while it runs`, unit: 'ms', better: 'lower',
      stats: summarise(stalls), baseline: ATTACK_IDS[0],
      note: `largest answer to the attacker ${bytes.toLocaleString('en-GB')} bytes; goal: no stall over 100 ms; `,
    });
  }
  rows.unshift({
    id: ATTACK_IDS[0], section: 'shim', label: 'attack baseline: longest GET /health while the shim is idle (same lengths)', unit: 'ms', better: 'lower',
    stats: summarise(idle), note: '',
  });
  return rows;
}
