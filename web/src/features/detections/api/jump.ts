// jump.ts - "go to" in the detections list: a frame number ("1200",
// "#1200", "frame 1200") or a time ("75.5s", "1:15.5", "0:01:15"), as the
// time the list starts at (its From filter: the server walks its index
// from there, so a jump costs the same at row 10 or row 1,000,000).

/** Seconds for text at fps, or null when it is neither a frame nor a time. */
export function parseJump(text: string, fps: number): number | null {
  const s = text.trim().toLowerCase();
  const frame = /^(?:frame\s*|#)?(\d+)$/.exec(s);
  if (frame) return fps > 0 ? Number(frame[1]) / fps : null;
  const secs = /^(\d+(?:\.\d+)?)\s*s$/.exec(s);
  if (secs) return Number(secs[1]);
  const clock = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(s);
  if (clock) {
    const [h, m, sec] = [Number(clock[1] ?? 0), Number(clock[2]), Number(clock[3])];
    return m < 60 && sec < 60 ? h * 3600 + m * 60 + sec : null;
  }
  return null;
}
