// ProjectForm.tsx - name, description and the camera/device metadata of a
// project; used to create one and to edit one.
import { useState, type FormEvent } from 'react';
import type { ProjectInput } from '../api/types';
import type { Project } from '../../../lib/types';
import { useInlineForm } from '../../../components/inlineForm';
import { errorText } from '../../../lib/errorText';

const FIELDS: { key: keyof ProjectInput; label: string; placeholder?: string }[] = [
  { key: 'camera_model', label: 'Camera model', placeholder: 'e.g. Axis Q1656' },
  { key: 'camera_view', label: 'Camera view', placeholder: 'e.g. front, side, top' },
  { key: 'lens_type', label: 'Lens', placeholder: 'e.g. wide 110°' },
  { key: 'resolution', label: 'Resolution', placeholder: '1920x1080' },
  { key: 'signal_type', label: 'Signal', placeholder: 'e.g. HDMI, RTSP' },
];

interface Props {
  initial?: Partial<Project>;
  submitLabel: string;
  pending: boolean;
  error?: Error | null;
  onSubmit: (p: ProjectInput) => void;
  onCancel?: () => void;
}

export function ProjectForm({ initial = {}, submitLabel, pending, error, onSubmit, onCancel }: Props) {
  const [v, setV] = useState<Record<string, string>>(() => ({
    name: initial.name ?? '',
    description: initial.description ?? '',
    camera_model: initial.camera_model ?? '',
    camera_view: initial.camera_view ?? '',
    lens_type: initial.lens_type ?? '',
    resolution: initial.resolution ?? '',
    signal_type: initial.signal_type ?? '',
    frame_rate: initial.frame_rate != null ? String(initial.frame_rate) : '',
  }));
  const set = (k: string) => (e: { target: { value: string } }) => setV((s) => ({ ...s, [k]: e.target.value }));
  const form = useInlineForm<HTMLFormElement>(onCancel);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { frame_rate, ...rest } = v;
    onSubmit({ ...rest, name: v.name.trim(), ...(frame_rate ? { frame_rate: Number(frame_rate) } : {}) } as ProjectInput);
  };
  return (
    <form className="form-grid" onSubmit={submit} ref={form.ref} onKeyDown={form.onKeyDown}>
      <label className="span-2">
        Name
        <input required maxLength={200} value={v.name} onChange={set('name')} />
      </label>
      <label className="span-2">
        Description
        <textarea rows={2} value={v.description} onChange={set('description')} />
      </label>
      {FIELDS.map((f) => (
        <label key={f.key}>
          {f.label}
          <input value={v[f.key]} placeholder={f.placeholder} onChange={set(f.key)} />
        </label>
      ))}
      <label>
        Frame rate (fps)
        <input type="number" min={0} step="any" value={v.frame_rate} onChange={set('frame_rate')} />
      </label>
      {error && <p className="form-error span-2" role="alert">{errorText(error)}</p>}
      <div className="span-2 actions">
        <button type="submit" className="btn btn-primary" disabled={pending}>{pending ? 'Saving…' : submitLabel}</button>
        {onCancel && <button type="button" className="btn" onClick={onCancel}>Cancel</button>}
      </div>
    </form>
  );
}
