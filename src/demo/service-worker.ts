/// <reference lib="webworker" />
/**
 * The demo's service worker: after one online visit the annotator works offline. On install it
 * stores every file of the build listed in `precache.json` (scripts/build/precache-list.ts), so
 * the first visit is enough even though the worker controls no request of that first page.
 * Same-origin GETs go to the network first (so a rebuilt demo is picked up at once) and are
 * kept in a cache that answers when the network is unreachable. Model and ORT runtime files are
 * cached by the plugin itself (Cache API), so they are not duplicated here.
 */
const sw = globalThis as unknown as ServiceWorkerGlobalScope;

const CACHE = 'cyto-ml-demo-v1';
// The ORT binaries ship as `.wasm.gz` (scripts/build/ort-runtime-files.ts).
const SKIP = /\.(onnx|wasm|wasm\.gz)$/;

sw.addEventListener('install', (event: ExtendableEvent) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const response = await fetch('precache.json', { cache: 'no-store' });
    const files = response.ok ? (await response.json() as string[]) : ['./', './index.html', './samples/tasks.json'];
    await cache.addAll(files.filter((file) => !SKIP.test(file)));
    await sw.skipWaiting();
  })());
});

sw.addEventListener('activate', (event: ExtendableEvent) => {
  event.waitUntil(sw.clients.claim());
});

sw.addEventListener('fetch', (event: FetchEvent) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== sw.location.origin || SKIP.test(url.pathname)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return response;
    } catch (error) {
      // ignoreVary: the server varies on Origin (CORS for local Label Studio pages), and module
      // scripts are requested with an Origin header that the stored copies were not.
      const cached = await cache.match(request, { ignoreSearch: url.pathname.endsWith('/') || url.pathname.endsWith('.html'), ignoreVary: true });
      if (cached) return cached;
      throw error;
    }
  })());
});
