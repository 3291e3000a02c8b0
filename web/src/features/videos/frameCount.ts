// frameCount.ts - a video's frame count in words: the server replies to an
// upload before it has counted the frames and serves the container's
// estimate meanwhile (frame_count_exact false), which must not read as a
// count.
import { formatNumber } from '../../lib/format';
import type { Video } from '../../lib/types';

export function frameCountText(v: Pick<Video, 'frame_count' | 'frame_count_exact'>): string {
  const n = formatNumber(v.frame_count);
  return v.frame_count_exact === false && v.frame_count != null ? `about ${n}` : n;
}
