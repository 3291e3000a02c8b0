// StartRunForm.tsx - model, confidence and IoU thresholds, frame sampling.
// The thresholds start at the server's defaults (its API document).
import { useState, type FormEvent } from 'react';
import { useModels } from '../../../lib/api/models';
import { useProcessVideo } from '../api/processVideo';
import { ErrorState, Loading } from '../../../components/States';
import { useApiDefaults, type ApiDefaults } from '../../../lib/apiDefaults';
import { errorText } from '../../../lib/errorText';

interface StartRunFormProps {
  videoId: number;
  onStarted: (taskId: number) => void;
}

export function StartRunForm(props: StartRunFormProps) {
  const defaults = useApiDefaults();
  if (defaults.isPending) return <Loading label="Loading run defaults…" />;
  if (defaults.isError) return <ErrorState error={defaults.error} what="the run defaults" retry={() => defaults.refetch()} />;
  return <RunForm {...props} defaults={defaults.data} />;
}

function RunForm({ videoId, onStarted, defaults }: StartRunFormProps & { defaults: ApiDefaults }) {
  const models = useModels();
  const process = useProcessVideo(videoId);
  const [modelId, setModelId] = useState<number | ''>('');
  const [conf, setConf] = useState(defaults.conf);
  const [iou, setIou] = useState(defaults.iou);
  const [every, setEvery] = useState(1);
  const list = models.data?.items ?? [];
  const chosen = modelId === '' ? list[0]?.id : modelId;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (chosen == null) return;
    process.mutate({ model_id: chosen, conf, iou, every }, { onSuccess: (r) => onStarted(r.task_id) });
  };
  if (models.isError) return <ErrorState error={models.error} what="models" retry={() => models.refetch()} />;
  return (
    <form className="run-form" onSubmit={submit} aria-label="Start a run">
      <label>
        Model
        <select value={chosen ?? ''} onChange={(e) => setModelId(Number(e.target.value))} disabled={!list.length}>
          {!list.length && <option value="">{models.isPending ? 'Loading…' : 'No models yet: add one under “Add a model”'}</option>}
          {list.map((m) => <option key={m.id} value={m.id}>{m.name} ({m.family} {m.input_w}×{m.input_h})</option>)}
        </select>
      </label>
      <label>
        Confidence ≥ <output>{conf.toFixed(2)}</output>
        <input type="range" min={0.01} max={0.99} step={0.01} value={conf} onChange={(e) => setConf(Number(e.target.value))} />
      </label>
      <label>
        NMS IoU <output>{iou.toFixed(2)}</output>
        <input type="range" min={0.05} max={0.95} step={0.05} value={iou} onChange={(e) => setIou(Number(e.target.value))} />
      </label>
      <label>
        Every n-th frame
        <input type="number" min={1} max={1000} value={every} onChange={(e) => setEvery(Math.max(1, Number(e.target.value) || 1))} />
      </label>
      <button type="submit" className="btn btn-primary" disabled={chosen == null || process.isPending}>
        {process.isPending ? 'Starting…' : 'Start run'}
      </button>
      {process.error && <p className="form-error" role="alert">{errorText(process.error)}</p>}
    </form>
  );
}
