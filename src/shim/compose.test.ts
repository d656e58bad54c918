// docker-compose.yml and the Dockerfile cannot run here (no Docker engine): check what users
// rely on: services, pinned image, ports, environment, volumes, and that every variable the
// compose file sets is one the shim reads.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SHIM_HELP } from './options.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const compose = parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8'));
const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');

describe('docker-compose.yml', () => {
  it('runs a pinned Label Studio 1.17+ without analytics or Sentry', () => {
    const ls = compose.services['label-studio'];
    const [, minor, patch] = /^heartexlabs\/label-studio:1\.(\d+)\.(\d+)$/.exec(ls.image) ?? [];
    expect(Number(minor), ls.image).toBeGreaterThanOrEqual(17);
    expect(patch).toBeDefined();
    expect(ls.environment).toMatchObject({ COLLECT_ANALYTICS: 'false', SENTRY_DSN: '', FRONTEND_SENTRY_DSN: '' });
    expect(ls.ports).toContain('8080:8080');
    expect(ls.volumes).toContain('label-studio-data:/label-studio/data');
  });

  it('runs the shim as ml-backend on 9090 with its proxy published, pointed at Label Studio', () => {
    const shim = compose.services['ml-backend'];
    expect(shim.build).toBe('.');
    expect(shim.ports).toEqual(expect.arrayContaining(['9090:9090', '8081:8081']));
    expect(shim.environment).toMatchObject({ HOST: '0.0.0.0', PORT: '9090', PROXY_PORT: '8081', LABEL_STUDIO_URL: 'http://label-studio:8080', DATA_DIR: '/data' });
    expect(shim.volumes).toContain('shim-data:/data');
    expect(shim.depends_on).toContain('label-studio');
  });

  it('declares its named volumes', () => {
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['label-studio-data', 'shim-data']));
  });

  it('sets only variables the shim documents and reads', () => {
    for (const name of Object.keys(compose.services['ml-backend'].environment)) {
      expect(SHIM_HELP, name).toMatch(new RegExp(`\\b${name}\\b`));
    }
  });
});

describe('Dockerfile', () => {
  it('builds the plugin in a node:20 stage and runs the bundled shim as a non-root user', () => {
    expect(dockerfile).toMatch(/^FROM node:20[\w.-]* AS build$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toMatch(/esbuild src\/shim\/cli\.ts --bundle/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/shim\/cli\.cjs"\]$/m);
    expect(dockerfile).toMatch(/DATA_DIR=\/data/);
    expect(dockerfile).toMatch(/^EXPOSE 9090 8081$/m);
  });
});
