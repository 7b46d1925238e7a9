/**
 * The block and finish reasons Gemini documents (FACTS.md), apart from STOP:
 * each has plain words in discord/describeGeminiReason.ts. A reason outside
 * this list is one Gemini added since: it is logged so the list can grow.
 */
const KNOWN_REASONS = [
  'SAFETY',
  'PROHIBITED_CONTENT',
  'BLOCKLIST',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
  'RECITATION',
  'SPII',
  'IMAGE_OTHER',
  'OTHER',
  'NO_IMAGE',
  'MAX_TOKENS',
] as const;
export type KnownReason = (typeof KNOWN_REASONS)[number];

export function isKnownReason(reason: string): reason is KnownReason {
  return (KNOWN_REASONS as readonly string[]).includes(reason);
}
