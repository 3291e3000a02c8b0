// POST /api/projects {name, description, camera metadata...} -> 201 {id}
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { projectKeys, type ProjectInput } from './types';

export function createProject(p: ProjectInput): Promise<{ id: number }> {
  return api<{ id: number }>('/api/projects', { method: 'POST', body: compact(p) });
}

/** Drops empty optional fields: the server's schema rejects nulls it does not expect. */
export function compact(p: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (v === '' || v === null || v === undefined) continue;
    out[k] = v;
  }
  return out;
}

export function useCreateProject() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createProject,
    onSuccess: () => qc.invalidateQueries({ queryKey: projectKeys.lists() }),
  });
}
