// POST /api/auth/login {username, password} - sets the avp_session cookie
// (HttpOnly); the answer holds no token, so no script in the page can.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { meKeys, type User } from './me';

export interface Credentials {
  username: string;
  password: string;
}

export function login(c: Credentials): Promise<{ user: User }> {
  return api<{ user: User }>('/api/auth/login', { method: 'POST', body: { ...c } });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (r) => qc.setQueryData(meKeys.all, r.user),
  });
}
