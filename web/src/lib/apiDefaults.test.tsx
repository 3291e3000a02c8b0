import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReactNode } from 'react';
import { renderHook, waitFor } from '@testing-library/react';
import { QueryClientProvider } from '@tanstack/react-query';
import { useApiDefaults } from './apiDefaults';
import { json, openApiDefaults, stubFetch } from '../test/fetchStub';
import { freshClient } from '../test/render';

function renderDefaults() {
  const client = freshClient();
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  return renderHook(() => useApiDefaults(), { wrapper });
}

describe('useApiDefaults', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('reads the run and evaluation defaults from the API document', async () => {
    const { calls } = stubFetch({ 'GET /api/openapi.json': openApiDefaults({ conf: 0.3, iou: 0.5, scoreThreshold: 0.4 }) });
    const { result } = renderDefaults();
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(result.current.data).toEqual({ conf: 0.3, iou: 0.5, scoreThreshold: 0.4 });
    expect(calls).toHaveLength(1);
  });

  it('fails when the document does not publish a default', async () => {
    stubFetch({ 'GET /api/openapi.json': () => json(200, { paths: { '/api/videos/{id}/process': { post: {} } } }) });
    const { result } = renderDefaults();
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(result.current.error?.message).toMatch(/no default conf for POST \/api\/videos\/\{id\}\/process/);
  });
});
