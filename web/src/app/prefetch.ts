// prefetch.ts - on the first load, the data of the page a visit starts on
// is requested before React renders, in parallel with the page's chunk.
// Otherwise the requests would start only after the chunk arrived and the
// first tree committed (queries start in effects): measured ~60-90 ms of
// waiting on every first render (bench/web). Each entry fills exactly the
// query keys the page's hooks use, so the page finds its data in the
// cache; a key that differed would merely fetch twice.
import type { QueryClient } from '@tanstack/react-query';
import { matchPath } from 'react-router';
import type { Page } from '../lib/http';
import { listModels, modelKeys } from '../lib/api/models';
import { detectionKeys, listDetections } from '../lib/api/detections';
import { getMe, meKeys } from '../features/auth/api/me';
import { listProjects } from '../features/projects/api/projects';
import { getProject } from '../features/projects/api/project';
import { projectKeys } from '../features/projects/api/types';
import { listVideos } from '../features/videos/api/videos';
import { getVideo } from '../features/videos/api/video';
import { videoKeys } from '../features/videos/api/types';
import { getRun } from '../features/runs/api/run';
import { listRuns } from '../features/runs/api/runs';
import { runKeys } from '../features/runs/api/types';
import { filterFromParams } from '../features/detections/api/filterParams';
import { fetchWindow, WINDOW_SECONDS } from '../features/player/api/detectionWindow';
import { getEvaluation } from '../features/results/api/evaluation';
import { getFrameOutcomes } from '../features/results/api/frameOutcomes';
import { resultKeys } from '../features/results/api/types';
import { getTestSession } from '../features/testSessions/api/testSession';
import { getTestSessionResults } from '../features/testSessions/api/testSessionResults';
import { testSessionKeys } from '../features/testSessions/api/types';

type Params = Record<string, string | undefined>;
type Prefetch = (qc: QueryClient, p: Params, search: URLSearchParams) => void;

const num = (s: string | undefined) => Number(s) || 0;

/** The first page of a keyset list (the page's infinite query). */
function firstPage<T>(qc: QueryClient, queryKey: readonly unknown[], list: (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>) {
  void qc.prefetchInfiniteQuery({
    queryKey, initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => list(pageParam as string | null, signal),
    getNextPageParam: (last: Page<T>) => last.next_cursor ?? undefined,
  });
}

function run(qc: QueryClient, id: number) {
  void qc.prefetchQuery({ queryKey: modelKeys.all, queryFn: ({ signal }) => listModels(signal) });
  return qc.fetchQuery({ queryKey: runKeys.detail(id), queryFn: ({ signal }) => getRun(id, signal) });
}

function video(qc: QueryClient, id: number) {
  return qc.fetchQuery({ queryKey: videoKeys.detail(id), queryFn: ({ signal }) => getVideo(id, signal) });
}

const ROUTES: { path: string; prefetch: Prefetch }[] = [
  { path: '/', prefetch: (qc) => firstPage(qc, projectKeys.lists(), listProjects) },
  { path: '/projects/:projectId', prefetch: (qc, p) => {
    const id = num(p.projectId);
    void qc.prefetchQuery({ queryKey: projectKeys.detail(id), queryFn: ({ signal }) => getProject(id, signal) });
    firstPage(qc, videoKeys.list(id), (c, signal) => listVideos(id, c, signal));
  } },
  { path: '/videos/:videoId', prefetch: (qc, p) => {
    const id = num(p.videoId);
    void video(qc, id).catch(() => undefined);
    firstPage(qc, runKeys.byVideo(id), (c, signal) => listRuns(id, c, signal));
  } },
  { path: '/runs/:runId/detections', prefetch: (qc, p, search) => {
    const id = num(p.runId);
    const f = filterFromParams(search);
    void run(qc, id).catch(() => undefined);
    firstPage(qc, detectionKeys.list(id, f), (c, signal) => listDetections(id, f, c, undefined, signal));
  } },
  { path: '/runs/:runId/player', prefetch: (qc, p, search) => {
    const id = num(p.runId);
    // The clock starts at 0 and then seeks to ?t=: both windows are needed.
    const tw = Math.max(0, Math.floor((Number(search.get('t')) || 0) / WINDOW_SECONDS) * WINDOW_SECONDS);
    void run(qc, id).then((r) => video(qc, r.video_id)).catch(() => undefined);
    for (const t0 of new Set([0, tw])) {
      void qc.prefetchQuery({ queryKey: detectionKeys.window(id, t0, t0 + WINDOW_SECONDS), staleTime: Infinity,
        queryFn: ({ signal }) => fetchWindow(id, t0, t0 + WINDOW_SECONDS, signal) });
    }
    void qc.prefetchQuery({ queryKey: resultKeys.frames(id), queryFn: ({ signal }) => getFrameOutcomes(id, signal) });
  } },
  { path: '/runs/:runId/results', prefetch: (qc, p) => {
    const id = num(p.runId);
    void run(qc, id).then((r) => video(qc, r.video_id)).catch(() => undefined);
    void qc.prefetchQuery({ queryKey: resultKeys.evaluation(id), queryFn: ({ signal }) => getEvaluation(id, signal) });
  } },
  { path: '/test-sessions/:testSessionId', prefetch: (qc, p) => {
    const id = num(p.testSessionId);
    void qc.prefetchQuery({ queryKey: testSessionKeys.detail(id), queryFn: ({ signal }) => getTestSession(id, signal) });
    void qc.prefetchQuery({ queryKey: testSessionKeys.results(id), queryFn: ({ signal }) => getTestSessionResults(id, signal) });
  } },
];

/** Starts the requests of the page at loc (and the session check). */
export function prefetchFor(qc: QueryClient, loc: { pathname: string; search: string }): void {
  if (loc.pathname === '/login') return;
  void qc.prefetchQuery({ queryKey: meKeys.all, queryFn: getMe, staleTime: 5 * 60_000 });
  for (const r of ROUTES) {
    const m = matchPath(r.path, loc.pathname);
    if (m) return r.prefetch(qc, m.params, new URLSearchParams(loc.search));
  }
}
