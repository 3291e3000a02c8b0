// PATCH /api/projects/{id} with the changed fields.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { projectKeys, type ProjectInput } from './types';

export function updateProject(id: number, p: Partial<ProjectInput>): Promise<unknown> {
  return api(`/api/projects/${id}`, { method: 'PATCH', body: { ...p } });
}

export function useUpdateProject(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: Partial<ProjectInput>) => updateProject(id, p),
    onSuccess: () => qc.invalidateQueries({ queryKey: projectKeys.all }),
  });
}
