import { describe, expect, it } from 'vitest';
import { describeRefusal } from '../../src/discord/describeRefusal.js';

describe('describeRefusal', () => {
  it('names the allowed channels as links (which never ping), counting past ten', () => {
    expect(describeRefusal({ kind: 'channel-not-allowed', channelIds: ['1'] })).toBe('On this server I only work in <#1>.');
    expect(describeRefusal({ kind: 'channel-not-allowed', channelIds: ['1', '2', '3'] })).toBe('On this server I only work in <#1>, <#2> and <#3>.');
    const many = Array.from({ length: 12 }, (_, index) => String(index + 1));
    expect(describeRefusal({ kind: 'channel-not-allowed', channelIds: many })).toBe(
      `On this server I only work in ${many.slice(0, 10).map((id) => `<#${id}>`).join(', ')} and 2 other channel(s).`,
    );
  });

  it('names a required role by its name (a role mention would ping), and explains one it cannot name without an id', () => {
    expect(describeRefusal({ kind: 'role-required', roleName: 'Artists' })).toBe('On this server only members with the Artists role can use me.');
    expect(describeRefusal({ kind: 'role-required', roleName: undefined })).toMatch(/role chosen by the admins/);
  });

  it('says when a limit resets, in each reader\'s own time zone', () => {
    const resetsAt = new Date('2026-12-08T00:00:00Z');
    expect(describeRefusal({ kind: 'limit-reached', limit: 'daily-images', resetsAt, used: 1, allowed: 1 })).toBe(
      'You have used your 1 image for today on this server. The limit resets <t:1796688000:R>.',
    );
    expect(describeRefusal({ kind: 'limit-reached', limit: 'monthly-budget', resetsAt, used: 5.02, allowed: 5 })).toMatch(/^This server has used its monthly image budget \(\$5\.02 of \$5\.00\)\. It resets <t:1796688000:R>\.$/);
    expect(describeRefusal({ kind: 'user-limit', limit: 2 })).toBe('You already have 2 images in progress. Wait for one to finish, then ask again.');
  });

  it('names the permissions an admin must grant as Discord shows them, and the command problems one sentence each', () => {
    expect(describeRefusal({ kind: 'missing-permissions', permissions: ['Attach Files'] })).toBe(
      "I can't do that here yet: a server admin must give me the permission Attach Files in this channel.",
    );
    expect(describeRefusal({ kind: 'missing-permissions', permissions: ['Create Public Threads', 'Send Messages in Threads'] })).toBe(
      "I can't do that here yet: a server admin must give me these permissions Create Public Threads, Send Messages in Threads in this channel.",
    );
    expect(describeRefusal({ kind: 'options-unreadable', command: 'imagine', problems: ['the prompt option is missing'] })).toMatch(/^I could not read this \/imagine: the prompt option is missing\. .*reload Discord/);
    expect(describeRefusal({ kind: 'restarting' })).toBe('The bot is restarting. Please try again in a minute.');
  });

  it('lists each attachment it cannot use, with why, one line each', () => {
    const problems = ['origin-not-allowed', 'too-large', 'empty', 'truncated', 'not-an-image', 'unreachable', 'timeout'] as const;
    expect(describeRefusal({ kind: 'attachments-rejected', rejected: problems.map((problem, index) => ({ name: `${index}.png`, problem })) })).toBe(
      [
        'I could not use these attachments, so I did not ask Gemini:',
        '- 0.png: it is not hosted on Discord, and I only download from Discord',
        '- 1.png: it is too large',
        '- 2.png: the file is empty',
        '- 3.png: the download was cut short; try uploading it again',
        '- 4.png: it is not a PNG, JPEG, WebP or HEIC image',
        '- 5.png: I could not download it',
        '- 6.png: downloading it took too long',
      ].join('\n'),
    );
  });

  it('names the option a model does not make, and what it makes, for a new image, a conversation and the server\'s default', () => {
    const pro = { model: 'gemini-3-pro-image', option: 'size', value: '512', accepted: ['1K', '2K', '4K'], modelKnown: true } as const;
    expect(describeRefusal({ kind: 'image-option-unsupported', whose: 'new-image', ...pro })).toBe('gemini-3-pro-image does not make images at the size `512`. Choose 1K, 2K or 4K.');
    expect(describeRefusal({ kind: 'image-option-unsupported', whose: 'conversation', model: 'gemini-3-pro-image', option: 'aspect-ratio', value: '1:8', accepted: ['1:1', '16:9'], modelKnown: true })).toBe(
      'This conversation uses gemini-3-pro-image, which does not make images at the aspect ratio `1:8`. Choose 1:1 or 16:9, or start a new image with /imagine.',
    );
    expect(describeRefusal({ kind: 'image-option-unsupported', whose: 'server', ...pro })).toBe(
      "This server's model, gemini-3-pro-image, does not make images at the size `512`. Choose 1K, 2K or 4K, or change the model first with /settings model.",
    );
    // The value is the member's own text: it cannot break out of its inline code.
    expect(describeRefusal({ kind: 'image-option-unsupported', whose: 'new-image', ...pro, value: '`@everyone`' })).toContain('the size `@everyone`.');
  });

  it('does not claim a model the table does not know lacks an option: says it does not know, why, and who can declare it', () => {
    const newer = { model: 'gemini-nano-banana-2.1', option: 'size', value: '2K', accepted: ['1K'], modelKnown: false } as const;
    expect(describeRefusal({ kind: 'image-option-unsupported', whose: 'new-image', ...newer })).toBe(
      "I don't know whether gemini-nano-banana-2.1 makes images at the size `2K`: it is not in my table of models, so I offer only what every Gemini image model makes. Choose 1K. Whoever runs this bot can declare what it makes in GEMINI_MODEL_OPTIONS.",
    );
    expect(describeRefusal({ kind: 'image-option-unsupported', whose: 'conversation', ...newer, value: '4K' })).toBe(
      "This conversation uses gemini-nano-banana-2.1, and I don't know whether it makes images at the size `4K`: it is not in my table of models, so I offer only what every Gemini image model makes. Choose 1K, or start a new image with /imagine. Whoever runs this bot can declare what it makes in GEMINI_MODEL_OPTIONS.",
    );
    expect(describeRefusal({ kind: 'image-option-unsupported', whose: 'server', ...newer })).toBe(
      "I don't know whether this server's model, gemini-nano-banana-2.1, makes images at the size `2K`: it is not in my table of models, so I offer only what every Gemini image model makes. Choose 1K, or change the model first with /settings model. Whoever runs this bot can declare what it makes in GEMINI_MODEL_OPTIONS.",
    );
    for (const whose of ['new-image', 'conversation', 'server'] as const) expect(describeRefusal({ kind: 'image-option-unsupported', whose, ...newer })).not.toContain('does not make');
  });

  it.each([
    [{ kind: 'settings-damaged' }, "I could not read this server's settings, so I am not making images until an admin sets them again with /settings (they can check what is left with /settings show)."],
    [{ kind: 'queue-full' }, 'I am at capacity right now: too many images are waiting. Please try again in a few minutes.'],
    [{ kind: 'stale-button' }, 'This button belongs to an older version of me and no longer works. Start again with /imagine.'],
    [{ kind: 'stale-form' }, 'This form belongs to an older version of me and no longer works. Open it again from the image.'],
    [{ kind: 'form-not-here' }, 'That form does not belong to this place, so I did nothing. Open it again from the image you want to change.'],
    [{ kind: 'unknown-command' }, 'I do not know that command any more.'],
    [{ kind: 'servers-only' }, 'I only work in servers.'],
    [{ kind: 'not-a-conversation' }, 'This image is no longer part of a conversation I can continue. Start a new one with /imagine.'],
    [{ kind: 'thread-gone' }, "I can't find this image's thread any more. Start a new one with /imagine."],
    [{ kind: 'other-server' }, 'This conversation belongs to another server, so I cannot continue it here.'],
    [{ kind: 'turn-gone' }, 'That image is no longer part of this conversation, so I cannot do that again.'],
    [{ kind: 'model-withdrawn', model: 'gemini-3-pro-image' }, 'This conversation was made with gemini-3-pro-image, which this bot no longer offers, so it cannot go on. Start a new one with /imagine.'],
    [{ kind: 'history-unreadable' }, "I could not read the saved history of this thread, so I cannot continue it. Start a new image with /imagine; an admin can find the details in the bot's log."],
    [{ kind: 'too-many-attachments', count: 15, limit: 14 }, 'That is 15 images; Gemini takes at most 14 per request. Send fewer.'],
    [{ kind: 'history-too-large' }, 'This request is too large for Gemini even on its own. Use fewer or smaller reference images.'],
    [{ kind: 'nothing-to-draw' }, 'Tell me what to draw, for example: `@me a watercolor fox`, or attach images to compose from.'],
    [{ kind: 'empty-instruction' }, 'Tell me what to change: the instruction was empty.'],
    [{ kind: 'no-images-to-edit' }, 'That message has no images to edit. Pick one with image attachments.'],
    [{ kind: 'message-gone' }, 'That message and its images are gone, so there is nothing to edit.'],
    [{ kind: 'not-yours-to-delete' }, 'Only the person who asked for this image, or a member with Manage Messages, can delete it.'],
    [{ kind: 'cannot-branch-here' }, 'I cannot branch this conversation here.'],
    [{ kind: 'admins-only' }, 'Only members with the Manage Server permission can change my settings.'],
  ] as const)('words %o as one plain sentence', (refusal, sentence) => {
    expect(describeRefusal(refusal)).toBe(sentence);
  });
});
