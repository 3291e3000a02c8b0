import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ClassMapCard } from './ClassMapCard';
import { classMapProblem } from '../api/classMap';
import { renderAt } from '../../../test/render';
import { apiError, json, stubFetch } from '../../../test/fetchStub';

afterEach(() => vi.unstubAllGlobals());

describe('ClassMapCard', () => {
  it('edits the map row by row and saves it whole', async () => {
    const { calls } = stubFetch({
      'GET /api/projects/1/class-map': () => json(200, { map: { person: 'pedestrian' } }),
      'PUT /api/projects/1/class-map': (_u, init) => json(200, JSON.parse(String(init!.body))),
    });
    renderAt(<ClassMapCard projectId={1} />);
    expect(await screen.findByLabelText('Class 1')).toHaveValue('person');
    expect(screen.getByLabelText('Counts as 1')).toHaveValue('pedestrian');
    await userEvent.click(screen.getByRole('button', { name: 'Add row' }));
    await userEvent.type(screen.getByLabelText('Class 2'), 'bicycle');
    await userEvent.type(screen.getByLabelText('Counts as 2'), ' cyclist ');
    await userEvent.click(screen.getByRole('button', { name: 'Save map' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ map: { person: 'pedestrian', bicycle: 'cyclist' } }));
    expect(await screen.findByText('Saved')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save map' })).toBeDisabled();
  });

  it('will not save an incomplete or ambiguous map, and removes rows', async () => {
    const { calls } = stubFetch({ 'GET /api/projects/1/class-map': () => json(200, { map: {} }) });
    renderAt(<ClassMapCard projectId={1} />);
    expect(await screen.findByText('No map: every class is scored as itself.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Add row' }));
    await userEvent.type(screen.getByLabelText('Class 1'), 'car');
    expect(screen.getByRole('alert')).toHaveTextContent('row 1: both classes are needed');
    expect(screen.getByRole('button', { name: 'Save map' })).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Remove row 1' }));
    expect(screen.queryByLabelText('Class 1')).not.toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
  });

  it('says clearly when the server has no class map yet', async () => {
    stubFetch({ 'GET /api/projects/1/class-map': () => apiError(404, 'not_found', 'no route for GET /api/projects/1/class-map') });
    renderAt(<ClassMapCard projectId={1} />);
    expect(await screen.findByText('Class map: not available on this server yet')).toBeInTheDocument();
  });
});

describe('classMapProblem', () => {
  it('accepts a good map and names the first problem of a bad one', () => {
    expect(classMapProblem([{ from: 'person', to: 'pedestrian' }])).toBeNull();
    expect(classMapProblem([{ from: 'a', to: 'b' }, { from: ' a ', to: 'c' }])).toBe('"a" is mapped twice');
    expect(classMapProblem([{ from: 'x'.repeat(129), to: 'b' }])).toMatch(/at most 128 characters/);
    expect(classMapProblem(Array.from({ length: 1001 }, (_, i) => ({ from: `c${i}`, to: 't' })))).toBe('at most 1000 entries');
  });
});
