// POST /api/videos/{video_id}/process {model_id, conf, iou, every} -> 202 {task_id}
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { runKeys } from './types';
import type { ProcessParams } from '../../../lib/types';

export function processVideo(videoId: number, p: ProcessParams): Promise<{ task_id: number; run_id?: number }> {
  return api(`/api/videos/${videoId}/process`, { method: 'POST', body: { ...p } });
}

export function useProcessVideo(videoId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: ProcessParams) => processVideo(videoId, p),
    onSuccess: () => qc.invalidateQueries({ queryKey: runKeys.byVideo(videoId) }),
  });
}
