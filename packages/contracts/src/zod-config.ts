import { z } from 'zod';

/**
 * Imported first by the package (index.ts), before any schema is built. In the browser the portal runs under a
 * Content-Security-Policy without 'unsafe-eval' (docs/SECURITY.md): zod's compiled parsers probe `new Function`
 * when an object schema is built, which such a CSP reports as a violation even though zod falls back. Servers
 * keep the compiled parsers.
 */
if ('document' in globalThis) z.config({ jitless: true });
