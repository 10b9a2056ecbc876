import {
  ConnectionStatusSchema,
  IdParamsSchema,
  M365SettingsSchema,
  M365SettingsUpdateSchema,
  ProblemSchema,
} from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { problems, type App } from '../http/types.ts';
import type { ConnectionsService } from '../connections/connections.service.ts';
import type { TeamsRoleService } from '../connections/teams-role.service.ts';
import { TransientMicrosoftError } from '../connections/teams-role.service.ts';
import { AppError } from '../platform/errors.ts';
import type { M365SettingsService } from './m365-settings.service.ts';

export function registerM365Routes(
  app: App,
  {
    connections,
    teamsRole,
    m365Settings,
  }: { connections: ConnectionsService; teamsRole: TeamsRoleService; m365Settings: M365SettingsService },
) {
  const tags = ['microsoft'];
  app.post(
    '/api/v1/services/:id/connection/teams-role',
    {
      schema: {
        tags,
        summary: 'Check (and where possible assign) the Teams Administrator role of the automation',
        description:
          "Checks the role with an app-only token; assigns it with the admin's delegated token where one is kept; otherwise the connection status carries the steps for the admin.",
        params: IdParamsSchema,
        response: { 200: ConnectionStatusSchema, 409: ProblemSchema, 502: ProblemSchema, ...problems },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await teamsRole.ensure(actor, request.params.id).catch((e: unknown) => {
        if (e instanceof TransientMicrosoftError)
          throw new AppError('upstream_failed', e.message, { cause: e });
        throw e;
      });
      return connections.status(actor, request.params.id);
    },
  );
  app.get(
    '/api/v1/services/:id/m365-settings',
    {
      schema: {
        tags,
        summary: "Step 9: the service's M365 settings, with the tenant's verified domains",
        params: IdParamsSchema,
        response: { 200: M365SettingsSchema, 409: ProblemSchema, 502: ProblemSchema, ...problems },
      },
    },
    async (request) => m365Settings.get(actorOf(request), request.params.id),
  );
  app.put(
    '/api/v1/services/:id/m365-settings',
    {
      schema: {
        tags,
        summary: 'Step 9: set the M365 domain, admin access and the Teams Notification Service app',
        description:
          'The notification app is validated by an app-only token with CallRecords.Read.All; its secret is stored encrypted and never returned.',
        params: IdParamsSchema,
        body: M365SettingsUpdateSchema,
        response: { 200: M365SettingsSchema, 409: ProblemSchema, 502: ProblemSchema, ...problems },
      },
    },
    async (request) => m365Settings.update(actorOf(request), request.params.id, request.body),
  );
}
