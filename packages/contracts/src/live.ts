import { z } from 'zod';
import { InvitationSchema } from './invitations.ts';
import { WorkflowSchema } from './routing.ts';
import { ConnectionStatusSchema, ServiceSchema } from './services.ts';

/**
 * What `GET /services/{id}/events` streams (event "service") each time anything of the service changes: the
 * service with its derived lifecycle, the connection panel, its invitations and its latest routing run.
 */
export const ServiceViewSchema = z.object({
  service: ServiceSchema,
  connection: ConnectionStatusSchema,
  invitations: z.array(InvitationSchema),
  run: WorkflowSchema.nullable(),
});
export type ServiceView = z.infer<typeof ServiceViewSchema>;

/**
 * What `GET /customers/{id}/events` streams (event "customer"): every service of the customer with its
 * lifecycle, and the latest routing run of each (the Onboarding view).
 */
export const CustomerViewSchema = z.object({
  customerId: z.string(),
  services: z.array(ServiceSchema),
  runs: z.array(WorkflowSchema),
});
export type CustomerView = z.infer<typeof CustomerViewSchema>;
