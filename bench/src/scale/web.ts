import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { startStack } from './stack.ts';

const DIST = fileURLToPath(new URL('../../../apps/web/dist', import.meta.url));

/**
 * A cold load of the web app in headless Chromium (empty cache), signed in, on the built app: bytes transferred
 * (what went over the wire, compressed), bytes decoded, requests, and how often /api/v1/me was asked; then a
 * warm reload (cache kept: hashed assets come from the cache, the shell is revalidated).
 */
export async function webColdLoad({ signedIn = true }: { signedIn?: boolean } = {}) {
  if (!existsSync(path.join(DIST, 'index.html')))
    throw new Error('apps/web/dist is not built: run `npm run build -w @trunkline/web` first');
  const stack = await startStack({ WEB_DIST_DIR: DIST }, 'api');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
  try {
    const context = await browser.newContext({ baseURL: stack.url });
    const [name, value] = stack.cookie.split('=') as [string, string];
    if (signedIn) await context.addCookies([{ name, value, url: stack.url }]);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const measure = async () => {
      let transferred = 0;
      let requests = 0;
      let me = 0;
      const urls = new Map<string, string>();
      const onRequest = (e: { requestId: string; request: { url: string } }) => {
        requests++;
        urls.set(e.requestId, e.request.url);
        if (new URL(e.request.url).pathname === '/api/v1/me') me++;
      };
      const onFinished = (e: { encodedDataLength: number }) => {
        transferred += e.encodedDataLength;
      };
      cdp.on('Network.requestWillBeSent', onRequest);
      cdp.on('Network.loadingFinished', onFinished);
      return {
        done: () => {
          cdp.off('Network.requestWillBeSent', onRequest);
          cdp.off('Network.loadingFinished', onFinished);
          return { transferredBytes: transferred, requests, meCalls: me };
        },
      };
    };
    const cold = await measure();
    const t0 = Date.now();
    await page.goto('/', { waitUntil: 'networkidle' });
    const coldMs = Date.now() - t0;
    const coldResult = { ...cold.done(), ms: coldMs };
    const warm = await measure();
    await page.reload({ waitUntil: 'networkidle' });
    const warmResult = warm.done();
    return { cold: coldResult, warm: warmResult };
  } finally {
    await browser.close();
    await stack.stop();
  }
}
