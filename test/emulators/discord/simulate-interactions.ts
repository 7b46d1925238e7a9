import { AUTOCOMPLETE_OPTION_TYPES } from './autocomplete.js';
import { findCommandId, findRegisteredOption } from './commands.js';
import { findComponent } from './components.js';
import { channelOrThrow, dispatchInteraction } from './interactions.js';
import { modalSubmission } from './modals.js';
import { restMessageJson } from './payloads.js';
import type { World } from './state.js';
import type { AutocompleteArgs, ClickButtonArgs, MessageCommandArgs, SlashCommandArgs, StoredMessage, SubmitModalArgs } from './types.js';

type Ids = { interactionId: string; token: string };

const EPHEMERAL = 64;

function messageOrThrow(world: World, message: { id: string } | string): StoredMessage {
  const id = typeof message === 'string' ? message : message.id;
  const stored = world.messageById.get(id);
  if (!stored) throw new Error(`discord emulator: unknown (or deleted) message ${id}`);
  return stored;
}

/** A user invokes a slash command: INTERACTION_CREATE type 2, data.type 1 (CHAT_INPUT). */
export function sendSlashCommand(world: World, args: SlashCommandArgs): Ids {
  const channelId = args.channelId ?? world.channelId;
  const guildId = channelOrThrow(world, channelId).guild_id;
  const data: Record<string, unknown> = {
    // Unregistered commands still get a stable id so tests need not deploy first.
    id: findCommandId(world, guildId, args.name) ?? world.ids.next(),
    name: args.name,
    type: 1,
    guild_id: guildId,
  };
  // Subcommands arrive as options of type 1 (SUB_COMMAND) / 2 (SUB_COMMAND_GROUP) with nested options.
  if (args.options) data.options = args.options;
  if (args.attachments?.length) {
    data.resolved = { attachments: Object.fromEntries(args.attachments.map((a) => [a.id, a])) };
  }
  return dispatchInteraction(world, { type: 2, user: args.user, channelId, name: args.name, data, record: { commandType: 1 }, createdAgoMs: args.createdAgoMs });
}

/** A member types in an autocomplete option: type 4, the options so far with one focused. */
export function sendAutocomplete(world: World, args: AutocompleteArgs): Ids {
  const channelId = args.channelId ?? world.channelId;
  const guildId = channelOrThrow(world, channelId).guild_id;
  const focusedPath = pathToFocused(args.options);
  if (!focusedPath) throw new Error('discord emulator: an autocomplete interaction has exactly one option with focused: true');
  const registered = findRegisteredOption(world, guildId, args.name, focusedPath.names);
  if (registered?.autocomplete !== true) {
    throw new Error(`discord emulator: /${args.name} ${focusedPath.names.join(' ')} is not registered with autocomplete, so Discord would send no autocomplete interaction`);
  }
  const focusedType = focusedPath.option.type;
  if (typeof focusedType !== 'number' || !AUTOCOMPLETE_OPTION_TYPES.includes(focusedType) || focusedType !== registered.type) {
    throw new Error(`discord emulator: the focused option's type ${String(focusedType)} is not the registered type ${String(registered.type)}`);
  }
  const data = { id: findCommandId(world, guildId, args.name), name: args.name, type: 1, guild_id: guildId, options: args.options };
  return dispatchInteraction(world, {
    type: 4,
    user: args.user,
    channelId,
    name: args.name,
    data,
    record: { commandType: 1, focusedOptionType: focusedType },
  });
}

/** The names from the command down to the one focused option, and that option. */
function pathToFocused(options: Array<Record<string, unknown>>): { names: string[]; option: Record<string, unknown> } | undefined {
  const found: Array<{ names: string[]; option: Record<string, unknown> }> = [];
  const walk = (list: Array<Record<string, unknown>>, names: string[]) => {
    for (const option of list) {
      const here = [...names, String(option.name)];
      if (option.focused === true) found.push({ names: here, option });
      if (Array.isArray(option.options)) walk(option.options as Array<Record<string, unknown>>, here);
    }
  };
  walk(options, []);
  return found.length === 1 ? found[0] : undefined;
}

/** Apps → <name> on a message: type 2 with data.type 3, the target resolved in full. */
export function sendMessageCommand(world: World, args: MessageCommandArgs): Ids {
  const target = messageOrThrow(world, args.message);
  const channelId = args.channelId ?? target.channel_id;
  if (channelId !== target.channel_id) throw new Error(`discord emulator: message ${target.id} is not in channel ${channelId}`);
  const data = {
    id: findCommandId(world, world.guildOf(channelId), args.name) ?? world.ids.next(),
    name: args.name,
    type: 3,
    guild_id: world.guildOf(channelId),
    target_id: target.id,
    resolved: { messages: { [target.id]: restMessageJson(target) } },
  };
  return dispatchInteraction(world, {
    type: 2,
    user: args.user,
    channelId,
    name: args.name,
    data,
    record: { commandType: 3, targetId: target.id },
    createdAgoMs: args.createdAgoMs,
  });
}

/** A click on a button of a bot message: type 3 (MESSAGE_COMPONENT), component_type 2. */
export function clickButton(world: World, args: ClickButtonArgs): Ids {
  const message = messageOrThrow(world, args.message);
  // Only application messages can carry components; nobody can click on a user's message.
  if (message.author.id !== world.botUser.id) throw new Error(`discord emulator: message ${message.id} is not the bot's; it has no buttons`);
  // An ephemeral message is visible, hence clickable, only for the user it was shown to.
  const viewer = message.interaction_metadata?.user?.id;
  if (((message.flags ?? 0) & EPHEMERAL) !== 0 && viewer !== args.user.id) {
    throw new Error(`discord emulator: ${args.user.username} cannot see ephemeral message ${message.id}`);
  }
  // The client greys out disabled buttons; an absent custom_id is allowed (stale or foreign ids).
  const component = findComponent(message, args.customId);
  if (component?.disabled === true) throw new Error(`discord emulator: button "${args.customId}" is disabled`);
  return dispatchInteraction(world, {
    type: 3,
    user: args.user,
    channelId: message.channel_id,
    name: args.customId,
    data: { custom_id: args.customId, component_type: 2 },
    message,
    record: { messageId: message.id },
    createdAgoMs: args.createdAgoMs,
  });
}

/** The user submits the modal an interaction opened: type 5 (MODAL_SUBMIT). */
export function submitModal(world: World, args: SubmitModalArgs): Ids {
  const opener = world.interactions.get(args.interactionId);
  if (!opener) throw new Error(`discord emulator: unknown interaction ${args.interactionId}`);
  const modal = opener.modal;
  if (!modal) throw new Error(`discord emulator: interaction ${args.interactionId} (${opener.name}) did not open a modal`);
  if (opener.user.id !== args.user.id) throw new Error(`discord emulator: the modal was shown to ${opener.user.username}, not ${args.user.username}`);
  // A modified client can send any custom_id with the form (Discord does not check it against the modal it showed).
  const customId = args.tamperedCustomId ?? modal.custom_id;
  const data = { custom_id: customId, components: modalSubmission(modal, args.values) };
  // A modal opened from a button comes back with that button's message (as it is now).
  const message = opener.messageId ? world.messageById.get(opener.messageId) : undefined;
  return dispatchInteraction(world, {
    type: 5,
    user: args.user,
    channelId: opener.channelId,
    name: customId,
    data,
    message,
    record: { openedBy: opener.id, messageId: message?.id },
    createdAgoMs: args.createdAgoMs,
  });
}
