import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every answer (docs/SECURITY.md, "HTTP security headers"):
 * - a Content-Security-Policy the built web app satisfies: scripts, connections, frames, forms only from the
 *   portal itself, no plugins, no `<base>`, never framed (`frame-ancestors 'none'`, and X-Frame-Options for old
 *   browsers). Styles allow `'unsafe-inline'`: Mantine writes its CSS variables into a `<style>` element at
 *   run time, which only a nonce handed to the web app could admit otherwise. Scripts never do.
 * - `X-Content-Type-Options: nosniff`; Referrer-Policy `same-origin` (no address ever leaves for another site)
 *   and `no-referrer` on invitation pages, whose path is the invitation's secret;
 * - HSTS (one year) and `upgrade-insecure-requests` when PUBLIC_URL is https;
 * - `Cache-Control: no-store` on every API answer and invitation page (personal data, invitation and consent
 *   links); `no-cache` on the other pages (the web app's shell, index.html: no data, revalidated on every load);
 *   `public, max-age=31536000, immutable` on the hashed files under /assets/.
 */
export async function installSecurityHeaders(app: FastifyInstance, publicUrl: string) {
  const https = publicUrl.startsWith('https://');
  await app.register(fastifyHelmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'frame-src': ["'none'"],
        'worker-src': ["'self'"],
        'manifest-src': ["'self'"],
        ...(https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    crossOriginEmbedderPolicy: false,
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const url = request.url;
    if (url.startsWith('/invite/')) reply.header('referrer-policy', 'no-referrer');
    const type = String(reply.getHeader('content-type') ?? '');
    const html = type.startsWith('text/html');
    if (url.startsWith('/assets/') && !html && reply.statusCode === 200)
      reply.header('cache-control', 'public, max-age=31536000, immutable');
    else if (html && !url.startsWith('/invite/') && !url.startsWith('/api/'))
      reply.header('cache-control', 'no-cache');
    else reply.header('cache-control', 'no-store');
    return payload;
  });
}
