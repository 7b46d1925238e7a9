import { ApplicationCommandOptionType, type CommandInteractionOption } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeRefusal } from '../../src/discord/describeRefusal.js';
import { attachmentOption, readOptions } from '../../src/discord/readOptions.js';

const schema = z.object({ prompt: z.string().trim().min(1).max(10), size: z.enum(['1K', '2K']).optional(), reference1: attachmentOption.optional() });

const string = (name: string, value: string): CommandInteractionOption => ({ name, type: ApplicationCommandOptionType.String, value });

describe('readOptions', () => {
  it.each([
    { sent: [], problem: 'the prompt option is missing' },
    { sent: [string('prompt', '   ')], problem: 'the prompt option is empty' },
    { sent: [string('prompt', 'x'.repeat(11))], problem: 'the prompt option is too long' },
    { sent: [string('prompt', 'fox'), string('size', '8K')], problem: 'the size option has a value I do not know' },
    { sent: [string('size', '8K')], problem: 'the prompt option is missing; the size option has a value I do not know' },
  ])('names every problem in one sentence: $problem', ({ sent, problem }) => {
    const read = readOptions('imagine', sent, schema);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(describeRefusal(read.refusal)).toBe(
      `I could not read this /imagine: ${problem}. Your Discord may show an older version of the command; reload Discord (Ctrl+R) and try again.`,
    );
  });

  it('passes valid options through the schema (trimmed, unknown ones dropped)', () => {
    expect(readOptions('imagine', [string('prompt', ' fox '), string('size', '2K'), string('colour', 'red')], schema)).toEqual({ ok: true, options: { prompt: 'fox', size: '2K' } });
  });

  it('reads a subcommand and its options, and an attachment as its CDN source', () => {
    const attachment = { url: 'https://cdn.example/a.png', name: 'a.png', size: 12 } as CommandInteractionOption['attachment'];
    const everything = z.record(z.string(), z.unknown());
    expect(
      readOptions('settings', [
        { name: 'channels', type: ApplicationCommandOptionType.Subcommand, options: [string('action', 'add'), { name: 'channel', type: ApplicationCommandOptionType.Channel, value: '123' }] },
      ], everything),
    ).toEqual({ ok: true, options: { subcommand: 'channels', action: 'add', channel: '123' } });
    expect(readOptions('imagine', [{ name: 'reference1', type: ApplicationCommandOptionType.Attachment, value: '9', attachment }], everything)).toEqual({
      ok: true,
      options: { reference1: { url: 'https://cdn.example/a.png', name: 'a.png', size: 12 } },
    });
  });
});
