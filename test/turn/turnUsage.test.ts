import { describe, expect, it } from 'vitest';
import type { Exchange, StoredPart } from '../../src/conversation/conversationRecord.js';
import { StoredImagePart } from '../../src/conversation/outgoingParts.js';
import type { ChosenRequest } from '../../src/turn/planRequestContents.js';
import { estimateInputTokens } from '../../src/turn/turnUsage.js';

/** A stored part holding an image (kept in the blob store). */
function storedImage(id: number): StoredPart {
  return { raw: { inlineData: { mimeType: 'image/jpeg', data: '' } }, blob: { sha256: id.toString(16).padStart(64, '0'), field: 'inlineData', length: 1_000 } };
}

/** A turn whose answer is one stored image. */
function exchange(index: number): Exchange {
  return {
    user: { authorId: 'alice', parts: [{ raw: { text: `turn ${index}` } }] },
    model: { api: 'generate-content', contentFields: { role: 'model' }, parts: [storedImage(index)], messageId: `m${index}` },
    settings: {},
    createdAt: '2026-12-01T00:00:00.000Z',
  };
}

const thread = Array.from({ length: 40 }, (_, index) => exchange(index));
/** A request sending the newest 3 of the 40 turns when replayed. */
const request = (change: Partial<ChosenRequest> = {}): ChosenRequest => ({
  kind: 'ready',
  thread,
  held: false,
  history: thread.slice(-3),
  resentImages: [],
  referenceBytes: 0,
  droppedExchanges: 37,
  otherApiExchanges: 0,
  lostExchanges: 0,
  ...change,
});
const image = { url: 'https://cdn.discordapp.com/attachments/1/2/hat.png', name: 'hat.png', size: 100 };
/** The words of the turns sent again ('turn 0' … 'turn 39'), in characters. */
const wordsOf = (turns: Exchange[]) => turns.reduce((count, turn) => count + `turn ${turn.model.messageId.slice(1)}`.length, 0);
/**
 * Tokens a request of `images` images, the prompt 'a hat' and the words of `turns` sent again is estimated at:
 * 2,000 an image, 4 characters a token of text, 1,000 spare.
 */
const tokensFor = (images: number, turns: Exchange[]) => images * 2_000 + Math.ceil(('a hat'.length + wordsOf(turns)) / 4) + 1_000;

describe('estimateInputTokens: the input a usage hold is held for', () => {
  it('counts the images of the turns a replay sends, not those the request budget leaves out', () => {
    expect(estimateInputTokens({ request: request(), prompt: 'a hat', attachments: [], replayUserParts: undefined })).toBe(tokensFor(3, thread.slice(-3)));
  });

  it("adds the member's references, the edited image sent again, and a reroll's own images", () => {
    const resent = new StoredImagePart(storedImage(1).raw, storedImage(1).blob!);
    const plan = { request: request({ resentImages: [resent] }), prompt: 'a hat', attachments: [image, image], replayUserParts: [{ raw: { text: 'again' } }, storedImage(99)] };
    expect(estimateInputTokens(plan)).toBe(tokensFor(3 + 1 + 2 + 1, thread.slice(-3)));
  });

  it('counts the whole thread when Gemini holds it: the turn goes on from all of it, and Google counts that as input', () => {
    expect(estimateInputTokens({ request: request({ held: true }), prompt: 'a hat', attachments: [], replayUserParts: undefined })).toBe(tokensFor(40, thread));
  });

  it("counts the text the history sends again, about 4 characters a token: earlier prompts, text answers and thought summaries on either API, not signatures", () => {
    const wordy: Exchange = {
      user: { authorId: 'alice', parts: [{ raw: { text: 'p'.repeat(4_000) } }] },
      model: {
        api: 'generate-content',
        contentFields: { role: 'model' },
        parts: [{ raw: { text: 't'.repeat(800), thought: true } }, { raw: { text: 'a'.repeat(8_000), thoughtSignature: 's'.repeat(3_000) } }],
        messageId: 'w1',
      },
      settings: {},
      createdAt: '2026-12-01T00:00:00.000Z',
    };
    const steps = [
      { raw: { type: 'thought', signature: 's'.repeat(3_000), summary: [{ type: 'text', text: 't'.repeat(400) }] } },
      { raw: { type: 'model_output', content: [{ type: 'text', text: 'b'.repeat(2_000) }] } },
    ];
    const interaction = { id: 'int-1', createdAt: '2026-12-01T00:00:00.000Z' };
    const wordyOnInteractions: Exchange = { ...wordy, user: { authorId: 'bob', parts: [{ raw: { type: 'text', text: 'q'.repeat(1_200) } }] }, model: { api: 'interactions', steps, interaction, messageId: 'w2' } };
    const sent = [wordy, wordyOnInteractions];
    const plan = { request: request({ history: sent, thread: sent }), prompt: 'a hat', attachments: [], replayUserParts: undefined };
    const characters = 4_000 + 800 + 8_000 + 1_200 + 400 + 2_000 + 'a hat'.length;
    expect(estimateInputTokens(plan)).toBe(Math.ceil(characters / 4) + 1_000);
  });
});
