import type {
  Invitation,
  InvitationView,
  Page,
  ConnectionAttempt,
  OwnAppConnection,
} from '@trunkline/contracts';
import { api, request } from './client.ts';
import type { ListParams } from './resource.ts';

const item = (id: string) => `/invitations/${encodeURIComponent(id)}`;

export const invitations = {
  key: ['/invitations'] as const,
  listKey: (params: ListParams) => ['/invitations', 'list', params] as const,
  list: (params: ListParams) => api.get<Page<Invitation>>('/invitations', params),
  resend: (id: string) => api.post<Invitation>(`${item(id)}/resend`),
  revoke: (id: string) => api.post<Invitation>(`${item(id)}/revoke`),
  link: (id: string) => api.get<{ link: string }>(`${item(id)}/link`).then((r) => r.link),
  /** The public invitation page: no session, so a 401 is not an expired sign-in. */
  open: (token: string) =>
    request<InvitationView>('POST', '/invitations/open', { body: { token }, redirectOn401: false }),
  /** Where Microsoft's admin-consent page is, with a state bound to this invitation. */
  connectOwnApp: (body: OwnAppConnection) =>
    request<ConnectionAttempt>('POST', '/invitations/own-app', { body, redirectOn401: false }),
  startDelegated: (token: string, loginHint?: string) =>
    request<{ redirectUrl: string }>('POST', '/invitations/delegated', {
      body: { token, ...(loginHint ? { loginHint } : {}) },
      redirectOn401: false,
    }),
  startConsent: (token: string) =>
    request<{ redirectUrl: string }>('POST', '/invitations/consent', {
      body: { token },
      redirectOn401: false,
    }),
};
