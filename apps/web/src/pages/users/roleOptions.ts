import { roleLabels } from '@trunkline/contracts';
import type { Role } from '@trunkline/contracts';

export const roleOptions = (roles: readonly Role[]) =>
  roles.map((role) => ({ value: role, label: roleLabels[role] }));
