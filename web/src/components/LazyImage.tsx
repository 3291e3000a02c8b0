// LazyImage.tsx - a thumbnail fetched only when it scrolls into view
// (native lazy loading), with a neutral box while it loads or if it fails.
import { useState } from 'react';

export function LazyImage({ src, alt, width, height }: { src: string; alt: string; width: number; height: number }) {
  const [failed, setFailed] = useState(false);
  if (failed) return <div className="thumb thumb-missing" style={{ width, height }} aria-label={alt} role="img" />;
  return (
    <img className="thumb" src={src} alt={alt} width={width} height={height} loading="lazy" decoding="async"
      onError={() => setFailed(true)} />
  );
}
