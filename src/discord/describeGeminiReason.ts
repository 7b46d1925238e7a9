import { isKnownReason, type KnownReason } from '../gemini/finishReasons.js';

/**
 * Gemini's block and finish reasons in plain words: what happened and what
 * to try. Reasons Gemini adds later fall back to a generic sentence (and are
 * logged by the caller, so the table can grow).
 */
interface ReasonText {
  what: string;
  tryThis: string;
}

// Typed by the list, so a reason added there without words here fails to compile.
const REASONS: Record<KnownReason, ReasonText> = {
  SAFETY: { what: 'it may break Gemini\'s safety rules', tryThis: 'Rephrase the request.' },
  PROHIBITED_CONTENT: { what: 'it asks for content Gemini never makes', tryThis: 'Ask for something else.' },
  BLOCKLIST: { what: 'it contains a blocked term', tryThis: 'Rephrase it without that word.' },
  IMAGE_SAFETY: { what: 'the image could break Gemini\'s safety rules', tryThis: 'Rephrase the request, or remove the reference image.' },
  IMAGE_PROHIBITED_CONTENT: {
    what: 'the image would show content Gemini never makes',
    tryThis: 'Ask for something else, or remove the reference image.',
  },
  IMAGE_RECITATION: { what: 'the image would copy existing work too closely', tryThis: 'Ask for something more original.' },
  RECITATION: { what: 'the answer would copy existing work too closely', tryThis: 'Ask for something more original.' },
  SPII: { what: 'it would reveal personal information', tryThis: 'Leave out personal details.' },
  IMAGE_OTHER: { what: 'Gemini stopped making the image without saying why', tryThis: 'Rephrase the request, or try again.' },
  OTHER: { what: 'Gemini stopped without saying why', tryThis: 'Rephrase the request, or try again.' },
  NO_IMAGE: { what: 'Gemini decided not to draw anything', tryThis: 'Ask for a picture explicitly, for example "draw …".' },
  MAX_TOKENS: { what: 'Gemini\'s answer ran out of room before the image', tryThis: 'Shorten or simplify the request.' },
};

const UNKNOWN: ReasonText = { what: 'Gemini stopped for a reason this bot does not know yet', tryThis: 'Rephrase the request, or try again later.' };


export function describeGeminiReason(reason: string): ReasonText & { category: string } {
  return { ...(isKnownReason(reason) ? REASONS[reason] : UNKNOWN), category: reason.toLowerCase().replace(/_/g, ' ') };
}
