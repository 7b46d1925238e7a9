import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * The e2e files that run a second time with the bot on GEMINI_API=interactions
 * (E2E_GEMINI_API, read by test/e2e/suiteGeminiApi.ts for the in-process
 * harness and for a bot process's environment, compiledBot.ts): everything a
 * member or an operator sees must be the same on both transports. They read
 * what Gemini was asked through test/e2e/geminiCalls.ts, never one API's
 * bodies. The rest run once, and say why in their first lines: they are
 * about one API's wire format, or start no Gemini call.
 */
const ON_BOTH_TRANSPORTS = [
  'test/e2e/conversation.test.ts',
  'test/e2e/buttons.test.ts',
  'test/e2e/attachments.test.ts',
  'test/e2e/retries.test.ts',
  'test/e2e/usage.test.ts',
  'test/e2e/mentions.test.ts',
  'test/e2e/olderRecords.test.ts',
  'test/e2e/storeFailures.test.ts',
  'test/e2e/stores.test.ts',
  'test/e2e/shutdown.test.ts',
  'test/e2e/metrics.test.ts',
  'test/e2e/imagine.test.ts',
  'test/e2e/queue.test.ts',
  'test/e2e/editWithGemini.test.ts',
  'test/e2e/geminiOutputChecks.test.ts',
  'test/e2e/modelRanges.test.ts',
  'test/e2e/discordLimits.test.ts',
  'test/e2e/serverControls.test.ts',
  'test/e2e/unreadableHistory.test.ts',
  'test/e2e/acknowledgement.test.ts',
  'test/e2e/historyBudget.test.ts',
  'test/e2e/previews.test.ts',
  'test/e2e/trustBoundaries.test.ts',
  'test/e2e/everyInteractionAnswered.test.ts',
  'test/e2e/conversationReads.test.ts',
  'test/e2e/secrets.test.ts',
  'test/e2e/twoProcesses.test.ts',
  'test/e2e/process.test.ts',
  'test/e2e/sharding.test.ts',
  'test/e2e/interactions.test.ts',
  'test/e2e/threadDeleted.test.ts',
  'test/e2e/channelDeletedBeforeSave.test.ts',
  'test/e2e/branchThenDelete.test.ts',
  'test/e2e/messageFailures.test.ts',
  'test/e2e/lostImageNote.test.ts',
];

/** Files that need a fresh module cache of their own (see the isolated project). */
const ISOLATED = ['test/emulators/discord.test.ts'];

export default defineConfig({
  test: {
    // End-to-end tests start loopback emulators and a real bot; give them room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // As many files at once as there are cores: vitest's default is one fewer, a single worker on a 2-core machine,
    // which leaves a core idle while an e2e file waits on its bot, its emulators or a child process.
    maxWorkers: availableParallelism(),
    // A worker runs file after file in one module cache, so each file no longer pays for loading discord.js, zod,
    // sharp and the bot again (about 2 s of CPU per e2e file). Nothing the bot or the tests keep at module level
    // changes: every file starts its own emulators, store and bot, every bot its own metrics registry, and vitest
    // never shares a worker between the two projects (whose environments differ).
    isolate: false,
    // Names the folder the files that run the compiled bot share its one build in.
    globalSetup: ['test/e2e/compiledBotFolder.ts'],
    projects: [
      { extends: true, test: { name: 'generate-content', include: ['test/**/*.test.ts'], exclude: ISOLATED } },
      // discord.js's own FormData uploads (the bot sends buffers: bufferedUploads.ts) fail with a worker's module cache
      // shared: after some files, undici no longer recognizes discord.js's FormData ("action is not a function").
      { extends: true, test: { name: 'isolated', include: ISOLATED, isolate: true } },
      { extends: true, test: { name: 'interactions', include: ON_BOTH_TRANSPORTS, env: { E2E_GEMINI_API: 'interactions' } } },
    ],
  },
});
