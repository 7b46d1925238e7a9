import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  ChannelType,
  EmbedBuilder,
  Events,
  GuildMember,
  PermissionFlagsBits as P,
  Routes,
  type Client,
  type Message,
  type Role,
  type TextChannel,
  type ThreadChannel,
} from 'discord.js';
import type { DiscordEmulator, User } from './discord/index.js';
import { apiError, emulatorHarness, nextInteraction } from './discord/testing.js';

const { start, connect } = emulatorHarness();

async function invoke(emu: DiscordEmulator, client: Client, user: User, channelId = emu.channelId) {
  const received = nextInteraction(client, (i) => i.isChatInputCommand());
  emu.sendSlashCommand({ user, name: 'whoami', channelId });
  return received;
}

describe('discord emulator: guild members, channels, embeds, deletes and threads', () => {
  it('makes alice a moderator and bob/carol ordinary members, changeable with roles and overrides', async () => {
    const emu = await start();
    const client = await connect(emu);
    expect(client.guilds.cache.get(emu.guildId)?.roles.cache.get(emu.moderatorRoleId)?.name).toBe('Moderators');

    const alice = await invoke(emu, client, emu.users.alice);
    expect(alice.memberPermissions?.has([P.ManageGuild, P.ManageMessages, P.SendMessages])).toBe(true);
    expect(alice.memberPermissions?.has(P.Administrator)).toBe(false);
    expect((alice.member as GuildMember).roles.cache.has(emu.moderatorRoleId)).toBe(true);
    for (const user of [emu.users.bob, emu.users.carol]) {
      const interaction = await invoke(emu, client, user);
      expect(interaction.memberPermissions?.has(P.SendMessages)).toBe(true);
      expect(interaction.memberPermissions?.any([P.ManageGuild, P.ManageMessages, P.Administrator])).toBe(false);
      expect((interaction.member as GuildMember).roles.cache.filter((r) => r.id !== emu.guildId).size).toBe(0);
    }

    const roleCreated = once(client, Events.GuildRoleCreate) as Promise<[Role]>;
    const artists = emu.createRole({ name: 'Artists', permissions: P.MentionEveryone });
    expect((await roleCreated)[0].id).toBe(artists.id);
    emu.setMemberRoles(emu.users.carol, [artists.id]);
    const carol = await invoke(emu, client, emu.users.carol);
    expect(carol.memberPermissions?.has(P.MentionEveryone)).toBe(true);
    expect((carol.member as GuildMember).roles.cache.has(artists.id)).toBe(true);
    const admins = emu.createRole({ name: 'Admins', permissions: P.Administrator });
    emu.setMemberRoles(emu.users.carol, [admins.id]);
    // Administrator implies every permission.
    expect((await invoke(emu, client, emu.users.carol)).memberPermissions?.has(P.BanMembers)).toBe(true);
    expect(() => emu.setMemberRoles(emu.users.bob, ['123'])).toThrow(/unknown role/);

    emu.setMemberPermissions(emu.users.bob, P.ViewChannel | P.SendMessages);
    expect((await invoke(emu, client, emu.users.bob)).memberPermissions?.bitfield).toBe(P.ViewChannel | P.SendMessages);

    const seen = once(client, Events.MessageCreate) as Promise<[Message]>;
    emu.sendMessage({ user: emu.users.alice, content: 'hi' });
    expect((await seen)[0].member?.roles.cache.has(emu.moderatorRoleId)).toBe(true);
  });

  it('has a second channel #random and delivers subcommands (and groups) with nested options', async () => {
    const emu = await start();
    const client = await connect(emu);
    expect((client.channels.cache.get(emu.otherChannelId) as TextChannel).name).toBe('random');
    let received = nextInteraction(client, (i) => i.isChatInputCommand());
    emu.sendSlashCommand({
      user: emu.users.alice,
      channelId: emu.otherChannelId,
      name: 'settings',
      options: [{ type: 2, name: 'channels', options: [{ type: 1, name: 'allow', options: [{ type: 7, name: 'channel', value: emu.channelId }] }] }],
    });
    const grouped = await received;
    expect(grouped.channelId).toBe(emu.otherChannelId);
    expect([grouped.options.getSubcommandGroup(), grouped.options.getSubcommand()]).toEqual(['channels', 'allow']);
    received = nextInteraction(client, (i) => i.isChatInputCommand());
    emu.sendSlashCommand({ user: emu.users.bob, name: 'imagine', options: [{ type: 1, name: 'edit', options: [{ type: 3, name: 'prompt', value: 'bigger' }] }] });
    const sub = await received;
    expect([sub.options.getSubcommandGroup(false), sub.options.getSubcommand(), sub.options.getString('prompt')]).toEqual([null, 'edit', 'bigger']);
  });

  it('stores embeds as rich embeds and enforces Discord embed limits', async () => {
    const emu = await start();
    const client = await connect(emu);
    const received = nextInteraction(client, (i) => i.isChatInputCommand());
    emu.sendSlashCommand({ user: emu.users.alice, name: 'help' });
    const help = await received;
    const embed = new EmbedBuilder().setTitle('Commands').setDescription('What I can do').addFields({ name: '/imagine', value: 'draws' });
    await help.reply({ embeds: [embed] });
    const stored = await emu.waitForMessage((m) => m.embeds.length > 0);
    expect(stored.embeds).toEqual([{ type: 'rich', title: 'Commands', description: 'What I can do', fields: [{ name: '/imagine', value: 'draws' }] }]);

    const post = (embeds: unknown[]) => apiError(client.rest.post(Routes.channelMessages(emu.channelId), { body: { embeds } }));
    const field = { name: 'n', value: 'v' };
    for (const embeds of [
      Array.from({ length: 11 }, () => ({ title: 't' })),
      [{ title: 'x'.repeat(257) }],
      [{ description: 'x'.repeat(4097) }],
      [{ title: 't', fields: Array.from({ length: 26 }, () => field) }],
      [{ description: 'x'.repeat(4000) }, { description: 'x'.repeat(2001) }],
    ]) {
      expect((await post(embeds)).code).toBe(50035);
    }
  });

  it('deletes messages: its own freely, others only with Manage Messages, interaction replies by webhook', async () => {
    const emu = await start();
    const client = await connect(emu);
    const channel = client.channels.cache.get(emu.channelId) as TextChannel;
    const own = await channel.send('temporary');
    const deleted = once(client, Events.MessageDelete) as Promise<[Message]>;
    await own.delete();
    expect((await deleted)[0].id).toBe(own.id);
    const bobs = emu.sendMessage({ user: emu.users.bob, content: 'spam' });
    const refused = await apiError(channel.messages.delete(bobs.id));
    expect([refused.status, refused.code]).toEqual([403, 50013]);

    const received = nextInteraction(client, (i) => i.isChatInputCommand());
    emu.sendSlashCommand({ user: emu.users.bob, name: 'imagine' });
    const interaction = await received;
    await interaction.reply('first');
    const extra = await interaction.followUp('second');
    await interaction.deleteReply(extra);
    await interaction.deleteReply();
    const originalId = emu.interaction(interaction.id).originalMessageId!;
    expect(emu.deletedMessageIds()).toEqual([own.id, extra.id, originalId]);
    expect(emu.messages(emu.channelId).map((m) => m.id)).toEqual([bobs.id]);

    const moderatorBot = await start({ botPermissions: P.ViewChannel | P.SendMessages | P.ReadMessageHistory | P.ManageMessages });
    const modClient = await connect(moderatorBot);
    const victim = moderatorBot.sendMessage({ user: moderatorBot.users.bob, content: 'spam' });
    await (modClient.channels.cache.get(moderatorBot.channelId) as TextChannel).messages.delete(victim.id);
    expect(moderatorBot.deletedMessageIds()).toEqual([victim.id]);
  });

  it('creates a public thread without a starter message (THREAD_CREATE, a new id, a system message)', async () => {
    const emu = await start();
    const client = await connect(emu);
    const channel = client.channels.cache.get(emu.channelId) as TextChannel;
    const created = once(client, Events.ThreadCreate) as Promise<[ThreadChannel, boolean]>;
    const thread = await channel.threads.create({ name: 'branch of banana', type: ChannelType.PublicThread });
    const [fromGateway, newlyCreated] = await created;
    expect([fromGateway.id, newlyCreated, thread.type, thread.parentId]).toEqual([thread.id, true, ChannelType.PublicThread, emu.channelId]);
    expect(emu.threads().map((t) => t.id)).toEqual([thread.id]);
    expect(emu.messages(emu.channelId).map((m) => m.id)).not.toContain(thread.id);
    // Discord announces a message-less public thread with a THREAD_CREATED (18) message in the parent.
    expect(emu.messages(emu.channelId).at(-1)).toMatchObject({ type: 18, content: 'branch of banana', message_reference: { channel_id: thread.id } });
    await thread.send('continuing here');
    expect(emu.messages(thread.id).map((m) => m.content)).toEqual(['continuing here']);
  });
});
