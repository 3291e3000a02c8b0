import { describe, expect, it } from 'vitest';
import { toCsv } from './export';

describe('toCsv', () => {
  it('quotes fields with commas, quotes and newlines and leaves nulls empty', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], [null, 1.5], ['line\nbreak', undefined]]))
      .toBe('a,b\r\n"x,y","say ""hi"""\r\n,1.5\r\n"line\nbreak",\r\n');
  });
});
