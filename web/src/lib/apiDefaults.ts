// apiDefaults.ts - GET /api/openapi.json: the detection defaults the server
// publishes in its API document (a run's confidence and NMS IoU, the
// evaluation's score threshold), so the forms start where the server would
// and the numbers live in one place. The document changes only with the
// server, so it is read once a visit.
import { useQuery } from '@tanstack/react-query';
import { api } from './http';

export interface ApiDefaults {
  conf: number;
  iou: number;
  scoreThreshold: number;
}

interface BodySchema {
  properties?: Record<string, { default?: unknown }>;
}

interface OpenApiDocument {
  paths?: Record<string, { post?: { requestBody?: { content?: Record<string, { schema?: BodySchema }> } } }>;
}

const PROCESS = '/api/videos/{id}/process';
const EVALUATE = '/api/runs/{id}/evaluate';

/** The default of a JSON body field of a POST route; a server that does
 * not publish it is an error, not a silent guess. */
function bodyDefault(doc: OpenApiDocument, path: string, field: string): number {
  const schema = doc.paths?.[path]?.post?.requestBody?.content?.['application/json']?.schema;
  const value = schema?.properties?.[field]?.default;
  if (typeof value !== 'number') throw new Error(`the server's API document gives no default ${field} for POST ${path}`);
  return value;
}

export async function getApiDefaults(signal?: AbortSignal): Promise<ApiDefaults> {
  const doc = await api<OpenApiDocument>('/api/openapi.json', { signal });
  return {
    conf: bodyDefault(doc, PROCESS, 'conf'),
    iou: bodyDefault(doc, PROCESS, 'iou'),
    scoreThreshold: bodyDefault(doc, EVALUATE, 'score_threshold'),
  };
}

export const apiDefaultsKeys = { all: ['api-defaults'] as const };

export function useApiDefaults() {
  return useQuery({
    queryKey: apiDefaultsKeys.all,
    queryFn: ({ signal }) => getApiDefaults(signal),
    staleTime: Infinity,
    gcTime: Infinity,
  });
}
