// MembersCard.tsx - who belongs to a project and with which role.
import { useState, type FormEvent } from 'react';
import { useMemberMutations, useMembers, type Role } from '../api/members';
import { ErrorState, Loading } from '../../../components/States';
import { errorText } from '../../../lib/errorText';

export function MembersCard({ projectId }: { projectId: number }) {
  const members = useMembers(projectId);
  const { add, remove } = useMemberMutations(projectId);
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({ username: username.trim(), role }, { onSuccess: () => setUsername('') });
  };
  return (
    <section className="card" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      {members.isPending ? <Loading /> : members.isError ? <ErrorState error={members.error} what="members" /> : (
        <ul className="list">
          {members.data.items.map((m) => (
            <li key={m.user_id}>
              <span>{m.username}</span>
              <span className="muted">{m.role}</span>
              <button type="button" className="btn btn-ghost btn-small" aria-label={`Remove ${m.username}`}
                onClick={() => remove.mutate(m.user_id)}>Remove</button>
            </li>
          ))}
        </ul>
      )}
      <form className="inline-form" onSubmit={submit}>
        <label className="sr-only" htmlFor="member-name">Username</label>
        <input id="member-name" placeholder="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        <label className="sr-only" htmlFor="member-role">Role</label>
        <select id="member-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          <option value="viewer">viewer</option>
          <option value="editor">editor</option>
          <option value="owner">owner</option>
        </select>
        <button type="submit" className="btn" disabled={add.isPending}>Add</button>
      </form>
      {(add.error || remove.error) && <p className="form-error" role="alert">{errorText(add.error ?? remove.error)}</p>}
    </section>
  );
}
