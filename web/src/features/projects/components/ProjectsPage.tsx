// ProjectsPage.tsx - the caller's projects (keyset pages) and a form to
// create one.
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useProjects } from '../api/projects';
import { useCreateProject } from '../api/createProject';
import { ProjectForm } from './ProjectForm';
import { useOpener } from '../../../components/inlineForm';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/States';
import { formatDate } from '../../../lib/format';

export function ProjectsPage() {
  const projects = useProjects();
  const create = useCreateProject();
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const opener = useOpener(creating);
  const items = projects.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageHeader title="Projects" subtitle="Cameras and devices under test, their videos and runs."
        actions={!creating && <button type="button" ref={opener} className="btn btn-primary" onClick={() => setCreating(true)}>New project</button>} />
      {creating && (
        <section className="card" aria-label="New project">
          <h2>New project</h2>
          <ProjectForm submitLabel="Create project" pending={create.isPending} error={create.error}
            onCancel={() => setCreating(false)}
            onSubmit={(p) => create.mutate(p, { onSuccess: (r) => navigate(`/projects/${r.id}`) })} />
        </section>
      )}
      {projects.isPending ? <Loading label="Loading projects…" />
        : projects.isError ? <ErrorState error={projects.error} what="projects" retry={() => projects.refetch()} />
        : items.length === 0 ? <Empty title="No projects yet">Create one to upload videos and run a model.</Empty>
        : (
          <div className="card table-card">
            <table className="table">
              <thead>
                <tr><th scope="col">Name</th><th scope="col">Camera</th><th scope="col">View</th><th scope="col">Resolution</th><th scope="col">Created</th></tr>
              </thead>
              <tbody>
                {items.map((p) => (
                  <tr key={p.id}>
                    <td><Link to={`/projects/${p.id}`}>{p.name}</Link>{p.description && <div className="muted small">{p.description}</div>}</td>
                    <td>{p.camera_model || '—'}</td>
                    <td>{p.camera_view || '—'}</td>
                    <td>{p.resolution || '—'}</td>
                    <td>{formatDate(p.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {projects.hasNextPage && (
              <button type="button" className="btn load-more" disabled={projects.isFetchingNextPage}
                onClick={() => projects.fetchNextPage()}>
                {projects.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            )}
          </div>
        )}
    </>
  );
}
