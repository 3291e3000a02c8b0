// GroundTruthCard.tsx - a video's ground truth: make it with a model (auto
// ground truth: a detect task whose boxes replace the earlier model-made
// ones, linked into tracks; human and imported boxes stay) with live
// progress, import a file of it (ImportDialog: checked before written),
// and download it in any format. The
// progress is a run's (features/runs), so the page hands its view in, and
// is told when the run has started (it lists the video's runs).
import { useState, type FormEvent, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { GT_FORMATS, groundTruthExportUrl, useAutoGroundTruth } from '../api/autoGroundTruth';
import { ImportDialog } from './ImportDialog';
import { useModels } from '../../../lib/api/models';
import { gtKeys } from '../../../lib/api/groundTruth';
import { errorText } from '../../../lib/errorText';

interface GroundTruthCardProps {
  videoId: number;
  /** The live progress of task taskId; onFinal once it has ended. */
  progress: (taskId: number, onFinal: () => void) => ReactNode;
  /** An auto ground truth's run has been queued. */
  onRunStarted: () => void;
}

export function GroundTruthCard({ videoId, progress, onRunStarted }: GroundTruthCardProps) {
  const qc = useQueryClient();
  const models = useModels();
  const auto = useAutoGroundTruth(videoId, onRunStarted);
  const [params, setParams] = useSearchParams();
  const taskId = Number(params.get('gt_task')) || null;
  const [modelId, setModelId] = useState<number | ''>('');
  const [conf, setConf] = useState(0.4);
  const [every, setEvery] = useState(1);
  const [replace, setReplace] = useState(true);
  const list = models.data?.items ?? [];
  const chosen = modelId === '' ? list[0]?.id : modelId;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (chosen == null) return;
    auto.mutate({ model_id: chosen, conf, every, replace }, {
      onSuccess: (r) => setParams((p) => { const n = new URLSearchParams(p); n.set('gt_task', String(r.task_id)); return n; }, { replace: true }),
    });
  };
  return (
    <section className="card" aria-labelledby="gt-title">
      <h2 id="gt-title">Ground truth</h2>
      <form className="run-form" onSubmit={submit} aria-label="Auto ground truth">
        <label>
          Model
          <select value={chosen ?? ''} onChange={(e) => setModelId(Number(e.target.value))} disabled={!list.length}>
            {!list.length && <option value="">{models.isPending ? 'Loading…' : 'No models'}</option>}
            {list.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
          </select>
        </label>
        <label>
          Confidence ≥ <output>{conf.toFixed(2)}</output>
          <input type="range" min={0.05} max={0.95} step={0.05} value={conf} onChange={(e) => setConf(Number(e.target.value))} />
        </label>
        <label>
          Every n-th frame
          <input type="number" min={1} max={1000} value={every} onChange={(e) => setEvery(Math.max(1, Number(e.target.value) || 1))} />
        </label>
        <label className="check"><input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} /> Replace earlier model-made boxes</label>
        <button type="submit" className="btn btn-primary" disabled={chosen == null || auto.isPending}>
          {auto.isPending ? 'Starting…' : 'Auto ground truth'}
        </button>
      </form>
      {auto.error && (
        <p className="form-error" role="alert">{errorText(auto.error)}</p>
      )}
      {taskId != null && (
        <div className="current-task">
          <h3>Auto ground truth · task #{taskId}</h3>
          {progress(taskId, () => void qc.invalidateQueries({ queryKey: gtKeys.video(videoId) }))}
        </div>
      )}
      <h3>Import</h3>
      <ImportDialog videoId={videoId} />
      <h3>Export</h3>
      <p className="links gt-exports">
        {GT_FORMATS.map((f) => <a key={f.id} href={groundTruthExportUrl(videoId, f.id)} download>{f.label}</a>)}
      </p>
    </section>
  );
}
