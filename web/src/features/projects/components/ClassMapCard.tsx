// ClassMapCard.tsx - the project's class map: which model or device class
// counts as which ground-truth class in every evaluation and test session. Rows
// are edited locally and saved as one whole map (PUT replaces it).
import { useState, type FormEvent } from 'react';
import { classMapProblem, useClassMap, usePutClassMap, type ClassMap } from '../api/classMap';
import { ErrorState, Loading } from '../../../components/States';
import { errorText } from '../../../lib/errorText';

interface Row { key: number; from: string; to: string }

let nextKey = 1;
const toRows = (m: ClassMap): Row[] => Object.entries(m).map(([from, to]) => ({ key: nextKey++, from, to }));

function Editor({ projectId, initial }: { projectId: number; initial: ClassMap }) {
  const put = usePutClassMap(projectId);
  const [rows, setRows] = useState(() => toRows(initial));
  const [dirty, setDirty] = useState(false);
  const problem = classMapProblem(rows);
  const edit = (key: number, k: 'from' | 'to', v: string) => {
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, [k]: v } : r)));
    setDirty(true);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (problem) return;
    const map = Object.fromEntries(rows.map((r) => [r.from.trim(), r.to.trim()]));
    put.mutate(map, { onSuccess: (saved) => { setRows(toRows(saved)); setDirty(false); } });
  };
  return (
    <form onSubmit={submit} aria-label="Class map">
      {rows.length ? (
        <table className="table classmap">
          <thead><tr><th scope="col">Model / device class</th><th scope="col">counts as</th><th scope="col"><span className="sr-only">Remove</span></th></tr></thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={r.key}>
                <td><input aria-label={`Class ${i + 1}`} value={r.from} maxLength={128} onChange={(e) => edit(r.key, 'from', e.target.value)} /></td>
                <td><input aria-label={`Counts as ${i + 1}`} value={r.to} maxLength={128} onChange={(e) => edit(r.key, 'to', e.target.value)} /></td>
                <td><button type="button" className="btn btn-ghost btn-small" aria-label={`Remove row ${i + 1}`}
                  onClick={() => { setRows((rs) => rs.filter((x) => x.key !== r.key)); setDirty(true); }}>Remove</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <p className="muted">No map: every class is scored as itself.</p>}
      <p className="muted small">With a map, classes that are neither mapped nor a target are left out of the metrics.</p>
      <div className="actions">
        <button type="button" className="btn" onClick={() => { setRows((rs) => [...rs, { key: nextKey++, from: '', to: '' }]); setDirty(true); }}>Add row</button>
        <button type="submit" className="btn btn-primary" disabled={!dirty || !!problem || put.isPending}>{put.isPending ? 'Saving…' : 'Save map'}</button>
        {dirty && problem && <span className="form-error" role="alert">{problem}</span>}
        {!dirty && put.isSuccess && <span className="muted" role="status">Saved</span>}
        {put.error && <span className="form-error" role="alert">{errorText(put.error)}</span>}
      </div>
    </form>
  );
}

export function ClassMapCard({ projectId }: { projectId: number }) {
  const map = useClassMap(projectId);
  return (
    <section className="card" aria-labelledby="classmap-title">
      <h2 id="classmap-title">Class map</h2>
      {map.isPending ? <Loading label="Loading class map…" /> : map.isError ? (
        <ErrorState error={map.error} what="Class map" retry={() => map.refetch()} />
      ) : <Editor projectId={projectId} initial={map.data} />}
    </section>
  );
}
