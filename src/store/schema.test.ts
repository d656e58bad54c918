import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openCytoDB } from './open-db.ts';
import { DB_NAME, DB_VERSION, upgradeCytoDB } from './schema.ts';

describe('schema', () => {
  it('is named cyto-ml at version 2', () => {
    expect(DB_NAME).toBe('cyto-ml');
    expect(DB_VERSION).toBe(2);
  });

  it('upgrades an empty database to every store, key path and index', async () => {
    const db = await openCytoDB(indexedDB, 'schema-test-empty', 2000);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(
      ['annotator', 'assets', 'embeddings', 'fits', 'images', 'labelSync', 'labels', 'outbox', 'progress', 'urls'].sort(),
    );
    const tx = db.transaction([...db.objectStoreNames], 'readonly');
    const embeddings = tx.objectStore('embeddings');
    expect(embeddings.keyPath).toEqual(['modelId', 'imageKey']);
    expect([...embeddings.indexNames].sort()).toEqual(['byLastUsed', 'byModel']);
    expect(embeddings.index('byLastUsed').keyPath).toBe('lastUsed');
    expect(embeddings.index('byModel').keyPath).toBe('modelId');
    expect(tx.objectStore('urls').keyPath).toEqual(['modelId', 'url']);
    expect(tx.objectStore('urls').index('byImage').keyPath).toEqual(['modelId', 'imageKey']);
    expect(tx.objectStore('fits').keyPath).toEqual(['project', 'modelId']);
    const outbox = tx.objectStore('outbox');
    expect(outbox.autoIncrement).toBe(true);
    expect(outbox.index('byDedupe').unique).toBe(true);
    expect(tx.objectStore('progress').keyPath).toEqual(['project', 'jobId']);
    expect(tx.objectStore('annotator').keyPath).toEqual(['project', 'taskId']);
    expect(tx.objectStore('images').keyPath).toBeNull();
    expect(tx.objectStore('assets').keyPath).toBe('url');
    expect(tx.objectStore('labels').keyPath).toEqual(['project', 'source']);
    expect(tx.objectStore('labels').index('byTask').keyPath).toEqual(['project', 'taskId']);
    expect(tx.objectStore('labelSync').keyPath).toBe('project');
    await tx.done;
    db.close();
  });

  it('refuses to invent a migration from an unknown version, naming the known ones', () => {
    const fakeDb = {} as Parameters<typeof upgradeCytoDB>[0];
    expect(() => upgradeCytoDB(fakeDb, DB_VERSION, DB_VERSION + 1)).toThrow(/No migration from schema version 2; known: 0\.\.1/);
  });
});
