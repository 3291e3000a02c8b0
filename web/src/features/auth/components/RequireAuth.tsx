// RequireAuth.tsx - shows its children to a signed-in user, else sends
// them to /login (and back here afterwards). A 401 from any request while
// signed in means the session ended: the cache forgets the user.
import { useEffect, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Navigate, useLocation } from 'react-router';
import { useMe, meKeys } from '../api/me';
import { ErrorState, Loading } from '../../../components/States';
import { UNAUTHORIZED_EVENT } from '../../../lib/http';

export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const qc = useQueryClient();
  const loc = useLocation();
  useEffect(() => {
    const onUnauthorized = () => qc.setQueryData(meKeys.all, null);
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, [qc]);
  if (me.isPending) return <Loading label="Checking your session…" />;
  if (me.isError) return <ErrorState error={me.error} what="your session" retry={() => me.refetch()} />;
  if (!me.data) return <Navigate to={`/login?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  return <>{children}</>;
}
