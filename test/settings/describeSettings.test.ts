import { describe, expect, it } from 'vitest';
import { describeSettings } from '../../src/settings/describeSettings.js';
import type { EffectiveSettings } from '../../src/settings/guildSettings.js';
import { changeChannels, changeModel } from '../../src/settings/settingsChanges.js';

const effective: EffectiveSettings = {
  model: 'gemini-3-pro-image',
  modelKnown: true,
  aspectRatio: undefined,
  imageSize: '4K',
  chosenDefaults: { server: { imageSize: '4K' }, environment: {} },
  channelIds: [],
  requiredRoleId: '400000000000000001',
  dailyImageLimit: 0,
  monthlyBudgetUsd: 0.5,
  previews: false,
};

describe('/settings show', () => {
  it('says when a chosen model was withdrawn from GEMINI_MODELS and the default applies instead', () => {
    const text = describeSettings({
      stored: { model: 'gemini-3.1-flash-image', imageSize: '4K', monthlyBudgetUsd: 0.5 },
      effective: { ...effective, disallowedModel: 'gemini-3.1-flash-image' },
      allowedModels: ['gemini-3-pro-image'],
      roleName: () => undefined,
    });
    expect(text).toContain('- Model: gemini-3-pro-image (default; gemini-3.1-flash-image was chosen but is no longer allowed). Allowed: gemini-3-pro-image.');
    expect(text).toContain('- Aspect ratio: 1:1 (default); size: 4K.');
    expect(text).toContain('- Required role: a role that no longer exists (clear it with /settings role).');
    expect(text).toContain('- Monthly budget: $0.50.');
    expect(text).toContain('- Sketches while drawing: off (default).');
  });

  it('says when a default is set aside because the model does not make it, and what applies instead', () => {
    const text = describeSettings({
      stored: { model: 'gemini-3-pro-image', aspectRatio: '1:8' },
      effective: { ...effective, aspectRatio: '16:9', imageSize: undefined, defaultsNotTaken: { aspectRatio: '1:8', imageSize: '512' } },
      allowedModels: ['gemini-3-pro-image', 'gemini-3.1-flash-image'],
      roleName: () => undefined,
    });
    expect(text).toContain("- Aspect ratio: 16:9 (gemini-3-pro-image does not make the server's default 1:8); size: 1K (gemini-3-pro-image does not make the bot's default 512).");
  });

  it('does not claim a model the table does not know lacks a default: says it is not in the table', () => {
    const text = describeSettings({
      stored: { model: 'gemini-nano-banana-2.1', imageSize: '2K' },
      effective: { ...effective, model: 'gemini-nano-banana-2.1', modelKnown: false, imageSize: undefined, defaultsNotTaken: { imageSize: '2K' } },
      allowedModels: ['gemini-3-pro-image', 'gemini-nano-banana-2.1'],
      roleName: () => undefined,
    });
    expect(text).toContain("size: 1K (gemini-nano-banana-2.1 is not in my table of models, so the server's default 2K is set aside).");
    expect(text).not.toContain('does not make');
  });
});

describe('/settings model', () => {
  it('says plainly when the new model does not make a default image option, and what new images get instead', () => {
    const change = changeModel('gemini-3-pro-image', ['gemini-3-pro-image', 'gemini-3.1-flash-image']);
    if (!change.ok) throw new Error(change.text);
    expect(change.confirm({ ...effective, imageSize: '2K', defaultsNotTaken: { aspectRatio: '1:8' } })).toBe(
      'New conversations on this server now use gemini-3-pro-image. It does not make the aspect ratio 1:8 chosen as the default, so new images are 1:1 at 2K unless a member picks otherwise; /settings image sets other defaults.',
    );
    expect(change.confirm({ ...effective, imageSize: undefined, defaultsNotTaken: { aspectRatio: '8:1', imageSize: '512' } })).toContain('It does not make the aspect ratio 8:1 or the size 512 chosen as the default, so new images are 1:1 at 1K');
    expect(change.confirm(effective)).toBe('New conversations on this server now use gemini-3-pro-image.');
  });

  it('says it cannot tell, for a model the table does not know, and who can declare what it makes', () => {
    const change = changeModel('gemini-nano-banana-2.1', ['gemini-3-pro-image', 'gemini-nano-banana-2.1']);
    if (!change.ok) throw new Error(change.text);
    expect(change.confirm({ ...effective, model: 'gemini-nano-banana-2.1', modelKnown: false, imageSize: undefined, defaultsNotTaken: { imageSize: '4K' } })).toBe(
      'New conversations on this server now use gemini-nano-banana-2.1. It is not in my table of models, so I do not know whether it makes the size 4K chosen as the default: new images are 1:1 at 1K unless a member picks otherwise; /settings image sets other defaults. Whoever runs this bot can declare what it makes in GEMINI_MODEL_OPTIONS.',
    );
  });
});

describe('/settings channels remove', () => {
  it('warns that removing the last listed channel opens the bot to every channel', () => {
    const change = changeChannels('remove', '300000000000000001');
    if (!change.ok) throw new Error(change.text);
    expect(change.change({ channelIds: ['300000000000000001'] })).toEqual({});
    expect(change.confirm({ ...effective, channelIds: [] })).toBe('No channel is on the list any more, so I work in every channel of this server.');
  });
});
