// LoginPage.tsx - username and password; on success, back to where the
// user was going (?next=, same-origin paths only).
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useLogin } from '../api/login';
import { errorText } from '../../../lib/errorText';

export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const login = useLogin();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate({ username, password }, { onSuccess: () => navigate(safeNext(params.get('next')), { replace: true }) });
  };
  return (
    <main className="login" id="main">
      <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title"><span className="brand">AVP</span> Sign in</h1>
        <p className="muted">Validate object detectors on video.</p>
        <label>
          Username
          <input name="username" autoComplete="username" required value={username}
            onChange={(e) => setUsername(e.target.value)} autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required value={password}
            onChange={(e) => setPassword(e.target.value)} />
        </label>
        {login.isError && (
          <p className="form-error" role="alert">
            {login.error instanceof Error && (login.error as { status?: number }).status === 401
              ? 'Wrong username or password.'
              : errorText(login.error)}
          </p>
        )}
        <button type="submit" className="btn btn-primary" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
