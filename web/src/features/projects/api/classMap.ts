// GET|PUT /api/projects/{id}/class-map - which model or device class counts
// as which ground-truth class in this project's metrics: {"map":{from:to}}.
// With a non-empty map, classes that are neither a "from" nor a "to" are
// left out of the metrics; an empty map scores every class as itself.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { projectKeys } from './types';

export type ClassMap = Record<string, string>;

export const MAX_CLASS_NAME = 128;
export const MAX_CLASS_ENTRIES = 1000;

export const classMapKey = (projectId: number) => [...projectKeys.detail(projectId), 'class-map'] as const;

export async function getClassMap(projectId: number, signal?: AbortSignal): Promise<ClassMap> {
  return (await api<{ map: ClassMap }>(`/api/projects/${projectId}/class-map`, { signal })).map;
}

export async function putClassMap(projectId: number, map: ClassMap): Promise<ClassMap> {
  const r = await api<{ map?: ClassMap } & ClassMap>(`/api/projects/${projectId}/class-map`, { method: 'PUT', body: { map } });
  // The contract answers with the new map; accept it bare or wrapped.
  return (r && typeof r.map === 'object' ? r.map : r) as ClassMap;
}

/** The problem with a list of (from, to) rows, or null when it can be saved. */
export function classMapProblem(rows: readonly { from: string; to: string }[]): string | null {
  const seen = new Set<string>();
  if (rows.length > MAX_CLASS_ENTRIES) return `at most ${MAX_CLASS_ENTRIES} entries`;
  for (const [i, r] of rows.entries()) {
    const from = r.from.trim();
    const to = r.to.trim();
    if (!from || !to) return `row ${i + 1}: both classes are needed`;
    if (from.length > MAX_CLASS_NAME || to.length > MAX_CLASS_NAME) return `row ${i + 1}: class names are at most ${MAX_CLASS_NAME} characters`;
    if (seen.has(from)) return `"${from}" is mapped twice`;
    seen.add(from);
  }
  return null;
}

export function useClassMap(projectId: number) {
  return useQuery({
    queryKey: classMapKey(projectId),
    queryFn: ({ signal }) => getClassMap(projectId, signal),
    enabled: projectId > 0,
    retry: false,
  });
}

export function usePutClassMap(projectId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (map: ClassMap) => putClassMap(projectId, map),
    onSuccess: (map) => qc.setQueryData(classMapKey(projectId), map),
  });
}
