import type { APIApplicationCommandInteractionDataBasicOption } from 'discord.js';
import { expect } from 'vitest';
import type { User } from '../emulators/discord/index.js';
import type { Harness } from './harness.js';

/**
 * Runs a command (a subcommand when `subcommand` is given) as `user` and returns the
 * bot's reply, checking it is ephemeral and pings nobody: every /settings and /usage
 * answer must be both.
 */
export async function privateReply(
  harness: Harness,
  user: User,
  command: string,
  subcommand?: string,
  options: APIApplicationCommandInteractionDataBasicOption[] = [],
): Promise<string> {
  const { interactionId } = harness.discord.sendSlashCommand({
    user,
    name: command,
    options: subcommand ? [{ type: 1, name: subcommand, options }] : options,
  });
  const reply = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(interactionId).originalMessageId);
  expect(harness.discord.interaction(interactionId).ackFlags).toBe(64);
  expect(reply.allowed_mentions).toMatchObject({ parse: [], replied_user: false });
  return reply.content;
}
