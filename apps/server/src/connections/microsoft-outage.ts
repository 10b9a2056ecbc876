import { EntraError } from '../microsoft/entra.ts';
import { GraphError } from '../microsoft/graph.ts';

/**
 * Whether an error means Microsoft could not answer (Entra ID unreachable or failing, Graph throttling or
 * failing, the network) rather than Microsoft saying no. An outage must never read as a verdict on the
 * tenant, the app or the consent: the way forward is to try again, not to change anything.
 */
export function isMicrosoftOutage(e: unknown): boolean {
  if (e instanceof EntraError) return e.kind === 'unavailable';
  if (e instanceof GraphError) return e.status === 429 || e.status >= 500;
  // fetch rejects with a TypeError when the connection fails (DNS, refused, reset, TLS).
  return e instanceof TypeError && e.message === 'fetch failed';
}
