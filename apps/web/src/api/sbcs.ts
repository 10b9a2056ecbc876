import type {
  Sbc,
  SbcList,
  SbcTemplateList,
  SbcTemplateView,
  SbcTemplateWrite,
  SbcTestResult,
  SbcWriteInput,
} from '@trunkline/contracts';
import { api } from './client.ts';

const id = (value: string) => encodeURIComponent(value);

/** Settings → SBCs: the SBC inventory. */
export const sbcs = {
  key: ['/sbcs'] as const,
  list: () => api.get<SbcList>('/sbcs'),
  create: (body: SbcWriteInput) => api.post<Sbc>('/sbcs', body),
  update: (sbcId: string, body: SbcWriteInput) => api.patch<Sbc>(`/sbcs/${id(sbcId)}`, body),
  remove: (sbcId: string) => api.delete(`/sbcs/${id(sbcId)}`),
  test: (sbcId: string) => api.post<SbcTestResult>(`/sbcs/${id(sbcId)}/test`),
};

/** The provider's SBC templates (onboarding INI + cleanup CLI). */
export const sbcTemplates = {
  key: ['/sbc-templates'] as const,
  list: () => api.get<SbcTemplateList>('/sbc-templates'),
  create: (body: SbcTemplateWrite) => api.post<SbcTemplateView>('/sbc-templates', body),
  update: (templateId: string, body: SbcTemplateWrite) =>
    api.patch<SbcTemplateView>(`/sbc-templates/${id(templateId)}`, body),
  remove: (templateId: string) => api.delete(`/sbc-templates/${id(templateId)}`),
};
