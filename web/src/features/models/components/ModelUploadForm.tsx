// ModelUploadForm.tsx - add a detector from an ONNX file (YOLOX, YOLOv5/8
// exports), named after the file unless the user names it.
import { useState, type FormEvent } from 'react';
import { useUploadModel } from '../api/uploadModel';
import { uploadErrorText } from '../../../lib/errorText';

const baseName = (f: string) => f.replace(/\.onnx$/i, '');

export function ModelUploadForm({ onUploaded }: { onUploaded?: (id: number) => void }) {
  const upload = useUploadModel();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (file) upload.mutate({ name: name.trim() || baseName(file.name), file }, { onSuccess: (m) => onUploaded?.(m.id) });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Upload a model">
      <label>ONNX model file <input type="file" accept=".onnx" onChange={(e) => {
        const f = e.target.files?.[0] ?? null;
        setFile(f);
        upload.reset();
      }} /></label>
      <label>Name <input type="text" value={name} maxLength={200} placeholder={file ? baseName(file.name) : 'from the file name'} onChange={(e) => setName(e.target.value)} /></label>
      <button type="submit" className="btn" disabled={!file || upload.isPending}>{upload.isPending ? 'Uploading…' : 'Upload model'}</button>
      {upload.isSuccess && <span className="muted" role="status">Added model {upload.data.name}</span>}
      {upload.error && file && <p className="form-error" role="alert">{uploadErrorText(file.name, upload.error)}</p>}
    </form>
  );
}
