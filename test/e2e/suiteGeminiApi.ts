export type GeminiApi = 'generate-content' | 'interactions';

/**
 * The GEMINI_API this run of the e2e suite starts the bot with: `npm test`
 * runs the transport-sensitive files once per API (vitest.config.ts sets
 * E2E_GEMINI_API for the second run). The in-process harness (harness.ts)
 * and a bot in a process of its own (compiledBot.ts's emulatorEnv) both
 * read it; a test that sets GEMINI_API in its own env keeps that. In a
 * module of its own so the process tests need not load the bot to read it.
 */
export function suiteGeminiApi(): GeminiApi {
  const value = process.env['E2E_GEMINI_API'] ?? 'generate-content';
  if (value !== 'generate-content' && value !== 'interactions') throw new Error(`E2E_GEMINI_API must be generate-content or interactions, not ${value}`);
  return value;
}
