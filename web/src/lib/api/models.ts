// GET /api/models - the models a run can use: the runs' forms and list, the
// auto ground truth's form and the pages that name a run's classes read it,
// so the endpoint is shared (lib), not one feature's.
import { useQuery } from '@tanstack/react-query';
import { api, type Page } from '../http';

export interface Model {
  id: number;
  name: string;
  sha256: string;
  family: string;
  input_w: number;
  input_h: number;
  num_classes: number;
  class_names?: string[];
  created_at: string;
}

export const modelKeys = {
  all: ['models'] as const,
};

export function listModels(signal?: AbortSignal): Promise<Page<Model>> {
  return api<Page<Model>>('/api/models?limit=100', { signal });
}

export function useModels() {
  return useQuery({ queryKey: modelKeys.all, queryFn: ({ signal }) => listModels(signal), staleTime: 60_000 });
}
