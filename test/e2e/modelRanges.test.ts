import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { registerCommands } from '../../src/discord/registerCommands.js';
import type { StoredMessage } from '../emulators/discord/index.js';
import type { Harness } from './harness.js';
import { geminiCall, geminiCalls, imageOptionsOf } from './geminiCalls.js';
import { imagine, isBotMessage, isProgressNote, waitForThread } from './helpers.js';
import { privateReply } from './settingsHelpers.js';
import { useHarness } from './useHarness.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): the options Gemini was asked for are read through geminiCalls.
const PRO = 'gemini-3-pro-image';
const FLASH = 'gemini-3.1-flash-image';
const NEWER = 'gemini-nano-banana-2.1';
const TEN = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];

const text = (name: string, value: string) => ({ type: 3, name, value });

/** What the bot suggests while a member types `typed` in an option; `filled` are the options filled in before it. */
async function suggestions(
  harness: Harness,
  { command, option, typed = '', filled = [], subcommand, channelId }: { command: string; option: string; typed?: string; filled?: ReturnType<typeof text>[]; subcommand?: string; channelId?: string },
): Promise<string[]> {
  const options = [...filled, { type: 3, name: option, value: typed, focused: true }];
  const { interactionId } = harness.discord.sendAutocomplete({
    user: harness.discord.users.alice,
    name: command,
    options: subcommand ? [{ type: 1, name: subcommand, options }] : options,
    ...(channelId ? { channelId } : {}),
  });
  const answered = await harness.discord.waitForInteractionResponse(interactionId);
  expect(answered.ackType).toBe(8);
  return (answered.autocompleteChoices ?? []).map((choice) => String(choice.value));
}

function buttonIds(message: StoredMessage): string[] {
  return (message.components ?? []).flatMap((row) => ('components' in row ? row.components.map((button) => ('custom_id' in button ? button.custom_id : '')) : []));
}

describe('each model\'s range, with the two models Google documents', () => {
  const harness = useHarness();
  const settings = (subcommand: string, options: Parameters<typeof privateReply>[4] = []) => privateReply(harness, harness.discord.users.alice, 'settings', subcommand, options);

  it('suggests the aspect ratios and sizes of the model picked in /imagine, else of the server\'s model, filtered by what was typed', async () => {
    await registerCommands(harness.config, commands);
    expect(await suggestions(harness, { command: 'imagine', option: 'aspect_ratio', filled: [text('prompt', 'a fox')] })).toEqual(TEN);
    expect(await suggestions(harness, { command: 'imagine', option: 'size' })).toEqual(['1K', '2K', '4K']);
    const flash = [text('prompt', 'a fox'), text('model', FLASH)];
    expect(await suggestions(harness, { command: 'imagine', option: 'aspect_ratio', filled: flash })).toEqual([...TEN, '1:4', '4:1', '1:8', '8:1']);
    expect(await suggestions(harness, { command: 'imagine', option: 'size', typed: '5', filled: flash })).toEqual(['512']);
    expect(await suggestions(harness, { command: 'imagine', option: 'size', typed: '5' })).toEqual([]);
    expect(await suggestions(harness, { command: 'imagine', option: 'aspect_ratio', typed: '8', filled: flash })).toEqual(['8:1', '1:8']);

    // The server's default model decides when the member picks none.
    expect(await settings('model', [text('model', FLASH)])).toBe(`New conversations on this server now use ${FLASH}.`);
    expect(await suggestions(harness, { command: 'imagine', option: 'size' })).toEqual(['512', '1K', '2K', '4K']);
    expect(await suggestions(harness, { command: 'settings', subcommand: 'image', option: 'size' })).toEqual(['512', '1K', '2K', '4K']);
    expect(await suggestions(harness, { command: 'imagine', option: 'size', filled: [text('model', PRO)] })).toEqual(['1K', '2K', '4K']);
  });

  it('suggests, in a conversation\'s thread, what the thread\'s own model makes, whatever model is picked', async () => {
    await registerCommands(harness.config, commands);
    const { message } = await imagine(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const thread = await waitForThread(harness, message.id);
    const suggested = await suggestions(harness, { command: 'imagine', option: 'aspect_ratio', filled: [text('model', FLASH)], channelId: thread.id });
    expect(suggested).toEqual(TEN);
    // Its options carry over, and are marked as what applies here.
    const { interactionId } = harness.discord.sendAutocomplete({ user: harness.discord.users.bob, name: 'imagine', channelId: thread.id, options: [{ type: 3, name: 'aspect_ratio', value: '16', focused: true }] });
    expect((await harness.discord.waitForInteractionResponse(interactionId)).autocompleteChoices).toEqual([
      { name: '16:9 (landscape), the default here', value: '16:9' },
      { name: '9:16 (portrait)', value: '9:16' },
    ]);
  });

  it('refuses an option the model does not make before asking Gemini, naming what it makes, and sends one it makes', async () => {
    const { message: refused } = await imagine(harness, { prompt: 'a fox', size: '512' });
    expect(refused.content).toBe('gemini-3-pro-image does not make images at the size `512`. Choose 1K, 2K or 4K.');
    expect(refused.attachments).toEqual([]);
    const { message: typed } = await imagine(harness, { prompt: 'a fox', aspectRatio: 'banana' });
    expect(typed.content).toBe(`gemini-3-pro-image does not make images at the aspect ratio \`banana\`. Choose ${TEN.slice(0, -1).join(', ')} or 21:9.`);
    expect(geminiCalls(harness)).toEqual([]);

    const { message: tall } = await imagine(harness, { prompt: 'a tall tower', model: FLASH, aspectRatio: '1:8', size: '512' });
    expect(tall.attachments).toHaveLength(1);
    expect(geminiCalls(harness).map((call) => call.model)).toEqual([FLASH]);
    expect(imageOptionsOf(geminiCall(harness, 0))).toEqual({ aspectRatio: '1:8', imageSize: '512' });
  });

  it('refuses, in a thread, an option its model does not make even when the member picks a model that would (the thread keeps its own)', async () => {
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);
    const { message: refused } = await imagine(harness, { prompt: 'now tall', channelId: thread.id, model: FLASH, aspectRatio: '1:8' });
    expect(refused.content).toBe(
      `This conversation uses gemini-3-pro-image, which does not make images at the aspect ratio \`1:8\`. Choose ${TEN.slice(0, -1).join(', ')} or 21:9, or start a new image with /imagine.`,
    );
    expect(geminiCalls(harness)).toHaveLength(1);
  });

  it('keeps a Flash thread\'s 1:8 and 512 on its next turns and rerolls', async () => {
    const { message } = await imagine(harness, { prompt: 'a tall tower', model: FLASH, aspectRatio: '1:8', size: '512' });
    const thread = await waitForThread(harness, message.id);
    const before = new Set(harness.discord.messages(thread.id).map((candidate) => candidate.id));
    harness.discord.clickButton({ user: harness.discord.users.bob, message, customId: 'nb1:result:reroll' });
    await harness.discord.waitForMessage(
      (candidate) => isBotMessage(harness, candidate) && candidate.channel_id === thread.id && !before.has(candidate.id) && candidate.attachments.length > 0 && !isProgressNote(candidate),
    );
    expect(geminiCalls(harness).map((call) => call.model)).toEqual([FLASH, FLASH]);
    expect(imageOptionsOf(geminiCall(harness, 1))).toEqual({ aspectRatio: '1:8', imageSize: '512' });
    expect(geminiCalls(harness).map((call) => call.status)).toEqual([200, 200]);
  });

  it('offers Upscale 2K and 4K under an image of either model', async () => {
    const { message: pro } = await imagine(harness, { prompt: 'a fox' });
    const { message: flash } = await imagine(harness, { prompt: 'a fox', model: FLASH });
    for (const message of [pro, flash]) {
      expect(buttonIds(message)).toEqual(['nb1:result:reroll', 'nb1:result:edit', 'nb1:result:upscale-2k', 'nb1:result:upscale-4k', 'nb1:result:branch', 'nb1:result:delete']);
    }
  });

  it('/settings image takes only what the server\'s model makes, and a model change sets aside a default the new model does not make, saying so', async () => {
    await registerCommands(harness.config, commands);
    expect(await settings('image', [text('size', '512')])).toBe(
      "This server's model, gemini-3-pro-image, does not make images at the size `512`. Choose 1K, 2K or 4K, or change the model first with /settings model.",
    );
    expect(await settings('show')).toContain('- Aspect ratio: 1:1 (default); size: 1K (default).');
    expect(await settings('model', [text('model', FLASH)])).toBe(`New conversations on this server now use ${FLASH}.`);
    expect(await settings('image', [text('aspect_ratio', '1:8'), text('size', '512')])).toBe('New images on this server are now 1:8 at 512 unless a member picks otherwise.');

    expect(await settings('model', [text('model', PRO)])).toBe(
      'New conversations on this server now use gemini-3-pro-image. It does not make the aspect ratio 1:8 or the size 512 chosen as the default, so new images are 1:1 at 1K unless a member picks otherwise; /settings image sets other defaults.',
    );
    expect(await settings('show')).toContain(
      "- Aspect ratio: 1:1 (gemini-3-pro-image does not make the server's default 1:8); size: 1K (gemini-3-pro-image does not make the server's default 512).",
    );
    // New images are made, without the defaults Pro would reject.
    const { message } = await imagine(harness, { prompt: 'a fox' });
    expect(message.attachments).toHaveLength(1);
    expect(imageOptionsOf(geminiCall(harness, 0))).toEqual({});

    // A member who picks Flash gets the server's 1:8 and 512, and the suggestions mark them.
    const { message: picked } = await imagine(harness, { prompt: 'a tall tower', model: FLASH });
    expect(picked.attachments).toHaveLength(1);
    expect(geminiCalls(harness).map((call) => call.model)).toEqual([PRO, FLASH]);
    expect(imageOptionsOf(geminiCall(harness, 1))).toEqual({ aspectRatio: '1:8', imageSize: '512' });
    expect(await suggestions(harness, { command: 'imagine', option: 'size', typed: '5', filled: [text('model', FLASH)] })).toEqual(['512']);
    const { interactionId } = harness.discord.sendAutocomplete({ user: harness.discord.users.alice, name: 'imagine', options: [{ type: 3, name: 'model', value: FLASH }, { type: 3, name: 'size', value: '5', focused: true }] });
    expect((await harness.discord.waitForInteractionResponse(interactionId)).autocompleteChoices).toEqual([{ name: '512, the default here', value: '512' }]);

    // Back on Flash, the server's choices are in force again.
    await settings('model', [text('model', FLASH)]);
    await imagine(harness, { prompt: 'a tower' });
    expect(imageOptionsOf(geminiCall(harness, 2))).toEqual({ aspectRatio: '1:8', imageSize: '512' });
  });
});

describe('a model the table does not know', () => {
  const harness = useHarness({
    env: { GEMINI_MODEL: NEWER, GEMINI_MODELS: `${NEWER},${PRO}` },
    // The emulator serves it as a newer model might: 2K too, which the bot does not know and so does not offer.
    gemini: { models: [PRO, FLASH, NEWER], imageOptions: { [NEWER]: { aspectRatios: TEN, imageSizes: ['1K', '2K'] } } },
  });

  it('gets only the ten common ratios at 1K, and no Upscale button, and a stale Upscale click is refused before Gemini', async () => {
    await registerCommands(harness.config, commands);
    expect(await suggestions(harness, { command: 'imagine', option: 'size' })).toEqual(['1K']);
    expect(await suggestions(harness, { command: 'imagine', option: 'aspect_ratio' })).toEqual(TEN);

    const { message } = await imagine(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    expect(buttonIds(message)).toEqual(['nb1:result:reroll', 'nb1:result:edit', 'nb1:result:branch', 'nb1:result:delete']);
    await waitForThread(harness, message.id);

    // A button from another version of the message (a stale client) still reaches the bot.
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message, customId: 'nb1:result:upscale-4k' });
    const answer = await harness.discord.waitForMessage((candidate) => candidate.id === harness.discord.interaction(interactionId).originalMessageId && !isProgressNote(candidate));
    expect(answer.content).toBe(
      `This conversation uses ${NEWER}, and I don't know whether it makes images at the size \`4K\`: it is not in my table of models, so I offer only what every Gemini image model makes. Choose 1K, or start a new image with /imagine. Whoever runs this bot can declare what it makes in GEMINI_MODEL_OPTIONS.`,
    );
    expect(geminiCalls(harness)).toHaveLength(1);

    const { message: refused } = await imagine(harness, { prompt: 'a fox', size: '2K' });
    expect(refused.content).toBe(
      `I don't know whether ${NEWER} makes images at the size \`2K\`: it is not in my table of models, so I offer only what every Gemini image model makes. Choose 1K. Whoever runs this bot can declare what it makes in GEMINI_MODEL_OPTIONS.`,
    );
    expect(geminiCalls(harness)).toHaveLength(1);
  });

  it('/settings model and show say a default is set aside because the model is not in the table, not that it does not make it', async () => {
    const settings = (subcommand: string, options: Parameters<typeof privateReply>[4] = []) => privateReply(harness, harness.discord.users.alice, 'settings', subcommand, options);
    await settings('model', [text('model', PRO)]);
    expect(await settings('image', [text('size', '2k')])).toBe('New images on this server are now 1:1 at 2K unless a member picks otherwise.');
    expect(await settings('model', [text('model', NEWER)])).toBe(
      `New conversations on this server now use ${NEWER}. It is not in my table of models, so I do not know whether it makes the size 2K chosen as the default: new images are 1:1 at 1K unless a member picks otherwise; /settings image sets other defaults. Whoever runs this bot can declare what it makes in GEMINI_MODEL_OPTIONS.`,
    );
    expect(await settings('show')).toContain(`size: 1K (${NEWER} is not in my table of models, so the server's default 2K is set aside).`);
    expect(await settings('image', [text('size', '2K')])).toBe(
      `I don't know whether this server's model, ${NEWER}, makes images at the size \`2K\`: it is not in my table of models, so I offer only what every Gemini image model makes. Choose 1K, or change the model first with /settings model. Whoever runs this bot can declare what it makes in GEMINI_MODEL_OPTIONS.`,
    );
  });
});

describe('a new model the operator declares in GEMINI_MODEL_OPTIONS', () => {
  const harness = useHarness({
    env: {
      GEMINI_MODEL: NEWER,
      GEMINI_MODELS: `${NEWER},${PRO}`,
      GEMINI_MODEL_OPTIONS: JSON.stringify({ [NEWER]: { aspectRatios: [...TEN, '1:8'], imageSizes: ['1K', '2K'] } }),
      DEFAULT_IMAGE_SIZE: '2k',
    },
    // The emulator serves it as the operator says it is: 1:8 and 2K, no 4K.
    gemini: { models: [PRO, FLASH, NEWER], imageOptions: { [NEWER]: { aspectRatios: [...TEN, '1:8'], imageSizes: ['1K', '2K'] } } },
  });

  it('is used fully without a code change: suggested, sent, upscaled to what it makes, and refused plainly beyond it', async () => {
    await registerCommands(harness.config, commands);
    expect(await suggestions(harness, { command: 'imagine', option: 'size' })).toEqual(['1K', '2K']);
    expect(await suggestions(harness, { command: 'imagine', option: 'aspect_ratio', typed: '1:8' })).toEqual(['1:8']);

    // DEFAULT_IMAGE_SIZE=2k is read as Gemini spells it, and a size typed in lower case is sent as 2K.
    const { message } = await imagine(harness, { prompt: 'a tall tower', aspectRatio: '1:8' });
    expect(message.attachments).toHaveLength(1);
    expect(imageOptionsOf(geminiCall(harness, 0))).toEqual({ aspectRatio: '1:8', imageSize: '2K' });
    expect(buttonIds(message)).toEqual(['nb1:result:reroll', 'nb1:result:edit', 'nb1:result:upscale-2k', 'nb1:result:branch', 'nb1:result:delete']);
    const { message: typed } = await imagine(harness, { prompt: 'a fox', size: '1k' });
    expect(typed.attachments).toHaveLength(1);
    expect(imageOptionsOf(geminiCall(harness, 1))).toEqual({ imageSize: '1K' });
    expect(geminiCalls(harness).map((call) => [call.model, call.status])).toEqual([
      [NEWER, 200],
      [NEWER, 200],
    ]);

    // Another member: the two turns above may still be saving, and count against alice's requests in progress.
    const { message: refused } = await imagine(harness, { prompt: 'a fox', size: '4K', user: harness.discord.users.bob });
    expect(refused.content).toBe(`${NEWER} does not make images at the size \`4K\`. Choose 1K or 2K.`);
    expect(geminiCalls(harness)).toHaveLength(2);
  });
});
