// ProjectPage.tsx - one project: its metadata, videos (upload and list),
// device test sessions, members, criteria and class map: cards of three
// features, so the page is the app's. The test sessions' form chooses among
// the videos the page lists.
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useProject } from '../../features/projects/api/project';
import { useUpdateProject } from '../../features/projects/api/updateProject';
import { useDeleteProject } from '../../features/projects/api/deleteProject';
import type { Project } from '../../lib/types';
import { ProjectForm } from '../../features/projects/components/ProjectForm';
import { MembersCard } from '../../features/projects/components/MembersCard';
import { CriteriaCard } from '../../features/projects/components/CriteriaCard';
import { ClassMapCard } from '../../features/projects/components/ClassMapCard';
import { TestSessionsCard } from '../../features/testSessions/components/TestSessionsCard';
import { VideosPanel } from '../../features/videos/components/VideosPanel';
import { useVideos } from '../../features/videos/api/videos';
import { useOpener } from '../../components/inlineForm';
import { ErrorState, isNotFound, Loading, PageHeader } from '../../components/States';
import { NotFound, routeId } from '../../components/NotFound';
import { errorText } from '../../lib/errorText';

function Metadata({ p }: { p: Project }) {
  const rows: [string, string | number | null | undefined][] = [
    ['Camera model', p.camera_model], ['Camera view', p.camera_view], ['Lens', p.lens_type],
    ['Resolution', p.resolution], ['Frame rate', p.frame_rate != null ? `${p.frame_rate} fps` : null], ['Signal', p.signal_type],
  ];
  return (
    <dl className="meta">
      {rows.map(([k, v]) => (
        <div key={k}><dt>{k}</dt><dd>{v || '—'}</dd></div>
      ))}
    </dl>
  );
}

export default function ProjectPage() {
  const id = routeId(useParams().projectId);
  return id == null ? <NotFound what="project" /> : <ProjectView id={id} />;
}

function ProjectView({ id }: { id: number }) {
  const project = useProject(id);
  const videos = useVideos(id);
  const update = useUpdateProject(id);
  const del = useDeleteProject();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const opener = useOpener(editing);
  if (project.isPending) return <Loading label="Loading project…" />;
  if (isNotFound(project.error)) return <NotFound what="project" />;
  if (project.isError) return <ErrorState error={project.error} what="the project" retry={() => project.refetch()} />;
  const p = project.data;
  return (
    <>
      <PageHeader title={p.name} subtitle={p.description || undefined}
        actions={!editing && <>
          <button type="button" ref={opener} className="btn" onClick={() => setEditing(true)}>Edit</button>
          <button type="button" className="btn btn-ghost" disabled={del.isPending}
            onClick={() => { if (confirm(`Delete ${p.name} with all its videos and runs?`)) del.mutate(id, { onSuccess: () => navigate('/') }); }}>
            Delete
          </button>
        </>} />
      {del.error && <p className="form-error" role="alert">{errorText(del.error)}</p>}
      <section className="card" aria-label="Camera and device">
        {editing ? (
          <ProjectForm initial={p} submitLabel="Save" pending={update.isPending} error={update.error}
            onCancel={() => setEditing(false)} onSubmit={(v) => update.mutate(v, { onSuccess: () => setEditing(false) })} />
        ) : <Metadata p={p} />}
      </section>
      <VideosPanel projectId={id} />
      <TestSessionsCard project={p} videos={videos.isPending ? null : videos.data?.pages.flatMap((v) => v.items) ?? []} />
      <div className="grid-2">
        <MembersCard projectId={id} />
        <CriteriaCard project={p} />
        <ClassMapCard projectId={id} />
      </div>
    </>
  );
}
