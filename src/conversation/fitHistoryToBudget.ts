import type { GeminiContent } from '../gemini/geminiTypes.js';
import { readInlineData } from '../gemini/inlineData.js';

export interface FittedHistory {
  contents: GeminiContent[];
  /** Whole exchanges (a user turn and its answer) left out, oldest first. */
  droppedExchanges: number;
}

/**
 * Keeps a request under the byte budget by leaving out the oldest whole
 * exchanges: Gemini refuses requests over its inline limit, and a dropped
 * half-turn would leave a model turn without the user turn it answered.
 * Returns undefined when even the new turn alone is over the budget.
 */
export function fitHistoryToBudget(history: GeminiContent[], newTurn: GeminiContent, budgetBytes: number): FittedHistory | undefined {
  const newTurnBytes = approximateBytes(newTurn);
  if (newTurnBytes > budgetBytes) return undefined;
  const exchangeSizes: number[] = [];
  for (let index = 0; index < history.length; index += 2) {
    exchangeSizes.push(approximateBytes(history[index]!) + (history[index + 1] ? approximateBytes(history[index + 1]!) : 0));
  }
  let total = newTurnBytes + exchangeSizes.reduce((sum, size) => sum + size, 0);
  let dropped = 0;
  while (total > budgetBytes && dropped < exchangeSizes.length) {
    total -= exchangeSizes[dropped]!;
    dropped += 1;
  }
  return { contents: [...history.slice(dropped * 2), newTurn], droppedExchanges: dropped };
}

/** The serialized size, counting inline image data without re-serializing megabytes of base64. */
export function approximateBytes(content: GeminiContent): number {
  let bytes = 32;
  for (const part of content.parts) {
    const inline = readInlineData(part);
    if (inline) {
      bytes += inline.data.length + JSON.stringify({ ...part, [inline.field]: undefined }).length + 64;
    } else {
      bytes += JSON.stringify(part).length;
    }
  }
  return bytes;
}
