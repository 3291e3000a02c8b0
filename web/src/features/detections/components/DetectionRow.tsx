// DetectionRow.tsx - one detection: a crop of its frame (loaded through
// the thumbnail queue once scrolling pauses), class, score, time, box;
// opens the player at that frame.
import { memo } from 'react';
import { Link } from 'react-router';
import { classColorOnPanel as classColor, className } from '../../../lib/classes';
import { formatDuration } from '../../../lib/format';
import { useThumbnail } from '../../../lib/thumbnails';
import { frameThumbnailUrl, type Detection } from '../../../lib/api/detections';

interface Props {
  d: Detection;
  runId: number;
  videoId: number | null;
  frameSize: { w: number; h: number } | null;
  classNames: readonly string[] | null;
  thumbnail: boolean;
}

const THUMB = { w: 64, h: 48 };

/** CSS that shows the box region of a frame thumbnail, scaled to fit. */
export function cropStyle(d: Detection, frame: { w: number; h: number }, url: string) {
  const bw = Math.max(1, d.x2 - d.x1);
  const bh = Math.max(1, d.y2 - d.y1);
  const k = Math.min(THUMB.w / bw, THUMB.h / bh);
  const ox = (THUMB.w - bw * k) / 2 - d.x1 * k;
  const oy = (THUMB.h - bh * k) / 2 - d.y1 * k;
  return {
    backgroundImage: `url("${url}")`,
    backgroundSize: `${frame.w * k}px ${frame.h * k}px`,
    backgroundPosition: `${ox}px ${oy}px`,
  };
}

export const DetectionRow = memo(function DetectionRow({ d, runId, videoId, frameSize, classNames, thumbnail }: Props) {
  const name = className(d.class_id, classNames);
  const color = classColor(name);
  const image = useThumbnail(videoId && frameSize && thumbnail ? frameThumbnailUrl(videoId, d.frame) : null);
  return (
    // The link's name is its visible text (WCAG 2.5.3: a voice user says
    // what they see), the hidden words make it read as a sentence.
    // Out of the Tab order: the list is one stop, arrows move within it.
    <Link className="det-row" tabIndex={-1} to={`/runs/${runId}/player?t=${d.t.toFixed(3)}&frame=${d.frame}`}>
      {image && frameSize ? <span className="det-thumb" style={cropStyle(d, frameSize, image)} /> : <span className="det-thumb" />}
      <span className="num"><span className="sr-only">frame</span>{' '}#{d.frame}</span>{' '}
      <span className="num"><span className="sr-only">at</span>{' '}{formatDuration(d.t, 2)}</span>{' '}
      <span className="det-class"><span className="swatch" style={{ background: color }} />{name}</span>{' '}
      <span className="det-score">
        <span className="scorebar"><span style={{ width: `${d.score * 100}%`, background: color }} /></span>
        <span className="sr-only">score</span>{' '}<span className="num">{d.score.toFixed(3)}</span>
      </span>{' '}
      <span className="num muted small"><span className="sr-only">box</span>{' '}{Math.round(d.x1)},{Math.round(d.y1)} – {Math.round(d.x2)},{Math.round(d.y2)}</span>
    </Link>
  );
});
