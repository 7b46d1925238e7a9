import { describe, expect, it } from 'vitest';
import type { ConversationRecord, Exchange } from '../../src/conversation/conversationRecord.js';
import type { ThreadConversation } from '../../src/conversation/loadConversation.js';
import { StoredImagePart } from '../../src/conversation/outgoingParts.js';
import { ModelTable } from '../../src/gemini/imageOptions.js';
import { needsLatestPostedImages, planTurn } from '../../src/turn/planTurn.js';
import { generateContentScope, interactionsScope } from './transportScopes.js';

const onInteractions = { api: 'interactions' as const, scope: interactionsScope };
import type { PlanFacts, TurnAsk } from '../../src/turn/turnPlan.js';

const PRO = 'gemini-3-pro-image';
const FLASH = 'gemini-3.1-flash-image';
const image = (name: string) => ({ url: `https://cdn.discordapp.com/attachments/1/2/${name}`, name, size: 100 });

function exchange(messageId: string): Exchange {
  return {
    user: { authorId: '10', parts: [{ raw: { text: `asked for ${messageId}` } }] },
    model: { api: 'generate-content', contentFields: { role: 'model' }, parts: [{ raw: { text: 'here' } }], messageId },
    settings: {},
    createdAt: '2026-12-01T00:00:00.000Z',
  };
}

/** A thread of three answers, shown by messages m1, m2, m3, made with Flash at 16:9. */
const record: ConversationRecord = {
  version: 4,
  threadId: 't1',
  guildId: 'g1',
  model: FLASH,
  settings: { aspectRatio: '16:9' },
  exchanges: ['m1', 'm2', 'm3'].map(exchange),
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
};
const found: ThreadConversation = { kind: 'found', record };

const MB = 1_000_000;
/** An answer whose image (kept in the blob store) weighs `bytes` of base64 in a request. */
function imageExchange(messageId: string, bytes: number): Exchange {
  const image = { raw: { inlineData: { mimeType: 'image/jpeg', data: '' } }, blob: { sha256: messageId.padEnd(64, '0').replace(/[^0-9a-f]/g, 'a'), field: 'inlineData' as const, length: bytes } };
  return { ...exchange(messageId), model: { api: 'generate-content', contentFields: { role: 'model' }, parts: [image], messageId } };
}
/** Three answers of 2 MB each, under a budget of 4.5 MB: two fit with a new turn, three do not. */
const heavy: ThreadConversation = { kind: 'found', record: { ...record, exchanges: ['m1', 'm2', 'm3'].map((id) => imageExchange(id, 2 * MB)) } };
const underBudget = { historyBudgetBytes: 4.5 * MB };
/** The model ids of the turns a plan's request sends. */
function sentTurns(plan: ReturnType<typeof planTurn>): unknown {
  return plan.kind === 'go' ? { sent: plan.request.history.length, dropped: plan.request.droppedExchanges, resent: plan.request.resentImages.length } : plan;
}

function facts(ask: Partial<TurnAsk>, stored: ThreadConversation = found, more: Partial<PlanFacts> = {}): PlanFacts {
  return {
    ask: { prompt: 'make it blue', attachments: [], settings: {}, ...ask },
    stored,
    serverDefaults: { model: PRO, chosenDefaults: { server: { aspectRatio: '1:1', imageSize: '2K' }, environment: {} } },
    allowedModels: [PRO, FLASH],
    imageModels: new ModelTable(),
    historyBudgetBytes: 20_000_000,
    gemini: { api: 'generate-content', scope: generateContentScope },
    attachmentPolicy: { allowedOrigins: ['https://cdn.discordapp.com'], maxBytes: 10_000_000 },
    ...more,
  };
}

describe('planTurn: what a turn does, decided before any call', () => {
  it.each<{ case: string; facts: PlanFacts; expected: Record<string, unknown> }>([
    {
      case: 'a new conversation takes the server defaults and the model chosen with /imagine',
      facts: facts({ model: FLASH, settings: { imageSize: '4K' }, attachments: [image('cat.png')] }, { kind: 'missing' }),
      expected: { store: { kind: 'new' }, history: undefined, model: FLASH, settings: { aspectRatio: '1:1', imageSize: '4K' }, attachments: [image('cat.png')], freshStart: undefined },
    },
    {
      case: 'a reply to the latest image continues the whole thread with its own model and options',
      facts: facts({ replyToMessageId: 'm3', repliedImages: [image('m3.jpg')], model: PRO }),
      expected: { store: { kind: 'append', record }, history: record, model: FLASH, settings: { aspectRatio: '16:9' }, replyToMessageId: 'm3', attachments: [] },
    },
    {
      case: 'a reply to an older image keeps the whole history and names the image it edits',
      facts: facts({ replyToMessageId: 'm1', repliedImages: [image('m1.jpg')] }),
      expected: { history: record, replyToMessageId: 'm1', attachments: [] },
    },
    {
      case: 'a reroll sends only the history before the turn it redoes, and adds the answer to the whole thread',
      facts: facts({ replay: { messageId: 'm2' } }),
      expected: { store: { kind: 'append', record }, history: { ...record, exchanges: record.exchanges.slice(0, 1) }, replayIndex: 1, replayUserParts: record.exchanges[1]!.user.parts },
    },
    {
      case: "a reroll takes its turn's words and image options",
      facts: facts({ prompt: '', replay: { messageId: 'm2' } }, { kind: 'found', record: { ...record, exchanges: [record.exchanges[0]!, { ...record.exchanges[1]!, settings: { imageSize: '4K' } }] } }),
      expected: { prompt: 'asked for m2', settings: { aspectRatio: '16:9', imageSize: '4K' } },
    },
    {
      case: "a reply carries the member's words",
      facts: facts({ replyToMessageId: 'm3', repliedImages: [image('m3.jpg')] }),
      expected: { prompt: 'make it blue' },
    },
    {
      case: 'an upscale edits its image at the size asked, keeping the ratio of the thread',
      facts: facts({ replyToMessageId: 'm2', repliedImages: [image('m2.jpg')], settings: { imageSize: '4K' } }),
      expected: { replyToMessageId: 'm2', settings: { aspectRatio: '16:9', imageSize: '4K' } },
    },
    {
      case: 'a new conversation on a model the member picked leaves out a server default that model does not make',
      facts: facts({ model: PRO }, { kind: 'missing' }, { serverDefaults: { model: FLASH, chosenDefaults: { server: { aspectRatio: '1:8', imageSize: '512' }, environment: {} } } }),
      expected: { model: PRO, settings: {} },
    },
    {
      case: "a server default set aside for the server's model is back in force for a member who picks a model that makes it",
      facts: facts({ model: FLASH }, { kind: 'missing' }, { serverDefaults: { model: PRO, chosenDefaults: { server: { aspectRatio: '1:8', imageSize: '512' }, environment: {} } } }),
      expected: { model: FLASH, settings: { aspectRatio: '1:8', imageSize: '512' } },
    },
    {
      case: "the environment's default stands in for a server default the turn's model does not make",
      facts: facts({ model: PRO }, { kind: 'missing' }, { serverDefaults: { model: FLASH, chosenDefaults: { server: { aspectRatio: '1:8', imageSize: '512' }, environment: { aspectRatio: '16:9', imageSize: '2K' } } } }),
      expected: { model: PRO, settings: { aspectRatio: '16:9', imageSize: '2K' } },
    },
    {
      case: "a fresh start (unreadable history) on a model the member picked takes the defaults that model makes",
      facts: facts({ model: FLASH }, { kind: 'unreadable' }, { latestPostedImages: [], serverDefaults: { model: PRO, chosenDefaults: { server: { aspectRatio: '1:8' }, environment: {} } } }),
      expected: { model: FLASH, settings: { aspectRatio: '1:8' }, freshStart: 'nothing' },
    },
    {
      case: 'a size typed in lower case is taken in Gemini\'s spelling, and a model the operator declared makes what it was declared to',
      facts: facts(
        { model: 'gemini-nano-banana-2.1', settings: { imageSize: '2k' } },
        { kind: 'missing' },
        { allowedModels: [PRO, 'gemini-nano-banana-2.1'], imageModels: new ModelTable({ 'gemini-nano-banana-2.1': { aspectRatios: ['1:1'], imageSizes: ['1K', '2K'] } }) },
      ),
      expected: { model: 'gemini-nano-banana-2.1', settings: { aspectRatio: '1:1', imageSize: '2K' } },
    },
    {
      case: 'a Flash thread takes the ratios and sizes only Flash makes',
      facts: facts({ settings: { aspectRatio: '8:1', imageSize: '512' } }),
      expected: { model: FLASH, settings: { aspectRatio: '8:1', imageSize: '512' } },
    },
    {
      case: 'a reply to an older image builds on the whole thread (on interactions: from the latest interaction)',
      facts: facts({ replyToMessageId: 'm1', repliedImages: [image('m1.jpg')] }),
      expected: { replyToMessageId: 'm1', buildsOn: undefined },
    },
    {
      case: 'an upscale builds on its image\'s own turn (on interactions: from that image\'s interaction)',
      facts: facts({ replyToMessageId: 'm1', repliedImages: [image('m1.jpg')], buildsOnReplied: true, settings: { imageSize: '4K' } }),
      expected: { replyToMessageId: 'm1', buildsOn: 'm1' },
    },
    {
      case: 'an upscale of an image whose turn was lost sends it along and builds on the latest',
      facts: facts({ replyToMessageId: 'm9', repliedImages: [image('m9.jpg')], buildsOnReplied: true }),
      expected: { replyToMessageId: undefined, buildsOn: undefined, attachments: [image('m9.jpg')] },
    },
    {
      case: 'a reroll builds on what its turn first built on, also a reroll of a reroll (its answer keeps the first base)',
      facts: facts({ replay: { messageId: 'm3' } }, { kind: 'found', record: { ...record, exchanges: [exchange('m1'), exchange('m2'), { ...exchange('m3'), model: { api: 'interactions', steps: [], interaction: { id: 'i3', createdAt: '2026-12-01T00:00:00.000Z', builtOn: 'm1' }, messageId: 'm3' } }] } }),
      expected: { replayIndex: 2, buildsOn: undefined },
    },
    {
      case: 'a reroll of a turn that does not say what it built on builds on the turn before it',
      facts: facts({ replay: { messageId: 'm2' } }),
      expected: { replayIndex: 1, buildsOn: undefined },
    },
    {
      case: 'a reply to an image whose turn was lost sends that image along instead of naming it',
      facts: facts({ replyToMessageId: 'm9', repliedImages: [image('m9.jpg')], attachments: [image('hat.png')] }),
      expected: { history: record, replyToMessageId: undefined, attachments: [image('m9.jpg'), image('hat.png')] },
    },
  ])('$case', ({ facts: given, expected }) => {
    const plan = planTurn(given);
    expect(plan.kind).toBe('go');
    expect(plan).toMatchObject(expected);
  });

  it.each<{ case: string; facts: PlanFacts; expected: unknown }>([
    {
      case: 'a history within the size budget is sent whole',
      facts: facts({ replyToMessageId: 'm3' }, heavy),
      expected: { sent: 3, dropped: 0, resent: 0 },
    },
    {
      case: 'a history over the size budget leaves out its oldest turns',
      facts: facts({ replyToMessageId: 'm3' }, heavy, underBudget),
      expected: { sent: 2, dropped: 1, resent: 0 },
    },
    {
      case: 'an edit of an image the size budget leaves out sends that image with the new turn',
      facts: facts({ replyToMessageId: 'm1' }, heavy, underBudget),
      expected: { sent: 1, dropped: 2, resent: 1 },
    },
    {
      case: "the member's files are measured by their declared size (base64: 4 characters for 3 bytes) before any download",
      facts: facts({ replyToMessageId: 'm3', attachments: [{ ...image('hat.png'), size: 0.75 * MB }] }, heavy, underBudget),
      expected: { sent: 1, dropped: 2, resent: 0 },
    },
    {
      case: 'a branch: the first turn in the new thread goes on from its copy of the first thread, up to the branched image',
      facts: facts(
        { replyToMessageId: 'm2', repliedImages: [image('m2.jpg')] },
        { kind: 'found', record: { ...record, threadId: 't2', exchanges: ['m1', 'm2'].map((id) => ({ ...exchange(id), model: { api: 'interactions' as const, steps: [], interaction: { id: `i-${id}`, createdAt: '2026-12-01T00:00:00.000Z', shared: true as const }, messageId: id } })) } },
        { gemini: onInteractions },
      ),
      expected: { sent: 2, dropped: 0, resent: 0 },
    },
  ])('chooses the history to send: $case', ({ facts: given, expected }) => {
    expect(sentTurns(planTurn(given))).toEqual(expected);
  });

  it('a branch appends its answers to its own record, and continues from the branched image\'s interaction', () => {
    const branch = { ...record, threadId: 't2', exchanges: ['m1', 'm2'].map((id) => ({ ...exchange(id), model: { api: 'interactions' as const, steps: [], interaction: { id: `i-${id}`, createdAt: '2026-12-01T00:00:00.000Z', shared: true as const }, messageId: id } })) };
    const plan = planTurn(facts({ replyToMessageId: 'm2', repliedImages: [image('m2.jpg')] }, { kind: 'found', record: branch }, { gemini: onInteractions }));
    expect(plan).toMatchObject({ kind: 'go', store: { kind: 'append', record: branch }, replyToMessageId: 'm2' });
    // The transport goes on from the last exchange of the thread the turn builds on: the branched image's.
    expect(plan.kind === 'go' && plan.request.thread.map((exchange) => exchange.model.messageId)).toEqual(['m1', 'm2']);
  });

  it('a reroll builds where its turn first did: on interactions its request stops there, generateContent sends the whole history before it', () => {
    const rerolled = { ...exchange('m3'), model: { api: 'interactions' as const, steps: [], interaction: { id: 'i3', createdAt: '2026-12-01T00:00:00.000Z', builtOn: 'm1' }, messageId: 'm3' } };
    const stored: ThreadConversation = { kind: 'found', record: { ...record, exchanges: [exchange('m1'), exchange('m2'), rerolled] } };
    const sentOn = (gemini: PlanFacts['gemini']) => {
      const plan = planTurn(facts({ replay: { messageId: 'm3' } }, stored, { gemini }));
      return plan.kind === 'go' ? plan.request.thread.map((exchange) => exchange.model.messageId) : plan;
    };
    expect(sentOn(onInteractions)).toEqual(['m1']);
    expect(sentOn({ api: 'generate-content', scope: generateContentScope })).toEqual(['m1', 'm2']);
  });

  describe('a thread one of whose images the store lost', () => {
    /** An exchange whose answer's image the store lost (marked gone by migrateRecord, or found missing by a turn). */
    function lostExchange(messageId: string): Exchange {
      const lost = imageExchange(messageId, 10);
      if (lost.model.api !== 'generate-content') throw new Error('not a generateContent answer');
      const { sha256, field } = lost.model.parts[0]!.blob!;
      lost.model.parts[0]!.blob = { sha256, field, gone: true };
      return lost;
    }
    /** A thread whose members were told of no turn left out yet (the note is said once: see the test below). */
    const thread = (...exchanges: Exchange[]): ThreadConversation => ({ kind: 'found', record: { ...record, exchanges } });
    /** What a plan sends and says it left out, by message id. */
    const sent = (plan: ReturnType<typeof planTurn>) =>
      plan.kind === 'go'
        ? { store: plan.store.kind, freshStart: plan.freshStart, history: plan.request.history.map((exchange) => exchange.model.messageId), lost: plan.request.lostExchanges, dropped: plan.request.droppedExchanges, resent: plan.request.resentImages.map((part) => (part instanceof StoredImagePart ? part.blob.sha256.slice(0, 2) : 'on hand')) }
        : plan;

    it.each<{ case: string; ask: Partial<TurnAsk>; stored: ThreadConversation; more?: Partial<PlanFacts>; expected: unknown }>([
      {
        case: 'an older image lost: the turns after it are the history, the member told how many were left out',
        ask: {},
        stored: thread(lostExchange('m1'), imageExchange('m2', 10), imageExchange('m3', 10)),
        expected: { store: 'append', freshStart: undefined, history: ['m2', 'm3'], lost: 1, dropped: 0, resent: [] },
      },
      {
        case: 'the turns from the last exchange that lost an image back are all left out, however many lost one',
        ask: {},
        stored: thread(imageExchange('m1', 10), lostExchange('m2'), lostExchange('m3'), imageExchange('m4', 10)),
        expected: { store: 'append', freshStart: undefined, history: ['m4'], lost: 3, dropped: 0, resent: [] },
      },
      {
        case: 'the budget leaves out older turns still: each note counts the oldest turns left out in all, so each is true read alone',
        ask: {},
        stored: thread(lostExchange('m1'), imageExchange('m2', 2 * MB), imageExchange('m3', 2 * MB), imageExchange('m4', 2 * MB)),
        more: underBudget,
        expected: { store: 'append', freshStart: undefined, history: ['m3', 'm4'], lost: 1, dropped: 2, resent: [] },
      },
      {
        case: 'an edit of an image from before the lost one: that image travels with the new turn',
        ask: { replyToMessageId: 'm1', repliedImages: [image('m1.jpg')] },
        stored: thread(imageExchange('m1', 10), lostExchange('m2'), imageExchange('m3', 10)),
        expected: { store: 'append', freshStart: undefined, history: ['m3'], lost: 2, dropped: 0, resent: ['a1'] },
      },
      {
        case: 'a reroll replays the turns between the lost image and its own',
        ask: { replay: { messageId: 'm3' } },
        stored: thread(lostExchange('m1'), imageExchange('m2', 10), imageExchange('m3', 10)),
        expected: { store: 'append', freshStart: undefined, history: ['m2'], lost: 1, dropped: 0, resent: [] },
      },
      {
        case: 'the latest image lost: a fresh start from the latest image posted, the record replaced (set aside)',
        ask: {},
        stored: thread(imageExchange('m1', 10), lostExchange('m2')),
        more: { latestPostedImages: [image('m2.jpg')] },
        expected: { store: 'replace-unreadable', freshStart: 'latest-image', history: [], lost: 0, dropped: 0, resent: [] },
      },
      {
        case: 'the image replied to lost: a fresh start from that image as Discord shows it',
        ask: { replyToMessageId: 'm1', repliedImages: [image('m1.jpg')] },
        stored: thread(lostExchange('m1'), imageExchange('m2', 10)),
        expected: { store: 'replace-unreadable', freshStart: 'replied-image', history: [], lost: 0, dropped: 0, resent: [] },
      },
      {
        case: 'every image lost (a mistaken BLOB_URL) and the latest answer has none: a fresh start from the latest image posted, nothing kept marked',
        ask: {},
        stored: thread(lostExchange('m1'), lostExchange('m2'), exchange('m3')),
        more: { latestPostedImages: [image('m2.jpg')] },
        expected: { store: 'replace-unreadable', freshStart: 'latest-image', history: [], lost: 0, dropped: 0, resent: [] },
      },
      {
        case: 'the newest image lost under a text-only answer, an older one kept: still a fresh start, as that image is the one worked from',
        ask: {},
        stored: thread(imageExchange('m1', 10), lostExchange('m2'), exchange('m3')),
        more: { latestPostedImages: [image('m2.jpg')] },
        expected: { store: 'replace-unreadable', freshStart: 'latest-image', history: [], lost: 0, dropped: 0, resent: [] },
      },
      {
        case: 'an older image lost, the newest image kept under a text-only answer: the turns after the lost one are the history',
        ask: {},
        stored: thread(lostExchange('m1'), imageExchange('m2', 10), exchange('m3')),
        expected: { store: 'append', freshStart: undefined, history: ['m2', 'm3'], lost: 1, dropped: 0, resent: [] },
      },
    ])('$case', ({ ask, stored, more, expected }) => {
      expect(sent(planTurn(facts(ask, stored, more)))).toEqual(expected);
    });

    it('a later turn, the record saying the member was told, leaves out the same turns without telling again', () => {
      const exchanges = [lostExchange('m1'), imageExchange('m2', 10), imageExchange('m3', 10)];
      const told = (...kept: Exchange[]): ThreadConversation => ({ kind: 'found', record: { ...record, exchanges: kept, lostImageTurnsTold: 1 } });
      expect(sent(planTurn(facts({}, told(...exchanges))))).toEqual({ store: 'append', freshStart: undefined, history: ['m2', 'm3'], lost: 0, dropped: 0, resent: [] });
      // The budget's note still counts from the oldest: the lost turns were left out anyway, so it speaks only beyond them.
      const heavier = [lostExchange('m1'), imageExchange('m2', 2 * MB), imageExchange('m3', 2 * MB), imageExchange('m4', 2 * MB)];
      expect(sent(planTurn(facts({}, told(...heavier), underBudget)))).toEqual({ store: 'append', freshStart: undefined, history: ['m3', 'm4'], lost: 0, dropped: 2, resent: [] });
      // Another image lost further on leaves out more than the member was told of: said again, with the true count.
      expect(sent(planTurn(facts({}, told(lostExchange('m1'), imageExchange('m2', 10), lostExchange('m3'), imageExchange('m4', 10)))))).toEqual({ store: 'append', freshStart: undefined, history: ['m4'], lost: 3, dropped: 0, resent: [] });
    });

    it('looks up the latest posted image only when the newest exchange holding an image lost it', () => {
      expect(needsLatestPostedImages({}, thread(lostExchange('m1'), imageExchange('m2', 10)))).toBe(false);
      expect(needsLatestPostedImages({}, thread(lostExchange('m1'), imageExchange('m2', 10), exchange('m3')))).toBe(false);
      expect(needsLatestPostedImages({}, thread(exchange('m1'), lostExchange('m2')))).toBe(true);
      // A text-only answer after the lost image: the turn still works from that image.
      expect(needsLatestPostedImages({}, thread(imageExchange('m1', 10), lostExchange('m2'), exchange('m3')))).toBe(true);
    });

    it('a reroll of a turn that worked from an image the store lost is refused, not replayed without it', () => {
      // m3 (text only) answered a turn on m2's image; every image missing, m3 cannot be redone as it was.
      expect(planTurn(facts({ replay: { messageId: 'm3' } }, thread(lostExchange('m1'), lostExchange('m2'), exchange('m3'))))).toEqual({ kind: 'refused', refusal: { kind: 'history-unreadable' } });
      // Its image kept, a reroll goes on as before.
      expect(planTurn(facts({ replay: { messageId: 'm3' } }, thread(lostExchange('m1'), imageExchange('m2', 10), exchange('m3'))))).toMatchObject({ kind: 'go', store: { kind: 'append' } });
    });

    it('a fresh start keeps the thread\'s model and options', () => {
      expect(planTurn(facts({}, thread(exchange('m1'), lostExchange('m2')), { latestPostedImages: [image('m2.jpg')] }))).toMatchObject({
        kind: 'go',
        store: { kind: 'replace-unreadable' },
        history: undefined,
        model: FLASH,
        settings: { aspectRatio: '16:9' },
        attachments: [image('m2.jpg')],
        freshStart: 'latest-image',
      });
    });

    it('a reroll of a turn whose own image the store lost is refused: there is nothing to send again', () => {
      const referenceLost = imageExchange('m2', 10);
      referenceLost.user.parts = [{ raw: { inlineData: { mimeType: 'image/png', data: '' } }, blob: { sha256: 'b'.repeat(64), field: 'inlineData', gone: true } }];
      expect(planTurn(facts({ replay: { messageId: 'm2' } }, thread(exchange('m1'), referenceLost)))).toEqual({ kind: 'refused', refusal: { kind: 'history-unreadable' } });
    });
  });

  it.each<{ case: string; facts: PlanFacts; refusal: unknown }>([
    {
      case: 'a request over the size budget even with the whole history left out (its files, by their declared sizes)',
      facts: facts({ attachments: [{ ...image('a.png'), size: 2 * MB }, { ...image('b.png'), size: 2 * MB }] }, heavy, underBudget),
      refusal: { kind: 'history-too-large' },
    },
    {
      case: 'an edit of an older image that cannot travel with files that fill the size budget',
      facts: facts({ replyToMessageId: 'm1', attachments: [{ ...image('a.png'), size: 2 * MB }] }, heavy, underBudget),
      refusal: { kind: 'history-too-large' },
    },
    {
      case: 'a file from a place the bot does not download from, before the size budget is even looked at',
      facts: facts({ attachments: [{ url: 'https://example.com/a.png', name: 'a.png', size: 20 * MB }] }, heavy, underBudget),
      refusal: { kind: 'attachments-rejected', rejected: [{ name: 'a.png', problem: 'origin-not-allowed' }] },
    },
    {
      case: 'a reroll of a turn deleted meanwhile',
      facts: facts({ replay: { messageId: 'm9' } }),
      refusal: { kind: 'turn-gone' },
    },
    {
      case: 'a thread whose model the operator withdrew',
      facts: facts({}, found, { allowedModels: [PRO] }),
      refusal: { kind: 'model-withdrawn', model: FLASH },
    },
    {
      case: 'a conversation stored for another server',
      facts: facts({}, { kind: 'refused', refusal: { kind: 'other-server' } }),
      refusal: { kind: 'other-server' },
    },
    { case: 'a reroll in a thread whose history cannot be read', facts: facts({ replay: { messageId: 'm2' } }, { kind: 'unreadable' }), refusal: { kind: 'history-unreadable' } },
    {
      case: 'a size the new conversation\'s model does not make, naming the sizes it does',
      facts: facts({ settings: { imageSize: '512' } }, { kind: 'missing' }),
      refusal: { kind: 'image-option-unsupported', model: PRO, whose: 'new-image', option: 'size', value: '512', accepted: ['1K', '2K', '4K'], modelKnown: true },
    },
    {
      case: 'an aspect ratio typed by hand that no model makes',
      facts: facts({ model: FLASH, settings: { aspectRatio: '7:3' } }, { kind: 'missing' }),
      refusal: { kind: 'image-option-unsupported', model: FLASH, whose: 'new-image', option: 'aspect-ratio', value: '7:3', accepted: expect.arrayContaining(['1:8', '16:9']), modelKnown: true },
    },
    {
      case: 'an option the thread\'s model does not make, whatever model the member picked',
      facts: facts({ model: FLASH, settings: { aspectRatio: '1:8' } }, { kind: 'found', record: { ...record, model: PRO } }),
      refusal: { kind: 'image-option-unsupported', model: PRO, whose: 'conversation', option: 'aspect-ratio', value: '1:8', accepted: expect.not.arrayContaining(['1:8']), modelKnown: true },
    },
    {
      case: 'an upscale to 4K on a model the table does not know (it makes 1K only)',
      facts: facts({ replyToMessageId: 'm2', settings: { imageSize: '4K' } }, { kind: 'found', record: { ...record, model: 'gemini-nano-banana-2.1' } }, { allowedModels: [PRO, 'gemini-nano-banana-2.1'] }),
      refusal: { kind: 'image-option-unsupported', model: 'gemini-nano-banana-2.1', whose: 'conversation', option: 'size', value: '4K', accepted: ['1K'], modelKnown: false },
    },
    {
      case: 'a size beyond what the operator declared for a model the built-in table lacks (GEMINI_MODEL_OPTIONS)',
      facts: facts(
        { model: 'gemini-nano-banana-2.1', settings: { imageSize: '4K' } },
        { kind: 'missing' },
        { allowedModels: [PRO, 'gemini-nano-banana-2.1'], imageModels: new ModelTable({ 'gemini-nano-banana-2.1': { aspectRatios: ['1:1'], imageSizes: ['1K', '2K'] } }) },
      ),
      refusal: { kind: 'image-option-unsupported', model: 'gemini-nano-banana-2.1', whose: 'new-image', option: 'size', value: '4K', accepted: ['1K', '2K'], modelKnown: true },
    },
    {
      case: 'an option the model does not make, in a thread whose history cannot be read',
      facts: facts({ settings: { imageSize: '512' } }, { kind: 'unreadable' }, { latestPostedImages: [] }),
      refusal: { kind: 'image-option-unsupported', model: PRO, whose: 'new-image', option: 'size', value: '512', accepted: ['1K', '2K', '4K'], modelKnown: true },
    },
    {
      case: 'a button on an image it has no way to get, in a thread whose history cannot be read',
      facts: facts({ replyToMessageId: 'm2' }, { kind: 'unreadable' }),
      refusal: { kind: 'history-unreadable' },
    },
  ])('refuses $case', ({ facts: given, refusal }) => {
    expect(planTurn(given)).toEqual({ kind: 'refused', refusal });
  });

  describe('a thread whose stored history cannot be read goes on without it', () => {
    const unreadable: ThreadConversation = { kind: 'unreadable' };
    it.each<{ case: string; facts: PlanFacts; attachments: unknown[]; freshStart: string }>([
      {
        case: 'from the image the member replied to',
        facts: facts({ replyToMessageId: 'm2', repliedImages: [image('m2.jpg')], attachments: [image('hat.png')] }, unreadable),
        attachments: [image('m2.jpg'), image('hat.png')],
        freshStart: 'replied-image',
      },
      {
        case: 'from the latest image posted in the thread',
        facts: facts({}, unreadable, { latestPostedImages: [image('m3.jpg')] }),
        attachments: [image('m3.jpg')],
        freshStart: 'latest-image',
      },
      {
        case: 'from the latest image, when the replied-to message was not at hand',
        facts: facts({ replyToMessageId: 'm2' }, unreadable, { latestPostedImages: [image('m3.jpg')] }),
        attachments: [image('m3.jpg')],
        freshStart: 'latest-image',
      },
      { case: 'from the words alone when the bot left no image there', facts: facts({}, unreadable, { latestPostedImages: [] }), attachments: [], freshStart: 'nothing' },
    ])('$case', ({ facts: given, attachments, freshStart }) => {
      expect(planTurn(given)).toMatchObject({
        kind: 'go',
        store: { kind: 'replace-unreadable' },
        history: undefined,
        replyToMessageId: undefined,
        model: PRO,
        settings: { aspectRatio: '1:1', imageSize: '2K' },
        attachments,
        freshStart,
      });
    });

    it('looks up the latest posted image only when the plan can use it', () => {
      expect(needsLatestPostedImages({}, unreadable)).toBe(true);
      expect(needsLatestPostedImages({ repliedImages: [image('m2.jpg')] }, unreadable)).toBe(false);
      expect(needsLatestPostedImages({ replay: { messageId: 'm2' } }, unreadable)).toBe(false);
      expect(needsLatestPostedImages({}, found)).toBe(false);
    });
  });
});
