import { describe, expect, it } from 'vitest';
import { readThreadDeletion } from '../../src/discord/readThreadDeletion.js';

describe('reading a THREAD_DELETE dispatch', () => {
  it('gives the thread, its server and its channel from the data Discord documents', () => {
    expect(readThreadDeletion({ id: '1300000000000000001', guild_id: '1200000000000000001', parent_id: '1200000000000000002', type: 11 })).toEqual({
      threadId: '1300000000000000001',
      guildId: '1200000000000000001',
      parentId: '1200000000000000002',
    });
    // Without its channel the thread and server still do: the record's server is checked either way.
    expect(readThreadDeletion({ id: '1300000000000000001', guild_id: '1200000000000000001', parent_id: null, type: 11 })).toEqual({
      threadId: '1300000000000000001',
      guildId: '1200000000000000001',
    });
  });

  it('refuses data that is not shaped as documented: nothing is forgotten on a guess', () => {
    expect(readThreadDeletion({ id: '1300000000000000001', parent_id: '1200000000000000002', type: 11 })).toBeUndefined(); // no server
    expect(readThreadDeletion({ id: '../conversation:other', guild_id: '1200000000000000001' })).toBeUndefined(); // no snowflake
    expect(readThreadDeletion({ id: '1300000000000000001', guild_id: '1200000000000000001', parent_id: 'general' })).toBeUndefined(); // a channel that is no snowflake
    expect(readThreadDeletion(null)).toBeUndefined();
  });
});
