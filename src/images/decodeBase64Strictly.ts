// Linear-time tests (no grouping): a grouped pattern overflows V8's stack on megabytes of base64.
const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * The bytes a base64 text spells, or undefined when it is not base64.
 * Buffer.from(text, 'base64') never fails: it skips characters outside the
 * alphabet and decodes whatever is left, so a corrupt image part turns into
 * plausible-looking garbage. Protobuf JSON (Gemini's wire format) accepts
 * the standard and the URL-safe alphabet, padded or not; one text uses one
 * alphabet, and padding, when present, completes the last group of four.
 * Unused trailing bits are not checked: they change no byte.
 */
export function decodeBase64Strictly(text: string): Buffer | undefined {
  if (text.length === 0 || !(STANDARD.test(text) || URL_SAFE.test(text))) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const remainder = (text.length - padding) % 4;
  // A lone character in the last group cannot spell a byte; padding must fill the group exactly.
  if (remainder === 1) return undefined;
  if (padding > 0 && (remainder === 0 || remainder + padding !== 4)) return undefined;
  return Buffer.from(text, 'base64');
}
