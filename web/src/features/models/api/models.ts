// GET /api/models - the models a run can use.
import { useQuery } from '@tanstack/react-query';
import { api, type Page } from '../../../lib/http';
import { modelKeys, type Model } from './types';

export function listModels(signal?: AbortSignal): Promise<Page<Model>> {
  return api<Page<Model>>('/api/models?limit=100', { signal });
}

export function useModels() {
  return useQuery({ queryKey: modelKeys.all, queryFn: ({ signal }) => listModels(signal), staleTime: 60_000 });
}
