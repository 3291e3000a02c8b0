// POST /api/auth/password - the signed-in user changes its password; the
// server wants the old one and PASSWORD_MIN characters or more.
import { useMutation } from '@tanstack/react-query';
import { api } from '../../../lib/http';

/** The server's rule (http/auth.h): 12 to 256 characters. */
export const PASSWORD_MIN = 12;

export function changePassword(oldPassword: string, newPassword: string): Promise<void> {
  return api<void>('/api/auth/password', { body: { old_password: oldPassword, new_password: newPassword } });
}

export function useChangePassword() {
  return useMutation({ mutationFn: (p: { old: string; next: string }) => changePassword(p.old, p.next) });
}
