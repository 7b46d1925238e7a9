import type { ButtonInteraction, Interaction, ModalSubmitInteraction, ThreadChannel } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { composeClaimSignature, conversationBelongsHere, formSigningKey, verifyButton, verifyForm } from '../../src/components/interactionAuthority.js';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';

/*
 * The checks read a handful of fields Discord vouches for; these fakes carry
 * exactly those, as Discord would send them.
 */
const BOT = '100000000000000001';
const GUILD = '200000000000000001';
const CHANNEL = '300000000000000001';
const MEMBER = '400000000000000001';
const SECRET = formSigningKey('bot-token');

function button(authorId: string): ButtonInteraction {
  return { client: { user: { id: BOT } }, message: { id: '500000000000000001', author: { id: authorId } } } as unknown as ButtonInteraction;
}

function form(fields: { messageId?: string; channelId?: string; userId?: string } = {}): ModalSubmitInteraction {
  const message = fields.messageId ? { id: fields.messageId } : null;
  return {
    guildId: GUILD,
    channelId: fields.channelId ?? CHANNEL,
    user: { id: fields.userId ?? MEMBER },
    message,
    isFromMessage: () => message !== null,
  } as unknown as ModalSubmitInteraction;
}

const signature = (messageId: string, over: Partial<{ guildId: string; channelId: string; userId: string }> = {}) =>
  composeClaimSignature(SECRET, { guildId: GUILD, channelId: CHANNEL, messageId, userId: MEMBER, ...over });

describe('verifyButton', () => {
  it('acts on the message the result button was clicked on', () => {
    expect(verifyButton(button(BOT), { kind: 'result', action: 'reroll' })).toEqual({ ok: true, target: { kind: 'result', action: 'reroll', messageId: '500000000000000001' } });
  });

  it.each([
    { case: 'a message someone else wrote', authorId: '600000000000000001', id: { kind: 'result', action: 'reroll' } as const },
    { case: 'a form id used as a button', authorId: BOT, id: { kind: 'edit-modal', messageId: '500000000000000002' } as const },
    { case: 'an id this version did not make', authorId: BOT, id: undefined },
  ])('refuses $case as stale', ({ authorId, id }) => {
    expect(verifyButton(button(authorId), id)).toMatchObject({ ok: false, refusal: { kind: 'stale-button' } });
  });
});

describe('verifyForm', () => {
  const message = '700000000000000001';
  it.each([
    { case: 'the Edit form back with its own message', interaction: form({ messageId: message }), id: { kind: 'edit-modal', messageId: message } as const, ok: true },
    { case: 'the Edit form naming another message', interaction: form({ messageId: message }), id: { kind: 'edit-modal', messageId: '700000000000000002' } as const, ok: false },
    { case: 'an Edit form that came with no message', interaction: form(), id: { kind: 'edit-modal', messageId: message } as const, ok: false },
    { case: 'the compose form as signed', interaction: form(), id: { kind: 'compose-modal', channelId: CHANNEL, messageId: message, signature: signature(message) } as const, ok: true },
    { case: 'a compose form naming another channel', interaction: form(), id: { kind: 'compose-modal', channelId: '300000000000000002', messageId: message, signature: signature(message, { channelId: '300000000000000002' }) } as const, ok: false },
    { case: 'a compose form with a swapped message', interaction: form(), id: { kind: 'compose-modal', channelId: CHANNEL, messageId: '700000000000000002', signature: signature(message) } as const, ok: false },
    { case: 'a compose form signed for another member', interaction: form(), id: { kind: 'compose-modal', channelId: CHANNEL, messageId: message, signature: signature(message, { userId: '400000000000000002' }) } as const, ok: false },
    { case: 'a compose form signed in another server', interaction: form(), id: { kind: 'compose-modal', channelId: CHANNEL, messageId: message, signature: signature(message, { guildId: '200000000000000002' }) } as const, ok: false },
  ])('$case: ok=$ok', ({ interaction, id, ok }) => {
    const verified = verifyForm(interaction, id, SECRET);
    expect(verified.ok).toBe(ok);
    if (!verified.ok) expect(verified.refusal.kind).toBe('form-not-here');
  });

  it('refuses a button id as a form, as stale', () => {
    expect(verifyForm(form(), { kind: 'result', action: 'edit' }, SECRET)).toMatchObject({ ok: false, refusal: { kind: 'stale-form' } });
  });

  it('signs with the secret: another key gives another signature', () => {
    expect(composeClaimSignature(formSigningKey('another'), { guildId: GUILD, channelId: CHANNEL, messageId: message, userId: MEMBER })).not.toBe(signature(message));
    expect(signature(message)).toMatch(/^[\w-]{22}$/);
  });
});

describe('conversationBelongsHere', () => {
  const record = { guildId: GUILD } as ConversationRecord;
  const thread = (fields: Partial<{ id: string; guildId: string; parentId: string }> = {}) =>
    ({ id: '800000000000000001', guildId: GUILD, parentId: CHANNEL, ...fields }) as unknown as ThreadChannel;
  const interaction = (channelId: string, guildId = GUILD) => ({ guildId, channelId }) as unknown as Interaction;

  it.each([
    { case: 'in the thread itself', interaction: interaction('800000000000000001'), record, thread: thread(), belongs: true },
    { case: 'in the channel the thread started in', interaction: interaction(CHANNEL), record, thread: thread(), belongs: true },
    { case: 'in a sibling channel', interaction: interaction('300000000000000002'), record, thread: thread(), belongs: false },
    { case: 'in another server, same channel ids', interaction: interaction(CHANNEL, '200000000000000002'), record, thread: thread(), belongs: false },
    { case: 'with a record of another server', interaction: interaction(CHANNEL), record: { guildId: '200000000000000002' } as ConversationRecord, thread: thread(), belongs: false },
    { case: 'with a thread of another server', interaction: interaction(CHANNEL), record, thread: thread({ guildId: '200000000000000002' }), belongs: false },
  ])('$case: $belongs', ({ interaction: asked, record: stored, thread: found, belongs }) => {
    expect(conversationBelongsHere(asked, stored, found)).toBe(belongs);
  });
});
