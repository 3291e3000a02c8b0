// GET /api/projects/{id}
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { projectKeys } from './types';
import type { Project } from '../../../lib/types';

export function getProject(id: number, signal?: AbortSignal): Promise<Project> {
  return api<Project>(`/api/projects/${id}`, { signal });
}

export function useProject(id: number) {
  return useQuery({ queryKey: projectKeys.detail(id), queryFn: ({ signal }) => getProject(id, signal) });
}
