import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  APIApplicationCommand,
  APIApplicationCommandInteractionDataOption,
  APIAttachment,
  APIMessage,
  APIThreadChannel,
  APIUser,
} from 'discord.js';

export interface DiscordEmulatorOptions {
  /** Initial interaction callback later than this → 404 code 10062 "Unknown interaction". Discord: 3 s. */
  interactionAckDeadlineMs?: number;
  /** Webhook calls with an interaction token after this → 401 code 50027. Discord: 15 min. */
  interactionTokenLifetimeMs?: number;
  /** Per-file upload limit → 413 code 40005. Discord: 10 MiB for unboosted guilds. */
  uploadLimitBytes?: number;
  /** The bot's effective permissions in every channel of both guilds. */
  botPermissions?: bigint;
  /** GET /gateway/bot's recommended `shards`. Discord: one per 1,000 guilds or so. Default 1. */
  recommendedShards?: number;
  /** GET /gateway/bot's session_start_limit.max_concurrency (16 and more for large bots). Default 1. */
  maxConcurrency?: number;
}

export type User = APIUser;

export interface StoredMessage extends APIMessage {
  guild_id?: string;
  /** Exactly as the bot sent it (undefined when it sent none). */
  allowed_mentions?: unknown;
}

export interface UploadedFile {
  fieldName: string;
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface RecordedRequest {
  method: string;
  /** Path without the `/api/v10` prefix, e.g. `/channels/1/messages`. */
  path: string;
  query: Record<string, string>;
  /** payload_json for multipart bodies, the parsed body for JSON, otherwise undefined. */
  json: unknown;
  files: UploadedFile[];
  status: number;
  /** Authorization header as sent (null when absent). */
  authorization: string | null;
  at: number;
}

/** A modal as the bot opened it (callback type 9), components numbered like Discord does. */
export interface ModalRecord {
  custom_id: string;
  title: string;
  /** Action rows of text inputs (legacy) or Label (18) / Text Display (10) components. */
  components: unknown[];
}

export interface InteractionRecord {
  id: string;
  token: string;
  /** 2 APPLICATION_COMMAND, 3 MESSAGE_COMPONENT, 4 APPLICATION_COMMAND_AUTOCOMPLETE, 5 MODAL_SUBMIT. */
  type: number;
  /** Command name, or the custom_id for components and modal submits. */
  name: string;
  /** Application commands: 1 CHAT_INPUT, 3 MESSAGE (context menu). */
  commandType?: number;
  /** Message context menu: the message it was used on. */
  targetId?: string;
  /** Components: the message the component is on; modal submits: that of the button that opened the modal. */
  messageId?: string;
  /** Modal submits: the interaction whose type 9 callback opened the modal. */
  openedBy?: string;
  user: User;
  channelId: string;
  guildId: string;
  /** When Discord created it (its id's timestamp), on the world clock: the token's lifetime counts from here. */
  createdAt: number;
  /** When it was dispatched to the bot, on the world clock: the 3 s to acknowledge count from here. */
  dispatchedAt: number;
  /** Callback type of the first (and only accepted) callback: 4, 5, 6, 7, 9. */
  ackType?: number;
  ackedAt?: number;
  /** Message flags sent with the ack (64 = ephemeral). */
  ackFlags?: number;
  /**
   * Reserved at ack time; the message exists once created (type 4 now, type 5 on first @original edit).
   * After 6/7 it is the component's own message, which @original then edits.
   */
  originalMessageId?: string;
  /** False while a deferred reply still shows Discord's "thinking…" placeholder. */
  originalCreated?: boolean;
  followupIds: string[];
  modal?: ModalRecord;
  /** Autocomplete (type 4): the type of the option being typed in (3 STRING, 4 INTEGER, 10 NUMBER). */
  focusedOptionType?: number;
  /** Autocomplete: the suggestions the bot answered with (callback type 8), as Discord shows them. */
  autocompleteChoices?: Array<{ name: string; value: unknown }>;
  /** The INTERACTION_CREATE payload that was dispatched. */
  payload: Record<string, unknown>;
}

export type RegisteredCommand = APIApplicationCommand;

export type CdnHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** When Discord created an interaction a test triggers. */
export interface InteractionTiming {
  /**
   * Created this long before it reaches the bot (default 0): the interaction's id, whose timestamp
   * discord.js reads as `createdTimestamp`, dates from then, and so does its token's lifetime (15 min
   * on Discord). The 3 s to acknowledge count from delivery (Discord: "within 3 seconds of receiving
   * the event"), so the bot can still defer it. A test puts the bot where a slow gateway or a long
   * generation would, near or past the token's end, without waiting for it.
   */
  createdAgoMs?: number;
}

export interface SlashCommandArgs extends InteractionTiming {
  user: User;
  channelId?: string;
  name: string;
  options?: APIApplicationCommandInteractionDataOption[];
  attachments?: APIAttachment[];
}

/**
 * A member typing in an autocomplete option of a slash command. `options` are those the
 * client sends: the ones filled in so far, exactly one with `focused: true` (its value is the
 * text typed so far, unvalidated), inside a subcommand option when the command has one.
 */
export interface AutocompleteArgs {
  user: User;
  channelId?: string;
  name: string;
  options: Array<Record<string, unknown>>;
}

export interface MessageCommandArgs extends InteractionTiming {
  user: User;
  /** The context menu command's name as registered (type 3 commands keep case and spaces). */
  name: string;
  /** A StoredMessage, a discord.js Message, or an id. */
  message: StoredMessage | { id: string } | string;
  /** Defaults to the target message's channel. */
  channelId?: string;
}

export interface ClickButtonArgs extends InteractionTiming {
  user: User;
  /** A StoredMessage, a discord.js Message, or an id. */
  message: StoredMessage | { id: string } | string;
  /** Need not exist on the message: stale or foreign ids are how bots get surprised. */
  customId: string;
}

export interface SubmitModalArgs extends InteractionTiming {
  user: User;
  /** The interaction whose callback opened the modal. */
  interactionId: string;
  /** Text input custom_id → what the user typed; inputs left out are submitted empty. */
  values: Record<string, string>;
  /**
   * What a tampered client sends as the form's custom_id instead of the one the bot gave the modal
   * (another server's ids, say): Discord passes it through, so the bot must treat it as a claim.
   */
  tamperedCustomId?: string;
}

export interface RestFaultArgs {
  method: string;
  /** Matched against the path without `/api/v10`, e.g. `/interactions/1/tok/callback`. */
  path: RegExp;
  /** How many matching calls it applies to (default 1). */
  times?: number;
  /** Hold the call this long before answering it (default 0). */
  delayMs?: number;
  /**
   * Hold the call until this settles (after any delay): a test decides when Discord answers, instead of a
   * delay it hopes is long enough. `onHeld` hears the call arrive, so the test knows the bot made it.
   */
  holdUntil?: Promise<unknown>;
  onHeld?: () => void;
  /**
   * Do what the call asks (post the message, say), and only then hold its answer until this settles: Discord
   * has acted, and the bot may hear of later events on the gateway (the channel deleted) before it hears the answer.
   */
  answerHeldUntil?: Promise<unknown>;
  /** Answer with this error instead of the real answer (omit for a delay only). */
  error?: { status: number; code?: number; message?: string };
}

export interface UserMessageArgs {
  user: User;
  channelId?: string;
  content: string;
  attachments?: APIAttachment[];
  replyTo?: string;
  mentionBot?: boolean;
}

export interface DiscordEmulator {
  apiUrl: string;
  cdnOrigin: string;
  gatewayUrl: string;
  token: string;
  applicationId: string;
  botUser: User;
  guildId: string;
  channelId: string;
  /** A second text channel, #random, in the same guild. */
  otherChannelId: string;
  /**
   * A second guild, always on the other shard than guildId when the bot runs two shards. It has one
   * text channel (#general, secondGuildChannelId), its own @everyone and bot role, and the same
   * members (bot, alice, bob, carol) with no roles beyond @everyone: alice moderates only the first.
   * mallory is a member of this second guild only.
   */
  secondGuildId: string;
  secondGuildChannelId: string;
  /**
   * Human members. alice holds the "Moderators" role (Manage Guild + Manage Messages on top of
   * @everyone): an admin. bob and carol are ordinary members with @everyone's permissions only
   * (carol exists so a test can have a bystander). None of them owns the guild: an owner has
   * every permission implicitly. Change any of this with setMemberRoles / setMemberPermissions.
   */
  users: { alice: User; bob: User; carol: User; mallory: User };
  /** The Moderators role alice starts with. */
  moderatorRoleId: string;
  addAttachment(
    bytes: Uint8Array,
    meta: { filename: string; contentType?: string; declaredSize?: number; channelId?: string },
  ): APIAttachment;
  serveAt(path: string, handler: CdnHandler): string;
  sendSlashCommand(args: SlashCommandArgs): { interactionId: string; token: string };
  /**
   * A member types in an option registered with autocomplete: INTERACTION_CREATE type 4. Throws
   * if the command is not registered with that option as autocomplete (Discord would send nothing).
   * The bot's suggestions are on the interaction record (`autocompleteChoices`) once it answered.
   */
  sendAutocomplete(args: AutocompleteArgs): { interactionId: string; token: string };
  /** A user picks Apps → <name> on a message: INTERACTION_CREATE type 2, data.type 3. */
  sendMessageCommand(args: MessageCommandArgs): { interactionId: string; token: string };
  /** A user clicks a button: INTERACTION_CREATE type 3 with the full message. */
  clickButton(args: ClickButtonArgs): { interactionId: string; token: string };
  /** A user fills in and submits the modal the bot opened: INTERACTION_CREATE type 5. */
  submitModal(args: SubmitModalArgs): { interactionId: string; token: string };
  /**
   * Scripts the bot's next matching REST call(s): Discord failing (an error answer) or slow (a delay),
   * as it sometimes is. Faults are checked in order of registration; each applies `times` times.
   */
  injectFault(args: RestFaultArgs): void;
  /**
   * Moves the clock that judges interaction deadlines (the 3 s to acknowledge, the token lifetime)
   * forward by `ms`: a test lets a deadline pass at once instead of sleeping past it.
   */
  advanceClock(ms: number): void;
  /** Resolves once the bot acknowledged the interaction (any callback type). */
  waitForInteractionResponse(interactionId: string, timeoutMs?: number): Promise<InteractionRecord>;
  /** A role in the first guild. */
  createRole(args: { name: string; permissions?: bigint }): { id: string };
  /** Replaces the member's roles in the first guild (never @everyone); dispatches GUILD_MEMBER_UPDATE (GuildMembers intent only). */
  setMemberRoles(user: User, roleIds: string[]): void;
  /** Pins the member's permissions in the first guild to exactly this value, replacing the role computation. */
  setMemberPermissions(user: User, permissions: bigint): void;
  /** Ids of every message deleted so far (by the bot through either delete route), in order. */
  deletedMessageIds(): string[];
  sendMessage(args: UserMessageArgs): StoredMessage;
  messages(channelId: string): StoredMessage[];
  waitForMessage(predicate: (m: StoredMessage) => boolean, timeoutMs?: number): Promise<StoredMessage>;
  attachmentBytes(attachment: { url: string }): Uint8Array;
  threads(): APIThreadChannel[];
  /** Archives a thread as inactivity does: THREAD_UPDATE, and left out of GUILD_CREATE from then on (until someone posts in it). */
  archiveThread(threadId: string): void;
  /** A member deletes a thread in their client (Discord requires Manage Threads): its messages go, THREAD_DELETE is dispatched. */
  deleteThread(args: { user: User; threadId: string }): void;
  /** A member deletes a guild channel in their client (Discord requires Manage Channels): its threads and messages go, only CHANNEL_DELETE is dispatched. */
  deleteChannel(args: { user: User; channelId: string }): void;
  interaction(id: string): InteractionRecord;
  registeredCommands(guildId?: string): RegisteredCommand[];
  requests: RecordedRequest[];
  unexpectedRequests: RecordedRequest[];
  /** Resolves once `count` (default 1) IDENTIFYs were accepted in all. */
  waitForIdentify(count?: number): Promise<void>;
  /** Every live gateway session's [shard_id, num_shards] and the events dispatched to it. */
  shardSessions(): { shard: [number, number]; events: { t: string; d: unknown }[] }[];
  disconnectAll(code?: number): void;
  close(): Promise<void>;
}
