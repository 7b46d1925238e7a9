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
/** Tokens a request of `images` images and the prompt 'a hat' is estimated at: 2,000 an image, 4 characters a token, 1,000 spare. */
const tokensFor = (images: number) => images * 2_000 + 2 + 1_000;

describe('estimateInputTokens: the input a usage hold is held for', () => {
  it('counts the images of the turns a replay sends, not those the request budget leaves out', () => {
    expect(estimateInputTokens({ request: request(), prompt: 'a hat', attachments: [], replayUserParts: undefined })).toBe(tokensFor(3));
  });

  it("adds the member's references, the edited image sent again, and a reroll's own images", () => {
    const resent = new StoredImagePart(storedImage(1).raw, storedImage(1).blob!);
    const plan = { request: request({ resentImages: [resent] }), prompt: 'a hat', attachments: [image, image], replayUserParts: [{ raw: { text: 'again' } }, storedImage(99)] };
    expect(estimateInputTokens(plan)).toBe(tokensFor(3 + 1 + 2 + 1));
  });

  it('counts the whole thread when Gemini holds it: the turn goes on from all of it, and Google counts that as input', () => {
    expect(estimateInputTokens({ request: request({ held: true }), prompt: 'a hat', attachments: [], replayUserParts: undefined })).toBe(tokensFor(40));
  });
});
