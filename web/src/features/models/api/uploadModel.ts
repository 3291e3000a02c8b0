// POST /api/models?name= with the ONNX file as the raw body -> 201 the
// model; the list every run form reads (lib/api/models) is refreshed.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, query } from '../../../lib/http';
import { modelKeys, type Model } from '../../../lib/api/models';

export function uploadModel(name: string, file: Blob): Promise<Model> {
  return api<Model>('/api/models' + query({ name }), { file });
}

export function useUploadModel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { name: string; file: File }) => uploadModel(a.name, a.file),
    onSuccess: () => qc.invalidateQueries({ queryKey: modelKeys.all }),
  });
}
