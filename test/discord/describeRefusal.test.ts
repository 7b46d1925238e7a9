import { describe, expect, it } from 'vitest';
import { describeRefusal } from '../../src/discord/describeRefusal.js';

describe('describeRefusal', () => {
  it('names the allowed channels as links (which never ping), counting past ten', () => {
    expect(describeRefusal({ kind: 'channel-not-allowed', channelIds: ['1'] })).toBe('On this server I only work in <#1>.');
    expect(describeRefusal({ kind: 'channel-not-allowed', channelIds: ['1', '2', '3'] })).toBe('On this server I only work in <#1>, <#2> and <#3>.');
    const many = Array.from({ length: 12 }, (_, index) => String(index + 1));
    expect(describeRefusal({ kind: 'channel-not-allowed', channelIds: many })).toBe(
      `On this server I only work in ${many.slice(0, 10).map((id) => `<#${id}>`).join(', ')} and 2 other channel(s).`,
    );
  });

  it('names a required role by its name (a role mention would ping), and explains one it cannot name without an id', () => {
    expect(describeRefusal({ kind: 'role-required', roleName: 'Artists' })).toBe('On this server only members with the Artists role can use me.');
    expect(describeRefusal({ kind: 'role-required', roleName: undefined })).toMatch(/role chosen by the admins/);
  });

  it('says when a limit resets, in each reader\'s own time zone', () => {
    const resetsAt = new Date('2026-12-08T00:00:00Z');
    expect(describeRefusal({ kind: 'limit-reached', limit: 'daily-images', resetsAt, used: 1, allowed: 1 })).toBe(
      'You have used your 1 image for today on this server. The limit resets <t:1796688000:R>.',
    );
    expect(describeRefusal({ kind: 'limit-reached', limit: 'monthly-budget', resetsAt, used: 5.02, allowed: 5 })).toMatch(/^This server has used its monthly image budget \(\$5\.02 of \$5\.00\)\. It resets <t:1796688000:R>\.$/);
    expect(describeRefusal({ kind: 'user-limit', limit: 2 })).toBe('You already have 2 images in progress. Wait for one to finish, then ask again.');
  });

  it('gives every refusal one plain sentence, never an id, JSON or a stack', () => {
    const kinds = [
      { kind: 'settings-damaged' },
      { kind: 'queue-full' },
      { kind: 'stale-button' },
      { kind: 'stale-form' },
      { kind: 'form-not-here' },
      { kind: 'unknown-command' },
      { kind: 'servers-only' },
      { kind: 'not-a-conversation' },
      { kind: 'thread-gone' },
      { kind: 'other-server' },
      { kind: 'turn-gone' },
      { kind: 'model-withdrawn', model: 'gemini-3-pro-image' },
      { kind: 'history-unreadable' },
    ] as const;
    for (const refusal of kinds) expect(describeRefusal(refusal)).toMatch(/^[A-Z][^{}\n]+[.)]$/);
  });
});
