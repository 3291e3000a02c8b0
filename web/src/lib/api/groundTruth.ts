// Ground truth of a video (issue 4, src/server/routes_gt.c):
//   GET    /api/videos/{id}/ground-truth?t0=&t1=&cursor=&limit=  -> {items, next_cursor}
//   POST   /api/videos/{id}/ground-truth {frame, t, class, x1, y1, x2, y2} -> 201 box
//   PATCH  /api/ground-truth/{box_id} {x1, y1, x2, y2, class, validated, difficult, occluded, truncated}
//   DELETE /api/ground-truth/{box_id}
// Every change is audited by the server. The player shows and edits the
// boxes, the ground-truth card imports them: both features read these
// keys, so the endpoint is lib's.
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, query, type Page } from '../http';

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
export type GtPatch = Partial<Pick<GtBox, 'x1' | 'y1' | 'x2' | 'y2' | 'class' | 'validated' | 'difficult' | 'occluded' | 'truncated'>>;

export const gtKeys = {
  all: ['ground-truth'] as const,
  /** Everything derived from the video's ground truth (windows, whether it
   * has any, the player's timeline): what an edit or an import refreshes. */
  video: (videoId: number) => [...gtKeys.all, videoId] as const,
  windows: (videoId: number) => [...gtKeys.video(videoId), 'window'] as const,
  window: (videoId: number, t0: number, t1: number) => [...gtKeys.windows(videoId), t0, t1] as const,
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

/** Applies fn to every cached window of the video's ground truth. */
function updateWindows(qc: QueryClient, videoId: number, fn: (rows: GtBox[], key: readonly unknown[]) => GtBox[]) {
  for (const [key, rows] of qc.getQueriesData<GtBox[]>({ queryKey: gtKeys.windows(videoId) })) {
    if (rows) qc.setQueryData<GtBox[]>(key, fn(rows, key));
  }
}

/** Edits show at once (optimistic): the cached windows change before the
 * request leaves and are put back as they were if the server refuses; the
 * video's windows are refetched either way so ids and audit fields are the
 * server's. A box being added has a negative id until the server answers. */
export function useGroundTruthEdits(videoId: number) {
  const qc = useQueryClient();
  const optimistic = <V,>(change: (v: V) => (rows: GtBox[], key: readonly unknown[]) => GtBox[]) => ({
    onMutate: async (v: V) => {
      await qc.cancelQueries({ queryKey: gtKeys.video(videoId) });
      const before = qc.getQueriesData<GtBox[]>({ queryKey: gtKeys.windows(videoId) });
      updateWindows(qc, videoId, change(v));
      return { before };
    },
    onError: (_e: Error, _v: V, ctx: { before: [readonly unknown[], GtBox[] | undefined][] } | undefined) => {
      for (const [key, rows] of ctx?.before ?? []) qc.setQueryData(key, rows);
    },
    onSettled: () => qc.invalidateQueries({ queryKey: gtKeys.video(videoId) }),
  });
  return {
    add: useMutation({
      mutationFn: (b: GtInput) => addGroundTruth(videoId, b),
      ...optimistic((b: GtInput) => (rows, key) => {
        const [t0, t1] = key.slice(-2) as number[];
        return b.t >= t0 && b.t < t1 ? [...rows, { ...b, id: -Date.now(), validated: false, source: 'human' }] : rows;
      }),
    }),
    patch: useMutation({
      mutationFn: (a: { id: number; patch: GtPatch }) => patchGroundTruth(a.id, a.patch),
      ...optimistic((a: { id: number; patch: GtPatch }) => (rows) => rows.map((g) => (g.id === a.id ? { ...g, ...a.patch } : g))),
    }),
    remove: useMutation({
      mutationFn: deleteGroundTruth,
      ...optimistic((id: number) => (rows) => rows.filter((g) => g.id !== id)),
    }),
  };
}
