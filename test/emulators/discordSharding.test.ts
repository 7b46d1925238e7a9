import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { shardForGuild } from './discord/index.js';
import { shardForDispatch } from './discord/sharding.js';
import { emulatorHarness, nextInteraction } from './discord/testing.js';

const { start, track } = emulatorHarness();
const INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent];

describe('discord emulator sharding', () => {
  it('routes guilds by Discord\'s rule (guild_id >> 22) % shard_count, DMs to shard 0', () => {
    // 2^22 is the first id past timestamp 0: shard 1 of 2, shard 1 of 3; 2 * 2^22 lands on shard 0 of 2.
    expect(shardForGuild(String(1n << 22n), 2)).toBe(1);
    expect(shardForGuild(String(2n << 22n), 2)).toBe(0);
    expect(shardForGuild(String(5n << 22n), 3)).toBe(2);
    // Ids beyond 2^53 keep their low bits.
    expect(shardForGuild('1234567890123456789', 7)).toBe(Number((1234567890123456789n >> 22n) % 7n));
    expect(shardForDispatch('GUILD_CREATE', { id: String(1n << 22n) }, 2)).toBe(1);
    expect(shardForDispatch('MESSAGE_CREATE', { guild_id: String(1n << 22n) }, 2)).toBe(1);
    expect(shardForDispatch('MESSAGE_CREATE', { channel_id: '1' }, 2)).toBe(0);
  });

  it('recommends the configured shard count and identify concurrency in GET /gateway/bot', async () => {
    const emu = await start({ recommendedShards: 3, maxConcurrency: 2 });
    const response = await fetch(`${emu.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${emu.token}` } });
    expect(await response.json()).toMatchObject({ shards: 3, session_start_limit: { max_concurrency: 2 } });
    const unsharded = await start();
    const single = await fetch(`${unsharded.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${unsharded.token}` } });
    expect(await single.json()).toMatchObject({ shards: 1, session_start_limit: { max_concurrency: 1 } });
  });

  it('gives the guild, its messages and its interactions only to the shard that owns it', async () => {
    const emu = await start({ recommendedShards: 2, maxConcurrency: 2 });
    // shards: 'auto' makes discord.js ask GET /gateway/bot and open one connection per recommended shard.
    const client = track(new Client({ intents: INTENTS, rest: { api: emu.apiUrl }, shards: 'auto' }));
    const ready = once(client, Events.ClientReady);
    await client.login(emu.token);
    await ready;

    const owner = shardForGuild(emu.guildId, 2);
    const sessions = emu.shardSessions();
    expect(sessions.map((session) => session.shard).sort()).toEqual([[0, 2], [1, 2]]);
    expect(client.guilds.cache.get(emu.guildId)?.shardId).toBe(owner);

    const received = nextInteraction(client, (interaction) => interaction.isChatInputCommand());
    emu.sendSlashCommand({ user: emu.users.alice, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a fox' }] });
    expect((await received).guildId).toBe(emu.guildId);
    const delivered = once(client, Events.MessageCreate);
    emu.sendMessage({ user: emu.users.bob, channelId: emu.channelId, content: 'hello' });
    await delivered;

    const eventsOf = (shardId: number) => emu.shardSessions().find((session) => session.shard[0] === shardId)!.events;
    expect(eventsOf(owner).map((event) => event.t)).toEqual(['READY', 'GUILD_CREATE', 'INTERACTION_CREATE', 'MESSAGE_CREATE']);
    // The other shard hears nothing about the guild: READY lists no guild and nothing follows.
    const other = eventsOf(1 - owner);
    expect(other.map((event) => event.t)).toEqual(['READY']);
    expect(other[0]?.d).toMatchObject({ guilds: [], shard: [1 - owner, 2] });
  });

  it('closes with 4010 Invalid shard when IDENTIFY names a shard outside its count', async () => {
    const emu = await start();
    const socket = new WebSocket(`${emu.gatewayUrl}?v=10&encoding=json`);
    await once(socket, 'message'); // HELLO
    socket.send(JSON.stringify({ op: 2, d: { token: emu.token, intents: 1, properties: {}, shard: [2, 2] } }));
    const [code] = (await once(socket, 'close')) as [number];
    expect(code).toBe(4010);
  });
});
