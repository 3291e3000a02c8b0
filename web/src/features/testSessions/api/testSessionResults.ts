// GET /api/test-sessions/{id}/results and WS /ws/test-sessions/{id}: the
// session scored now. The socket sends the current results on connect and
// again after every accepted events POST (at most one push per 250 ms);
// each push replaces the cached results, so every view of them is live.
// When the socket cannot open or drops, the results endpoint is polled.
import { useEffect, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { testSessionKeys, type TestSessionResults } from './types';

export const POLL_MS = 2000;

export const getTestSessionResults = (id: number, signal?: AbortSignal) =>
  api<TestSessionResults>(`/api/test-sessions/${id}/results`, { signal });

export const testSessionSocketUrl = (id: number, loc: Location = window.location) =>
  `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws/test-sessions/${id}`;

export type Transport = 'connecting' | 'websocket' | 'polling';

/** A pushed message: the results object itself (or wrapped in {results}). */
function parsePush(data: unknown): TestSessionResults | null {
  try {
    const m = JSON.parse(String(data)) as Partial<TestSessionResults> & { results?: TestSessionResults };
    const r = m && typeof m === 'object' && 'tp' in m ? (m as TestSessionResults) : m?.results;
    return r && typeof r === 'object' && 'tp' in r ? r : null;
  } catch {
    return null;
  }
}

export function useTestSessionResults(id: number, live = true) {
  const qc = useQueryClient();
  const [transport, setTransport] = useState<Transport>('connecting');
  const [polling, setPolling] = useState(false);
  const results = useQuery({
    queryKey: testSessionKeys.results(id),
    queryFn: ({ signal }) => getTestSessionResults(id, signal),
    enabled: id > 0,
    retry: false,
    refetchInterval: live && polling ? POLL_MS : false,
  });

  useEffect(() => {
    if (!live || id <= 0 || typeof WebSocket === 'undefined') return;
    let stopped = false;
    const ws = new WebSocket(testSessionSocketUrl(id));
    setTransport('connecting');
    setPolling(false);
    ws.onopen = () => setTransport('websocket');
    ws.onmessage = (ev) => {
      const r = parsePush(ev.data);
      if (!r || stopped) return;
      qc.setQueryData(testSessionKeys.results(id), r);
      // The count of events moved; the list refreshes when next shown.
      void qc.invalidateQueries({ queryKey: testSessionKeys.events(id), refetchType: 'none' });
    };
    ws.onclose = () => {
      if (stopped) return;
      setTransport('polling');
      setPolling(true);
    };
    return () => {
      stopped = true;
      ws.onclose = null;
      ws.close();
    };
  }, [id, live, qc]);

  return { results, transport: live ? transport : ('polling' as Transport) };
}
