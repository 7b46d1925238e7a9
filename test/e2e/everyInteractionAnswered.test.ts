import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useStoreServers } from '../stores/useStoreServers.js';
import { withoutRedis } from '../stores/withoutRedis.js';
import type { Harness } from './harness.js';
import { geminiCalls, geminiRequestCount } from './geminiCalls.js';
import { imagine, pngBytes, waitForBotReplyTo, waitForThread } from './helpers.js';
import { useHarness } from './useHarness.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): what reached Gemini is read through geminiCalls.

const UNEXPECTED = /^Something went wrong on my side \(reference ([0-9a-f]{8})\)\. Please try again\.$/;

/**
 * The interaction's reply as the member finally sees it: an acknowledged
 * interaction whose deferred reply still shows "thinking…" fails here.
 */
async function finalAnswer(h: Harness, interactionId: string): Promise<{ content: string; ackType: number | undefined; ackFlags: number | undefined }> {
  const record = await h.discord.waitForInteractionResponse(interactionId);
  await vi.waitFor(() => expect(h.discord.interaction(interactionId).originalCreated, 'the deferred reply still says "thinking…"').toBe(true), {
    timeout: 10_000,
    interval: 20,
  });
  const message = await h.discord.waitForMessage((candidate) => candidate.id === record.originalMessageId);
  return { content: message.content, ackType: record.ackType, ackFlags: record.ackFlags };
}

/** The reference in the member's sentence is the one logged with the cause, and no stack reaches them. */
function expectLoggedWith(h: Harness, content: string, cause: RegExp) {
  const reference = UNEXPECTED.exec(content)?.[1];
  expect(reference, content).toBeDefined();
  expect(h.logLines.some((line) => line.includes(reference!) && cause.test(line))).toBe(true);
}

describe('an interaction whose options are not what the command expects', () => {
  const harness = useHarness();

  it('/imagine without its prompt (a stale registration) is answered plainly and privately, not left thinking', async () => {
    const { interactionId } = harness.discord.sendSlashCommand({ user: harness.discord.users.bob, name: 'imagine', options: [{ name: 'size', type: 3, value: '2K' }] });
    const answer = await finalAnswer(harness, interactionId);
    expect(answer.ackFlags).toBe(64);
    expect(answer.content).toBe(
      'I could not read this /imagine: the prompt option is missing. Your Discord may show an older version of the command; reload Discord (Ctrl+R) and try again.',
    );
    expect(geminiRequestCount(harness)).toBe(0);
  });

  it('/imagine with a size no model makes is refused before any call, naming the sizes the model makes', async () => {
    const { interactionId } = harness.discord.sendSlashCommand({
      user: harness.discord.users.bob,
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: 'a fox' },
        { name: 'size', type: 3, value: '8K' },
      ],
    });
    expect((await finalAnswer(harness, interactionId)).content).toBe('gemini-3-pro-image does not make images at the size `8K`. Choose 1K, 2K or 4K.');
    expect(geminiRequestCount(harness)).toBe(0);
  });

  it('/settings with an option missing is refused plainly and changes nothing', async () => {
    const { interactionId } = harness.discord.sendSlashCommand({ user: harness.discord.users.alice, name: 'settings', options: [{ type: 1, name: 'channels', options: [] }] });
    expect((await finalAnswer(harness, interactionId)).content).toMatch(/^I could not read this \/settings: the action option is missing\./);
  });
});

/*
 * The store (Redis, everything on it) starts refusing writes (maxmemory with
 * noeviction answers OOM) after the bot has deferred: the thread's lease or
 * the usage hold cannot be taken and the handler throws. Discord confirms
 * deferrals slowly here (each callback held 400 ms), so the error arrives
 * while the deferral is still on its way.
 */
describe.skipIf(withoutRedis)('an error after the deferral, for each kind of interaction', () => {
  const servers = useStoreServers('redis');
  beforeEach(() => servers.redis.reset());
  const harness = useHarness(() => ({ env: { DATABASE_URL: servers.redis.url, MAX_REQUESTS_PER_USER: '10' } }));

  const storeRefusesWrites = async () => {
    await servers.redis.admin.configSet('maxmemory-policy', 'noeviction');
    await servers.redis.admin.configSet('maxmemory', '1');
  };
  const slowCallbacks = () => harness.discord.injectFault({ method: 'POST', path: /^\/interactions\/\d+\/[^/]+\/callback$/, delayMs: 400, times: 100 });

  async function conversation() {
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);
    return { message, thread };
  }

  it('a slash command: the deferred reply is edited with the error and its reference', async () => {
    const { thread } = await conversation();
    await storeRefusesWrites();
    slowCallbacks();
    const { interactionId } = harness.discord.sendSlashCommand({ user: harness.discord.users.bob, name: 'imagine', channelId: thread.id, options: [{ name: 'prompt', type: 3, value: 'make it blue' }] });
    const answer = await finalAnswer(harness, interactionId);
    expect(answer.ackType).toBe(5);
    expect(answer.content).toMatch(UNEXPECTED);
    expectLoggedWith(harness, answer.content, /OOM/);
  });

  it('a button: the private deferred reply is edited with the error', async () => {
    const { message } = await conversation();
    await storeRefusesWrites();
    slowCallbacks();
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message, customId: 'nb1:result:reroll' });
    const answer = await finalAnswer(harness, interactionId);
    expect(answer.ackFlags).toBe(64);
    expect(answer.content).toMatch(UNEXPECTED);
    expectLoggedWith(harness, answer.content, /OOM/);
  });

  it('the Edit form: the private deferred reply is edited with the error', async () => {
    const { message } = await conversation();
    const opener = harness.discord.clickButton({ user: harness.discord.users.bob, message, customId: 'nb1:result:edit' });
    await harness.discord.waitForInteractionResponse(opener.interactionId);
    await storeRefusesWrites();
    slowCallbacks();
    const { interactionId } = harness.discord.submitModal({ user: harness.discord.users.bob, interactionId: opener.interactionId, values: { instruction: 'make it blue' } });
    const answer = await finalAnswer(harness, interactionId);
    expect(answer.content).toMatch(UNEXPECTED);
    expectLoggedWith(harness, answer.content, /OOM/);
  });

  it('the "Edit with Gemini" form: the public deferred reply is edited with the error', async () => {
    const photo = harness.discord.sendMessage({ user: harness.discord.users.bob, content: 'cat', attachments: [harness.discord.addAttachment(pngBytes(1), { filename: 'cat.png' })] });
    const opener = harness.discord.sendMessageCommand({ user: harness.discord.users.alice, name: 'Edit with Gemini', message: photo });
    await harness.discord.waitForInteractionResponse(opener.interactionId);
    await storeRefusesWrites();
    slowCallbacks();
    const { interactionId } = harness.discord.submitModal({ user: harness.discord.users.alice, interactionId: opener.interactionId, values: { instruction: 'a hat' } });
    const answer = await finalAnswer(harness, interactionId);
    expect(answer.ackType).toBe(5);
    expect(answer.content).toMatch(UNEXPECTED);
    expectLoggedWith(harness, answer.content, /OOM/);
  });

  it('a context menu whose first answer Discord refuses: answered privately instead', async () => {
    const photo = harness.discord.sendMessage({ user: harness.discord.users.bob, content: 'cat', attachments: [harness.discord.addAttachment(pngBytes(1), { filename: 'cat.png' })] });
    harness.discord.injectFault({ method: 'POST', path: /^\/interactions\/\d+\/[^/]+\/callback$/, error: { status: 400, code: 50035, message: 'Invalid Form Body' } });
    const { interactionId } = harness.discord.sendMessageCommand({ user: harness.discord.users.alice, name: 'Edit with Gemini', message: photo });
    const answer = await finalAnswer(harness, interactionId);
    expect(answer.ackType).toBe(4);
    expect(answer.ackFlags).toBe(64);
    expect(answer.content).toMatch(UNEXPECTED);
    expectLoggedWith(harness, answer.content, /Invalid Form Body/);
  });

  it('keeps running and loses nothing: once the store takes writes again, the thread goes on', async () => {
    const { message, thread } = await conversation();
    await storeRefusesWrites();
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message, customId: 'nb1:result:reroll' });
    expect((await finalAnswer(harness, interactionId)).content).toMatch(UNEXPECTED);
    await servers.redis.admin.configSet('maxmemory', '0');
    const next = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id }));
    expect(next.attachments).toHaveLength(1);
    const calls = geminiCalls(harness);
    expect(calls.map((call) => call.status)).toEqual([200, 200]); // the reroll failed before it reached Gemini
    expect(calls[1]!.seen).toHaveLength(3);
    expect(calls[1]!.seen[1]).toEqual(calls[0]!.answer);
  });
});

/*
 * A form must be Discord's first answer, within 3 s. Before it opens the bot
 * looks at the server's settings (to refuse a member they leave out at once),
 * but only for a second: a store that does not answer at all (Redis frozen until both
 * forms are open) must not cost the member the form.
 */
describe.skipIf(withoutRedis)('a form while the store is slow', () => {
  const servers = useStoreServers('redis');
  beforeEach(() => servers.redis.reset());
  const harness = useHarness(() => ({ env: { DATABASE_URL: servers.redis.url, MAX_REQUESTS_PER_USER: '10' } }));

  it('opens the Edit form and the "Edit with Gemini" form anyway, in time', async () => {
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const photo = harness.discord.sendMessage({ user: harness.discord.users.bob, content: 'my cat', attachments: [harness.discord.addAttachment(pngBytes(3), { filename: 'cat.png' })] });
    // The store answers nothing until both forms are open (a look that waited for it would wait past Discord's 3 s).
    const resume = servers.redis.hang();
    try {
      const edit = harness.discord.clickButton({ user: harness.discord.users.bob, message, customId: 'nb1:result:edit' });
      const menu = harness.discord.sendMessageCommand({ user: harness.discord.users.bob, name: 'Edit with Gemini', message: photo });
      for (const opener of [edit, menu]) {
        const record = await harness.discord.waitForInteractionResponse(opener.interactionId);
        expect(record.ackType).toBe(9); // the form; the emulator refuses an answer after 3 s, as Discord does
        // Discord's limit itself, not a guess at the machine: the bot gives the store a second, then opens the form.
        expect(record.ackedAt! - record.createdAt).toBeLessThan(3_000);
      }
    } finally {
      resume();
    }
    expect(harness.logLines.filter((line) => line.includes('server settings not read in time before a form'))).toHaveLength(2);
  });
});
