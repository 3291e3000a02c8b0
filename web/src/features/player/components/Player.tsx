// Player.tsx - the video with its detections (and ground truth) drawn on a
// canvas for the exact frame on screen, a timeline to jump, frame stepping
// from the keyboard, and ground-truth editing. The run, its video and the
// evaluation's per-frame outcomes are other features' data: the page
// (app/pages/PlayerPage) hands them in.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { fetchWindow, useDetectionWindow, WINDOW_SECONDS } from '../api/detectionWindow';
import { detectionKeys, type Detection } from '../../../lib/api/detections';
import { useGroundTruthWindow, type GtBox } from '../../../lib/api/groundTruth';
import type { FrameOutcome, Video } from '../../../lib/types';
import { useFrameClock } from './useFrameClock';
import { useGtEditor } from './useGtEditor';
import { useIgnoreRegions } from './IgnoreRegions';
import { containFit, frameAt, frameSeekTime } from './geometry';
import { drawBoxes } from './drawBoxes';
import { Timeline } from './Timeline';
import { useRunTimeline } from '../api/runTimeline';
import { useFrameTimes } from '../api/frameTimes';
import { ErrorState, PageHeader } from '../../../components/States';
import { COCO_CLASSES, OUTCOME_COLORS } from '../../../lib/classes';
import { formatDuration } from '../../../lib/format';
import { ApiError, isMissingEndpoint } from '../../../lib/http';
import { errorText } from '../../../lib/errorText';

/** The detections to show at frame: its own, or the last sampled frame
 * before it when the run processed every n-th frame. */
export function detectionsAt(byFrame: Map<number, Detection[]>, frame: number, every: number): Detection[] {
  for (let k = 0; k < Math.max(1, every); k++) {
    const d = byFrame.get(frame - k);
    if (d) return d;
  }
  return [];
}

function groupByFrame<T extends { frame: number }>(rows: readonly T[] | undefined): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const r of rows ?? []) {
    const list = m.get(r.frame);
    if (list) list.push(r);
    else m.set(r.frame, [r]);
  }
  return m;
}

function togglePlay(v: HTMLVideoElement) {
  if (v.paused) void v.play();
  else v.pause();
}

function useElementSize(ref: React.RefObject<HTMLElement | null>) {
  const [size, setSize] = useState({ w: 0, h: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(([e]) => setSize({ w: e.contentRect.width, h: e.contentRect.height }));
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

interface PlayerProps {
  runId: number;
  every: number;
  video: Pick<Video, 'id' | 'filename' | 'fps' | 'width' | 'height' | 'duration' | 'project_id'>;
  /** The video's stream. */
  src: string;
  classNames: readonly string[] | null;
  startT: number;
  /** The run's latest evaluation, frame by frame (the timeline's strip). */
  outcomes: UseQueryResult<FrameOutcome[], Error>;
}

export function Player({ runId, every, video, src, classNames, startT, outcomes }: PlayerProps) {
  const qc = useQueryClient();
  const ref = useRef<HTMLVideoElement>(null);
  const stage = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const t = useFrameClock(ref);
  const fps = video.fps || 30;
  /** AVP's own frame times: the frame shown (and where drawn ground truth
   * lands) is AVP's index on variable-frame-rate video too. */
  const times = useFrameTimes(video.id).data ?? null;
  const frame = frameAt(t, fps, times);
  const vw = video.width ?? 0;
  const vh = video.height ?? 0;
  const duration = video.duration ?? 0;
  const size = useElementSize(stage);
  const fit = useMemo(() => containFit(vw, vh, size.w, size.h), [vw, vh, size.w, size.h]);
  const [showGt, setShowGt] = useState(true);
  const [editing, setEditing] = useState(false);
  const [newClass, setNewClass] = useState('person');
  /** The browser's refusal of the stream (MPEG-TS: Chrome's <video> has no
   * demuxer for it), said on the stage instead of a black box. */
  const [unplayable, setUnplayable] = useState(false);

  const dets = useDetectionWindow(runId, t);
  const w0 = Math.floor(t / WINDOW_SECONDS) * WINDOW_SECONDS;
  const gt = useGroundTruthWindow(video.id, w0, w0 + WINDOW_SECONDS);
  const detByFrame = useMemo(() => groupByFrame(dets.data), [dets.data]);
  const gtByFrame = useMemo(() => groupByFrame<GtBox>(gt.data), [gt.data]);
  const shownDets = useMemo(() => detectionsAt(detByFrame, frame, every), [detByFrame, frame, every]);
  const shownGt = useMemo(() => (showGt ? gtByFrame.get(frame) ?? [] : []), [showGt, gtByFrame, frame]);
  const gtUnavailable = gt.isError;
  // A box drawn here is stored at AVP's frame and that frame's own time.
  const frameT = times && frame < times.length ? times[frame] : t;
  const editor = useGtEditor({ videoId: video.id, frame, t: frameT, fit, size: { w: vw, h: vh }, boxes: shownGt, newClass });
  const regions = useIgnoreRegions({ videoId: video.id, vw, vh, stage });

  // Fetch the next window before playback reaches it.
  useEffect(() => {
    if (t - w0 > WINDOW_SECONDS * 0.6 && w0 + WINDOW_SECONDS < duration) {
      const a = w0 + WINDOW_SECONDS;
      void qc.prefetchQuery({ queryKey: detectionKeys.window(runId, a, a + WINDOW_SECONDS),
        queryFn: ({ signal }) => fetchWindow(runId, a, a + WINDOW_SECONDS, signal), staleTime: Infinity });
    }
  }, [t, w0, duration, runId, qc]);

  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx || !size.w) return;
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(size.w * dpr)) c.width = Math.round(size.w * dpr);
    if (c.height !== Math.round(size.h * dpr)) c.height = Math.round(size.h * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawBoxes({ ctx, width: size.w, height: size.h, fit, dets: shownDets, gt: shownGt, classNames,
      selectedGt: editing ? editor.selected : null, draft: editing ? editor.draft : null });
  }, [size, fit, shownDets, shownGt, classNames, editing, editor.selected, editor.draft]);

  useEffect(() => {
    if (ref.current && startT > 0) ref.current.currentTime = startT;
  }, [startT]);

  const seek = (sec: number) => {
    if (ref.current) ref.current.currentTime = Math.max(0, Math.min(duration || Infinity, sec));
  };
  const seekFrame = (f: number) => seek(frameSeekTime(f, fps, times));
  /** One frame, or one second with Shift, in direction dir. */
  const step = (bySecond: boolean, dir: 1 | -1) => (bySecond ? seek(t + dir) : seekFrame(frame + dir));

  const onKeyDown = (e: React.KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (target.closest('input, select, textarea')) return;
    // Space and Enter on a button or link are that control's own.
    if ((e.key === ' ' || e.key === 'Enter') && target.closest('button, a')) return;
    if (e.ctrlKey || e.metaKey) return;
    const v = ref.current;
    if (!v) return;
    if (editing && editor.onKey(e)) { e.preventDefault(); return; }
    const handled = (() => {
      switch (e.key) {
        case ' ': case 'k': togglePlay(v); return true;
        case 'ArrowRight': case '.': v.pause(); step(e.shiftKey, 1); return true;
        case 'ArrowLeft': case ',': v.pause(); step(e.shiftKey, -1); return true;
        case 'Home': seek(0); return true;
        case 'e': if (!gtUnavailable) setEditing((x) => !x); return true;
        case 'g': setShowGt((x) => !x); return true;
        default: return false;
      }
    })();
    if (handled) e.preventDefault();
  };

  // Timeline: the whole run's detections and ground truth per bucket (the
  // server's summary), and the evaluation's per-frame outcomes.
  const summary = useRunTimeline(runId, video.id);
  const timeline = useMemo(() => ({
    detections: Float64Array.from(summary.data?.detections ?? []),
    gt: Float64Array.from(summary.data?.ground_truth ?? []),
    outcomes: outcomes.data ?? null,
  }), [summary.data, outcomes.data]);

  return (
    <div className="player-page" onKeyDown={onKeyDown}>
      <PageHeader title={`Player · run #${runId}`} subtitle={video.filename}
        actions={<>
          <Link className="btn" to={`/runs/${runId}/detections`}>Detections</Link>
          <Link className="btn" to={`/runs/${runId}/results`}>Results</Link>
        </>} />
      <div className="player-layout">
        <section className="card player-card" aria-label="Video player">
          <div className="stage" ref={stage} style={{ aspectRatio: vw && vh ? `${vw} / ${vh}` : '16 / 9' }}>
            <video ref={ref} src={src} preload="auto" playsInline muted controls={false}
              aria-label={`Video ${video.filename}`} data-testid="player-video"
              onError={() => setUnplayable(true)} />
            <canvas ref={canvas} className={editing ? 'overlay editing' : 'overlay'} data-testid="player-overlay"
              role="img" aria-label={`Frame ${frame}: ${shownDets.length} detections, ${shownGt.length} ground-truth boxes`}
              data-boxes={shownDets.length} data-gt={shownGt.length}
              onPointerDown={editing ? editor.onPointerDown : undefined}
              onPointerMove={editing ? editor.onPointerMove : undefined}
              onPointerUp={editing ? editor.onPointerUp : undefined} />
            {regions.overlay}
          </div>
          {unplayable && (
            <p className="form-error" role="alert" data-testid="player-unplayable">
              This browser cannot play {video.filename} (MPEG-TS and some codecs are not supported by browsers).
              The detections, results and exports are complete; to watch it here, remux it to MP4
              (ffmpeg -i IN -c copy OUT.mp4) and upload that.
            </p>
          )}
          <div className="player-controls" role="group" tabIndex={0} aria-label="Player controls: space plays, arrows step a frame, shift+arrows a second">
            <button type="button" className="btn" onClick={() => seekFrame(frame - 1)} aria-label="Previous frame">◀︎ frame</button>
            <button type="button" className="btn btn-primary" onClick={() => { if (ref.current) togglePlay(ref.current); }}>
              Play / pause
            </button>
            <button type="button" className="btn" onClick={() => seekFrame(frame + 1)} aria-label="Next frame">frame ▶︎</button>
            <span className="num" data-testid="player-frame">frame {frame} · {formatDuration(t, 3)} / {formatDuration(duration, 1)}</span>
            <span className="muted small">{shownDets.length} boxes{dets.isFetching ? ' · loading…' : ''}</span>
          </div>
          <Timeline duration={duration} t={t} data={timeline} onSeek={seek} />
          <ul className="legend">
            <li><span className="swatch" style={{ background: OUTCOME_COLORS.tp }} />TP</li>
            <li><span className="swatch" style={{ background: OUTCOME_COLORS.fp }} />FP</li>
            <li><span className="swatch" style={{ background: OUTCOME_COLORS.fn }} />FN</li>
            <li><span className="swatch" style={{ background: OUTCOME_COLORS.gt }} />ground truth</li>
            {outcomes.isError && (
              <li data-testid="outcomes-note">
                {outcomes.error instanceof ApiError && outcomes.error.code === 'not_evaluated'
                  ? <>TP / FP / FN appear once the run is <Link to={`/runs/${runId}/results`}>evaluated</Link></>
                  : isMissingEndpoint(outcomes.error) ? 'TP / FP / FN: not available on this server yet' : `TP / FP / FN: ${errorText(outcomes.error)}`}
              </li>
            )}
          </ul>
          {dets.isError && <ErrorState error={dets.error} what="detections" />}
        </section>
        <aside className="card player-side" aria-label="Ground truth">
          <h2>Ground truth</h2>
          {gtUnavailable ? (
            <ErrorState error={gt.error} what="Ground truth" retry={isMissingEndpoint(gt.error) ? undefined : () => gt.refetch()} />
          ) : (
            <>
              <label className="check"><input type="checkbox" checked={showGt} onChange={(e) => setShowGt(e.target.checked)} /> Show (G)</label>
              <label className="check"><input type="checkbox" checked={editing} onChange={(e) => setEditing(e.target.checked)} /> Edit (E)</label>
              <label>
                Class for new boxes
                <select value={newClass} onChange={(e) => setNewClass(e.target.value)}>
                  {(classNames?.length ? classNames : COCO_CLASSES).map((c) => <option key={c}>{c}</option>)}
                </select>
              </label>
              <p className="muted small">Drag on the video to add a box, drag a box to move it, drag a corner of the selected box to resize it.</p>
              <ul className="list gt-list" aria-label="Ground-truth boxes on this frame">
                {shownGt.map((g) => (
                  <li key={g.id} className={g.id === editor.selected ? 'selected' : undefined}>
                    <button type="button" className="gt-pick" aria-pressed={g.id === editor.selected} disabled={!editing}
                      onClick={() => editor.setSelected(g.id === editor.selected ? null : g.id)}>
                      <span>{g.class}</span>
                      <span className="muted small">{g.source}{g.validated ? ' · validated' : ''}{g.id < 0 ? ' · saving…' : ''}</span>
                    </button>
                  </li>
                ))}
                {!shownGt.length && <li className="muted">No boxes on this frame.</li>}
              </ul>
              {editing && <GtBoxTools editor={editor} />}
            </>
          )}
          {editor.error && <p className="form-error" role="alert">Edit failed: {errorText(editor.error)}</p>}
          {regions.panel}
          <h3>Keys</h3>
          <dl className="keys">
            <div><dt>Space</dt><dd>play / pause</dd></div>
            <div><dt>← →</dt><dd>one frame</dd></div>
            <div><dt>Shift ← →</dt><dd>one second</dd></div>
            <div><dt>E / G</dt><dd>edit / show ground truth</dd></div>
          </dl>
          {editing && (
            <dl className="keys" aria-label="Editing keys">
              <div><dt>N / P</dt><dd>select next / previous box</dd></div>
              <div><dt>A</dt><dd>add a box</dd></div>
              <div><dt>← ↑ → ↓</dt><dd>move the box (Shift: 10 px)</dd></div>
              <div><dt>Alt + arrows</dt><dd>resize it</dd></div>
              <div><dt>V D O T</dt><dd>validated, difficult, occluded, truncated</dd></div>
              <div><dt>Delete</dt><dd>remove it</dd></div>
            </dl>
          )}
        </aside>
      </div>
    </div>
  );
}

const FLAGS = [['validated', 'Validated (V)'], ['difficult', 'Difficult (D)'], ['occluded', 'Occluded (O)'], ['truncated', 'Truncated (T)']] as const;

/** The selected box's flags and removal, for mouse and screen readers
 * (the keys do the same). */
function GtBoxTools({ editor }: { editor: ReturnType<typeof useGtEditor> }) {
  const g = editor.current;
  const summary = g
    ? `Selected: ${g.class} at ${Math.round(g.x1)},${Math.round(g.y1)} – ${Math.round(g.x2)},${Math.round(g.y2)}`
    : 'No box selected (N selects one)';
  const flags = g ? FLAGS.filter(([f]) => g[f]).map(([f]) => f).join(', ') : '';
  return (
    <>
    {/* Keyboard edits change nothing under the focus: say what they did. */}
    <p className="sr-only" role="status">{g ? `${summary}${flags ? `, ${flags}` : ''}` : ''}</p>
    <button type="button" className="btn" onClick={() => editor.onKey({ key: 'a' })}>Add box (A)</button>
    <fieldset className="gt-tools" disabled={!g}>
      <legend>{summary}</legend>
      {FLAGS.map(([flag, label]) => (
        <label key={flag} className="check">
          <input type="checkbox" checked={!!g?.[flag]} onChange={(e) => editor.patch({ [flag]: e.target.checked })} /> {label}
        </label>
      ))}
      <button type="button" className="btn btn-danger" onClick={() => editor.onKey({ key: 'Delete' })}>Delete box</button>
    </fieldset>
    </>
  );
}
