// RunsList.tsx - the runs of a video, state at a glance, live progress
// for the active ones, links to detections, player and results.
import { Link } from 'react-router';
import { useRuns } from '../api/runs';
import { useModels } from '../../../lib/api/models';
import { isFinal } from '../api/types';
import { TaskProgress } from './TaskProgress';
import { Badge, Empty, ErrorState, Loading, StateBadge } from '../../../components/States';
import { formatDate, formatNumber } from '../../../lib/format';

export function RunsList({ videoId }: { videoId: number }) {
  const runs = useRuns(videoId);
  const models = useModels();
  const modelName = (id: number) => models.data?.items.find((m) => m.id === id)?.name ?? `#${id}`;
  const items = runs.data?.pages.flatMap((p) => p.items) ?? [];
  if (runs.isPending) return <Loading label="Loading runs…" />;
  if (runs.isError) return <ErrorState error={runs.error} what="runs" retry={() => runs.refetch()} />;
  if (!items.length) return <Empty title="No runs yet">Start one above.</Empty>;
  return (
    <table className="table runs-table">
      <thead>
        <tr>
          <th scope="col">Run</th><th scope="col">State</th><th scope="col">Model</th><th scope="col">conf / iou / every</th>
          <th scope="col">Detections</th><th scope="col">Started</th><th scope="col"><span className="sr-only">Open</span></th>
        </tr>
      </thead>
      <tbody>
        {items.map((r) => (
          <tr key={r.id}>
            <td className="num">#{r.id}{r.kind === 'auto_gt' && <> <Badge tone="info">ground truth</Badge></>}</td>
            <td>{!isFinal(r.state) && r.task_id ? <TaskProgress taskId={r.task_id} compact /> : <StateBadge state={r.state} />}</td>
            <td>{modelName(r.model_id)}</td>
            <td className="num">{r.conf.toFixed(2)} / {r.iou.toFixed(2)} / {r.every}</td>
            <td className="num">{formatNumber(r.detections_count)}</td>
            <td>{formatDate(r.created_at)}</td>
            <td className="links">
              <Link to={`/runs/${r.id}/detections`}>Detections</Link>
              <Link to={`/runs/${r.id}/player`}>Player</Link>
              <Link to={`/runs/${r.id}/results`}>Results</Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
