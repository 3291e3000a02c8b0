// GET /api/videos/{id}/frame-times - each frame's presentation time as
// AVP decoded it (little-endian float64 seconds), so the player's frame
// index is AVP's on variable-frame-rate video too; null (204) until a run
// has decoded the video whole, and the player falls back to the average
// rate. The server's ETag makes a refetch cheap.
import { useQuery } from '@tanstack/react-query';
import { errorFrom } from '../../../lib/http';

export async function fetchFrameTimes(videoId: number, signal?: AbortSignal): Promise<Float64Array | null> {
  const res = await fetch(`/api/videos/${videoId}/frame-times`, { credentials: 'same-origin', signal });
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return null;
  const buf = await res.arrayBuffer();
  const view = new DataView(buf);
  const times = new Float64Array(Math.floor(buf.byteLength / 8));
  for (let k = 0; k < times.length; k++) times[k] = view.getFloat64(8 * k, true);
  return times;
}

export function useFrameTimes(videoId: number) {
  return useQuery({
    queryKey: ['videos', videoId, 'frame-times'],
    queryFn: ({ signal }) => fetchFrameTimes(videoId, signal),
    staleTime: 60_000,
  });
}
