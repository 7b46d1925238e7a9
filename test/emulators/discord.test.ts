import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ChannelType, Client, Events, GatewayDispatchEvents, GatewayIntentBits, PermissionFlagsBits, Routes, type Message, type TextChannel } from 'discord.js';
import { apiError, emulatorHarness, nextInteraction } from './discord/testing.js';

const PNG = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAIAAAADCAYAAAC56t6BAAAAEklEQVR4nGP8z8DwnwEIGBkZGQAj/QMBLAgn3gAAAABJRU5ErkJggg==',
    'base64',
  ),
);

const { start, connect, track } = emulatorHarness();
const nextCommand = (client: Client) => nextInteraction(client, (i) => i.isChatInputCommand());

describe('discord emulator with a real discord.js Client', () => {
  it('reaches ready and sees the guild, the channel and its own permissions', async () => {
    const emu = await start();
    const client = await connect(emu);
    expect(client.user?.id).toBe(emu.botUser.id);
    expect(client.application?.id).toBe(emu.applicationId);
    const guild = client.guilds.cache.get(emu.guildId);
    expect(guild?.available).toBe(true);
    const channel = client.channels.cache.get(emu.channelId);
    expect(channel?.type).toBe(ChannelType.GuildText);
    expect((channel as TextChannel).name).toBe('general');
    const perms = (channel as TextChannel).permissionsFor(client.user!);
    expect(perms?.has(PermissionFlagsBits.SendMessages)).toBe(true);
    expect(perms?.has(PermissionFlagsBits.ManageMessages)).toBe(false);
    expect(guild?.members.cache.get(emu.users.alice.id)?.user.username).toBe('alice');
    expect(emu.requests.every((r) => r.status < 400)).toBe(true);
    expect(emu.unexpectedRequests).toEqual([]);
  });

  it('delivers a slash command whose deferReply + editReply uploads exact bytes', async () => {
    const emu = await start();
    const client = await connect(emu);
    const input = emu.addAttachment(PNG, { filename: 'input image.png' });
    expect(input).toMatchObject({ filename: 'input_image.png', size: PNG.byteLength, content_type: 'image/png', width: 2, height: 3 });
    const output = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 256);
    const received = nextCommand(client);
    const { interactionId } = emu.sendSlashCommand({
      user: emu.users.alice,
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: 'a banana' },
        { name: 'image', type: 11, value: input.id },
      ],
      attachments: [input],
    });
    const interaction = await received;
    expect(interaction.id).toBe(interactionId);
    expect(interaction.user.id).toBe(emu.users.alice.id);
    expect(interaction.options.getString('prompt')).toBe('a banana');
    expect(interaction.options.getAttachment('image')?.url).toBe(input.url);
    expect(interaction.appPermissions?.has(PermissionFlagsBits.AttachFiles)).toBe(true);
    const downloaded = await fetch(input.url);
    expect(new Uint8Array(await downloaded.arrayBuffer())).toEqual(PNG);

    await interaction.deferReply();
    expect(emu.interaction(interactionId).ackType).toBe(5);
    const reply = await interaction.editReply({ content: 'here you go', files: [{ attachment: Buffer.from(output), name: 'out.bin' }, { attachment: Buffer.from('note'), name: 'notes.txt' }] });
    expect(reply.id).toBe(emu.interaction(interactionId).originalMessageId);

    const stored = await emu.waitForMessage((m) => m.attachments.length > 0 && m.author.id === emu.botUser.id);
    expect(stored.content).toBe('here you go');
    expect(stored.type).toBe(20);
    expect(stored.attachments[0]).toMatchObject({ filename: 'out.bin', size: output.byteLength });
    expect(stored.attachments[1]).toMatchObject({ filename: 'notes.txt', size: 4, content_type: 'text/plain; charset=utf-8' });
    expect(emu.attachmentBytes(stored.attachments[0]!)).toEqual(output);
    const served = await fetch(stored.attachments[0]!.url);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(Buffer.from(output));

    const edit = emu.requests.find((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'));
    expect(edit?.files.map((f) => f.filename)).toEqual(['out.bin', 'notes.txt']);
    expect(edit?.authorization).toBeNull();

    const followUp = await interaction.followUp({ content: 'and one more' });
    expect(emu.messages(emu.channelId).map((m) => m.id)).toContain(followUp.id);
    expect(emu.unexpectedRequests).toEqual([]);
  });

  it('starts a thread whose id equals the starter message id and routes replies in it', async () => {
    const emu = await start();
    const client = await connect(emu);
    const channel = client.channels.cache.get(emu.channelId) as TextChannel;
    await channel.sendTyping();
    const starter = await channel.send({ content: 'starting', allowedMentions: { parse: [] } });
    const thread = await starter.startThread({ name: 'banana thread' });
    expect(thread.id).toBe(starter.id);
    expect(thread.parentId).toBe(emu.channelId);
    expect(emu.threads().map((t) => t.id)).toEqual([starter.id]);
    expect(emu.messages(emu.channelId).find((m) => m.id === starter.id)?.thread?.id).toBe(starter.id);
    expect(emu.messages(emu.channelId).find((m) => m.id === starter.id)?.allowed_mentions).toEqual({ parse: [] });

    const botInThread = await thread.send('in the thread');
    const seen = new Promise<Message>((resolve) => {
      client.on(Events.MessageCreate, (m) => {
        if (m.author.id === emu.users.bob.id) resolve(m);
      });
    });
    emu.sendMessage({ user: emu.users.bob, channelId: thread.id, content: 'make it yellow', replyTo: botInThread.id });
    const message = await seen;
    expect(message.channelId).toBe(thread.id);
    expect(message.content).toBe('make it yellow');
    expect(message.reference?.messageId).toBe(botInThread.id);
    expect(message.mentions.users.has(emu.botUser.id)).toBe(true);

    // discord.js refuses locally once it knows of the thread, so ask the API directly.
    const again = client.rest.post(Routes.threads(emu.channelId, starter.id), { body: { name: 'again' } });
    expect((await apiError(again)).code).toBe(160004);
    const longName = await apiError(channel.threads.create({ name: 'x'.repeat(101), type: ChannelType.PublicThread }));
    expect(longName.code).toBe(50035);
    expect(emu.unexpectedRequests).toEqual([]);
  });

  it('deletes a thread with its messages, for the bot with Manage Threads (200 and the channel) or a member who may, dispatching THREAD_DELETE as Discord does', async () => {
    const P = PermissionFlagsBits;
    const emu = await start({ botPermissions: P.ViewChannel | P.SendMessages | P.SendMessagesInThreads | P.CreatePublicThreads | P.ReadMessageHistory | P.ManageThreads });
    const client = await connect(emu);
    const channel = client.channels.cache.get(emu.channelId) as TextChannel;
    const starter = await channel.send('starting');
    const thread = await starter.startThread({ name: 'to be deleted' });
    const inThread = await thread.send('in the thread');
    const deletions: unknown[] = [];
    client.ws.on(GatewayDispatchEvents.ThreadDelete, (data: unknown) => deletions.push(data));
    const deletedEvent = once(client, Events.ThreadDelete);

    const answer = (await client.rest.delete(Routes.channel(thread.id))) as { id: string; type: number; parent_id: string; member?: unknown };
    expect(answer).toMatchObject({ id: thread.id, type: ChannelType.PublicThread, parent_id: emu.channelId, guild_id: emu.guildId, name: 'to be deleted' });
    const [deleted] = (await deletedEvent) as [{ id: string }];
    expect(deleted.id).toBe(thread.id);
    expect(deletions).toEqual([{ id: thread.id, guild_id: emu.guildId, parent_id: emu.channelId, type: ChannelType.PublicThread }]);
    expect(emu.threads()).toEqual([]);
    expect(emu.messages(thread.id)).toEqual([]);
    expect((await apiError(client.rest.get(Routes.channelMessage(thread.id, inThread.id)))).code).toBe(10003);
    // The starter stays in the parent, without its thread.
    expect(emu.messages(emu.channelId).find((m) => m.id === starter.id)?.thread).toBeUndefined();

    // A member: only with Manage Threads (alice's moderators have Manage Messages, not Manage Threads).
    const second = await (await channel.send('again')).startThread({ name: 'a member deletes this' });
    expect(() => emu.deleteThread({ user: emu.users.alice, threadId: second.id })).toThrow(/Manage Threads/);
    emu.setMemberPermissions(emu.users.alice, P.ViewChannel | P.ManageThreads);
    const secondDeleted = once(client, Events.ThreadDelete);
    emu.deleteThread({ user: emu.users.alice, threadId: second.id });
    expect(((await secondDeleted) as [{ id: string }])[0].id).toBe(second.id);
    expect(deletions.at(-1)).toEqual({ id: second.id, guild_id: emu.guildId, parent_id: emu.channelId, type: ChannelType.PublicThread });
    expect(emu.unexpectedRequests).toEqual([]);
  });

  it('deletes a guild channel with its threads (archived ones too) for the bot with Manage Channels or a member who may, dispatching only CHANNEL_DELETE as Discord does', async () => {
    const P = PermissionFlagsBits;
    const emu = await start({ botPermissions: P.ViewChannel | P.SendMessages | P.SendMessagesInThreads | P.CreatePublicThreads | P.ReadMessageHistory | P.ManageChannels });
    const client = await connect(emu);
    const channel = client.channels.cache.get(emu.channelId) as TextChannel;
    const thread = await (await channel.send('starting')).startThread({ name: 'in the deleted channel' });
    await thread.send('in the thread');
    const archived = await (await channel.send('again')).startThread({ name: 'archived' });
    emu.archiveThread(archived.id);
    const other = client.channels.cache.get(emu.otherChannelId) as TextChannel;
    const elsewhere = await (await other.send('elsewhere')).startThread({ name: 'in another channel' });
    const dispatched: [string, unknown][] = [];
    for (const event of [GatewayDispatchEvents.ThreadDelete, GatewayDispatchEvents.ChannelDelete]) client.ws.on(event, (data: unknown) => dispatched.push([event, data]));
    const deletedEvent = once(client, Events.ChannelDelete);

    const answer = (await client.rest.delete(Routes.channel(emu.channelId))) as { id: string; type: number; guild_id: string };
    expect(answer).toMatchObject({ id: emu.channelId, type: ChannelType.GuildText, guild_id: emu.guildId, name: 'general' });
    expect(((await deletedEvent) as [{ id: string }])[0].id).toBe(emu.channelId);
    expect(dispatched).toEqual([[GatewayDispatchEvents.ChannelDelete, expect.objectContaining({ id: emu.channelId, guild_id: emu.guildId, type: ChannelType.GuildText })]]);
    expect(emu.threads().map((t) => t.id)).toEqual([elsewhere.id]);
    expect(emu.messages(thread.id)).toEqual([]);
    expect(emu.messages(emu.channelId)).toEqual([]);
    expect((await apiError(client.rest.get(Routes.channel(thread.id)))).code).toBe(10003);

    // A member: only with Manage Channels (alice's moderators do not have it).
    expect(() => emu.deleteChannel({ user: emu.users.alice, channelId: emu.otherChannelId })).toThrow(/Manage Channels/);
    emu.setMemberPermissions(emu.users.alice, P.ViewChannel | P.ManageChannels);
    const otherDeleted = once(client, Events.ChannelDelete);
    emu.deleteChannel({ user: emu.users.alice, channelId: emu.otherChannelId });
    expect(((await otherDeleted) as [{ id: string }])[0].id).toBe(emu.otherChannelId);
    expect(dispatched.map(([event]) => event)).toEqual([GatewayDispatchEvents.ChannelDelete, GatewayDispatchEvents.ChannelDelete]);
    expect(emu.threads()).toEqual([]);
    expect(emu.unexpectedRequests).toEqual([]);
  });

  it('refuses DELETE /channels/{thread} with 50013 without Manage Threads, and keeps the thread', async () => {
    const emu = await start();
    const client = await connect(emu);
    const channel = client.channels.cache.get(emu.channelId) as TextChannel;
    const thread = await (await channel.send('starting')).startThread({ name: 'kept' });
    expect((await apiError(client.rest.delete(Routes.channel(thread.id)))).code).toBe(50013);
    expect(emu.threads().map((t) => t.id)).toEqual([thread.id]);
    expect((await apiError(client.rest.delete(Routes.channel(emu.channelId)))).code).toBe(50013);
  });

  it('rejects a late deferReply with 10062 and a second acknowledgement with 40060', async () => {
    // Discord's own 3 s deadline: the answer on time has all of it, however slow the machine; the late one is made late by the clock.
    const emu = await start();
    const client = await connect(emu);
    let received = nextCommand(client);
    emu.sendSlashCommand({ user: emu.users.bob, name: 'imagine' });
    const late = await received;
    emu.advanceClock(3_001);
    expect((await apiError(late.deferReply())).code).toBe(10062);

    received = nextCommand(client);
    emu.sendSlashCommand({ user: emu.users.bob, name: 'imagine' });
    const onTime = await received;
    await onTime.reply({ content: 'first' });
    const second = client.rest.post(Routes.interactionCallback(onTime.id, onTime.token), {
      body: { type: 4, data: { content: 'second' } },
      auth: false,
    });
    const error = await apiError(second);
    expect(error.code).toBe(40060);
    expect(error.status).toBe(400);
  });

  it('answers with_response, expires interaction tokens, and serves test CDN routes', async () => {
    const emu = await start();
    const client = await connect(emu);
    const received = nextCommand(client);
    emu.sendSlashCommand({ user: emu.users.alice, name: 'imagine' });
    const interaction = await received;
    const response = await interaction.deferReply({ withResponse: true });
    expect(response.interaction.id).toBe(interaction.id);
    expect(response.interaction.responseMessageLoading).toBe(true);
    await interaction.editReply('done');
    emu.advanceClock(15 * 60 * 1000 + 1); // past the token's 15 minutes
    const expired = await apiError(interaction.followUp('too late'));
    expect([expired.status, expired.code]).toEqual([401, 50027]);

    const liar = emu.addAttachment(PNG, { filename: 'huge.png', declaredSize: 50 * 1024 * 1024 });
    expect(liar.size).toBe(50 * 1024 * 1024);
    expect(emu.attachmentBytes(liar)).toEqual(PNG);
    const redirect = emu.serveAt('/redirect-me', (_req, res) => {
      res.writeHead(302, { location: liar.url });
      res.end();
    });
    const followed = await fetch(redirect);
    expect(followed.headers.get('content-type')).toBe('image/png');
    expect((await fetch(`${emu.cdnOrigin}/attachments/1/2/missing.png`)).status).toBe(404);
  });

  it('dates an interaction created a while ago from its id: its token dies 15 minutes after that, its 3 s to acknowledge run from delivery', async () => {
    const emu = await start();
    const client = await connect(emu);
    const ago = 14 * 60_000;
    let received = nextCommand(client);
    const before = Date.now();
    emu.sendSlashCommand({ user: emu.users.alice, name: 'imagine', createdAgoMs: ago });
    const old = await received;
    // discord.js reads the creation time from the snowflake, as the bot does.
    expect(old.createdTimestamp).toBeGreaterThanOrEqual(before - ago);
    expect(old.createdTimestamp).toBeLessThanOrEqual(Date.now() - ago);
    expect(emu.interaction(old.id).createdAt).toBe(old.createdTimestamp);
    await old.deferReply(); // delivered just now: on time
    await old.editReply('drawing');
    emu.advanceClock(60_000 + 1); // 15 minutes after its creation, one after its delivery
    for (const late of [() => old.editReply('done'), () => old.followUp('done'), () => old.fetchReply(), () => old.deleteReply()]) {
      const error = await apiError(late());
      expect([error.status, error.code, error.rawError]).toEqual([401, 50027, { message: 'Invalid Webhook Token', code: 50027 }]);
    }

    // Ids stay unique and the emulator's own ids keep increasing after a backdated one.
    received = nextCommand(client);
    emu.sendSlashCommand({ user: emu.users.alice, name: 'imagine', createdAgoMs: ago });
    const twin = await received;
    expect(twin.id).not.toBe(old.id);
    await twin.deferReply();
    expect(BigInt(emu.interaction(twin.id).originalMessageId!)).toBeGreaterThan(BigInt(emu.interaction(old.id).originalMessageId!));
    expect(() => emu.sendSlashCommand({ user: emu.users.alice, name: 'imagine', createdAgoMs: -1 })).toThrow(/createdAgoMs/);
  });

  it('refuses bad tokens on REST and at login', async () => {
    const emu = await start();
    const res = await fetch(`${emu.apiUrl}/v10/users/@me`, { headers: { authorization: 'Bot nope' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: '401: Unauthorized', code: 0 });
    const client = track(new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: emu.apiUrl } }));
    await expect(client.login('bad.token.value')).rejects.toMatchObject({ code: 'TokenInvalid' });
  });

  it('speaks the raw gateway protocol: HELLO, heartbeat ACK, 4004 on a bad IDENTIFY', async () => {
    const emu = await start();
    const info = (await (await fetch(`${emu.apiUrl}/v10/gateway`)).json()) as { url: string };
    const ws = new WebSocket(`${info.url}?v=10&encoding=json`);
    const frames: { op: number; d?: { heartbeat_interval?: number } }[] = [];
    const gotTwo = new Promise<void>((resolve) =>
      ws.on('message', (data) => {
        frames.push(JSON.parse(data.toString()));
        if (frames.length === 2) resolve();
      }),
    );
    await once(ws, 'open');
    ws.send(JSON.stringify({ op: 1, d: null }));
    await gotTwo;
    expect(frames[0]).toMatchObject({ op: 10, d: { heartbeat_interval: 41250 } });
    expect(frames[1]).toMatchObject({ op: 11 });
    const closed = once(ws, 'close');
    ws.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 1, properties: {} } }));
    const [code] = (await closed) as [number];
    expect(code).toBe(4004);
  });

  it('validates messages like Discord: length, emptiness, upload size', async () => {
    const emu = await start({ uploadLimitBytes: 1024 });
    const client = await connect(emu);
    const channel = client.channels.cache.get(emu.channelId) as TextChannel;
    const tooLong = await apiError(channel.send('x'.repeat(2001)));
    expect(tooLong.code).toBe(50035);
    expect(tooLong.rawError).toMatchObject({ errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } });
    expect((await apiError(channel.send({ content: '   ' }))).code).toBe(50006);
    const big = await apiError(channel.send({ files: [{ attachment: Buffer.alloc(2048), name: 'big.bin' }] }));
    expect([big.status, big.code]).toEqual([413, 40005]);
    await channel.send('x'.repeat(2000));
    expect(emu.messages(emu.channelId)).toHaveLength(1);
  });

  it('enforces bot permissions', async () => {
    const emu = await start({ botPermissions: PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages });
    const client = await connect(emu);
    const channel = client.channels.cache.get(emu.channelId) as TextChannel;
    expect(channel.permissionsFor(client.user!)?.has(PermissionFlagsBits.AttachFiles)).toBe(false);
    const error = await apiError(channel.send({ files: [{ attachment: Buffer.from('hi'), name: 'a.txt' }] }));
    expect([error.status, error.code]).toEqual([403, 50013]);
    const message = await channel.send('text is fine');
    expect((await apiError(message.startThread({ name: 't' }))).code).toBe(50013);
  });

  it('records unknown routes as unexpected and answers 404', async () => {
    const emu = await start();
    const client = await connect(emu);
    const error = await apiError(client.rest.get(`/guilds/${emu.guildId}/bans`));
    expect([error.status, error.code]).toEqual([404, 0]);
    expect(emu.unexpectedRequests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /guilds/${emu.guildId}/bans`]);
  });

  it('hides message content from a client without the MessageContent intent unless mentioned', async () => {
    const emu = await start();
    const client = await connect(emu, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages]);
    const contents: string[] = [];
    const two = new Promise<void>((resolve) => {
      client.on(Events.MessageCreate, (m) => {
        contents.push(m.content);
        if (contents.length === 2) resolve();
      });
    });
    emu.sendMessage({ user: emu.users.alice, content: 'secret' });
    emu.sendMessage({ user: emu.users.alice, content: 'hello bot', mentionBot: true });
    await two;
    expect(contents).toEqual(['', `<@${emu.botUser.id}> hello bot`]);
  });

  it('lets a second client see threads after the first is destroyed, and resumes after a drop', async () => {
    const emu = await start();
    const first = await connect(emu);
    const channel = first.channels.cache.get(emu.channelId) as TextChannel;
    const starter = await channel.send('thread me');
    await starter.startThread({ name: 'persisted' });
    await first.destroy();

    const second = await connect(emu);
    const thread = second.channels.cache.get(starter.id);
    expect(thread?.isThread()).toBe(true);
    expect(thread?.isThread() && thread.parentId).toBe(emu.channelId);

    const resumed = once(second, Events.ShardResume);
    emu.disconnectAll();
    await resumed;
    const seen = once(second, Events.MessageCreate) as Promise<[Message]>;
    emu.sendMessage({ user: emu.users.alice, channelId: starter.id, content: 'after resume' });
    const [message] = await seen;
    expect(message.content).toBe('after resume');
  });
});
