import { chromium } from '@playwright/test';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox'] });
const p = await b.newPage({ viewport: { width: 1280, height: 720 } });
await p.goto(process.argv[2]);
await p.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 120000 });
const out = await p.evaluate(() => {
  const lines = [];
  const walk = (el, depth) => {
    const r = el.getBoundingClientRect();
    const cls = (el.getAttribute('class') ?? '').slice(0, 80);
    lines.push(`${'  '.repeat(depth)}${el.tagName.toLowerCase()}.${cls} [${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.width)}x${Math.round(r.height)}]${el.tagName==='IMG'? ' nat='+el.naturalWidth+' style='+el.getAttribute('style') : ''}`);
    if (el.tagName === 'LABEL' || el.tagName==='svg' || depth > 18) return;
    for (const c of Array.from(el.children)) walk(c, depth + 1);
  };
  walk(document.getElementById('label-studio'), 0);
  return lines.join('\n');
});
console.log(out);
await b.close();
