import { storeAttachment, lookupFile } from './attachments.js';
import { Cdn } from './cdn.js';
import { Gateway } from './gateway.js';
import type { RestLog } from './rest.js';
import { startServer } from './server.js';
import { waitForAck } from './interactions.js';
import { memberJson } from './payloads.js';
import { createRole, setMemberPermissions, setMemberRoles } from './roles.js';
import { sendUserMessage } from './simulate.js';
import { memberDeletesChannel, memberDeletesThread, setArchived } from './threads.js';
import { clickButton, sendAutocomplete, sendMessageCommand, sendSlashCommand, submitModal } from './simulate-interactions.js';
import { defaultConfig, World } from './state.js';
import type { DiscordEmulator, DiscordEmulatorOptions, RegisteredCommand, StoredMessage } from './types.js';

export type * from './types.js';
export { shardForGuild } from './sharding.js';

function describe(m: StoredMessage): string {
  const files = m.attachments.length ? ` [${m.attachments.map((a) => a.filename).join(', ')}]` : '';
  const text = m.content.length > 120 ? `${m.content.slice(0, 117)}...` : m.content;
  return `  #${m.channel_id} ${m.author.username} (type ${m.type}): ${JSON.stringify(text)}${files}`;
}

export async function startDiscordEmulator(options: DiscordEmulatorOptions = {}): Promise<DiscordEmulator> {
  const world = new World(defaultConfig(options));
  const log: RestLog = { requests: [], unexpectedRequests: [] };
  let gatewayUrl = '';
  const gateway = new Gateway(world, () => gatewayUrl);
  const cdn = new Cdn(world);
  const server = await startServer({ world, log }, gateway, cdn);
  gatewayUrl = server.gatewayUrl;
  const origin = server.origin;

  const allMessages = () =>
    [...world.messagesByChannel.values()].flat().sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));

  const emulator: DiscordEmulator = {
    apiUrl: `${origin}/api`,
    cdnOrigin: origin,
    gatewayUrl,
    token: world.token,
    applicationId: world.applicationId,
    botUser: world.botUser,
    guildId: world.guildId,
    channelId: world.channelId,
    otherChannelId: world.otherChannelId,
    secondGuildId: world.secondGuildId,
    secondGuildChannelId: world.secondGuildChannelId,
    users: { alice: world.alice, bob: world.bob, carol: world.carol, mallory: world.mallory },
    moderatorRoleId: world.moderatorRoleId,
    requests: log.requests,
    unexpectedRequests: log.unexpectedRequests,

    addAttachment(bytes, meta) {
      return storeAttachment(world, origin, meta.channelId ?? world.channelId, { ...meta, bytes });
    },
    serveAt(path, handler) {
      const normalized = path.startsWith('/') ? path : `/${path}`;
      cdn.extraRoutes.set(normalized, handler);
      return `${origin}${normalized}`;
    },
    sendSlashCommand: (args) => sendSlashCommand(world, args),
    sendAutocomplete: (args) => sendAutocomplete(world, args),
    sendMessageCommand: (args) => sendMessageCommand(world, args),
    clickButton: (args) => clickButton(world, args),
    submitModal: (args) => submitModal(world, args),
    injectFault: (args) =>
      void world.faults.push({
        method: args.method.toUpperCase(),
        path: args.path,
        remaining: args.times ?? 1,
        delayMs: args.delayMs ?? 0,
        holdUntil: args.holdUntil,
        onHeld: args.onHeld,
        answerHeldUntil: args.answerHeldUntil,
        error: args.error ? { status: args.error.status, code: args.error.code ?? 0, message: args.error.message ?? `${args.error.status}: Injected failure` } : undefined,
      }),
    advanceClock: (ms) => world.advanceClock(ms),
    waitForInteractionResponse: (interactionId, timeoutMs = 20_000) => waitForAck(world, interactionId, timeoutMs),
    sendMessage: (args) => sendUserMessage(world, args),
    createRole: (args) => createRole(world, args),
    setMemberRoles: (user, roleIds) => setMemberRoles(world, user, roleIds, () => memberJson(world, world.guildId, user)),
    setMemberPermissions: (user, permissions) => setMemberPermissions(world, user, permissions),
    deletedMessageIds: () => [...world.deletedMessageIds],
    messages: (channelId) => [...world.messages(channelId)],
    waitForMessage(predicate, timeoutMs = 20_000) {
      const existing = allMessages().find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise<StoredMessage>((resolve, reject) => {
        const onMessage = (m: StoredMessage) => {
          if (!predicate(m)) return;
          cleanup();
          resolve(m);
        };
        const timer = setTimeout(() => {
          cleanup();
          const recent = allMessages().slice(-10).map(describe).join('\n') || '  (no messages)';
          reject(new Error(`discord emulator: no matching message within ${timeoutMs} ms. Recent messages:\n${recent}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          world.off('message', onMessage);
        };
        world.on('message', onMessage);
      });
    },
    attachmentBytes(attachment) {
      const file = lookupFile(world, attachment.url);
      if (!file) throw new Error(`discord emulator: no stored bytes for ${attachment.url}`);
      return file.bytes;
    },
    threads: () => world.threads(),
    archiveThread: (threadId) => setArchived(world, threadId, true),
    deleteThread: (args) => memberDeletesThread(world, args),
    deleteChannel: (args) => memberDeletesChannel(world, args),
    interaction(id) {
      const record = world.interactions.get(id);
      if (!record) throw new Error(`discord emulator: unknown interaction ${id}`);
      return record;
    },
    registeredCommands: (guildId?: string): RegisteredCommand[] => [...(world.commands.get(guildId ?? 'global') ?? [])],
    waitForIdentify(count = 1) {
      return new Promise((resolve) => {
        const check = () => {
          if (gateway.identifies < count) return;
          gateway.off('identify', check);
          resolve();
        };
        gateway.on('identify', check);
        check();
      });
    },
    shardSessions: () => gateway.shardSessions(),
    disconnectAll: (code?: number) => gateway.disconnectAll(code),
    close: () => server.close(),
  };
  return emulator;
}
