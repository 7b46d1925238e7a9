import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Client, Events, GatewayIntentBits, PermissionFlagsBits as P, Routes, type Message, type TextChannel, type ThreadChannel } from 'discord.js';
import { shardForGuild } from './discord/index.js';
import { shardForDispatch } from './discord/sharding.js';
import { defaultConfig, World } from './discord/state.js';
import { apiError, emulatorHarness, nextInteraction } from './discord/testing.js';

const { start, connect, track } = emulatorHarness();
const INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent];

describe('discord emulator sharding and its two guilds', () => {
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

  it('puts the second guild on the other shard of two, however the clock falls', () => {
    // Each World mints its ids from Date.now(); many in a row cover ids minted in the same and in later milliseconds.
    for (let i = 0; i < 200; i++) {
      const world = new World(defaultConfig({}));
      expect(shardForGuild(world.secondGuildId, 2)).not.toBe(shardForGuild(world.guildId, 2));
    }
  });

  it('gives a client sharded [0, 2] and one sharded [1, 2] each its own guild, with its messages and interactions', async () => {
    const emu = await start({ recommendedShards: 2, maxConcurrency: 2 });
    const firstShard = shardForGuild(emu.guildId, 2);
    const secondShard = shardForGuild(emu.secondGuildId, 2);
    expect(secondShard).toBe(1 - firstShard);
    const clientOf: Record<number, Client> = {};
    for (const shard of [0, 1]) {
      const client = track(new Client({ intents: INTENTS, rest: { api: emu.apiUrl }, shards: shard, shardCount: 2 }));
      const ready = once(client, Events.ClientReady);
      await client.login(emu.token);
      await ready;
      clientOf[shard] = client;
    }
    expect([...clientOf[firstShard]!.guilds.cache.keys()]).toEqual([emu.guildId]);
    expect([...clientOf[secondShard]!.guilds.cache.keys()]).toEqual([emu.secondGuildId]);
    expect(clientOf[secondShard]!.channels.cache.get(emu.secondGuildChannelId)).toMatchObject({ name: 'general', guildId: emu.secondGuildId });

    for (const [guildId, channelId, shard] of [[emu.guildId, emu.channelId, firstShard], [emu.secondGuildId, emu.secondGuildChannelId, secondShard]] as const) {
      const received = nextInteraction(clientOf[shard]!, (interaction) => interaction.isChatInputCommand());
      emu.sendSlashCommand({ user: emu.users.alice, channelId, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a fox' }] });
      expect((await received).guildId).toBe(guildId);
    }
    const delivered = once(clientOf[secondShard]!, Events.MessageCreate) as Promise<[Message]>;
    emu.sendMessage({ user: emu.users.bob, channelId: emu.secondGuildChannelId, content: 'hello from the second guild' });
    expect((await delivered)[0].guildId).toBe(emu.secondGuildId);

    const eventsOf = (shard: number) => emu.shardSessions().find((session) => session.shard[0] === shard)!.events;
    const summary = (shard: number) => eventsOf(shard).map((event) => [event.t, (event.d as { guild_id?: string; id?: string }).guild_id ?? (event.t === 'GUILD_CREATE' ? (event.d as { id: string }).id : undefined)]);
    expect(summary(firstShard)).toEqual([['READY', undefined], ['GUILD_CREATE', emu.guildId], ['INTERACTION_CREATE', emu.guildId]]);
    expect(summary(secondShard)).toEqual([
      ['READY', undefined],
      ['GUILD_CREATE', emu.secondGuildId],
      ['INTERACTION_CREATE', emu.secondGuildId],
      ['MESSAGE_CREATE', emu.secondGuildId],
    ]);
    expect(eventsOf(firstShard)[0]?.d).toMatchObject({ guilds: [{ id: emu.guildId, unavailable: true }], shard: [firstShard, 2] });
    expect(eventsOf(secondShard)[0]?.d).toMatchObject({ guilds: [{ id: emu.secondGuildId, unavailable: true }], shard: [secondShard, 2] });
  });

  it('gives an unsharded client both guilds, each with only its own channels, roles and members\' roles', async () => {
    const emu = await start();
    const client = await connect(emu);
    expect([...client.guilds.cache.keys()].sort()).toEqual([emu.guildId, emu.secondGuildId].sort());
    const second = client.guilds.cache.get(emu.secondGuildId)!;
    expect([...second.channels.cache.keys()]).toEqual([emu.secondGuildChannelId]);
    expect(second.roles.cache.map((role) => [role.name, role.managed]).sort()).toEqual([['@everyone', false], [emu.botUser.username, true]]);
    expect(second.members.me?.roles.botRole?.guild.id).toBe(emu.secondGuildId);
    expect(second.members.cache.get(emu.users.alice.id)?.roles.cache.map((role) => role.id)).toEqual([emu.secondGuildId]);
    expect(client.guilds.cache.get(emu.guildId)?.roles.cache.has(second.members.me!.roles.botRole!.id)).toBe(false);

    // alice moderates the first guild only: in the second she has @everyone's permissions.
    const received = nextInteraction(client, (interaction) => interaction.isChatInputCommand());
    emu.sendSlashCommand({ user: emu.users.alice, channelId: emu.secondGuildChannelId, name: 'settings' });
    const interaction = await received;
    expect([interaction.guildId, interaction.memberPermissions?.has(P.ManageGuild), interaction.memberPermissions?.has(P.SendMessages)]).toEqual([emu.secondGuildId, false, true]);
    expect(emu.interaction(interaction.id).payload).toMatchObject({ guild_id: emu.secondGuildId, authorizing_integration_owners: { '0': emu.secondGuildId } });
    expect(emu.interaction(interaction.id).guildId).toBe(emu.secondGuildId);
  });

  it('keeps threads, replies, deletes and guild routes of the second guild in the second guild', async () => {
    const emu = await start();
    const client = await connect(emu);
    const channel = client.channels.cache.get(emu.secondGuildChannelId) as TextChannel;
    const asked = emu.sendMessage({ user: emu.users.bob, channelId: emu.secondGuildChannelId, content: 'draw a cat' });
    const reply = await channel.send({ content: 'here', reply: { messageReference: asked.id } });
    expect(emu.messages(emu.secondGuildChannelId).at(-1)?.message_reference).toMatchObject({ message_id: asked.id, guild_id: emu.secondGuildId });
    const created = once(client, Events.ThreadCreate) as Promise<[ThreadChannel]>;
    const thread = await reply.startThread({ name: 'cats' });
    expect([(await created)[0].guildId, thread.guildId]).toEqual([emu.secondGuildId, emu.secondGuildId]);
    const inThread = once(client, Events.MessageCreate) as Promise<[Message]>;
    emu.sendMessage({ user: emu.users.bob, channelId: thread.id, content: 'bigger', replyTo: reply.id });
    expect((await inThread)[0].reference?.guildId).toBe(emu.secondGuildId);
    const deleted = once(client, Events.MessageDelete) as Promise<[Message]>;
    await reply.delete();
    expect((await deleted)[0].guildId).toBe(emu.secondGuildId);

    const get = (path: `/${string}`) => client.rest.get(path) as Promise<Array<{ id: string }>>;
    expect((await get(Routes.guildChannels(emu.secondGuildId))).map((c) => c.id)).toEqual([emu.secondGuildChannelId]);
    expect((await get(Routes.guildChannels(emu.guildId))).map((c) => c.id)).toEqual([emu.channelId, emu.otherChannelId]);
    expect((await get(Routes.guildRoles(emu.secondGuildId))).map((r) => r.id)).toHaveLength(2);
    expect(((await client.rest.get(Routes.guildActiveThreads(emu.secondGuildId))) as { threads: { id: string }[] }).threads.map((t) => t.id)).toEqual([thread.id]);
    expect((await client.rest.get(Routes.guild(emu.secondGuildId))) as { name: string }).toMatchObject({ id: emu.secondGuildId, system_channel_id: emu.secondGuildChannelId });
    expect((await apiError(client.rest.get(Routes.guild('1234567890123456789')))).code).toBe(10004);
  });

  it('keeps guild commands per guild', async () => {
    const emu = await start();
    const client = await connect(emu);
    const register = (guildId: string, name: string) => client.rest.put(Routes.applicationGuildCommands(emu.applicationId, guildId), { body: [{ name, description: name }] });
    await register(emu.guildId, 'first');
    await register(emu.secondGuildId, 'second');
    expect(emu.registeredCommands(emu.guildId).map((c) => c.name)).toEqual(['first']);
    expect(emu.registeredCommands(emu.secondGuildId).map((c) => [c.name, c.guild_id])).toEqual([['second', emu.secondGuildId]]);
    const { interactionId } = emu.sendSlashCommand({ user: emu.users.bob, channelId: emu.secondGuildChannelId, name: 'second' });
    expect(emu.interaction(interactionId).payload['data']).toMatchObject({ id: emu.registeredCommands(emu.secondGuildId)[0]?.id, guild_id: emu.secondGuildId });
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
