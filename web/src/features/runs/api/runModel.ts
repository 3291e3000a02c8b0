// The run and its model together: pages need the class names of the model
// a run used (GET /api/runs/{id}, then the model from GET /api/models).
import { useRun } from './run';
import { useModels } from '../../../lib/api/models';

export function useRunWithModel(runId: number) {
  const run = useRun(runId);
  const models = useModels();
  const model = models.data?.items.find((m) => m.id === run.data?.model_id) ?? null;
  return { run, model, classNames: model?.class_names ?? null };
}
