// EventsList.tsx - the events a device posted, oldest first in video time,
// a page of 100 at a time. While everything posted fits on the loaded
// page, a new count (pushed with the live results) reloads it; beyond
// that the list says how many arrived since and "Refresh" reloads.
import { useEffect, useEffectEvent } from 'react';
import { EVENTS_PAGE, useTestSessionEvents } from '../api/testSessionEvents';
import { Empty, ErrorState, Loading } from '../../../components/States';
import { formatDuration, formatNumber } from '../../../lib/format';

export function EventsList({ testSessionId, total }: { testSessionId: number; total: number | null }) {
  const events = useTestSessionEvents(testSessionId);
  const items = events.data?.pages.flatMap((p) => p.items) ?? [];
  const loaded = items.length;
  const onePage = (events.data?.pages.length ?? 0) <= 1;
  const { refetch } = events;
  // Only a new total asks again; the loaded count follows from it.
  const onTotal = useEffectEvent((n: number | null) => {
    if (n != null && n !== loaded && onePage && loaded < EVENTS_PAGE) void refetch();
  });
  useEffect(() => onTotal(total), [total]);
  const unseen = total != null && total > loaded && !events.hasNextPage ? total - loaded : 0;
  return (
    <section className="card" aria-labelledby="events-title">
      <div className="card-head">
        <h2 id="events-title">Events{total != null && <span className="muted small"> ({formatNumber(total)})</span>}</h2>
        {unseen > 0 && <span className="muted small" role="status">{formatNumber(unseen)} new</span>}
        <button type="button" className="btn btn-small" disabled={events.isFetching} onClick={() => events.refetch()}>Refresh</button>
      </div>
      {events.isPending ? <Loading label="Loading events…" /> : events.isError ? (
        <ErrorState error={events.error} what="Session events" retry={() => events.refetch()} />
      ) : !items.length ? (
        <Empty title="No events yet">Devices post them to POST /api/test-sessions/{testSessionId}/events (or run avp device simulate).</Empty>
      ) : (
        <>
          <div className="table-scroll">
            <table className="table">
              <thead><tr><th scope="col">Video time</th><th scope="col">Class</th><th scope="col">Confidence</th><th scope="col">Box</th><th scope="col">Device time</th></tr></thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id}>
                    <td className="num">{formatDuration(e.timestamp, 3)}</td>
                    <td>{e.class}</td>
                    <td className="num">{e.confidence == null ? '—' : e.confidence.toFixed(2)}</td>
                    <td className="num small">{e.box ? e.box.map((v) => Math.round(v)).join(', ') : '—'}</td>
                    <td className="num small">{e.device_time == null ? '—' : new Date(e.device_time * 1000).toISOString().slice(11, 23)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {events.hasNextPage && (
            <button type="button" className="btn load-more" disabled={events.isFetchingNextPage} onClick={() => events.fetchNextPage()}>
              {events.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      )}
    </section>
  );
}
