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
  /** The bot's effective permissions in the guild's channels. */
  botPermissions?: bigint;
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

export interface InteractionRecord {
  id: string;
  token: string;
  type: number;
  name: string;
  user: User;
  channelId: string;
  guildId: string;
  createdAt: number;
  /** Callback type of the first (and only accepted) callback: 4, 5, 9, ... */
  ackType?: number;
  ackedAt?: number;
  /** Message flags sent with the ack (64 = ephemeral). */
  ackFlags?: number;
  /** Reserved at ack time; the message exists once created (type 4 now, type 5 on first @original edit). */
  originalMessageId?: string;
  /** False while a deferred reply still shows Discord's "thinking…" placeholder. */
  originalCreated?: boolean;
  followupIds: string[];
  modal?: unknown;
  /** The INTERACTION_CREATE payload that was dispatched. */
  payload: Record<string, unknown>;
}

export type RegisteredCommand = APIApplicationCommand;

export type CdnHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface SlashCommandArgs {
  user: User;
  channelId?: string;
  name: string;
  options?: APIApplicationCommandInteractionDataOption[];
  attachments?: APIAttachment[];
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
  users: { alice: User; bob: User };
  addAttachment(
    bytes: Uint8Array,
    meta: { filename: string; contentType?: string; declaredSize?: number; channelId?: string },
  ): APIAttachment;
  serveAt(path: string, handler: CdnHandler): string;
  sendSlashCommand(args: SlashCommandArgs): { interactionId: string; token: string };
  sendMessage(args: UserMessageArgs): StoredMessage;
  messages(channelId: string): StoredMessage[];
  waitForMessage(predicate: (m: StoredMessage) => boolean, timeoutMs?: number): Promise<StoredMessage>;
  attachmentBytes(attachment: { url: string }): Uint8Array;
  threads(): APIThreadChannel[];
  interaction(id: string): InteractionRecord;
  registeredCommands(guildId?: string): RegisteredCommand[];
  requests: RecordedRequest[];
  unexpectedRequests: RecordedRequest[];
  waitForIdentify(): Promise<void>;
  disconnectAll(code?: number): void;
  close(): Promise<void>;
}
