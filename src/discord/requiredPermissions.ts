import { PermissionFlagsBits, type PermissionsBitField } from 'discord.js';
import type { Refusal } from '../refusals/refusal.js';

/** The permission names a server admin sees in Discord's settings. */
const READABLE_NAMES = new Map<bigint, string>([
  [PermissionFlagsBits.ViewChannel, 'View Channel'],
  [PermissionFlagsBits.SendMessages, 'Send Messages'],
  [PermissionFlagsBits.SendMessagesInThreads, 'Send Messages in Threads'],
  [PermissionFlagsBits.CreatePublicThreads, 'Create Public Threads'],
  [PermissionFlagsBits.AttachFiles, 'Attach Files'],
  [PermissionFlagsBits.ReadMessageHistory, 'Read Message History'],
]);

/**
 * What the bot needs where a turn will be answered. Replying to a message
 * needs Read Message History; a new conversation needs to open a thread and
 * to talk in it later.
 */
function permissionsNeeded(where: { inThread: boolean; startsConversation: boolean; viaInteraction: boolean }): bigint[] {
  if (where.viaInteraction) {
    // Interaction replies go through the webhook; only the thread and its later replies need channel permissions.
    return where.startsConversation ? [PermissionFlagsBits.CreatePublicThreads, PermissionFlagsBits.SendMessagesInThreads] : [];
  }
  const needed = [
    PermissionFlagsBits.ViewChannel,
    where.inThread ? PermissionFlagsBits.SendMessagesInThreads : PermissionFlagsBits.SendMessages,
    PermissionFlagsBits.AttachFiles,
    PermissionFlagsBits.ReadMessageHistory,
  ];
  if (where.startsConversation) needed.push(PermissionFlagsBits.CreatePublicThreads, PermissionFlagsBits.SendMessagesInThreads);
  return needed;
}

/** The readable names of the needed permissions the bot lacks (all of them when unknown). */
export function missingPermissions(granted: Readonly<PermissionsBitField> | null | undefined, needed: bigint[]): string[] {
  return needed.filter((flag) => !granted?.has(flag)).map((flag) => READABLE_NAMES.get(flag) ?? `permission ${flag}`);
}

export interface PermissionProblem {
  missing: string[];
  /** What the member is told (describeRefusal). */
  refusal: Refusal;
  /** Whether the bot can still post a message here to say so. */
  canTell: boolean;
}

/** The one check both entry points use: undefined when the bot has what it needs here. */
export function checkPermissions(
  granted: Readonly<PermissionsBitField> | null | undefined,
  where: Parameters<typeof permissionsNeeded>[0],
): PermissionProblem | undefined {
  const missing = missingPermissions(granted, permissionsNeeded(where));
  if (missing.length === 0) return undefined;
  const mute = ['View Channel', where.inThread ? 'Send Messages in Threads' : 'Send Messages'];
  return { missing, refusal: { kind: 'missing-permissions', permissions: missing }, canTell: where.viaInteraction || !missing.some((name) => mute.includes(name)) };
}
