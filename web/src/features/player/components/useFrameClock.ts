// useFrameClock - the media time of the frame on screen. With
// requestVideoFrameCallback it is the exact presented frame's mediaTime;
// otherwise timeupdate/seeked plus requestAnimationFrame while playing.
import { useEffect, useState, type RefObject } from 'react';

type RvfcVideo = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: (now: number, meta: { mediaTime: number }) => void) => number;
  cancelVideoFrameCallback?: (id: number) => void;
};

export function useFrameClock(ref: RefObject<HTMLVideoElement | null>): number {
  const [t, setT] = useState(0);
  useEffect(() => {
    const v = ref.current as RvfcVideo | null;
    if (!v) return;
    let handle = 0;
    let raf = 0;
    if (v.requestVideoFrameCallback) {
      const onFrame = (_now: number, meta: { mediaTime: number }) => {
        setT(meta.mediaTime);
        handle = v.requestVideoFrameCallback!(onFrame);
      };
      handle = v.requestVideoFrameCallback(onFrame);
      // A paused seek presents a frame too, but be safe for the first one.
      const onSeeked = () => setT(v.currentTime);
      v.addEventListener('seeked', onSeeked);
      return () => {
        v.cancelVideoFrameCallback?.(handle);
        v.removeEventListener('seeked', onSeeked);
      };
    }
    const tick = () => {
      setT(v.currentTime);
      if (!v.paused) raf = requestAnimationFrame(tick);
    };
    const events = ['timeupdate', 'seeked', 'play', 'loadeddata'];
    events.forEach((e) => v.addEventListener(e, tick));
    return () => {
      cancelAnimationFrame(raf);
      events.forEach((e) => v.removeEventListener(e, tick));
    };
  }, [ref]);
  return t;
}
