// LogoutEverywhere.tsx - ends every session and API key of the user (a
// lost laptop, a leaked key), then goes to the sign-in page.
import { useNavigate } from 'react-router';
import { useLogoutAll } from '../api/logoutAll';
import { errorText } from '../../../lib/errorText';

export function LogoutEverywhere() {
  const logoutAll = useLogoutAll();
  const navigate = useNavigate();
  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions and API keys</h2>
      <p className="muted">Signs you out on every device and revokes every API key you made.</p>
      {logoutAll.isError && <p className="form-error" role="alert">{errorText(logoutAll.error)}</p>}
      <button type="button" className="btn" disabled={logoutAll.isPending}
        onClick={() => logoutAll.mutate(undefined, { onSuccess: () => navigate('/login') })}>
        Sign out everywhere
      </button>
    </section>
  );
}
