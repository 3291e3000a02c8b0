// VideoNextStep.tsx - the one thing to do next on a video, from what it
// has: no model to run -> upload one; no run -> process it; a run going
// -> wait; no ground truth -> make, import or draw some; else evaluate
// the newest finished run. Runs, ground truth and models are three
// features' data, so the card is the app's.
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useRuns } from '../../features/runs/api/runs';
import { isFinal } from '../../features/runs/api/types';
import { useHasGroundTruth } from '../../features/groundTruth/api/hasGroundTruth';
import { ModelUploadForm } from '../../features/models/components/ModelUploadForm';
import { useModels } from '../../lib/api/models';

function Step({ children }: { children: ReactNode }) {
  return <section className="card next-step" aria-label="Next step"><h2>Next step</h2>{children}</section>;
}

export function VideoNextStep({ videoId }: { videoId: number }) {
  const runs = useRuns(videoId);
  const hasGt = useHasGroundTruth(videoId);
  const models = useModels();
  if (runs.isPending || hasGt.isPending || models.isPending) return null;
  const items = runs.data?.pages.flatMap((p) => p.items) ?? [];
  const detect = items.filter((r) => r.kind !== 'auto_gt');
  const done = detect.find((r) => r.state === 'done');
  if (!models.data?.items.length) {
    return <Step><p>There is no model to run yet. Upload a detector as an ONNX file (YOLOX, YOLOv5 or YOLOv8 export).</p><ModelUploadForm /></Step>;
  }
  if (!detect.length) return <Step><p>Process this video: choose a model under <a href="#process-title">Process</a> and press <strong>Start run</strong>.</p></Step>;
  if (!done) {
    const going = detect.some((r) => !isFinal(r.state));
    return <Step><p>{going ? 'The run is going; its progress is below. The next step appears when it is done.' : 'No run finished. Start another under Process.'}</p></Step>;
  }
  if (hasGt.data === false) {
    return (
      <Step>
        <p>Run #{done.id} is done, but this video has no ground truth to score it against. Add some first:</p>
        <ul className="choices">
          <li><a href="#gt-title">Import a ground-truth file</a> (COCO, CVAT, MOT, YOLO, Pascal VOC, AVP)</li>
          <li><Link to={`/runs/${done.id}/player`}>Draw boxes in the player</Link></li>
          <li><a href="#gt-title">Make auto ground truth</a> with a different, stronger model (scoring a model against its own boxes means nothing)</li>
        </ul>
      </Step>
    );
  }
  return <Step><p>Evaluate run #{done.id} against the ground truth.</p><Link className="btn btn-primary" to={`/runs/${done.id}/results`}>Evaluate run #{done.id}</Link></Step>;
}
