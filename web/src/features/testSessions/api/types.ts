// types.ts - device test sessions (issue 4): a device under test posts
// its detection events against a video with ground truth; the server
// scores them (device_score) with the project's class map and tolerance.
// Undefined numbers arrive as null, never NaN.
import type { Counts, Criteria } from '../../../lib/types';

/** The project's criteria, each of which a session may clear (null). */
export type TestSessionCriteria = { [K in keyof Criteria]?: Criteria[K] | null };

export type TestSessionState = 'open' | 'running' | 'closed';

export interface TestSession {
  id: number;
  project_id: number;
  video_id: number;
  name: string;
  tolerance_ms: number;
  criteria: TestSessionCriteria | null;
  sync_offset: number | null;
  state: TestSessionState;
  created_at: string;
  events_count: number;
}

export type TestSessionInput = Pick<TestSession, 'video_id'> & Partial<Pick<TestSession, 'name' | 'tolerance_ms'>> & {
  criteria?: TestSessionCriteria;
};

export interface TestSessionEvent {
  id: number;
  class: string;
  confidence?: number | null;
  box?: [number, number, number, number] | null;
  timestamp: number;
  device_time?: number | null;
}

export interface Latency {
  median: number | null;
  p90: number | null;
  p99: number | null;
  histogram: { edges: number[]; counts: number[] };
}

export interface TestSessionResults extends Counts {
  session_id: number;
  targets: number;
  events: number;
  precision_ci?: [number | null, number | null] | null;
  recall_ci?: [number | null, number | null] | null;
  latency_ms: Latency;
  classes?: (Counts & { class: string; latency_ms?: Partial<Latency> | null })[];
  criteria?: TestSessionCriteria | null;
  pass: boolean | null;
  fail_reason?: string | null;
}

export const testSessionKeys = {
  all: ['test-sessions'] as const,
  list: (projectId: number) => [...testSessionKeys.all, 'list', projectId] as const,
  detail: (id: number) => [...testSessionKeys.all, 'detail', id] as const,
  results: (id: number) => [...testSessionKeys.all, 'detail', id, 'results'] as const,
  events: (id: number) => [...testSessionKeys.all, 'detail', id, 'events'] as const,
};
