// types.ts - a project as the server returns it (the projects table).

export interface Criteria {
  min_precision?: number;
  min_recall?: number;
  max_median_latency_ms?: number;
}

export interface Project {
  id: number;
  name: string;
  description: string;
  camera_model: string;
  camera_view: string;
  lens_type: string;
  resolution: string;
  frame_rate: number | null;
  signal_type: string;
  tolerance_ms?: number;
  criteria?: Criteria;
  created_at: string;
  updated_at?: string;
}

export type ProjectInput = Partial<Omit<Project, 'id' | 'created_at' | 'updated_at'>> & { name: string };

export const projectKeys = {
  all: ['projects'] as const,
  lists: () => [...projectKeys.all, 'list'] as const,
  detail: (id: number) => [...projectKeys.all, 'detail', id] as const,
  members: (id: number) => [...projectKeys.all, 'detail', id, 'members'] as const,
};
