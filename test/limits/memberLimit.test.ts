import { describe, expect, it } from 'vitest';
import { MemberLimit } from '../../src/limits/memberLimit.js';

describe("each member's in-flight limit", () => {
  it('is reached at the limit, per member, and freed by each request that leaves', () => {
    const limit = new MemberLimit(2);
    limit.add('alice');
    expect(limit.reached('alice')).toBe(false);
    limit.add('alice');
    expect(limit.reached('alice')).toBe(true);
    expect(limit.reached('bob')).toBe(false);
    limit.remove('alice');
    expect(limit.reached('alice')).toBe(false);
  });

  it('forgets a member with nothing left, so removing again cannot go below nothing', () => {
    const limit = new MemberLimit(1);
    limit.add('alice');
    limit.remove('alice');
    limit.remove('alice');
    limit.add('alice');
    expect(limit.reached('alice')).toBe(true);
  });
});
