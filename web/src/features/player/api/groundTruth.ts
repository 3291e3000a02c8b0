// Ground truth of a video (issue 4). Designed here ahead of the server:
//   GET    /api/videos/{id}/ground-truth?t0=&t1=&cursor=&limit=  -> {items, next_cursor}
//   POST   /api/videos/{id}/ground-truth {frame, t, class, x1, y1, x2, y2} -> 201 box
//   PATCH  /api/ground-truth/{box_id} {x1, y1, x2, y2, class, validated}
//   DELETE /api/ground-truth/{box_id}
// Every change is audited by the server; the UI only invalidates the video.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, query, type Page } from '../../../lib/http';

export interface GtBox {
  id: number;
  frame: number;
  t: number;
  class: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  track_id?: number | null;
  validated: boolean;
  difficult?: boolean;
  occluded?: boolean;
  truncated?: boolean;
  source: 'model' | 'human' | 'import';
}

export type GtInput = Pick<GtBox, 'frame' | 't' | 'class' | 'x1' | 'y1' | 'x2' | 'y2'>;
export type GtPatch = Partial<Pick<GtBox, 'x1' | 'y1' | 'x2' | 'y2' | 'class' | 'validated'>>;

export const gtKeys = {
  all: ['ground-truth'] as const,
  video: (videoId: number) => [...gtKeys.all, videoId] as const,
  window: (videoId: number, t0: number, t1: number) => [...gtKeys.video(videoId), t0, t1] as const,
};

export async function listGroundTruth(videoId: number, t0: number, t1: number, signal?: AbortSignal): Promise<GtBox[]> {
  const rows: GtBox[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<GtBox> = await api<Page<GtBox>>(`/api/videos/${videoId}/ground-truth` +
      query({ t0, t1, cursor, limit: 1000 }), { signal });
    rows.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return rows;
}

export const addGroundTruth = (videoId: number, b: GtInput) =>
  api<GtBox>(`/api/videos/${videoId}/ground-truth`, { method: 'POST', body: { ...b } });
export const patchGroundTruth = (id: number, p: GtPatch) =>
  api<GtBox>(`/api/ground-truth/${id}`, { method: 'PATCH', body: { ...p } });
export const deleteGroundTruth = (id: number) => api<void>(`/api/ground-truth/${id}`, { method: 'DELETE' });

export function useGroundTruthWindow(videoId: number, t0: number, t1: number) {
  return useQuery({
    queryKey: gtKeys.window(videoId, t0, t1),
    queryFn: ({ signal }) => listGroundTruth(videoId, t0, t1, signal),
    enabled: videoId > 0,
    placeholderData: (prev) => prev,
    retry: false,
  });
}

export function useGroundTruthEdits(videoId: number) {
  const qc = useQueryClient();
  const onSuccess = () => qc.invalidateQueries({ queryKey: gtKeys.video(videoId) });
  return {
    add: useMutation({ mutationFn: (b: GtInput) => addGroundTruth(videoId, b), onSuccess }),
    patch: useMutation({ mutationFn: (a: { id: number; patch: GtPatch }) => patchGroundTruth(a.id, a.patch), onSuccess }),
    remove: useMutation({ mutationFn: deleteGroundTruth, onSuccess }),
  };
}
