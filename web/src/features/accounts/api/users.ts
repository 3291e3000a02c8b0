// GET /api/users, PATCH /api/users/{id} - every account and turning one
// off or on; the server answers both to admins only.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type Page } from '../../../lib/http';

export interface Account {
  id: number;
  username: string;
  admin: boolean;
  disabled: boolean;
  created_at: string;
}

export const accountKeys = { all: ['accounts'] as const };

export function listAccounts(signal?: AbortSignal): Promise<Page<Account>> {
  return api<Page<Account>>('/api/users?limit=500', { signal });
}

export function setDisabled(id: number, disabled: boolean): Promise<Account> {
  return api<Account>(`/api/users/${id}`, { method: 'PATCH', body: { disabled } });
}

export function useAccounts() {
  return useQuery({ queryKey: accountKeys.all, queryFn: ({ signal }) => listAccounts(signal) });
}

export function useSetDisabled() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { id: number; disabled: boolean }) => setDisabled(a.id, a.disabled),
    onSuccess: () => qc.invalidateQueries({ queryKey: accountKeys.all }),
  });
}
