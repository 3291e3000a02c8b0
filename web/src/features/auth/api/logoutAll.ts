// POST /api/auth/logout-all - ends every session and revokes every API key
// of the user, this browser's session included; the cache goes with it.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { forgetUser } from './logout';

export function logoutAll(): Promise<void> {
  return api<void>('/api/auth/logout-all', { method: 'POST' });
}

export function useLogoutAll() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: logoutAll, onSuccess: () => forgetUser(qc) });
}
