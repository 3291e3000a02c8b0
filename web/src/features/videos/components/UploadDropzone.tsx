// UploadDropzone.tsx - drop several video files (or pick them with the
// keyboard-reachable button) and watch each upload on its own row.
import { useRef, useState, type DragEvent } from 'react';
import { useUploads, type UploadItem } from '../api/uploadVideo';
import { ProgressBar } from '../../../components/States';
import { formatBytes } from '../../../lib/format';

function UploadRow({ u, onCancel }: { u: UploadItem; onCancel: () => void }) {
  const frac = u.size ? u.sent / u.size : 0;
  return (
    <li className={`upload upload-${u.state}`}>
      <div className="upload-head">
        <span className="upload-name" title={u.name}>{u.name}</span>
        <span className="muted small">
          {u.state === 'uploading' ? `${formatBytes(u.sent)} / ${formatBytes(u.size)}` : u.state === 'done' ? 'Uploaded' : u.state === 'cancelled' ? 'Cancelled' : 'Failed'}
        </span>
        {u.state === 'uploading' && (
          <button type="button" className="btn btn-ghost btn-small" onClick={onCancel} aria-label={`Cancel upload of ${u.name}`}>Cancel</button>
        )}
      </div>
      {u.state === 'uploading' && <ProgressBar value={frac} label={`Upload of ${u.name}`} />}
      {u.error && <p className="form-error" role="alert">{u.error}</p>}
    </li>
  );
}

export function UploadDropzone({ projectId }: { projectId: number }) {
  const { items, start, cancel, clearFinished } = useUploads(projectId);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const files = Array.from(e.dataTransfer.files);
    if (files.length) start(files);
  };
  return (
    <div>
      <div className={`dropzone${over ? ' dropzone-over' : ''}`} onDragOver={(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave={() => setOver(false)} onDrop={onDrop} data-testid="dropzone">
        <p><strong>Drop video files here</strong> <span className="muted">— several at once, any size the server accepts</span></p>
        <button type="button" className="btn" onClick={() => input.current?.click()}>Choose files…</button>
        <input ref={input} type="file" accept="video/*" multiple hidden aria-label="Video files"
          onChange={(e) => { if (e.target.files?.length) start(Array.from(e.target.files)); e.target.value = ''; }} />
      </div>
      {items.length > 0 && (
        <>
          <ul className="uploads" aria-label="Uploads">
            {items.map((u) => <UploadRow key={u.key} u={u} onCancel={() => cancel(u.key)} />)}
          </ul>
          {items.some((u) => u.state !== 'uploading') && (
            <button type="button" className="btn btn-ghost btn-small" onClick={clearFinished}>Clear finished</button>
          )}
        </>
      )}
    </div>
  );
}
