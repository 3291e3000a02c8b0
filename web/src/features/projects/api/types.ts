// types.ts - what the project endpoints take, and their query keys (the
// project itself is lib/types' Project: test sessions and results read it).
import type { Project } from '../../../lib/types';

export type ProjectInput = Partial<Omit<Project, 'id' | 'created_at' | 'updated_at'>> & { name: string };

export const projectKeys = {
  all: ['projects'] as const,
  lists: () => [...projectKeys.all, 'list'] as const,
  detail: (id: number) => [...projectKeys.all, 'detail', id] as const,
  members: (id: number) => [...projectKeys.all, 'detail', id, 'members'] as const,
};
