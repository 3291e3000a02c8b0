// PasswordForm.tsx - change one's own password: the old one, the new one
// twice. Length and match are checked here first so the user hears about
// them before a round trip; the server checks again.
import { useState, type FormEvent } from 'react';
import { PASSWORD_MIN, useChangePassword } from '../api/password';
import { errorText } from '../../../lib/errorText';

export function PasswordForm() {
  const [old, setOld] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const change = useChangePassword();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Code points, as the server counts them.
    if ([...next].length < PASSWORD_MIN) return setProblem(`The new password needs at least ${PASSWORD_MIN} characters.`);
    if (next !== again) return setProblem('The new passwords differ.');
    setProblem(null);
    change.mutate({ old, next }, {
      onSuccess: () => { setOld(''); setNext(''); setAgain(''); },
    });
  };
  const error = problem ?? (change.isError ? errorText(change.error) : null);
  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form onSubmit={submit}>
        <label>
          Current password
          <input type="password" autoComplete="current-password" required value={old}
            onChange={(e) => setOld(e.target.value)} />
        </label>
        <label>
          New password
          <input type="password" autoComplete="new-password" required value={next}
            onChange={(e) => setNext(e.target.value)} />
        </label>
        <label>
          New password again
          <input type="password" autoComplete="new-password" required value={again}
            onChange={(e) => setAgain(e.target.value)} />
        </label>
        <p className="muted">At least {PASSWORD_MIN} characters.</p>
        {error && <p className="form-error" role="alert">{error}</p>}
        {change.isSuccess && !problem && <p role="status">Password changed.</p>}
        <button type="submit" className="btn" disabled={change.isPending}>Change password</button>
      </form>
    </section>
  );
}
