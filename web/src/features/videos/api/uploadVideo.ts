// POST /api/projects/{id}/videos?filename= with the file as the raw body.
// XMLHttpRequest rather than fetch: it is the only browser API that
// reports upload progress for a request body today. The server answers
// 201 with the video, or 415 (not a decodable video) / 413 (too large).
import { useCallback, useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, errorFromXhr, query } from '../../../lib/http';
import { uploadErrorText } from '../../../lib/errorText';
import { videoKeys } from './types';
import type { Video } from '../../../lib/types';

export interface UploadHandle {
  promise: Promise<Video>;
  abort: () => void;
}

export function uploadVideo(projectId: number, file: File, onProgress: (sent: number, total: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<Video>((resolve, reject) => {
    xhr.open('POST', `/api/projects/${projectId}/videos` + query({ filename: file.name }));
    xhr.withCredentials = true;
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as Video);
        } catch {
          resolve({ id: 0, filename: file.name } as Video);
        }
      } else reject(errorFromXhr(xhr));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The connection to the server was lost'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'Cancelled'));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}

export type UploadState = 'uploading' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  sent: number;
  state: UploadState;
  error?: string;
}

/** What the browser can tell before sending: a file that is not a video. */
export function precheck(file: File): string | null {
  if (file.size === 0) return 'the file is empty';
  if (file.type && !file.type.startsWith('video/') && file.type !== 'application/octet-stream') {
    return `it is not a video (${file.type}). Choose a video file`;
  }
  return null;
}

/** Runs several uploads at once, each with its own progress and cancel. */
export function useUploads(projectId: number) {
  const qc = useQueryClient();
  const [items, setItems] = useState<UploadItem[]>([]);
  const aborts = useRef(new Map<string, () => void>());
  const patch = useCallback((key: string, p: Partial<UploadItem>) =>
    setItems((xs) => xs.map((x) => (x.key === key ? { ...x, ...p } : x))), []);

  const start = useCallback((files: File[]) => {
    const added = files.map((f, i) => ({ key: `${Date.now()}-${i}-${f.name}`, name: f.name, size: f.size, sent: 0,
      state: 'uploading' as UploadState, file: f }));
    setItems((xs) => [...added.map(({ file: _f, ...x }) => x), ...xs]);
    for (const a of added) {
      const bad = precheck(a.file);
      if (bad) {
        patch(a.key, { state: 'failed', error: uploadErrorText(a.name, bad) });
        continue;
      }
      const h = uploadVideo(projectId, a.file, throttle((sent) => patch(a.key, { sent })));
      aborts.current.set(a.key, h.abort);
      h.promise.then(
        () => {
          patch(a.key, { state: 'done', sent: a.size });
          qc.invalidateQueries({ queryKey: videoKeys.list(projectId) });
        },
        (e: ApiError) => patch(a.key, e.code === 'aborted' ? { state: 'cancelled' } : { state: 'failed', error: uploadErrorText(a.name, e) }),
      ).finally(() => aborts.current.delete(a.key));
    }
  }, [projectId, patch, qc]);

  const cancel = useCallback((key: string) => aborts.current.get(key)?.(), []);
  const clearFinished = useCallback(() => setItems((xs) => xs.filter((x) => x.state === 'uploading')), []);
  useEffect(() => () => aborts.current.forEach((abort) => abort()), []);
  return { items, start, cancel, clearFinished };
}

/** Progress events come hundreds of times a second; render at most ~10/s. */
function throttle(fn: (sent: number, total: number) => void, ms = 100) {
  let last = 0;
  return (sent: number, total: number) => {
    const now = performance.now();
    if (now - last >= ms || sent >= total) {
      last = now;
      fn(sent, total);
    }
  };
}
