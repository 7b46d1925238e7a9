import type { GeminiPart } from './geminiTypes.js';

export interface InlineData {
  /** Which spelling the part uses; a replay keeps it. */
  field: 'inlineData' | 'inline_data';
  mimeType: string | undefined;
  data: string;
}

/** A part's inline bytes in either spelling (protobuf JSON accepts camelCase and snake_case). */
export function readInlineData(part: GeminiPart): InlineData | undefined {
  for (const field of ['inlineData', 'inline_data'] as const) {
    const value = part[field];
    if (typeof value !== 'object' || value === null) continue;
    const blob = value as Record<string, unknown>;
    if (typeof blob['data'] !== 'string') continue;
    const mimeType = blob['mimeType'] ?? blob['mime_type'];
    return { field, mimeType: typeof mimeType === 'string' ? mimeType : undefined, data: blob['data'] };
  }
  return undefined;
}
