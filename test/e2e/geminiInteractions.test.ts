import { describe, expect, it, vi } from 'vitest';
import type { RecordedInteractionRequest } from '../emulators/gemini/interactionsTypes.js';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { openStore } from '../../src/store/openStore.js';
import { useHarness } from './useHarness.js';
import { firstAttachmentBytes, imagine, mainText, PATIENCE, waitForBotReplyTo, waitForThread } from './helpers.js';
import type { Harness } from './harness.js';

/**
 * The conversation on GEMINI_API=interactions: the same bot for members,
 * while Google keeps the history and a turn sends only what is new. The
 * emulator keeps interactions as Google would (retention on a clock the test
 * moves, unknown ids answered 404 or 400) and checks every replayed
 * signature, so a wrong replay fails here.
 */
const harness = useHarness({ env: { GEMINI_API: 'interactions' } });

interface InteractionBody {
  model: string;
  input: Array<{ type: string; content?: Array<Record<string, unknown>>; signature?: string }>;
  previous_interaction_id?: string;
  stream?: boolean;
  response_format?: unknown;
  tools?: unknown;
}

function posts(h: Harness = harness): RecordedInteractionRequest[] {
  return h.gemini.interactions.requests.filter((request) => request.method === 'POST');
}

function body(request: RecordedInteractionRequest | undefined): InteractionBody {
  return request?.body as InteractionBody;
}

async function startConversation(prompt: string) {
  const { message } = await imagine(harness, { prompt, aspectRatio: '16:9' });
  const thread = await waitForThread(harness, message.id);
  return { starter: message, thread };
}

function reply(threadId: string, to: { id: string }, content: string) {
  return harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: threadId, content, replyTo: to.id });
}

async function storedRecord(threadId: string) {
  const store = await openStore(harness.config.databaseUrl);
  try {
    const loaded = await new ConversationStore(store.keyv).load(threadId);
    return loaded.kind === 'found' ? loaded.record : undefined;
  } finally {
    await store.close();
  }
}

describe('GEMINI_API=interactions', () => {
  it('/imagine asks with response_format, then a reply continues from its interaction sending only the new words', async () => {
    harness.gemini.enqueue({ kind: 'image', text: 'A fox.' }, { kind: 'image', text: 'A blue fox.' });
    const { starter, thread } = await startConversation('a watercolor fox');
    expect(mainText(starter)).toBe('A fox.');
    const first = posts()[0]!;
    expect(first.status).toBe(200);
    expect(body(first)).toMatchObject({
      model: 'gemini-3-pro-image',
      input: [{ type: 'user_input', content: [{ type: 'text', text: 'a watercolor fox' }] }],
      response_format: [{ type: 'text' }, { type: 'image', aspect_ratio: '16:9' }],
    });
    expect(body(first).previous_interaction_id).toBeUndefined();
    expect(first.deprecated).toEqual([]);
    expect(first.headers['x-goog-api-key']).toBe(harness.gemini.apiKey);

    const edit = reply(thread.id, starter, 'now make the fox blue');
    const second = await waitForBotReplyTo(harness, edit);
    expect(mainText(second)).toBe('A blue fox.');
    expect(harness.gemini.imageInfo(firstAttachmentBytes(harness, second))?.prompt).toBe('now make the fox blue');
    const continued = posts()[1]!;
    expect(continued.status).toBe(200);
    expect(body(continued).previous_interaction_id).toBe(first.interactionId);
    expect(body(continued).input).toEqual([{ type: 'user_input', content: [{ type: 'text', text: 'now make the fox blue' }] }]);
    // Google saw the whole thread: the first turn's steps, then the new words.
    const seen = harness.gemini.interactions.stored(continued.interactionId!)!.history;
    expect(seen.filter((step) => step.type === 'user_input')).toHaveLength(2);

    // The record keeps each answer's steps (images in the blob store) and its interaction.
    await vi.waitFor(async () => {
      const record = await storedRecord(thread.id);
      expect(record?.exchanges.map((exchange) => exchange.interaction?.id)).toEqual([first.interactionId, continued.interactionId]);
      expect(record?.exchanges[0]?.model.parts.some((part) => part.blob !== undefined)).toBe(true);
    }, PATIENCE);
  });

  it('replays the stored history statelessly when the interaction expired (the emulator clock passes the retention), then goes on from the new id', async () => {
    const { starter, thread } = await startConversation('a fox');
    harness.gemini.interactions.advanceClock(25 * 60 * 60 * 1000);
    const edit = reply(thread.id, starter, 'make it night');
    const answer = await waitForBotReplyTo(harness, edit);
    expect(answer.attachments).toHaveLength(1);
    const [, refused, replayed] = posts();
    expect(refused?.status).toBe(404);
    expect(replayed?.status).toBe(200); // every replayed signature checked
    expect(body(replayed).previous_interaction_id).toBeUndefined();
    expect(body(replayed).input.map((step) => step.type)).toEqual(['user_input', 'thought', 'model_output', 'user_input']);

    const next = reply(thread.id, answer, 'add stars');
    await waitForBotReplyTo(harness, next);
    expect(body(posts()[3]).previous_interaction_id).toBe(replayed?.interactionId);
    expect(body(posts()[3]).input).toHaveLength(1);
  });

  it('treats a 400 naming the interaction as unknown too', async () => {
    harness.gemini.interactions.setUnknownIdStatus(400);
    const { starter, thread } = await startConversation('a fox');
    harness.gemini.interactions.expire(posts()[0]!.interactionId!);
    const answer = await waitForBotReplyTo(harness, reply(thread.id, starter, 'make it night'));
    expect(answer.attachments).toHaveLength(1);
    expect(posts().map((request) => request.status)).toEqual([200, 400, 200]);
  });
});
