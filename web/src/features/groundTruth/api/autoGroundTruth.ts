// POST /api/videos/{id}/auto-ground-truth {model_id, conf?, iou?, every?,
// replace?} -> 202 {task_id, run_id}: a detect task whose detections become
// the video's model-made ground truth (linked into tracks) when it ends.
// Progress comes over WS /ws/progress/{task_id} like any run.
// GET /api/videos/{id}/ground-truth/export?format=... downloads the video's
// ground truth (yolo and voc, one file per frame, as a tar archive);
// POST /api/videos/{id}/ground-truth/import?format=... takes such a file as
// the raw body -> 201 {imported}: all of it, or nothing and a 400 naming
// the line or element at fault.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, query } from '../../../lib/http';
import type { ProcessParams } from '../../../lib/types';
import { gtKeys } from '../../../lib/api/groundTruth';

/** A run's parameters (the model's defaults where left out), and whether
 * the new boxes replace the earlier model-made ones. */
export type AutoGtParams = Pick<ProcessParams, 'model_id'> & Partial<Omit<ProcessParams, 'model_id'>> & { replace?: boolean };

export function startAutoGroundTruth(videoId: number, p: AutoGtParams): Promise<{ task_id: number; run_id: number }> {
  return api(`/api/videos/${videoId}/auto-ground-truth`, { method: 'POST', body: { ...p } });
}

/** onStarted: the task is queued (its run is one of the video's runs,
 * which the page that lists them refreshes). */
export function useAutoGroundTruth(videoId: number, onStarted: () => void) {
  return useMutation({
    mutationFn: (p: AutoGtParams) => startAutoGroundTruth(videoId, p),
    onSuccess: onStarted,
  });
}

export const GT_FORMATS = [
  { id: 'avp', label: 'AVP JSON' },
  { id: 'coco', label: 'COCO' },
  { id: 'cvat', label: 'CVAT video' },
  { id: 'mot', label: 'MOTChallenge' },
  { id: 'yolo', label: 'YOLO (tar)' },
  { id: 'voc', label: 'Pascal VOC (tar)' },
] as const;

/** The file's name goes along: the ground truth remembers where it came from. */
export function importGroundTruth(videoId: number, format: string, file: File): Promise<{ imported: number }> {
  return api(`/api/videos/${videoId}/ground-truth/import` + query({ format, file: file.name }), { file });
}

export function useImportGroundTruth(videoId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { format: string; file: File }) => importGroundTruth(videoId, a.format, a.file),
    onSuccess: () => qc.invalidateQueries({ queryKey: gtKeys.video(videoId) }),
  });
}

export const groundTruthExportUrl = (videoId: number, format: string) =>
  `/api/videos/${videoId}/ground-truth/export` + query({ format });
