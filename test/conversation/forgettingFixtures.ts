// What the tests of forgetting a deleted thread or channel share: an exchange
// on either API, and a store holding the records with the dependencies the
// forgetting takes (Gemini's forget recorded, never refusing an id).
import Keyv from 'keyv';
import type { ConversationRecord, Exchange, StoredInteraction } from '../../src/conversation/conversationRecord.js';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { ThreadQueue } from '../../src/lines/threadQueue.js';
import { createLogger } from '../../src/logging/createLogger.js';
import { BlobStore } from '../../src/store/blobStore.js';
import type { SavedExchange } from '../../src/conversation/saveExchange.js';

export const createdAt = '2026-12-01T00:00:00.000Z';

/** What forgetting measures Google's retention by: the default 24 hours, on a clock an hour after createdAt. */
export const retention = { config: { interactionRetentionMs: 24 * 60 * 60 * 1000 }, now: () => Date.parse(createdAt) + 60 * 60 * 1000 };

/** An exchange answered on generateContent, or on interactions when it names its interaction. */
export function exchange(messageId: string, interaction?: StoredInteraction): Exchange {
  return {
    user: { authorId: 'alice', parts: [{ raw: { text: `asked for ${messageId}` } }] },
    model: interaction
      ? { api: 'interactions', steps: [{ raw: { type: 'model_output', content: [{ type: 'text', text: 'here' }] } }], interaction, messageId }
      : { api: 'generate-content', contentFields: { role: 'model' }, parts: [{ raw: { text: 'here' } }], messageId },
    settings: {},
    createdAt,
  };
}

/** The records saved (each listed under its channel when `listed` and it names one), and what forgetting is given. */
export async function storeHolding(records: ConversationRecord[], { listed }: { listed: boolean }) {
  const keyv = new Keyv();
  const conversations = new ConversationStore(keyv, new BlobStore(keyv));
  for (const saved of records) {
    await conversations.save(saved);
    if (listed && saved.parentId) await conversations.byChannel.add({ guildId: saved.guildId, channelId: saved.parentId }, saved.threadId);
  }
  const forgotten: string[][] = [];
  const deps = {
    conversations,
    threadQueue: new ThreadQueue(),
    logger: createLogger('silent'),
    ...retention,
    gemini: { forget: async (ids: readonly string[]) => (forgotten.push([...ids]), []) },
  };
  return { keyv, conversations, forgotten, deps };
}

/** What saveExchange is given for a turn of thread t1 in server g1 answered in words, after `stored` (none: a new conversation). */
export function turnInThread(stored: ConversationRecord | undefined, parentId: string | undefined, asked = 'a fox') {
  return {
    record: stored,
    threadId: 't1',
    guildId: 'g1',
    parentId,
    model: 'gemini-3-pro-image',
    settings: {},
    authorId: 'alice',
    userParts: [{ text: asked }],
    modelContent: { api: 'generate-content' as const, content: { role: 'model' as const, parts: [{ text: 'here' }] } },
    messageId: `m${(stored?.exchanges.length ?? 0) + 1}`,
    now: new Date(createdAt),
    lostImageTurnsTold: 0,
  };
}

/** The record a save stored; fails the test when the save stored none (its channel marked deleted). */
export function savedRecord(saved: SavedExchange): ConversationRecord {
  if (saved.kind !== 'saved') throw new Error(`expected the exchange saved, not ${saved.kind}`);
  return saved.record;
}

/**
 * A Keyv over a Map, as the bot's adapters are below Keyv, whose reads and writes a test can watch or refuse
 * (`onGet`, `onSet` run before each; a throw is the store failing).
 */
export function mapKeyv(hooks: { onGet?(key: string): void; onSet?(key: string, value: unknown): void } = {}) {
  const map = new Map<string, unknown>();
  const store = {
    get: async (key: string) => {
      hooks.onGet?.(key);
      return map.get(key);
    },
    set: async (key: string, value: unknown) => {
      hooks.onSet?.(key, value);
      map.set(key, value);
      return true;
    },
    delete: async (key: string) => map.delete(key),
    clear: async () => map.clear(),
    has: async (key: string) => map.has(key),
    on: () => store,
  };
  return { keyv: new Keyv({ store: store as never, throwOnErrors: true }), map };
}
