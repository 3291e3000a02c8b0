// ImportDialog.tsx - ground-truth import in two steps: the file is first
// read by the server without writing anything (a dry run) and its report
// shown (frames, boxes, tracks, what was not taken as a plain box); only
// "Import" writes it, and the final report follows. Takes a format's own
// file or the .zip/.tar/.tar.gz a CVAT or Roboflow export produces.
import { useState, type FormEvent } from 'react';
import { GT_FORMATS, useImportGroundTruth, type ImportReport } from '../api/autoGroundTruth';
import { uploadErrorText } from '../../../lib/errorText';
import { formatNumber } from '../../../lib/format';

/** What the file picker offers: the formats' files and archives of them. */
export const IMPORT_ACCEPT = '.json,.xml,.txt,.zip,.tar,.gz,.tgz';

/** A report in words; the notes are the parsers' own plain phrases. */
export function ReportView({ report, title }: { report: ImportReport; title: string }) {
  const notes = Object.entries(report.notes ?? {});
  return (
    <div className="import-report" role="group" aria-label={title}>
      <h4>{title}</h4>
      <dl className="stats">
        <div className="stat"><dt className="muted small">Frames</dt><dd className="num">{formatNumber(report.frames)}</dd></div>
        <div className="stat"><dt className="muted small">Boxes</dt><dd className="num">{formatNumber(report.boxes)}</dd></div>
        <div className="stat"><dt className="muted small">Tracks</dt><dd className="num">{formatNumber(report.tracks)}</dd></div>
      </dl>
      {notes.length > 0 ? (
        <ul className="import-notes">
          {notes.map(([kind, n]) => <li key={kind}><span className="num">{formatNumber(n)}</span> × {kind}</li>)}
        </ul>
      ) : <p className="muted small">Every shape in the file was read as a box; nothing was left out or changed.</p>}
    </div>
  );
}

export function ImportDialog({ videoId }: { videoId: number }) {
  const check = useImportGroundTruth(videoId);
  const write = useImportGroundTruth(videoId);
  const [format, setFormat] = useState<string>('coco');
  const [file, setFile] = useState<File | null>(null);
  const reset = () => { check.reset(); write.reset(); };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    reset();
    if (file) check.mutate({ format, file, dryRun: true });
  };
  const preview = check.data?.report;
  const error = check.error ?? write.error;
  return (
    <form className="import-dialog" onSubmit={submit} aria-label="Import ground truth">
      <div className="inline-form">
        <label>
          Format
          <select value={format} onChange={(e) => { setFormat(e.target.value); reset(); }}>
            {GT_FORMATS.map((f) => <option key={f.id} value={f.id}>{f.label}</option>)}
          </select>
        </label>
        <label>File <input type="file" accept={IMPORT_ACCEPT} onChange={(e) => { setFile(e.target.files?.[0] ?? null); reset(); }} /></label>
        <button type="submit" className="btn" disabled={!file || check.isPending}>{check.isPending ? 'Reading…' : 'Check file'}</button>
      </div>
      <p className="muted small">A .zip, .tar or .tar.gz export (CVAT, Roboflow) is read as it is. Nothing is written until you confirm.</p>
      {preview && !write.isSuccess && file && (
        <>
          <ReportView report={preview} title={`What ${file.name} holds`} />
          <div className="inline-form">
            <button type="button" className="btn btn-primary" disabled={write.isPending || preview.boxes === 0 && preview.frames === 0}
              onClick={() => write.mutate({ format, file })}>
              {write.isPending ? 'Importing…' : `Import ${formatNumber(preview.boxes)} boxes`}
            </button>
            <button type="button" className="btn" disabled={write.isPending} onClick={reset}>Cancel</button>
          </div>
        </>
      )}
      {write.isSuccess && (
        <>
          <p className="muted" role="status">Imported {formatNumber(write.data.imported)} boxes</p>
          {write.data.report && <ReportView report={write.data.report} title="Imported" />}
        </>
      )}
      {error != null && file && <p className="form-error" role="alert">{uploadErrorText(file.name, error, 'imported')}</p>}
    </form>
  );
}
