import { describe, expect, it } from 'vitest';
import { mixedPagingProblem } from './one-paging-direction';

describe('a connection page asked for in one direction', () => {
  it.each([[{}], [{ first: 3 }], [{ first: 3, after: 'c' }], [{ last: 1, before: 'c' }], [{ first: 3, last: null }], [{ first: 0 }], [{ last: 0 }]])('is taken: %j', (args) => {
    expect(mixedPagingProblem(args)).toBeNull();
  });

  it.each([
    [{ first: 3, last: 1 }, 'last'],
    [{ first: 0, last: 0 }, 'last'],
    [{ first: 3, before: 'c' }, 'before'],
    [{ last: 1, after: 'c' }, 'after'],
  ])('is refused when it mixes both: %j', (args, named) => {
    expect(mixedPagingProblem(args)?.issues.map((issue) => issue.path)).toEqual([[named]]);
  });
});
