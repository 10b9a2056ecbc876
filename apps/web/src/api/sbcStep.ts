import type { SbcPlanPreview, Workflow } from '@trunkline/contracts';
import { api } from './client.ts';

const id = (value: string) => encodeURIComponent(value);

/** Configure SBC on a service: the plan preview (changes nothing) and the "SBC only" run. */
export const sbcStep = {
  previewKey: (serviceId: string, sbcId: string | null) =>
    ['/services', serviceId, 'sbc-plan', sbcId ?? 'default'] as const,
  preview: (serviceId: string, sbcId: string | null) =>
    api.post<SbcPlanPreview>(`/services/${id(serviceId)}/sbc/preview`, sbcId ? { sbcId } : {}),
  configure: (serviceId: string, sbcId: string | null) =>
    api.post<Workflow>(`/services/${id(serviceId)}/sbc`, { confirm: true, ...(sbcId ? { sbcId } : {}) }),
};
