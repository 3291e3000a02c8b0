// types.ts - the video endpoints' query keys and URLs (the video itself is
// lib/types' Video: the player and test sessions read it too).

export const videoKeys = {
  all: ['videos'] as const,
  list: (projectId: number) => [...videoKeys.all, 'list', projectId] as const,
  detail: (id: number) => [...videoKeys.all, 'detail', id] as const,
};

export const videoStreamUrl = (id: number) => `/api/videos/${id}/stream`;
export const videoThumbnailUrl = (id: number) => `/api/videos/${id}/thumbnail`;
