import { describe, expect, it } from 'vitest';
import { interactionOf, type ConversationRecord, type Exchange } from '../../src/conversation/conversationRecord.js';
import { StoredImagePart } from '../../src/conversation/outgoingParts.js';
import { blobIdOf } from '../../src/store/blobStore.js';
import type { GeminiPart } from '../../src/gemini/geminiTypes.js';
import { generateContentScope, interactionsScope } from './transportScopes.js';
import { newUserParts, planRequestContents, type RequestInput } from '../../src/turn/planRequestContents.js';
import { partsBytes } from '../../src/limits/historyBudget.js';

/** An answer image of `bytes` base64 characters, stored under the id of `base64`'s bytes. */
function exchange(messageId: string, bytes: number, base64 = Buffer.from(messageId).toString('base64')): Exchange {
  return {
    user: { authorId: 'u', parts: [{ raw: { text: `asked ${messageId}` } }] },
    model: {
      api: 'generate-content',
      contentFields: { role: 'model' },
      parts: [
        { raw: { text: `thinking ${messageId}`, thought: true } },
        { raw: { inlineData: { mimeType: 'image/jpeg', data: '' }, thoughtSignature: `sig-${messageId}` }, blob: { sha256: blobIdOf(base64), field: 'inlineData', length: bytes } },
      ],
      messageId,
    },
    settings: {},
    createdAt: '2026-12-01T00:00:00.000Z',
  };
}

function record(...exchanges: Exchange[]): ConversationRecord {
  return { version: 4, threadId: 't', guildId: 'g', model: 'gemini-3-pro-image', settings: {}, exchanges, createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z' };
}

const MB = 1_000_000;
const threeTurns = record(exchange('m1', 2 * MB), exchange('m2', 2 * MB), exchange('m3', 2 * MB));
const reference = { inlineData: { mimeType: 'image/png', data: Buffer.from('hat').toString('base64') } };

/**
 * What a turn with these (downloaded) `references` sends on `api`: the request chosen by their size from what of
 * `record` the API's transport sends (its scope, from where the turn builds), then the new user turn.
 */
type Input = Partial<Omit<RequestInput, 'referenceBytes' | 'scope'>> & { references?: GeminiPart[]; record?: ConversationRecord; buildsOn?: string; redoes?: Exchange };

const scopeOn = { 'generate-content': generateContentScope, interactions: interactionsScope };

function plan({ references = [], record: stored, buildsOn, redoes, api = 'generate-content', ...input }: Input, budget = 100 * MB) {
  const scope = scopeOn[api]({ exchanges: stored?.exchanges ?? [], buildsOn, redoes });
  // The record's latest answer: the stored one's last, unless the case says otherwise (a reroll's record goes on after `record`).
  const latestApi = stored?.exchanges.at(-1)?.model.api;
  const told = input.lostImageTurnsTold ?? stored?.lostImageTurnsTold ?? 0;
  const full = { scope, api, latestApi, prompt: 'make it blue', referenceBytes: partsBytes(references), ...input, lostImageTurnsTold: told };
  const chosen = planRequestContents(full, budget);
  if (chosen.kind !== 'ready') return chosen;
  // Where the transport goes on from: the last exchange of the scope, when Gemini holds the conversation.
  const continueFrom = scope.held ? interactionOf(scope.exchanges.at(-1))?.id : undefined;
  return { ...chosen, userParts: newUserParts(full, chosen, references), continueFrom, builtOn: chosen.thread.at(-1)?.model.messageId };
}

/** The plan in words: which turns are sent (by message id), and what the new user turn holds. */
function summary(planned: ReturnType<typeof plan>) {
  if (planned.kind !== 'ready') return planned;
  return {
    kind: planned.kind,
    history: planned.history.map(({ model }) => (model.api === 'generate-content' ? model.parts.find((part) => part.blob)?.raw['thoughtSignature'] : model.steps[0]?.raw['signature'])),
    userParts: planned.userParts.map((part) => (part instanceof StoredImagePart ? `stored image ${part.blob.sha256.slice(0, 6)}` : 'text' in part ? `text: ${String(part['text'])}` : 'reference')),
    droppedExchanges: planned.droppedExchanges,
  };
}

const id = (messageId: string) => `stored image ${blobIdOf(Buffer.from(messageId).toString('base64')).slice(0, 6)}`;

describe('planRequestContents: what one request to Gemini holds', () => {
  it.each([
    {
      case: 'a new conversation: the words, then the references',
      input: { references: [reference] },
      expected: { kind: 'ready', history: [], userParts: ['text: make it blue', 'reference'], droppedExchanges: 0 },
    },
    {
      case: 'a reply to the latest image: the whole history, the image is already the last thing Gemini sees',
      input: { record: threeTurns, replyToMessageId: 'm3' },
      expected: { kind: 'ready', history: ['sig-m1', 'sig-m2', 'sig-m3'], userParts: ['text: make it blue'], droppedExchanges: 0 },
    },
    {
      case: 'a reply to an older image: the whole history, and that image sent again with the words',
      input: { record: threeTurns, replyToMessageId: 'm1' },
      expected: { kind: 'ready', history: ['sig-m1', 'sig-m2', 'sig-m3'], userParts: ['text: make it blue', id('m1')], droppedExchanges: 0 },
    },
    {
      case: 'a reroll: its own user turn exactly, nothing re-sent',
      input: { record: record(exchange('m1', 2 * MB)), replyToMessageId: 'm1', exactUserParts: [{ text: 'the first words' }] },
      expected: { kind: 'ready', history: ['sig-m1'], userParts: ['text: the first words'], droppedExchanges: 0 },
    },
    {
      case: 'a history over the size budget: the oldest turns are left out',
      input: { record: threeTurns, replyToMessageId: 'm3' },
      budget: 4.5 * MB,
      expected: { kind: 'ready', history: ['sig-m2', 'sig-m3'], userParts: ['text: make it blue'], droppedExchanges: 1 },
    },
    {
      case: 'the edited image left out by the budget travels with the new turn instead',
      input: { record: threeTurns, replyToMessageId: 'm1' },
      budget: 4.5 * MB,
      expected: { kind: 'ready', history: ['sig-m3'], userParts: ['text: make it blue', id('m1')], droppedExchanges: 2 },
    },
    {
      case: 'the new turn alone over the budget',
      input: { references: [{ inlineData: { mimeType: 'image/png', data: 'x'.repeat(2 * MB) } }] },
      budget: 1 * MB,
      expected: { kind: 'too-large' },
    },
  ])('$case', ({ input, budget, expected }) => {
    expect(summary(plan(input, budget))).toEqual(expected);
  });

  it('does not send an image twice when the member attached the very image being edited', () => {
    const base64 = Buffer.from('the fox').toString('base64');
    const input = { record: record(exchange('m1', 10, base64), exchange('m2', 10)), replyToMessageId: 'm1', references: [{ inlineData: { mimeType: 'image/jpeg', data: base64 } }] };
    expect(summary(plan(input))).toMatchObject({ userParts: ['text: make it blue', 'reference'] });
  });

  it('says which stored image is missing when its record says the store lost it', () => {
    const lost = exchange('m1', 10);
    if (lost.model.api !== 'generate-content') throw new Error('not a generateContent answer');
    const { sha256, field } = lost.model.parts[1]!.blob!;
    lost.model.parts[1]!.blob = { sha256, field, gone: true };
    expect(plan({ record: record(lost) })).toEqual({ kind: 'unreadable', missingBlob: sha256 });
  });

  it('counts the turns lost images leave out for the member only when they are more than the record says the member was told of', () => {
    const lost = (messageId: string) => {
      const exchanged = exchange(messageId, 10);
      if (exchanged.model.api !== 'generate-content') throw new Error('not a generateContent answer');
      const { sha256, field } = exchanged.model.parts[1]!.blob!;
      exchanged.model.parts[1]!.blob = { sha256, field, gone: true };
      return exchanged;
    };
    const thread = record(lost('m1'), exchange('m2', 10), lost('m3'), exchange('m4', 10));
    const said = (input: Input) => {
      const planned = plan(input);
      return planned.kind === 'ready' ? { history: planned.history.map((sent) => sent.model.messageId), lostExchanges: planned.lostExchanges } : planned;
    };
    // Nothing told yet, or fewer turns than are left out now: the true count, from the oldest.
    expect(said({ record: thread })).toEqual({ history: ['m4'], lostExchanges: 3 });
    expect(said({ record: { ...thread, lostImageTurnsTold: 1 } })).toEqual({ history: ['m4'], lostExchanges: 3 });
    // Told of as many (or of more, before a Delete took one of them): left out without a word.
    expect(said({ record: { ...thread, lostImageTurnsTold: 3 } })).toEqual({ history: ['m4'], lostExchanges: 0 });
    expect(said({ record: { ...thread, lostImageTurnsTold: 4 } })).toEqual({ history: ['m4'], lostExchanges: 0 });
    // A reroll of m3 sends the turns before it (planTurn's history), counted from the same oldest turn: m1 alone is
    // left out, within the 3 the member was told of; with none told, m1 is news.
    const beforeM3 = record(...thread.exchanges.slice(0, 2));
    expect(said({ record: beforeM3, lostImageTurnsTold: 3 })).toEqual({ history: ['m2'], lostExchanges: 0 });
    expect(said({ record: beforeM3 })).toEqual({ history: ['m2'], lostExchanges: 1 });
  });
});

/** An exchange answered on the Interactions API (a signed thought, then its image), its interaction named after its message. */
function onInteractions(messageId: string, extra: { outdated?: true; shared?: true; builtOn?: string } = {}): Exchange {
  const steps = [
    { raw: { type: 'thought', signature: `sig-${messageId}`, summary: [{ type: 'text', text: `thinking ${messageId}` }] } },
    {
      raw: { type: 'model_output', content: [{ type: 'image', data: '', mime_type: 'image/jpeg' }] },
      images: [{ sha256: blobIdOf(Buffer.from(messageId).toString('base64')), length: 2 * MB, in: 'content' as const, index: 0 }],
    },
  ];
  const interaction = { id: `int-${messageId}`, createdAt: '2026-12-01T00:00:00.000Z', ...extra };
  return { ...exchange(messageId, 2 * MB), model: { api: 'interactions', steps, interaction, messageId } };
}

describe('planRequestContents on GEMINI_API=interactions: where a turn continues from', () => {
  const three = record(onInteractions('m1'), onInteractions('m2'), onInteractions('m3'));
  const bigReference = { inlineData: { mimeType: 'image/png', data: 'x'.repeat(3.5 * MB) } };
  it.each<{ case: string; input: Input; budget?: number; expected: Record<string, unknown> }>([
    {
      case: 'a reply to the latest image: from its interaction, the words only',
      input: { record: three, replyToMessageId: 'm3' },
      expected: { history: ['sig-m1', 'sig-m2', 'sig-m3'], userParts: ['text: make it blue'], continueFrom: 'int-m3', builtOn: 'm3' },
    },
    {
      case: 'a reply to an older image: from the latest interaction, that image sent again with the words (as generateContent does)',
      input: { record: three, replyToMessageId: 'm1' },
      expected: { history: ['sig-m1', 'sig-m2', 'sig-m3'], userParts: ['text: make it blue', id('m1')], continueFrom: 'int-m3', builtOn: 'm3' },
    },
    {
      case: 'an upscale of an older image: from that image\'s interaction, the history cut there, no image re-sent',
      input: { record: three, replyToMessageId: 'm1', buildsOn: 'm1' },
      expected: { history: ['sig-m1'], userParts: ['text: make it blue'], continueFrom: 'int-m1', builtOn: 'm1' },
    },
    {
      case: 'a reroll of an edit of an older image (it built on the latest, m3): from m3 again, the turn\'s own parts, its re-sent image included',
      input: { record: three, buildsOn: 'm3', exactUserParts: [{ text: 'make it red' }, { inlineData: { mimeType: 'image/jpeg', data: 'bTE=' } }] },
      expected: { history: ['sig-m1', 'sig-m2', 'sig-m3'], userParts: ['text: make it red', 'reference'], continueFrom: 'int-m3', builtOn: 'm3' },
    },
    {
      case: 'a reroll of a reroll (m3 rerolled m2, which built on m1): from m1 again, where the first turn went on from',
      input: { record: three, buildsOn: 'm1', exactUserParts: [{ text: 'make it red' }] },
      expected: { history: ['sig-m1'], userParts: ['text: make it red'], continueFrom: 'int-m1', builtOn: 'm1' },
    },
    {
      case: 'a reroll whose base was deleted meanwhile: from the turn before it',
      input: { record: record(onInteractions('m1'), onInteractions('m2')), buildsOn: 'm9', exactUserParts: [{ text: 'make it red' }] },
      expected: { history: ['sig-m1', 'sig-m2'], userParts: ['text: make it red'], continueFrom: 'int-m2', builtOn: 'm2' },
    },
    {
      case: 'a branch from m2: its record ends at the branched image, whose interaction (shared with the first thread) it continues from',
      input: { record: record(onInteractions('m1', { shared: true }), onInteractions('m2', { shared: true })), replyToMessageId: 'm2' },
      expected: { history: ['sig-m1', 'sig-m2'], userParts: ['text: make it blue'], continueFrom: 'int-m2', builtOn: 'm2' },
    },
    {
      case: 'an outdated interaction (a turn before it was deleted): no continuation, the record is replayed',
      input: { record: record(onInteractions('m1'), onInteractions('m2', { outdated: true })) },
      expected: { history: ['sig-m1', 'sig-m2'], userParts: ['text: make it blue'], continueFrom: undefined, builtOn: 'm2' },
    },
    {
      case: 'the first turn after a switch from generateContent: its exchanges left out for that reason, and counted so the member hears it',
      input: { record: record(exchange('m1', 2 * MB), exchange('m2', 2 * MB)) },
      expected: { history: [], continueFrom: undefined, builtOn: 'm2', droppedExchanges: 0, otherApiExchanges: 2 },
    },
    {
      case: 'exchanges of generateContent before the switch, a turn later: still left out, not counted again (told once), the turn continues from the latest interaction',
      input: { record: record(exchange('m1', 2 * MB), onInteractions('m2')) },
      expected: { history: ['sig-m2'], userParts: ['text: make it blue'], continueFrom: 'int-m2', builtOn: 'm2', droppedExchanges: 0, otherApiExchanges: 0 },
    },
    {
      case: 'an upscale of an image from before the switch, on the first turn after it: the other API\'s exchanges counted, the member hears it',
      input: { record: record(exchange('m1', 2 * MB), exchange('m2', 2 * MB), exchange('m3', 2 * MB)), buildsOn: 'm2' },
      expected: { history: [], continueFrom: undefined, builtOn: 'm2', droppedExchanges: 0, otherApiExchanges: 2 },
    },
    {
      case: 'an upscale of an image from before the switch, once the member was told: left out, not counted again',
      input: { record: record(exchange('m1', 2 * MB), exchange('m2', 2 * MB), exchange('m3', 2 * MB), onInteractions('m4', { builtOn: 'm3' })), buildsOn: 'm2' },
      expected: { history: [], continueFrom: undefined, builtOn: 'm2', droppedExchanges: 0, otherApiExchanges: 0 },
    },
    {
      case: 'a reroll of the first turn after the switch (it builds on the other API\'s latest, the record ends with it): not counted again',
      input: { record: record(exchange('m1', 2 * MB), exchange('m2', 2 * MB), exchange('m3', 2 * MB)), redoes: onInteractions('m4', { builtOn: 'm3' }), latestApi: 'interactions', exactUserParts: [{ text: 'make it red' }] },
      expected: { history: [], continueFrom: undefined, builtOn: 'm3', droppedExchanges: 0, otherApiExchanges: 0 },
    },
    {
      case: 'a replay over the budget: the oldest left out for that reason, the continuation from the latest still',
      input: { record: three },
      budget: 4.5 * MB,
      expected: { history: ['sig-m2', 'sig-m3'], userParts: ['text: make it blue'], continueFrom: 'int-m3', builtOn: 'm3', droppedExchanges: 1, otherApiExchanges: 0 },
    },
    {
      case: 'references that push every exchange past the budget: still from the latest interaction (Google holds the history)',
      input: { record: three, references: [bigReference] },
      budget: 5 * MB,
      expected: { history: [], userParts: ['text: make it blue', 'reference'], continueFrom: 'int-m3', builtOn: 'm3', droppedExchanges: 3 },
    },
  ])('$case', ({ input, budget, expected }) => {
    const planned = plan({ ...input, api: 'interactions' }, budget);
    if (planned.kind !== 'ready') throw new Error(`unexpected ${planned.kind}`);
    const { history, userParts } = summary(planned) as { history: unknown[]; userParts: string[] };
    const { droppedExchanges, otherApiExchanges } = planned;
    expect({ history, userParts, continueFrom: planned.continueFrom, builtOn: planned.builtOn, droppedExchanges, otherApiExchanges }).toMatchObject(expected);
  });

  it('refuses an edit of an older image that cannot travel with references that fill the budget, as generateContent does (the continuation needs it too)', () => {
    expect(plan({ record: three, replyToMessageId: 'm1', references: [bigReference], api: 'interactions' }, 5 * MB)).toEqual({ kind: 'too-large' });
    expect(plan({ record: threeTurns, replyToMessageId: 'm1', references: [bigReference] }, 5 * MB)).toEqual({ kind: 'too-large' });
  });

  it('a reroll builds where the turn it redoes built (its interaction says so), on interactions only', () => {
    const rerolled = onInteractions('m3');
    if (rerolled.model.api !== 'interactions') throw new Error('not an Interactions answer');
    rerolled.model.interaction.builtOn = 'm1';
    const redo = { record: three, redoes: rerolled, exactUserParts: [{ text: 'make it red' }] };
    expect(plan({ ...redo, api: 'interactions' })).toMatchObject({ continueFrom: 'int-m1', builtOn: 'm1' });
    expect(summary(plan({ ...redo, api: 'interactions' }))).toMatchObject({ history: ['sig-m1'], userParts: ['text: make it red'] });
    // generateContent sends the whole history before the turn, whatever it built on.
    expect(summary(plan({ record: threeTurns, redoes: rerolled, exactUserParts: [{ text: 'make it red' }] }))).toMatchObject({ history: ['sig-m1', 'sig-m2', 'sig-m3'] });
  });

  it('sends the model the same conversation as generateContent for a reply to an older image', () => {
    expect(summary(plan({ record: three, replyToMessageId: 'm2', api: 'interactions' }))).toEqual(summary(plan({ record: threeTurns, replyToMessageId: 'm2' })));
  });

  it('generateContent sends the whole thread whatever the turn builds on (an upscale re-sends its older image)', () => {
    expect(summary(plan({ record: threeTurns, replyToMessageId: 'm1', buildsOn: 'm1' }))).toMatchObject({ history: ['sig-m1', 'sig-m2', 'sig-m3'], userParts: ['text: make it blue', id('m1')] });
  });
});
