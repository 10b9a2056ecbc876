import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { CustomerView, ServiceView, Workflow } from '@trunkline/contracts';
import { services, usage } from '../../api/services.ts';

type Handlers = Record<string, (data: unknown) => void>;

/**
 * One server-sent event stream (EventSource) for as long as the page shows; each named event goes to its
 * handler. The browser reconnects by itself after a dropped connection.
 */
export function useEventStream(url: string | null, handlers: Handlers) {
  const current = useRef(handlers);
  useEffect(() => {
    current.current = handlers;
  });
  const names = Object.keys(handlers).sort().join(',');
  useEffect(() => {
    if (!url) return;
    const source = new EventSource(url);
    for (const name of names.split(',')) {
      source.addEventListener(name, (event) => {
        const data: unknown = JSON.parse((event as MessageEvent<string>).data);
        current.current[name]?.(data);
      });
    }
    return () => source.close();
  }, [url, names]);
}

/**
 * The service page, live: one stream for the whole page (`GET /services/{id}/events`). Each event carries the
 * whole view — the service with its lifecycle, the connection, the invitations and the latest run — whoever
 * changed it (a worker, the tenant's admin, another operator); step 9 is read again.
 */
export function useServiceLive(serviceId: string) {
  const queryClient = useQueryClient();
  const step9 = useRef<string | null>(null);
  useEventStream(services.liveUrl(serviceId), {
    service: (data) => {
      const view = data as ServiceView;
      // The event is the newest truth: a request still on its way (e.g. a refresh after a button) would answer
      // an older state, so it is cancelled rather than let overwrite this.
      for (const queryKey of [
        services.itemKey(serviceId),
        services.connectionKey(serviceId),
        services.workflowKey(serviceId),
      ])
        void queryClient.cancelQueries({ queryKey, exact: true });
      queryClient.setQueryData(services.itemKey(serviceId), view.service);
      queryClient.setQueryData(services.connectionKey(serviceId), view.connection);
      queryClient.setQueryData(services.workflowKey(serviceId), view.run);
      // Step 9 reads Microsoft (its verified domains): read it again only when what it depends on changed, never
      // for every event (each read records the connection's last success, which is itself a change).
      const basis = `${view.service.lifecycle.facets.m365Settings}|${view.connection.state}|${view.connection.tenantId}`;
      if (step9.current !== null && step9.current !== basis)
        void queryClient.invalidateQueries({ queryKey: services.m365SettingsKey(serviceId) });
      step9.current = basis;
    },
  });
}

/**
 * The Onboarding view of a customer, live: one stream for the page (`GET /customers/{id}/events`). Each event
 * brings the runs under way; the services list (state, progress, next action) and the licence budget are read
 * again, in the page's own sort and page.
 */
export function useCustomerLive(customerId: string): Workflow[] {
  const queryClient = useQueryClient();
  const [runs, setRuns] = useState<Workflow[]>([]);
  useEventStream(services.customerLiveUrl(customerId), {
    customer: (data) => {
      setRuns((data as CustomerView).runs);
      void queryClient.invalidateQueries({ queryKey: [...services.key, 'list'] });
      void queryClient.invalidateQueries({ queryKey: usage.key(customerId) });
    },
  });
  return runs;
}
