import { z } from 'zod';

/**
 * QoE ingest (issue #15): Microsoft Graph's change notifications for call records (reference §3.10) as the public
 * webhook accepts them, and a service's subscription state. Everything in a notification is hostile until the
 * subscription id and its clientState are checked; beyond the ids it names nothing in it is trusted.
 */

/** Graph's validation token: opaque text, echoed decoded; longer ones are refused. */
export const VALIDATION_TOKEN_MAX = 1024;
/** Notifications per POST the webhook accepts (Graph batches; anything bigger is not Graph). */
export const NOTIFICATIONS_PER_POST_MAX = 1000;
/** The webhook's body limit in bytes. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

const id = z.string().min(1).max(200);

export const GraphNotificationSchema = z.object({
  subscriptionId: id,
  clientState: z.string().max(256).nullish(),
  changeType: z.enum(['created', 'updated', 'deleted']),
  resource: z.string().max(500),
  subscriptionExpirationDateTime: z.string().max(64).optional(),
  tenantId: z.string().max(64).optional(),
  resourceData: z
    .object({
      id,
      '@odata.type': z.string().max(200).optional(),
      '@odata.id': z.string().max(500).optional(),
    })
    .optional(),
});
export type GraphNotification = z.infer<typeof GraphNotificationSchema>;

export const GraphNotificationBatchSchema = z.object({
  value: z.array(GraphNotificationSchema).min(1).max(NOTIFICATIONS_PER_POST_MAX),
});

export const GraphLifecycleNotificationSchema = z.object({
  subscriptionId: id,
  clientState: z.string().max(256).nullish(),
  lifecycleEvent: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']),
  subscriptionExpirationDateTime: z.string().max(64).optional(),
  tenantId: z.string().max(64).optional(),
});
export const GraphLifecycleBatchSchema = z.object({
  value: z.array(GraphLifecycleNotificationSchema).min(1).max(NOTIFICATIONS_PER_POST_MAX),
});

export const WebhookQuerySchema = z.object({
  validationToken: z.string().max(VALIDATION_TOKEN_MAX).optional(),
});

/** `GET /services/{id}/qoe/subscription`: the Graph subscription of the service's Notification Service (no secret). */
export const QoeSubscriptionStateSchema = z.object({
  serviceId: z.uuid(),
  /** The Notification Service app is set (step 9). */
  configured: z.boolean(),
  subscription: z
    .object({
      /** Null while Graph has not created it (`lastError` says why). */
      graphSubscriptionId: z.string().nullable(),
      tenantId: z.string(),
      expiresAt: z.iso.datetime().nullable(),
      lastRenewedAt: z.iso.datetime().nullable(),
      lastNotificationAt: z.iso.datetime().nullable(),
      lastError: z.string().nullable(),
    })
    .nullable(),
});
export type QoeSubscriptionState = z.infer<typeof QoeSubscriptionStateSchema>;
