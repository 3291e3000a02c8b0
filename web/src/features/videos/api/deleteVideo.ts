// DELETE /api/videos/{id}
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { videoKeys } from './types';

export function deleteVideo(id: number): Promise<void> {
  return api<void>(`/api/videos/${id}`, { method: 'DELETE' });
}

export function useDeleteVideo() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: deleteVideo, onSuccess: () => qc.invalidateQueries({ queryKey: videoKeys.all }) });
}
