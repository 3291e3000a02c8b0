// POST /api/auth/logout - ends the session; the cache goes with it.
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { meKeys } from './me';

export function logout(): Promise<void> {
  return api<void>('/api/auth/logout', { method: 'POST' });
}

/** Drops everything cached for the user, who is signed out now. */
export function forgetUser(qc: QueryClient) {
  qc.clear();
  qc.setQueryData(meKeys.all, null);
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: logout, onSettled: () => forgetUser(qc) });
}
