// GET /api/auth/me - the signed-in user, or 401.
import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from '../../../lib/http';

export interface User {
  id: number;
  username: string;
  admin: boolean;
}

export const meKeys = { all: ['auth', 'me'] as const };

/** Resolves to the user, or null when nobody is signed in. */
export async function getMe(): Promise<User | null> {
  try {
    const r = await api<{ user: User }>('/api/auth/me');
    return r.user;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function useMe() {
  return useQuery({ queryKey: meKeys.all, queryFn: getMe, staleTime: 5 * 60_000 });
}
