// Layout.tsx - the frame around every signed-in page: skip link, top bar
// with navigation and the user, and the page in <main>.
import { Suspense } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { useMe } from '../features/auth/api/me';
import { useLogout } from '../features/auth/api/logout';
import { Loading } from '../components/States';

export function Layout() {
  const me = useMe();
  const logout = useLogout();
  const navigate = useNavigate();
  return (
    <div className="app">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="AVP home">AVP</NavLink>
        <nav aria-label="Main">
          <NavLink to="/" end>Projects</NavLink>
          {/* /metrics is for admins (or a metrics token or address). */}
          {me.data?.admin && <NavLink to="/ops">Operations</NavLink>}
          <NavLink to="/account">Account</NavLink>
        </nav>
        <div className="user">
          <span className="muted">{me.data?.username}</span>
          <button type="button" className="btn btn-ghost"
            onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/login') })}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
