/**
 * Discord's REST error bodies: `{ message, code, errors? }` with the HTTP status discord.js
 * turns into DiscordAPIError (status + code) — bots branch on these codes, so they must match.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return this.errors === undefined
      ? { message: this.message, code: this.code }
      : { message: this.message, code: this.code, errors: this.errors };
  }
}

/** One field error in Discord's nested `errors` tree, e.g. `{ content: { _errors: [...] } }`. */
export interface FieldError {
  path: (string | number)[];
  code: string;
  message: string;
}

export function invalidFormBody(fieldErrors: FieldError[]): ApiError {
  const tree: Record<string, unknown> = {};
  for (const { path, code, message } of fieldErrors) {
    let node = tree;
    for (const key of path) {
      node = (node[String(key)] ??= {}) as Record<string, unknown>;
    }
    ((node._errors ??= []) as unknown[]).push({ code, message });
  }
  return new ApiError(400, 50035, 'Invalid Form Body', tree);
}

export const errors = {
  unauthorized: () => new ApiError(401, 0, '401: Unauthorized'),
  notFound: () => new ApiError(404, 0, '404: Not Found'),
  unknownChannel: () => new ApiError(404, 10003, 'Unknown Channel'),
  unknownMessage: () => new ApiError(404, 10008, 'Unknown Message'),
  unknownWebhook: () => new ApiError(404, 10015, 'Unknown Webhook'),
  unknownUser: () => new ApiError(404, 10013, 'Unknown User'),
  unknownMember: () => new ApiError(404, 10007, 'Unknown Member'),
  unknownGuild: () => new ApiError(404, 10004, 'Unknown Guild'),
  unknownApplication: () => new ApiError(404, 10002, 'Unknown Application'),
  unknownInteraction: () => new ApiError(404, 10062, 'Unknown interaction'),
  alreadyAcknowledged: () => new ApiError(400, 40060, 'Interaction has already been acknowledged.'),
  invalidWebhookToken: () => new ApiError(401, 50027, 'Invalid Webhook Token'),
  missingAccess: () => new ApiError(403, 50001, 'Missing Access'),
  missingPermissions: () => new ApiError(403, 50013, 'Missing Permissions'),
  cannotEditOthers: () => new ApiError(403, 50005, 'Cannot edit a message authored by another user'),
  emptyMessage: () => new ApiError(400, 50006, 'Cannot send an empty message'),
  tooLarge: () => new ApiError(413, 40005, 'Request entity too large'),
  wrongChannelType: () => new ApiError(400, 50024, 'Cannot execute action on this channel type'),
  threadAlreadyExists: () => new ApiError(400, 160004, 'A thread has already been created for this message'),
  badJson: () => new ApiError(400, 50109, 'The request body contains invalid JSON.'),
};
