// GET/POST /api/projects/{id}/members, DELETE /api/projects/{id}/members/{user_id}
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type Page } from '../../../lib/http';
import { projectKeys } from './types';

export type Role = 'owner' | 'editor' | 'viewer';

export interface Member {
  user_id: number;
  username: string;
  role: Role;
}

export function listMembers(projectId: number, signal?: AbortSignal): Promise<Page<Member>> {
  return api<Page<Member>>(`/api/projects/${projectId}/members`, { signal });
}

export function addMember(projectId: number, username: string, role: Role): Promise<unknown> {
  return api(`/api/projects/${projectId}/members`, { method: 'POST', body: { username, role } });
}

export function removeMember(projectId: number, userId: number): Promise<void> {
  return api<void>(`/api/projects/${projectId}/members/${userId}`, { method: 'DELETE' });
}

export function useMembers(projectId: number) {
  return useQuery({
    queryKey: projectKeys.members(projectId),
    queryFn: ({ signal }) => listMembers(projectId, signal),
  });
}

export function useMemberMutations(projectId: number) {
  const qc = useQueryClient();
  const onSuccess = () => qc.invalidateQueries({ queryKey: projectKeys.members(projectId) });
  return {
    add: useMutation({ mutationFn: (m: { username: string; role: Role }) => addMember(projectId, m.username, m.role), onSuccess }),
    remove: useMutation({ mutationFn: (userId: number) => removeMember(projectId, userId), onSuccess }),
  };
}
