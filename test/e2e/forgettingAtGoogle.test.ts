import { PermissionFlagsBits } from 'discord.js';
import { describe, expect, it, vi } from 'vitest';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { openStore } from '../../src/store/openStore.js';
import { UNKEPT_LEFT_AT_GOOGLE } from '../../src/transports/interactionsTransport.js';
import { stalledStream } from '../emulators/gemini/index.js';
import { imagine, PATIENCE, replyInThread, startConversation, waitForBotReplyTo } from './helpers.js';
import { useHarness } from './useHarness.js';

/**
 * What a deleted thread or channel leaves at Google (Interactions API) when
 * Google does not answer its DELETEs well: a rate limit or a failing server
 * is asked again, what stays unconfirmed is named for an operator, and a
 * stopping bot sends nothing after it began to stop, naming what it left.
 */
const harness = useHarness({ env: { GEMINI_API: 'interactions' } });

const posts = () => harness.gemini.interactions.requests.filter((request) => request.method === 'POST');
const deletes = () => harness.gemini.interactions.requests.filter((request) => request.method === 'DELETE');
const logged = () => harness.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
const messages = () => logged().map((line) => String(line['msg']));
/** The warning naming what no conversation names and Google did not confirm gone (a discard's, a cut call's). */
const unkeptLeft = () => logged().filter((line) => line['level'] === 40 && line['msg'] === UNKEPT_LEFT_AT_GOOGLE);
const leftAtGoogle = () => logged().filter((line) => line['level'] === 40 && /expire with Google's retention/.test(String(line['msg'])) && /record is gone/.test(String(line['msg'])));

async function stored(threadId: string) {
  const store = await openStore(harness.config.databaseUrl);
  try {
    return (await new ConversationStore(store.keyv, new BlobStore(store.keyv)).load(threadId)).kind;
  } finally {
    await store.close();
  }
}

/** `count` conversations, each in its thread, every one saved (an answer is posted before its turn is saved). */
async function conversations(count: number) {
  const threadIds: string[] = [];
  for (let index = 0; index < count; index++) threadIds.push((await startConversation(harness, { prompt: `a fox number ${index}` })).thread.id);
  await vi.waitFor(async () => {
    for (const threadId of threadIds) expect(await stored(threadId)).toBe('found');
  }, PATIENCE);
  expect(posts()).toHaveLength(count);
  return threadIds;
}

function aliceDeletesThread(threadId: string) {
  harness.discord.setMemberPermissions(harness.discord.users.alice, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ManageThreads);
  harness.discord.deleteThread({ user: harness.discord.users.alice, threadId });
}

function aliceDeletesChannel() {
  harness.discord.setMemberPermissions(harness.discord.users.alice, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ManageChannels);
  harness.discord.deleteChannel({ user: harness.discord.users.alice, channelId: harness.discord.channelId });
}

describe('a deleted thread\'s DELETEs that Google does not answer well', () => {
  it('are asked again after a 429 (waiting its RetryInfo) and a 503, until Google holds nothing of the thread', async () => {
    const [threadId] = await conversations(1);
    const [interactionId] = posts().map((request) => request.interactionId!);
    harness.gemini.interactions.failDeletes({ status: 429, retryDelay: '0.05s' }, { status: 503, retryAfter: '0' });
    aliceDeletesThread(threadId!);
    await vi.waitFor(() => expect(deletes().map((request) => request.status)).toEqual([429, 503, 200]), PATIENCE);
    expect(deletes().every((request) => request.interactionId === interactionId)).toBe(true);
    expect(harness.gemini.interactions.storedIds()).toEqual([]);
    expect(leftAtGoogle()).toEqual([]);
  });

  it('name in one warning, with the thread, the ids Google still refuses, saying they expire with its retention', async () => {
    const [threadId] = await conversations(1);
    const [interactionId] = posts().map((request) => request.interactionId!);
    // A 403 (the key now of another project, say) would only be refused again: not retried.
    harness.gemini.interactions.failDeletes({ status: 403 });
    aliceDeletesThread(threadId!);
    await vi.waitFor(() => expect(leftAtGoogle()).toHaveLength(1), PATIENCE);
    expect(leftAtGoogle()[0]).toMatchObject({ threadId, interactionIds: [interactionId] });
    expect(await stored(threadId!)).toBe('missing');
    expect(harness.gemini.interactions.storedIds()).toEqual([interactionId]);
    // Not the Delete button's wording: nothing here asks again.
    expect(harness.logLines.some((line) => line.includes('asked again on a later Delete'))).toBe(false);
  });
});

describe('a deleted channel\'s forgetting when the bot stops', () => {
  it('sends no DELETE once stopping began, and names every id it left, those never sent and those cut off', async () => {
    const threadIds = await conversations(6);
    const interactionIds = posts().map((request) => request.interactionId!);
    const google = harness.gemini.interactions.holdDeletes();
    aliceDeletesChannel();
    // Four at once: the records are all forgotten, two DELETEs wait their turn.
    await vi.waitFor(() => expect(google.waiting()).toHaveLength(4), PATIENCE);
    await harness.bot.stop(100);
    try {
      expect(deletes()).toHaveLength(4);
      const sent = deletes().map((request) => request.interactionId!);
      const notSent = interactionIds.filter((id) => !sent.includes(id));
      const neverAsked = logged().filter((line) => String(line['msg']).startsWith('shutdown began before these interactions were asked'));
      expect(neverAsked.map((line) => (line['interactionIds'] as string[]).sort())).toEqual([notSent.sort()]);
      // All six named with the channel and their threads: four cut off unanswered at the exit, two never sent.
      expect(leftAtGoogle()).toHaveLength(1);
      expect(leftAtGoogle()[0]).toMatchObject({ channelId: harness.discord.channelId });
      expect((leftAtGoogle()[0]!['interactionIds'] as string[]).sort()).toEqual([...interactionIds].sort());
      expect((leftAtGoogle()[0]!['threadIds'] as string[]).sort()).toEqual([...threadIds].sort());
      for (const threadId of threadIds) expect(await stored(threadId)).toBe('missing');
    } finally {
      google.release();
    }
  });
});

describe('deleting what no conversation names when the bot stops', () => {
  it('a blocked answer\'s DELETE waiting to be asked again is not asked again: the stop names its id in a warning', async () => {
    // Google refuses the discard's DELETE and asks the bot to come back in a minute: the stop comes first.
    harness.gemini.interactions.failDeletes({ status: 503, retryAfter: '60' });
    // Blocked as a failed interaction: kept in no record (a refusal in words is kept like any answer).
    harness.gemini.interactions.setSafetyStyle('failed');
    harness.gemini.enqueue({ kind: 'prompt-blocked', reason: 'SAFETY' });
    const { message } = await imagine(harness, { prompt: 'something unsafe' });
    expect(message.attachments).toHaveLength(0);
    const [blocked] = posts().map((request) => request.interactionId!);
    await vi.waitFor(() => expect(logged().some((line) => line['interactionId'] === blocked && /asking again/.test(String(line['msg'])))).toBe(true), PATIENCE);

    // No turn is in progress: the stop itself must end the wait, not the exit.
    await harness.bot.stop(100);
    expect(deletes().map((request) => [request.interactionId, request.status])).toEqual([[blocked, 503]]);
    expect(unkeptLeft().map((line) => line['interactionIds'])).toEqual([[blocked]]);
    expect(messages().indexOf(UNKEPT_LEFT_AT_GOOGLE)).toBeLessThan(messages().indexOf('bot stopped'));
    expect(harness.gemini.interactions.storedIds()).toContain(blocked);
  });

  it('a turn the stop cut off mid-answer still asks once, after the stop began, to delete what Google began; a 503 is not asked again but named', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    // The answer has begun (Google has created, and stores, the interaction) when the stop comes.
    const stalled = stalledStream(2);
    harness.gemini.enqueue(stalled.behaviour);
    harness.gemini.interactions.failDeletes({ status: 503 });
    const interrupted = replyInThread(harness, thread.id, starter, 'make it blue');
    try {
      await stalled.reached;
      await harness.bot.stop(100);
      expect((await waitForBotReplyTo(harness, interrupted)).content).toMatch(/The bot is restarting/);
      const cut = posts()[1]!.interactionId!;
      // The one DELETE went after the stop began (the cut call ended then); a retry would have gone too, and found it.
      expect(deletes().map((request) => [request.interactionId, request.status])).toEqual([[cut, 503]]);
      expect(unkeptLeft().map((line) => line['interactionIds'])).toEqual([[cut]]);
      expect(messages().indexOf(UNKEPT_LEFT_AT_GOOGLE)).toBeLessThan(messages().indexOf('bot stopped'));
      expect(messages().indexOf('interrupting requests still in progress')).toBeLessThan(messages().indexOf('Google did not confirm the interaction deleted'));
    } finally {
      stalled.release();
    }
  });
});
