import Keyv from 'keyv';
import { createLogger } from '../../src/logging/createLogger.js';
import { describe, expect, it } from 'vitest';
import { markSharedInOrigin, saveBranch } from '../../src/conversation/branchConversation.js';
import { interactionOf, owedIdOf, type ConversationRecord, type Exchange, type StoredInteraction } from '../../src/conversation/conversationRecord.js';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { owedAtGoogle } from '../../src/conversation/owedAtGoogle.js';
import { askGoogleToForget } from '../../src/conversation/askGoogleToForget.js';
import { deleteTurn, type TurnDeletion } from '../../src/conversation/deleteTurn.js';
import { forgetThread } from '../../src/conversation/forgetThread.js';
import { saveExchange } from '../../src/conversation/saveExchange.js';
import { savedRecord, turnInThread } from './forgettingFixtures.js';
import { ThreadQueue } from '../../src/lines/threadQueue.js';
import type { Refusal } from '../../src/refusals/refusal.js';
import { BlobStore } from '../../src/store/blobStore.js';

function exchange(messageId: string, authorId = 'alice'): Exchange {
  return {
    user: { authorId, parts: [{ raw: { text: `asked for ${messageId}` } }] },
    model: { api: 'generate-content', contentFields: { role: 'model' }, parts: [{ raw: { text: 'here' } }], messageId },
    settings: {},
    createdAt: '2026-12-01T00:00:00.000Z',
  };
}

/** The exchange as the Interactions API would have answered it, in `interaction`. */
function answeredOnInteractions(exchange: Exchange, interaction: StoredInteraction): Exchange {
  const steps = [{ raw: { type: 'model_output', content: [{ type: 'text', text: 'here' }] } }];
  return { ...exchange, model: { api: 'interactions', steps, interaction, messageId: exchange.model.messageId } };
}

const record: ConversationRecord = {
  version: 4,
  threadId: 't1',
  guildId: 'g1',
  model: 'gemini-3-pro-image',
  settings: { aspectRatio: '16:9' },
  exchanges: [exchange('m1'), exchange('m2', 'bob'), exchange('m3')],
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
};

const DAY = 24 * 60 * 60 * 1000;

async function storeWith(...records: ConversationRecord[]) {
  const keyv = new Keyv();
  const conversations = new ConversationStore(keyv, new BlobStore(keyv));
  for (const saved of records) await conversations.save(saved);
  // The clock an hour after the records' interactions were made, within the 24-hour retention.
  return { conversations, blobs: new BlobStore(keyv), threadQueue: new ThreadQueue(), logger: createLogger('silent'), config: { interactionRetentionMs: DAY }, now: () => Date.parse('2026-12-01T01:00:00.000Z') };
}

async function messagesOf(conversations: ConversationStore, threadId: string) {
  const loaded = await conversations.load(threadId);
  return loaded.kind === 'found' ? loaded.record.exchanges.map((kept) => kept.model.messageId) : loaded.kind;
}

describe('deleteTurn', () => {
  function deletion(more: Partial<TurnDeletion> & { deleted?: string[] }): TurnDeletion {
    const deleted = more.deleted ?? [];
    return {
      threadId: 't1',
      guildId: 'g1',
      messageId: 'm2',
      userId: 'bob',
      moderator: false,
      checkConversation: async () => undefined,
      deleteMessage: async () => {
        deleted.push('m2');
      },
      ...more,
    };
  }

  it("takes the author's turn out of the record, then its message", async () => {
    const deps = await storeWith(record);
    const deleted: string[] = [];
    expect(await deleteTurn(deps, deletion({ deleted }))).toEqual({ ok: true, messageLeft: false, geminiInteractionIds: [] });
    expect(await messagesOf(deps.conversations, 't1')).toEqual(['m1', 'm3']);
    expect(deleted).toEqual(['m2']);
  });

  it("lets a moderator delete someone else's turn", async () => {
    const deps = await storeWith(record);
    expect(await deleteTurn(deps, deletion({ userId: 'carol', moderator: true }))).toEqual({ ok: true, messageLeft: false, geminiInteractionIds: [] });
    expect(await messagesOf(deps.conversations, 't1')).toEqual(['m1', 'm3']);
  });

  it('keeps the turn out of the record and says the message was left when Discord refuses to remove it', async () => {
    const deps = await storeWith(record);
    const refused = deletion({ deleteMessage: () => Promise.reject(new Error('Missing Permissions')) });
    expect(await deleteTurn(deps, refused)).toEqual({ ok: true, messageLeft: true, geminiInteractionIds: [] });
    expect(await messagesOf(deps.conversations, 't1')).toEqual(['m1', 'm3']);
  });

  it('names the interactions at Google holding the turn (its own and later ones), marks the later ones outdated, and leaves those shared with a branch', async () => {
    const at = (id: string, shared?: true) => ({ id, createdAt: '2026-12-01T00:00:00.000Z', ...(shared ? { shared } : {}) });
    const withInteractions: ConversationRecord = {
      ...record,
      exchanges: [
        answeredOnInteractions(exchange('m1'), at('int-1', true)),
        answeredOnInteractions(exchange('m2', 'bob'), at('int-2', true)),
        answeredOnInteractions(exchange('m3'), at('int-3')),
      ],
    };
    const deps = await storeWith(withInteractions);
    expect(await deleteTurn(deps, deletion({}))).toEqual({ ok: true, messageLeft: false, geminiInteractionIds: ['int-3'] });
    const loaded = await deps.conversations.load('t1');
    // int-3 is asked to go now: marked so, and kept on forgetAtGoogle until Google confirms it gone.
    expect(loaded.kind === 'found' && loaded.record.exchanges.map(interactionOf)).toEqual([at('int-1', true), { ...at('int-3'), outdated: true, forgotten: true }]);
    expect(loaded.kind === 'found' && loaded.record.forgetAtGoogle).toEqual([{ id: 'int-3', createdAt: '2026-12-01T00:00:00.000Z' }]);
  });

  it('never names again an interaction an earlier Delete asked Google to delete; a thread deletion does not either', async () => {
    const at = (id: string) => ({ id, createdAt: '2026-12-01T00:00:00.000Z' });
    const withInteractions: ConversationRecord = {
      ...record,
      exchanges: [
        answeredOnInteractions(exchange('m1'), at('int-1')),
        answeredOnInteractions(exchange('m2', 'bob'), at('int-2')),
        answeredOnInteractions(exchange('m3', 'bob'), at('int-3')),
      ],
    };
    const deps = await storeWith(withInteractions);
    const forgotten: string[][] = [];
    const forgetting = { ...deps, gemini: { forget: async (ids: readonly string[]) => (forgotten.push([...ids]), []) } };
    expect(await deleteTurn(deps, deletion({}))).toEqual({ ok: true, messageLeft: false, geminiInteractionIds: ['int-2', 'int-3'] });
    await askGoogleToForget(forgetting, 't1', ['int-2', 'int-3']);
    expect(await deleteTurn(deps, deletion({ messageId: 'm3' }))).toEqual({ ok: true, messageLeft: false, geminiInteractionIds: [] });
    // The thread deleted after the first Delete (the second took nothing more at Google): only int-1 is still there.
    const afterFirstDelete: ConversationRecord = { ...withInteractions, exchanges: [withInteractions.exchanges[0]!, answeredOnInteractions(withInteractions.exchanges[2]!, { ...at('int-3'), outdated: true, forgotten: true })] };
    await deps.conversations.save(afterFirstDelete);
    expect(await forgetThread(forgetting, { threadId: 't1', guildId: 'g1' })).toEqual({ kind: 'forgotten', interactionIds: ['int-1'], sharedIds: [] });
    expect(forgotten).toEqual([['int-2', 'int-3'], ['int-1']]);
  });

  it('on a long thread, names and marks the same interactions as turn by turn: each later one once, in order, shared and already forgotten ones left', async () => {
    // 3000 turns, the 1000th deleted: the rule read on each turn by itself, written out here without deleteTurn's code.
    const made = '2026-12-01T00:00:00.000Z';
    const interactionAt = (n: number): StoredInteraction => ({
      id: `int-${n}`,
      createdAt: made,
      ...(n % 5 === 0 ? { shared: true as const } : {}),
      ...(n % 7 === 0 ? { outdated: true as const, forgotten: true as const } : {}),
    });
    const turns = Array.from({ length: 3000 }, (_, n) => n);
    const deletedAt = 1000;
    // An earlier Delete's ids Google did not confirm: asked again first (the 7th turns' ones after the deleted turn).
    const owedBefore = turns.filter((n) => n > deletedAt && n % 7 === 0 && n % 5 !== 0).slice(0, 40).map((n) => ({ id: `int-${n}`, createdAt: made }));
    const long: ConversationRecord = {
      ...record,
      exchanges: turns.map((n) => answeredOnInteractions(exchange(`m${n}`, 'bob'), interactionAt(n))),
      forgetAtGoogle: owedBefore,
    };
    const deps = await storeWith(long);
    const deleted = await deleteTurn(deps, deletion({ messageId: `m${deletedAt}` }));

    const forgottenNow = turns.filter((n) => n >= deletedAt && n % 5 !== 0 && n % 7 !== 0).map((n) => `int-${n}`);
    expect(deleted).toEqual({ ok: true, messageLeft: false, geminiInteractionIds: [...owedBefore.map((entry) => entry.id), ...forgottenNow] });
    const loaded = await deps.conversations.load('t1');
    if (loaded.kind !== 'found') throw new Error(loaded.kind);
    const expected = turns.filter((n) => n !== deletedAt).map((n) => {
      const interaction = interactionAt(n);
      if (n < deletedAt) return interaction;
      return { ...interaction, outdated: true, ...(n % 5 !== 0 ? { forgotten: true } : {}) };
    });
    expect(loaded.record.exchanges.map(interactionOf)).toEqual(expected);
    expect(loaded.record.forgetAtGoogle?.map(owedIdOf)).toEqual([...owedBefore.map((entry) => entry.id), ...forgottenNow]);
  });

  it('stops asking for an interaction Google keeps refusing once Google\'s longest retention has run out (Google dropped it itself), not at the shorter one the bot continues within', async () => {
    const made = '2026-12-01T00:00:00.000Z';
    const at = (id: string) => ({ id, createdAt: made });
    const withInteractions: ConversationRecord = {
      ...record,
      exchanges: ['1', '2', '3', '4'].map((n) => answeredOnInteractions(exchange(`m${n}`), at(`int-${n}`))),
    };
    let clock = Date.parse(made) + 60 * 60 * 1000;
    const deps = { ...(await storeWith(withInteractions)), now: () => clock };
    const asked: string[][] = [];
    // Google refuses int-3's DELETE every time (a 403, say: the key now belongs to another project).
    const forgetting = { ...deps, gemini: { forget: async (ids: readonly string[]) => (asked.push([...ids]), ids.filter((id) => id === 'int-3')) } };
    const owed = async () => {
      const loaded = await deps.conversations.load('t1');
      return loaded.kind === 'found' ? loaded.record.forgetAtGoogle : loaded.kind;
    };
    const deleteAndForget = async (messageId: string) => {
      const deleted = await deleteTurn(deps, deletion({ messageId, moderator: true }));
      if (deleted.ok && deleted.geminiInteractionIds.length > 0) await askGoogleToForget(forgetting, 't1', deleted.geminiInteractionIds);
      return deleted;
    };
    expect(await deleteAndForget('m3')).toMatchObject({ ok: true, geminiInteractionIds: ['int-3', 'int-4'] });
    // Kept with when Google made it.
    expect(await owed()).toEqual([at('int-3')]);
    clock = Date.parse(made) + 23 * 60 * 60 * 1000;
    expect(await deleteAndForget('m2')).toMatchObject({ ok: true, geminiInteractionIds: ['int-3', 'int-2'] });
    expect(await owed()).toEqual([at('int-3')]);
    // Past the 24-hour retention the bot continues within (GEMINI_INTERACTION_RETENTION_HOURS), but not past the paid
    // tier's 55 days, for which Google may still keep them: still asked for.
    clock = Date.parse(made) + 25 * 60 * 60 * 1000;
    const stored = await deps.conversations.load('t1');
    expect(stored.kind === 'found' && owedAtGoogle({ ...stored.record, interactions: stored.record.exchanges.flatMap((held) => interactionOf(held) ?? []) }, deps.config.interactionRetentionMs, clock)).toEqual([at('int-3')]);
    // Past the 55 days: neither the refused int-3 nor m1's own int-1 is asked for, and nothing is owed.
    clock = Date.parse(made) + 55 * DAY + 60 * 60 * 1000;
    expect(await deleteAndForget('m1')).toEqual({ ok: true, messageLeft: false, geminiInteractionIds: [] });
    expect(await owed()).toBeUndefined();
    expect(asked).toEqual([['int-3', 'int-4'], ['int-3', 'int-2']]);
  });

  it('reads a record whose owed list holds plain ids (its first shape), dating each by its interaction, else by the record\'s last change', async () => {
    const made = '2026-12-01T00:00:00.000Z';
    const at = (id: string) => ({ id, createdAt: made });
    // int-3's turn is still in the record (an earlier Delete took m9, whose interaction int-9 is gone from it).
    const firstShape: ConversationRecord = {
      ...record,
      exchanges: [answeredOnInteractions(exchange('m1'), at('int-1')), answeredOnInteractions(exchange('m2'), at('int-2')), answeredOnInteractions(exchange('m3'), { ...at('int-3'), outdated: true, forgotten: true })],
      forgetAtGoogle: ['int-3', 'int-9'],
      updatedAt: '2026-12-01T20:00:00.000Z',
    };
    let clock = Date.parse('2026-12-01T23:00:00.000Z');
    const deps = { ...(await storeWith(firstShape)), now: () => clock };
    expect((await deps.conversations.load('t1')).kind).toBe('found');
    const asked: string[][] = [];
    const refusing = { ...deps, gemini: { forget: async (ids: readonly string[]) => (asked.push([...ids]), [...ids]) } };
    const second = await deleteTurn(deps, deletion({ messageId: 'm2', moderator: true }));
    expect(second).toMatchObject({ ok: true, geminiInteractionIds: ['int-3', 'int-9', 'int-2'] });
    await askGoogleToForget(refusing, 't1', second.ok ? second.geminiInteractionIds : []);
    const loaded = await deps.conversations.load('t1');
    expect(loaded.kind === 'found' && loaded.record.forgetAtGoogle).toEqual([at('int-3'), { id: 'int-9', createdAt: '2026-12-01T20:00:00.000Z' }, at('int-2')]);
    // 55 days (the longest retention) and an hour after the interactions were made, only int-9 may still be at Google
    // (dated no earlier than the record's change that listed it).
    clock = Date.parse('2027-01-25T01:00:00.000Z');
    expect(await deleteTurn(deps, deletion({ messageId: 'm1', moderator: true }))).toMatchObject({ ok: true, geminiInteractionIds: ['int-9'] });
    // A thread deletion reads either shape too, by the same rule: at that time only int-9 is asked for.
    await deps.conversations.save(firstShape);
    expect(await forgetThread(refusing, { threadId: 't1', guildId: 'g1' })).toEqual({ kind: 'forgotten', interactionIds: ['int-9'], sharedIds: [] });
  });

  it('asks Google again, on the next Delete and on the thread\'s deletion, to delete what it did not confirm gone', async () => {
    const at = (id: string) => ({ id, createdAt: '2026-12-01T00:00:00.000Z' });
    const withInteractions: ConversationRecord = {
      ...record,
      exchanges: [
        answeredOnInteractions(exchange('m1'), at('int-1')),
        answeredOnInteractions(exchange('m2', 'bob'), at('int-2')),
        answeredOnInteractions(exchange('m3', 'bob'), at('int-3')),
        answeredOnInteractions(exchange('m4', 'bob'), at('int-4')),
      ],
    };
    const deps = await storeWith(withInteractions);
    const asked: string[][] = [];
    // Google answers int-3's DELETE with a 503 (forget returns the ids it did not confirm gone).
    const unconfirmed = new Set(['int-3']);
    const forgetting = { ...deps, gemini: { forget: async (ids: readonly string[]) => (asked.push([...ids]), ids.filter((id) => unconfirmed.has(id))) } };
    const pending = async () => {
      const loaded = await deps.conversations.load('t1');
      return loaded.kind === 'found' ? loaded.record.forgetAtGoogle?.map(owedIdOf) : loaded.kind;
    };
    const first = await deleteTurn(deps, deletion({ messageId: 'm3' }));
    expect(first).toEqual({ ok: true, messageLeft: false, geminiInteractionIds: ['int-3', 'int-4'] });
    // Kept until Google answers: a process stopped before then asks again later too.
    expect(await pending()).toEqual(['int-3', 'int-4']);
    await askGoogleToForget(forgetting, 't1', ['int-3', 'int-4']);
    expect(await pending()).toEqual(['int-3']);
    // The next Delete asks for int-3 again with its own (int-4, confirmed gone, is not asked again); Google confirms int-3 now.
    unconfirmed.clear();
    unconfirmed.add('int-2');
    const second = await deleteTurn(deps, deletion({ messageId: 'm2' }));
    expect(second).toEqual({ ok: true, messageLeft: false, geminiInteractionIds: ['int-3', 'int-2'] });
    await askGoogleToForget(forgetting, 't1', second.ok ? second.geminiInteractionIds : []);
    expect(await pending()).toEqual(['int-2']);
    // The thread's deletion asks for what is still unconfirmed, with the rest.
    expect(await forgetThread(forgetting, { threadId: 't1', guildId: 'g1' })).toEqual({ kind: 'forgotten', interactionIds: ['int-2', 'int-1'], sharedIds: [] });
    expect(asked).toEqual([['int-3', 'int-4'], ['int-3', 'int-2'], ['int-2', 'int-1']]);
  });

  it.each<{ case: string; more: Partial<TurnDeletion>; refusal: Refusal }>([
    { case: 'another member', more: { userId: 'carol' }, refusal: { kind: 'not-yours-to-delete' } },
    { case: "the adapter's check", more: { checkConversation: async () => ({ kind: 'thread-gone' }) }, refusal: { kind: 'thread-gone' } },
    { case: 'a message whose turn is not in the record', more: { messageId: 'm9' }, refusal: { kind: 'not-a-conversation' } },
    { case: 'a thread with no record', more: { threadId: 't9' }, refusal: { kind: 'not-a-conversation' } },
  ])('refuses $case, and changes nothing', async ({ more, refusal }) => {
    const deps = await storeWith(record);
    const deleted: string[] = [];
    expect(await deleteTurn(deps, deletion({ ...more, deleted }))).toEqual({ ok: false, refusal });
    expect(await messagesOf(deps.conversations, 't1')).toEqual(['m1', 'm2', 'm3']);
    expect(deleted).toEqual([]);
  });
});

describe('what the members were told lost images leave out (lostImageTurnsTold)', () => {
  const told = async (conversations: ConversationStore, threadId: string) => {
    const loaded = await conversations.load(threadId);
    return loaded.kind === 'found' ? loaded.record.lostImageTurnsTold : loaded.kind;
  };

  it('a turn keeps the count its note told, and one that told nothing keeps the count as it was', async () => {
    const deps = await storeWith(record);
    const turn = (stored: ConversationRecord, lostImageTurnsTold: number) => ({ ...turnInThread(stored, undefined), lostImageTurnsTold });
    const first = savedRecord(await saveExchange(deps, turn(record, 2)));
    expect(await told(deps.conversations, 't1')).toBe(2);
    await saveExchange(deps, turn(first, 0));
    expect(await told(deps.conversations, 't1')).toBe(2);
  });

  it('a Delete keeps the count, one fewer when the turn deleted was one of those told of', async () => {
    const deps = await storeWith({ ...record, lostImageTurnsTold: 2 });
    const byModerator = (messageId: string): TurnDeletion => ({ threadId: 't1', guildId: 'g1', messageId, userId: 'carol', moderator: true, checkConversation: async () => undefined, deleteMessage: async () => {} });
    await deleteTurn(deps, byModerator('m3'));
    expect(await told(deps.conversations, 't1')).toBe(2);
    await deleteTurn(deps, byModerator('m1'));
    expect(await told(deps.conversations, 't1')).toBe(1);
    await deleteTurn(deps, byModerator('m2'));
    expect(await told(deps.conversations, 't1')).toBeUndefined();
  });

  it('a Branch does not copy it: the branch is a new thread, whose members its own first turn tells', async () => {
    const original = { ...record, lostImageTurnsTold: 1 };
    const deps = await storeWith(original);
    const branch = await saveBranch(deps, { record: original, index: 1 }, { threadId: 't2', messageId: 'n1', now: new Date('2026-12-07T10:00:00.000Z'), parentId: 'c1' });
    expect(branch.lostImageTurnsTold).toBeUndefined();
    expect(await told(deps.conversations, 't2')).toBeUndefined();
    expect(await told(deps.conversations, 't1')).toBe(1);
  });
});

describe('saveBranch', () => {
  it("keeps the history up to the branch point under the new thread, its last answer shown by the new message, and leaves the original as it was", async () => {
    const deps = await storeWith(record);
    const now = new Date('2026-12-07T10:00:00.000Z');
    const branch = await saveBranch(deps, { record, index: 1 }, { threadId: 't2', messageId: 'n1', now, parentId: 'c1' });
    expect(branch).toMatchObject({ threadId: 't2', guildId: 'g1', parentId: 'c1', model: record.model, settings: record.settings, createdAt: now.toISOString() });
    // Listed under its channel, so the branch goes when that channel is deleted.
    expect(await deps.conversations.byChannel.list({ guildId: 'g1', channelId: 'c1' })).toEqual(['t2']);
    expect(branch.exchanges).toEqual([record.exchanges[0], { ...record.exchanges[1], model: { ...record.exchanges[1]!.model, messageId: 'n1' } }]);
    expect(await messagesOf(deps.conversations, 't2')).toEqual(['m1', 'n1']);
    expect(await messagesOf(deps.conversations, 't1')).toEqual(['m1', 'm2', 'm3']);
  });
});

describe('saveBranch on GEMINI_API=interactions', () => {
  it('marks the copied interactions shared, in the branch only: a Delete there must not remove what the first thread continues from', async () => {
    const interaction = { id: 'int-1', createdAt: '2026-12-01T00:00:00.000Z' };
    const original: ConversationRecord = { ...record, exchanges: [answeredOnInteractions(exchange('m1'), interaction), exchange('m2')], forgetAtGoogle: ['int-0'] };
    const deps = await storeWith(original);
    const branch = await saveBranch(deps, { record: original, index: 1 }, { threadId: 't2', messageId: 'n1', now: new Date('2026-12-07T10:00:00.000Z'), parentId: 'c1' });
    expect(branch.exchanges.map(interactionOf)).toEqual([{ ...interaction, shared: true }, undefined]);
    // What a Delete in the first thread still owes Google stays that thread's to ask for.
    expect(branch.forgetAtGoogle).toBeUndefined();
    const first = await deps.conversations.load('t1');
    expect(first.kind === 'found' && interactionOf(first.record.exchanges[0])).toEqual(interaction);
  });
});

describe('markSharedInOrigin', () => {
  const at = '2026-12-01T00:00:00.000Z';
  const onInteractions = (messageId: string, interaction: StoredInteraction) => answeredOnInteractions(exchange(messageId), interaction);

  it('marks shared, in the first thread as read again, the interactions the saved branch copied, and no other', async () => {
    const original: ConversationRecord = { ...record, exchanges: [onInteractions('m1', { id: 'int-1', createdAt: at }), onInteractions('m2', { id: 'int-2', createdAt: at })] };
    const deps = await storeWith(original);
    const branch = await saveBranch(deps, { record: original, index: 0 }, { threadId: 't2', messageId: 'n1', now: new Date(at), parentId: 'c1' });
    // A turn the first thread added after the branch point was read: kept, and not marked.
    await deps.conversations.save({ ...original, exchanges: [...original.exchanges, onInteractions('m3', { id: 'int-3', createdAt: at })] });
    await markSharedInOrigin(deps, branch, original);
    const first = await deps.conversations.load('t1');
    expect(first.kind === 'found' && first.record.exchanges.map((kept) => interactionOf(kept)?.shared)).toEqual([true, undefined, undefined]);
  });

  it('leaves one a Delete already asked Google to delete as it is', async () => {
    const forgotten = { id: 'int-1', createdAt: at, outdated: true as const, forgotten: true as const };
    const original: ConversationRecord = { ...record, exchanges: [onInteractions('m1', forgotten)] };
    const deps = await storeWith(original);
    const branch = await saveBranch(deps, { record: original, index: 0 }, { threadId: 't2', messageId: 'n1', now: new Date(at), parentId: 'c1' });
    await markSharedInOrigin(deps, branch, original);
    const first = await deps.conversations.load('t1');
    expect(first.kind === 'found' && interactionOf(first.record.exchanges[0])).toEqual(forgotten);
  });

  it('on generateContent reads nothing: nothing is kept at Google', async () => {
    const deps = await storeWith(record);
    const branch = await saveBranch(deps, { record, index: 1 }, { threadId: 't2', messageId: 'n1', now: new Date(at), parentId: 'c1' });
    // A record of another server, which a read would refuse (and the mark throw on).
    await deps.conversations.save({ ...record, guildId: 'g2' });
    await expect(markSharedInOrigin(deps, branch, record)).resolves.toBeUndefined();
  });

  it('throws when the first thread\'s record cannot be read, so the branch is taken back; a thread deleted meanwhile needs no mark', async () => {
    const original: ConversationRecord = { ...record, exchanges: [onInteractions('m1', { id: 'int-1', createdAt: at })] };
    const deps = await storeWith(original);
    const branch = await saveBranch(deps, { record: original, index: 0 }, { threadId: 't2', messageId: 'n1', now: new Date(at), parentId: 'c1' });
    await deps.conversations.save({ ...original, guildId: 'g2' });
    await expect(markSharedInOrigin(deps, branch, original)).rejects.toThrow(/could not be read \(refused\)/);
    await deps.conversations.delete('t1');
    await expect(markSharedInOrigin(deps, branch, original)).resolves.toBeUndefined();
    expect((await deps.conversations.load('t1')).kind).toBe('missing');
  });
});
