// DELETE /api/projects/{id}
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { projectKeys } from './types';

export function deleteProject(id: number): Promise<void> {
  return api<void>(`/api/projects/${id}`, { method: 'DELETE' });
}

export function useDeleteProject() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteProject,
    onSuccess: () => qc.invalidateQueries({ queryKey: projectKeys.lists() }),
  });
}
