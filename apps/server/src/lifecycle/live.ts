import type { CustomerView, ServiceView } from '@trunkline/contracts';
import type { Actor } from '../access/actor.ts';
import type { ConnectionsService } from '../connections/connections.service.ts';
import type { InvitationsService } from '../invitations/invitations.service.ts';
import type { RoutingService } from '../routing/routing.service.ts';
import type { ServicesService } from '../services/services.service.ts';

const PAGE = 200;

/** The views the service page and the Onboarding view stream, each from the same services the API answers with. */
export function createLiveViews(deps: {
  services: Pick<ServicesService, 'get' | 'list'>;
  connections: Pick<ConnectionsService, 'status'>;
  invitations: Pick<InvitationsService, 'list'>;
  routing: Pick<RoutingService, 'workflow' | 'customerRuns'>;
}) {
  return {
    async service(actor: Actor, serviceId: string): Promise<ServiceView> {
      // The reads are not one snapshot: a change may commit between them. So the service, whose lifecycle is derived
      // from the same facets, is read after them: a change shows in the lifecycle no later than in the facet shown
      // beside it (a connection whose Teams role check has just ended never sits next to "Checking the role"), and
      // the change's own notification brings the next view. The first read is the scope check and the customer.
      const { customerId } = await deps.services.get(actor, serviceId);
      const [connection, invitations, run] = await Promise.all([
        deps.connections.status(actor, serviceId),
        deps.invitations.list(actor, { customerId, page: 1, pageSize: PAGE }),
        deps.routing.workflow(actor, serviceId),
      ]);
      const service = await deps.services.get(actor, serviceId);
      return {
        service,
        connection,
        invitations: invitations.items.filter((i) => i.serviceId === serviceId),
        run,
      };
    },

    async customer(actor: Actor, customerId: string): Promise<CustomerView> {
      const runs = await deps.routing.customerRuns(actor, customerId);
      const services = [];
      for (let page = 1; ; page++) {
        const p = await deps.services.list(actor, {
          customerId,
          page,
          pageSize: PAGE,
          sort: 'createdAt',
          order: 'asc',
        });
        services.push(...p.items);
        if (services.length >= p.total || p.items.length === 0) break;
      }
      return { customerId, services, runs };
    },
  };
}
export type LiveViews = ReturnType<typeof createLiveViews>;
