// RequireAuth.tsx - shows its children to a signed-in user, else sends
// them to /login (and back here afterwards). While /api/auth/me is on its
// way the page renders optimistically, so its code and data load in
// parallel with the session check instead of after it (one round trip
// less on every first render); their 401s just lead to /login. A 401 from
// any request while signed in means the session ended: the cache forgets
// the user.
import { useEffect, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Navigate, useLocation } from 'react-router';
import { useMe, meKeys } from '../api/me';
import { ErrorState } from '../../../components/States';
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
  if (me.isError) return <ErrorState error={me.error} what="your session" retry={() => me.refetch()} />;
  if (me.data === null) return <Navigate to={`/login?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  return <>{children}</>;
}
