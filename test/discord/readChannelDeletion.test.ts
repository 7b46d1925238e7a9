import { describe, expect, it } from 'vitest';
import { readChannelDeletion } from '../../src/discord/readChannelDeletion.js';

const CHANNEL = '1300000000000000001';
const GUILD = '1200000000000000001';

describe('reading a CHANNEL_DELETE dispatch', () => {
  it('gives a server channel and its server, whatever its type: a text or forum channel holds threads', () => {
    const expected = { kind: 'server-channel', channel: { channelId: CHANNEL, guildId: GUILD } };
    expect(readChannelDeletion({ id: CHANNEL, guild_id: GUILD, type: 0, name: 'general', parent_id: null })).toEqual(expected);
    expect(readChannelDeletion({ id: CHANNEL, guild_id: GUILD, type: 15, name: 'ideas' })).toEqual(expected);
  });

  it('reads a thread\'s data as the channel it names: its list holds no threads, so nothing is forgotten by it (Discord sends THREAD_DELETE for a thread)', () => {
    expect(readChannelDeletion({ id: CHANNEL, guild_id: GUILD, parent_id: '1300000000000000002', type: 11 })).toEqual({
      kind: 'server-channel',
      channel: { channelId: CHANNEL, guildId: GUILD },
    });
  });

  it('a channel that names no server (a DM, a group DM, or a server channel whose data lost its guild_id) forgets nothing', () => {
    expect(readChannelDeletion({ id: CHANNEL, type: 1, recipients: [] })).toEqual({ kind: 'not-in-a-server' });
    expect(readChannelDeletion({ id: CHANNEL, type: 3 })).toEqual({ kind: 'not-in-a-server' });
    expect(readChannelDeletion({ id: CHANNEL, type: 0, name: 'general' })).toEqual({ kind: 'not-in-a-server' });
  });

  it('refuses data not shaped as documented: no id read on a guess, so no store key built from it', () => {
    for (const data of [
      null,
      undefined,
      'CHANNEL_DELETE',
      42,
      [],
      {},
      { guild_id: GUILD }, // no id
      { id: '../conversation:other', guild_id: GUILD }, // not a snowflake
      { id: Number(CHANNEL), guild_id: GUILD }, // a number, not Discord's string
      { id: CHANNEL, guild_id: 'general' }, // a server that is no snowflake
      { id: CHANNEL, guild_id: null }, // null is not an absent server
      { id: `${CHANNEL}\n`, guild_id: GUILD },
    ]) {
      expect(readChannelDeletion(data), JSON.stringify(data)).toEqual({ kind: 'malformed' });
    }
  });
});
