import { createContext, use } from 'react';
import type { Me } from '@trunkline/contracts';

export const CurrentUserContext = createContext<Me | null>(null);

/** The signed-in user; only for components under the authenticated layout. */
export function useCurrentUser(): Me {
  const me = use(CurrentUserContext);
  if (!me) throw new Error('useCurrentUser outside the authenticated layout');
  return me;
}
