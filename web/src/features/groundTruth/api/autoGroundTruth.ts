// POST /api/videos/{id}/auto-ground-truth {model_id, conf?, iou?, every?,
// replace?} -> 202 {task_id, run_id}: a detect task whose detections become
// the video's model-made ground truth (linked into tracks) when it ends.
// Progress comes over WS /ws/progress/{task_id} like any run.
// GET /api/videos/{id}/ground-truth/export?format=... downloads the video's
// ground truth (yolo and voc, one file per frame, as a tar archive);
// POST /api/videos/{id}/ground-truth/import?format=... takes such a file
// (or a .zip/.tar/.tar.gz holding it) as the raw body -> 201 {imported,
// report}: all of it, or nothing and a 400 naming the line or element at
// fault; with dry_run=1 -> 200 {dry_run, imported: 0, report}, nothing
// written.
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
  { id: 'datumaro', label: 'Datumaro' },
  { id: 'mot', label: 'MOTChallenge' },
  { id: 'yolo', label: 'YOLO (tar)' },
  { id: 'voc', label: 'Pascal VOC (tar)' },
] as const;

/** What a file held (src/api/gt_io.c report_json): frames annotated
 * (empty ones too), boxes, tracks, and by kind what was not taken as a
 * plain box or was kept with a change. */
export interface ImportReport {
  frames: number;
  boxes: number;
  tracks: number;
  notes: Record<string, number>;
}

export interface ImportResult {
  dry_run?: boolean;
  imported: number;
  report?: ImportReport;
}

/** The file's name goes along: the ground truth remembers where it came
 * from. A dry run writes nothing and answers what an import would. */
export function importGroundTruth(videoId: number, format: string, file: File, dryRun = false): Promise<ImportResult> {
  return api(`/api/videos/${videoId}/ground-truth/import` + query({ format, file: file.name, dry_run: dryRun ? 1 : null }), { file });
}

export function useImportGroundTruth(videoId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { format: string; file: File; dryRun?: boolean }) => importGroundTruth(videoId, a.format, a.file, a.dryRun),
    onSuccess: (_r, a) => { if (!a.dryRun) void qc.invalidateQueries({ queryKey: gtKeys.video(videoId) }); },
  });
}

export const groundTruthExportUrl = (videoId: number, format: string) =>
  `/api/videos/${videoId}/ground-truth/export` + query({ format });
