import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config/config.ts';
import type { Services } from '../app/container.ts';
import { registerAuthRoutes } from '../auth/auth.routes.ts';
import { registerChannelRoutes } from '../channels/channels.routes.ts';
import { registerCustomerRoutes } from '../customers/customers.routes.ts';
import { registerUserRoutes } from '../users/users.routes.ts';
import { registerAuditRoutes } from '../audit/audit.routes.ts';
import { registerInvitationRoutes } from '../invitations/invitations.routes.ts';
import { registerMicrosoftCallbackRoutes } from '../connections/microsoft-callbacks.routes.ts';
import { registerServiceRoutes } from '../services/services.routes.ts';
import { registerSettingsRoutes } from '../settings/settings.routes.ts';
import { registerM365Routes } from '../m365/m365.routes.ts';
import { registerRoutingRoutes } from '../routing/routing.routes.ts';
import { registerHealthRoutes } from '../health/health.routes.ts';
import { registerSbcRoutes } from '../sbc/sbcs.routes.ts';
import { registerNumberRangeRoutes } from '../number-ranges/number-ranges.routes.ts';
import { registerQoeRoutes } from '../qoe/qoe.routes.ts';
import { AppError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { installAuthentication } from './auth.ts';
import { clientErrorHandler, frameworkErrors, installProblemHandlers, sendProblem } from './problem.ts';
import { installSecurityHeaders } from './security-headers.ts';
import type { App } from './types.ts';

export type HttpDeps = {
  config: Pick<Config, 'publicUrl' | 'web' | 'banner' | 'trustProxy'>;
  logger: Logger;
  services: Services;
  health: { database(): Promise<void>; jobs(): Promise<void> };
  version: string;
  /**
   * A server already listening (start-up answers /healthz on it early). Fastify hands its request handler to
   * `attach`; the owner of the server switches to it only once the app is ready (a request routed into an app
   * that is not ready yet fails inside Fastify).
   */
  server?: { server: Server; attach(handler: (req: IncomingMessage, res: ServerResponse) => void): void };
};

const SystemInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  banner: z
    .object({ text: z.string(), links: z.array(z.object({ label: z.string(), url: z.string() })) })
    .nullable(),
});

/** Builds the HTTP application: thin routes over the services, problem+json errors, OpenAPI, the web app. */
export async function buildHttpApp({
  config,
  logger,
  services,
  health,
  version,
  server,
}: HttpDeps): Promise<App> {
  const app = Fastify({
    ...(server
      ? {
          serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
            server.attach(handler);
            return server.server;
          },
        }
      : {}),
    loggerInstance: logger as FastifyBaseLogger,
    // X-Forwarded-For names the client only behind a configured proxy (TRUST_PROXY; none by default).
    // A hop count is honoured as given (Fastify itself refuses bare numbers): only safe when nobody can reach
    // the server except through that many proxies, which SECURITY.md says; addresses are preferred.
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (_address: string, hop: number) => hop < (config.trustProxy as number)
        : config.trustProxy,
    bodyLimit: 1024 * 1024,
    // The router's and Node's own answers to broken requests are problem+json too (http/problem.ts).
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemHandlers(app);
  await installSecurityHeaders(app, config.publicUrl);
  // The API speaks JSON only: anything else is 415, not a string the schemas would then reject.
  app.removeContentTypeParser('text/plain');

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Trunkline API',
        version,
        description: 'Onboard Microsoft 365 tenants to Teams Direct Routing.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'trunkline_session' },
          apiToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API token from POST /api/v1/api-tokens',
          },
        },
      },
      security: [{ session: [] }, { apiToken: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', uiConfig: { deepLinking: true } });
  await app.register(fastifyCookie);
  installAuthentication(app, services.auth, config.publicUrl);

  app.get('/api/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  app.get('/healthz', { config: { auth: 'public' }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { auth: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    const checks = await Promise.allSettled([health.database(), health.jobs()]);
    const [db, jobs] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'unreachable'));
    const ready = db === 'ok' && jobs === 'ok';
    return reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not ready', database: db, jobs });
  });
  app.get(
    '/api/v1/system/info',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Product name, version and the operator banner',
        response: { 200: SystemInfoSchema },
      },
    },
    async () => ({ name: 'Trunkline', version, banner: config.banner }),
  );

  registerAuthRoutes(app, {
    auth: services.auth,
    microsoftSignIn: services.microsoftSignIn,
    publicUrl: config.publicUrl,
  });
  registerChannelRoutes(app, services);
  registerCustomerRoutes(app, services);
  registerUserRoutes(app, services);
  registerServiceRoutes(app, services);
  registerInvitationRoutes(app, services);
  registerMicrosoftCallbackRoutes(app, services);
  registerAuditRoutes(app, services);
  registerSettingsRoutes(app, services);
  registerM365Routes(app, services);
  registerRoutingRoutes(app, services);
  registerHealthRoutes(app, services);
  registerSbcRoutes(app, services);
  registerNumberRangeRoutes(app, services);
  registerQoeRoutes(app, services);

  await serveWebApp(app, config.web.distDir);
  return app;
}

/** Serves the built single-page app; unknown non-API paths get index.html so client routes work. */
async function serveWebApp(app: App, distDir: string) {
  const built = existsSync(path.join(distDir, 'index.html'));
  if (built)
    await app.register(fastifyStatic, {
      root: distDir,
      wildcard: true,
      index: ['index.html'],
      serve: true,
      prefix: '/',
      // The build writes .br and .gz beside each file (apps/web/vite.config.ts): sent by Accept-Encoding.
      preCompressed: true,
    });
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    if (url.startsWith('/api/') || request.method !== 'GET')
      return sendProblem(reply, new AppError('not_found', `No route ${request.method} ${url}.`));
    // A missing file (an asset of an older build) is a plain 404; page routes have no extension.
    if (/\.[a-z0-9]+$/i.test(url)) return reply.status(404).type('text/plain').send('Not found');
    if (!built)
      return reply
        .status(503)
        .type('text/plain')
        .send('The web app is not built. Run `npm run build:web` (npm start does this for you).');
    return reply.type('text/html').sendFile('index.html');
  });
}
