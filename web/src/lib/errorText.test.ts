import { describe, expect, it } from 'vitest';
import { errorText, plainMessage, uploadErrorText } from './errorText';
import { ApiError } from './http';

describe('errorText', () => {
  it('drops routes, status numbers and error codes from what the server says', () => {
    expect(plainMessage('run 3 has no evaluation; POST /api/runs/3/evaluate first')).toBe('Run 3 has no evaluation');
    expect(plainMessage('project not found (404 not_found)')).toBe('Project not found');
    expect(plainMessage('progress is pushed via websocket')).toBe('Progress is pushed');
    expect(errorText(new ApiError(409, 'conflict', 'run 3 is running; only a finished run can be evaluated')))
      .toBe('Run 3 is running; only a finished run can be evaluated.');
  });

  it('says what to do by status when the server cannot know', () => {
    expect(errorText(new ApiError(500, 'internal', 'pq: deadlock'))).toMatch(/^The server ran into a problem\. Try again/);
    expect(errorText(new ApiError(403, 'forbidden', 'viewers cannot edit'))).toBe(
      'Viewers cannot edit. Your role in this project does not allow this. Ask the project’s owner for the editor role.');
    expect(errorText(new ApiError(429, 'too_many', 'slow down'))).toMatch(/Wait a few seconds/);
    expect(errorText(new TypeError('Failed to fetch'))).toMatch(/could not be reached/);
    expect(errorText(new TypeError("rows.map is not a function"))).toMatch(/^Something went wrong in this page/);
    expect(errorText(new ApiError(404, 'not_found', 'no route for GET /api/vitals'))).toMatch(/does not offer this yet/);
    for (const e of [new ApiError(400, 'bad_request', 'limit: must be 1..200 (400 bad_request)'), new ApiError(401, 'x', 'y')]) {
      expect(errorText(e)).not.toMatch(/\b[45]\d\d\b|bad_request|\/api\//);
    }
  });

  it('puts an upload failure on one line: the file, then why', () => {
    const line = uploadErrorText('clip.mov', new ApiError(415, 'unsupported_media_type', 'no video stream'));
    expect(line).toBe('clip.mov was not uploaded: it is not a video the server can read (no video stream). Choose a video file (MP4, MKV, MOV…).');
    expect(line).not.toContain('\n');
    expect(uploadErrorText('gt.xml', new ApiError(400, 'bad_request', 'line 4: <box> without xtl'), 'imported'))
      .toBe('gt.xml was not imported: line 4: <box> without xtl.');
  });
});
