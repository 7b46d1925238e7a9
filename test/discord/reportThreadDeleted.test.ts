import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ChannelDeletedError } from '../../src/conversation/branchConversation.js';
import { isThreadDeleted, reportThreadDeleted } from '../../src/discord/reportThreadDeleted.js';

describe('a deleted thread or channel under a request', () => {
  it('counts a Branch that found its channel marked deleted, and no other error', () => {
    expect(isThreadDeleted(new ChannelDeletedError('the channel c1 was deleted before the branch t2 was saved'))).toBe(true);
    expect(isThreadDeleted(new Error('the channel c1 was deleted'))).toBe(false);
  });

  it('is logged at info, not as an error, and told without a reference', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const told = reportThreadDeleted({ logger }, new ChannelDeletedError('gone'), { interactionId: '1' });
    expect(told).not.toMatch(/reference/);
    // A Branch draws nothing: it is told (and logged) as the branch not kept.
    expect(told).toBe('The channel was deleted while I was branching, so the branch was not kept.');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, interactionId: '1', msg: 'the channel was deleted while a Branch was saved; nothing of the branch is kept' });
  });
});
