// types.ts - a video as the server returns it (the videos table).

export interface Video {
  id: number;
  project_id: number;
  filename: string;
  size_bytes: number;
  duration: number | null;
  fps: number | null;
  width: number | null;
  height: number | null;
  frame_count: number | null;
  codec: string | null;
  sha256: string | null;
  status: 'uploading' | 'ready' | 'failed' | 'deleting';
  created_at: string;
}

export const videoKeys = {
  all: ['videos'] as const,
  list: (projectId: number) => [...videoKeys.all, 'list', projectId] as const,
  detail: (id: number) => [...videoKeys.all, 'detail', id] as const,
};

export const videoStreamUrl = (id: number) => `/api/videos/${id}/stream`;
export const videoThumbnailUrl = (id: number) => `/api/videos/${id}/thumbnail`;
