import { describe, expect, it } from 'vitest';
import { frameCountText } from './frameCount';

describe('frameCountText', () => {
  it('says "about" while the count is the estimate, and the count once exact', () => {
    expect(frameCountText({ frame_count: 12500, frame_count_exact: false })).toBe('about 12,500');
    expect(frameCountText({ frame_count: 12498, frame_count_exact: true })).toBe('12,498');
  });

  it('reads videos stored before the flag as counted, and an unknown count as a dash', () => {
    expect(frameCountText({ frame_count: 120 })).toBe('120');
    expect(frameCountText({ frame_count: null, frame_count_exact: false })).toBe('—');
  });
});
