// types.ts - a model as the server returns it (GET /api/models).

export interface Model {
  id: number;
  name: string;
  sha256: string;
  family: string;
  input_w: number;
  input_h: number;
  num_classes: number;
  class_names?: string[];
  created_at: string;
}

export const modelKeys = {
  all: ['models'] as const,
};
