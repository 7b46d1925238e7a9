import { describe, expect, it } from 'vitest';
import { generateContentScope } from './transportScopes.js';
import { ModelTable } from '../../src/gemini/imageOptions.js';
import { createLogger } from '../../src/logging/createLogger.js';
import type { GeminiTransport, GeminiTurnRequest } from '../../src/turn/geminiTransport.js';
import { generateTurn } from '../../src/turn/generateTurn.js';
import { planTurn } from '../../src/turn/planTurn.js';

const BUDGET = 10_000;

/** A new conversation with one file that says it weighs `declared` bytes, planned under a budget of 10 kB. */
function plannedWithFile(declared: number) {
  const plan = planTurn({
    ask: { prompt: 'a fox', attachments: [{ url: 'https://cdn.discordapp.com/attachments/1/2/hat.png', name: 'hat.png', size: declared }], settings: {} },
    stored: { kind: 'missing' },
    serverDefaults: { model: 'gemini-3-pro-image', chosenDefaults: { server: {}, environment: {} } },
    allowedModels: ['gemini-3-pro-image'],
    imageModels: new ModelTable(),
    historyBudgetBytes: BUDGET,
    gemini: { api: 'generate-content', scope: generateContentScope },
    attachmentPolicy: { allowedOrigins: ['https://cdn.discordapp.com'], maxBytes: 1_000_000 },
  });
  if (plan.kind !== 'go') throw new Error(`planned ${plan.kind}`);
  return { asked: { threadId: undefined, guildId: 'g', authorId: 'a', prompt: 'a fox', attachments: [], settings: {}, access: { kind: 'granted' as const, settings: {} as never } }, plan, serverSettings: {} as never };
}

/** Gemini as a recorder of what it was sent; it answers nothing worth keeping. */
function recordingGemini(sent: GeminiTurnRequest[]): GeminiTransport {
  return {
    api: 'generate-content',
    scope: generateContentScope,
    async generate(request) {
      sent.push(request);
      return { kind: 'answered', outcome: { kind: 'blocked', stage: 'prompt', reason: 'SAFETY', text: '', usage: {} }, retries: 0 };
    },
    forget: async () => [],
  };
}

const downloaded = (bytes: number) => [{ inlineData: { mimeType: 'image/png', data: 'x'.repeat(Math.ceil(bytes / 3) * 4) } }];

describe('generateTurn: the plan\'s request, once the references are downloaded', () => {
  it('sends the request the plan chose when the file weighs what it declared', async () => {
    const sent: GeminiTurnRequest[] = [];
    const turn = await generateTurn({ gemini: recordingGemini(sent), historyBudgetBytes: BUDGET, logger: createLogger('silent') }, plannedWithFile(3_000), downloaded(3_000), {});
    expect(turn.outcome.kind).toBe('blocked');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.userParts).toHaveLength(2); // the words, then the file
  });

  it('checks the budget again by the real size when a file turned out larger than it declared, and refuses before Gemini', async () => {
    const sent: GeminiTurnRequest[] = [];
    const turn = await generateTurn({ gemini: recordingGemini(sent), historyBudgetBytes: BUDGET, logger: createLogger('silent') }, plannedWithFile(3_000), downloaded(9_000), {});
    expect(turn.outcome).toEqual({ kind: 'refused', refusal: { kind: 'history-too-large' } });
    expect(sent).toHaveLength(0);
  });
});
