// IgnoreRegions.tsx - the video's ignore regions (evaluation rules: boxes
// mostly inside one count neither way) shaded over the player, and a
// polygon tool to draw more: click the corners on the video, finish, and
// the regions are saved to the video's rules. The overlay is an SVG whose
// viewBox is the displayed picture's pixels, letterboxed exactly as the
// video (object-fit: contain), so the points are in the coordinates the
// detections and the rules use.
import { useState } from 'react';
import { useSaveRegions, useVideoRules, type Point } from '../api/evaluationRules';
import { errorText } from '../../../lib/errorText';
import { containFit, toVideo } from './geometry';

interface Props {
  videoId: number;
  vw: number;
  vh: number;
  /** The stage element the overlay covers (clicks are read against it). */
  stage: React.RefObject<HTMLDivElement | null>;
}

const pts = (p: Point[]) => p.map(([x, y]) => `${x},${y}`).join(' ');

export function useIgnoreRegions({ videoId, vw, vh, stage }: Props) {
  const rules = useVideoRules(videoId);
  const save = useSaveRegions(videoId);
  const [draft, setDraft] = useState<Point[] | null>(null);
  const regions = rules.data?.rules?.ignore_regions ?? [];
  const store = (next: Point[][]) => save.mutate({ rules: rules.data?.rules ?? null, regions: next });

  const onClick = (e: React.MouseEvent) => {
    const r = stage.current?.getBoundingClientRect();
    if (!draft || !r) return;
    const p = toVideo(containFit(vw, vh, r.width, r.height), e.clientX - r.left, e.clientY - r.top);
    const clamp = (v: number, hi: number) => Math.round(Math.max(0, Math.min(hi, v)) * 10) / 10;
    setDraft([...draft, [clamp(p.x, vw), clamp(p.y, vh)]]);
  };

  const overlay = vw > 0 && vh > 0 && (regions.length > 0 || draft) ? (
    <svg className={draft ? 'regions drawing' : 'regions'} viewBox={`0 0 ${vw} ${vh}`} preserveAspectRatio="xMidYMid meet"
      data-testid="ignore-regions" data-regions={regions.length} onClick={onClick} aria-hidden="true">
      {regions.map((p, i) => <polygon key={i} className="region" points={pts(p)} />)}
      {draft && draft.length > 0 && <polyline className="region-draft" points={pts(draft)} />}
      {draft?.map(([x, y], i) => <circle key={i} className="region-point" cx={x} cy={y} r={Math.max(vw, vh) / 200} />)}
    </svg>
  ) : null;

  const panel = (
    <div className="ignore-regions" role="group" aria-label="Ignore regions">
      <h3>Ignore regions</h3>
      <p className="muted small">Boxes mostly inside a region count neither as found nor as missed when this video is evaluated.</p>
      {draft ? (
        <div className="inline-form">
          <span className="muted small" role="status">{draft.length} corner{draft.length === 1 ? '' : 's'}: click on the video to add</span>
          <button type="button" className="btn btn-primary" disabled={draft.length < 3 || save.isPending}
            onClick={() => { store([...regions, draft]); setDraft(null); }}>Finish region</button>
          <button type="button" className="btn" onClick={() => setDraft(null)}>Cancel</button>
        </div>
      ) : (
        <button type="button" className="btn" disabled={!rules.isSuccess || save.isPending} onClick={() => setDraft([])}>Draw a region</button>
      )}
      {regions.length > 0 && (
        <ul className="list">
          {regions.map((p, i) => (
            <li key={i}>
              Region {i + 1} · {p.length} corners{' '}
              <button type="button" className="btn" disabled={save.isPending} onClick={() => store(regions.filter((_r, k) => k !== i))}
                aria-label={`Remove region ${i + 1}`}>Remove</button>
            </li>
          ))}
        </ul>
      )}
      {save.isPending && <p className="muted small" role="status">Saving…</p>}
      {save.error && <p className="form-error" role="alert">The regions were not saved: {errorText(save.error)}</p>}
      {rules.isError && <p className="muted small">The regions cannot be shown: {errorText(rules.error)}</p>}
    </div>
  );
  return { overlay, panel };
}
