import type { AttachmentProblem } from '../attachments/fetchAttachment.js';
import type { GenerationOutcome } from '../gemini/generationOutcome.js';

/** Every way a turn can end: Gemini's outcomes plus the ones decided before or around the call. */
export type TurnOutcome =
  | GenerationOutcome
  | { kind: 'history-unreadable' }
  /** Even the newest turn alone is over the request budget. */
  | { kind: 'history-too-large' }
  | { kind: 'attachments-rejected'; rejected: Array<{ name: string; problem: AttachmentProblem }> }
  | { kind: 'too-many-attachments'; count: number; limit: number }
  | { kind: 'queue-full' }
  /** The server's channel or role settings leave this member out here; the sentence says why. */
  | { kind: 'not-allowed'; text: string }
  /** A server limit would be passed: refused before calling Gemini. `used`/`allowed` are images, or USD for the budget. */
  | { kind: 'limit-reached'; limit: 'daily-images' | 'monthly-budget'; resetsAt: Date; used: number; allowed: number }
  | { kind: 'user-limit'; limit: number };
