import { useQuery } from '@tanstack/react-query';
import { api } from './client.ts';

export type BannerLink = {
  label: string;
  url: string;
};

/** `GET /api/v1/system/info`, readable without signing in. */
export type SystemInfo = {
  name: string;
  version: string;
  banner: { text: string; links: BannerLink[] } | null;
};

export function useSystemInfo() {
  return useQuery({
    queryKey: ['system', 'info'],
    queryFn: () => api.get<SystemInfo>('/system/info'),
    staleTime: Infinity,
  });
}
