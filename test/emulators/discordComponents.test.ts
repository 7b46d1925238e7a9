import { describe, expect, it, vi } from 'vitest';
import {
  ActionRowBuilder,
  ApplicationCommandType,
  ButtonBuilder,
  ButtonStyle,
  Events,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type Client,
  type Message,
  type TextChannel,
} from 'discord.js';
import type { DiscordEmulator } from './discord/index.js';
import { apiError, emulatorHarness, nextInteraction } from './discord/testing.js';

const { start, connect } = emulatorHarness();

function buttons(...ids: string[]) {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    ids.map((id) => new ButtonBuilder().setCustomId(id).setLabel(id).setStyle(ButtonStyle.Primary)),
  );
}

async function postWithButtons(emu: DiscordEmulator, client: Client, ...ids: string[]): Promise<Message> {
  const channel = client.channels.cache.get(emu.channelId) as TextChannel;
  return channel.send({ content: 'pick one', components: [buttons(...ids)] });
}

const renameModal = {
  custom_id: 'rename-modal',
  title: 'Rename',
  components: [{ type: 1, components: [{ type: 4, custom_id: 'name', label: 'New name', style: 1, max_length: 20 }] }],
};

describe('discord emulator: components, modals and context menus', () => {
  it('stores buttons, validates them, and turns a click into a ButtonInteraction that can reply', async () => {
    const emu = await start();
    const client = await connect(emu);
    const sent = await postWithButtons(emu, client, 'retry:1', 'branch:1');
    const stored = emu.messages(emu.channelId).find((m) => m.id === sent.id)!;
    // Discord numbers components that came without an id.
    expect(stored.components).toEqual([
      {
        type: 1,
        id: 1,
        components: [
          { type: 2, id: 2, custom_id: 'retry:1', label: 'retry:1', style: 1 },
          { type: 2, id: 3, custom_id: 'branch:1', label: 'branch:1', style: 1 },
        ],
      },
    ]);

    const received = nextInteraction(client, (i) => i.isButton());
    const { interactionId } = emu.clickButton({ user: emu.users.bob, message: stored, customId: 'retry:1' });
    const button = await received;
    expect([button.id, button.customId, button.user.id, button.message.id]).toEqual([interactionId, 'retry:1', emu.users.bob.id, sent.id]);
    expect(button.component).toMatchObject({ customId: 'retry:1' });
    await button.reply({ content: 'retrying' });
    const reply = await emu.waitForMessage((m) => m.content === 'retrying');
    // A new message answering a component is a reply to the component's message.
    expect(reply.type).toBe(19);
    expect(reply.message_reference?.message_id).toBe(sent.id);
    expect(reply.interaction_metadata).toMatchObject({ type: 3, interacted_message_id: sent.id });

    const stale = nextInteraction(client, (i) => i.isButton());
    emu.clickButton({ user: emu.users.carol, message: sent.id, customId: 'from-an-old-version' });
    const staleClick = await stale;
    expect(staleClick.customId).toBe('from-an-old-version');
    await staleClick.deferReply();
    const late = await staleClick.editReply('that button is from an older version');
    expect(late.id).toBe(emu.interaction(staleClick.id).originalMessageId);
    expect(emu.messages(emu.channelId).at(-1)).toMatchObject({ id: late.id, type: 19, message_reference: { message_id: sent.id } });

    const raw = (components: unknown) => apiError(client.rest.post(Routes.channelMessages(emu.channelId), { body: { components } }));
    const button0 = (id: string) => ({ type: 2, style: 1, label: 'x', custom_id: id });
    const row = (...ids: string[]) => ({ type: 1, components: ids.map(button0) });
    expect((await raw([row('x'.repeat(101))])).code).toBe(50035);
    expect((await raw([row('a', 'b', 'c', 'd', 'e', 'f')])).code).toBe(50035);
    expect((await raw(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => row(id)))).code).toBe(50035);
    expect((await raw([row('same', 'same')])).code).toBe(50035);
    expect((await raw([{ type: 1, components: [] }])).code).toBe(50035);
  });

  it('updates the clicked message (type 7), edits it after deferUpdate (type 6), keeps ephemeral follow-ups off the gateway', async () => {
    const emu = await start();
    const client = await connect(emu);
    const seen: string[] = [];
    client.on(Events.MessageCreate, (m) => seen.push(m.id));
    const first = await postWithButtons(emu, client, 'done');
    let received = nextInteraction(client, (i) => i.isButton());
    emu.clickButton({ user: emu.users.alice, message: first.id, customId: 'done' });
    const updating = await received;
    const updated = new Promise<Message>((resolve) => client.once(Events.MessageUpdate, (_old, m) => resolve(m as Message)));
    await updating.update({ content: 'finished', components: [] });
    expect((await updated).content).toBe('finished');
    expect(emu.messages(emu.channelId).find((m) => m.id === first.id)).toMatchObject({ content: 'finished', components: [] });
    expect(emu.interaction(updating.id)).toMatchObject({ ackType: 7, originalMessageId: first.id });

    const second = await postWithButtons(emu, client, 'slow');
    received = nextInteraction(client, (i) => i.isButton());
    const { interactionId } = emu.clickButton({ user: emu.users.alice, message: second, customId: 'slow' });
    const deferring = await received;
    await deferring.deferUpdate();
    expect((await emu.waitForInteractionResponse(interactionId)).ackType).toBe(6);
    await deferring.editReply({ content: 'worked on it', components: [] });
    expect(emu.messages(emu.channelId).find((m) => m.id === second.id)?.content).toBe('worked on it');

    const secret = await deferring.followUp({ content: 'only you', flags: MessageFlags.Ephemeral });
    const visible = await deferring.followUp({ content: 'everyone' });
    // The gateway delivers in order: once the later visible message has arrived, the ephemeral one would have too.
    await vi.waitFor(() => expect(seen).toContain(visible.id), { timeout: 10_000 });
    expect(emu.messages(emu.channelId).find((m) => m.id === secret.id)?.flags).toBe(64);
    expect(seen).not.toContain(secret.id);
    // Only the user an ephemeral message was shown to can click on it.
    expect(() => emu.clickButton({ user: emu.users.bob, message: secret.id, customId: 'x' })).toThrow(/ephemeral/);
  });

  it('opens a modal from a button and submits it back with the message (legacy action rows)', async () => {
    const emu = await start();
    const client = await connect(emu);
    const sent = await postWithButtons(emu, client, 'rename');
    const received = nextInteraction(client, (i) => i.isButton());
    const { interactionId } = emu.clickButton({ user: emu.users.bob, message: sent, customId: 'rename' });
    await (await received).showModal(renameModal);
    const record = await emu.waitForInteractionResponse(interactionId);
    expect(record.ackType).toBe(9);
    expect(emu.interaction(interactionId).modal).toMatchObject({ custom_id: 'rename-modal', title: 'Rename' });

    expect(() => emu.submitModal({ user: emu.users.alice, interactionId, values: { name: 'x' } })).toThrow(/shown to bob/);
    expect(() => emu.submitModal({ user: emu.users.bob, interactionId, values: { name: 'x'.repeat(21) } })).toThrow(/1?0-20/);
    expect(() => emu.submitModal({ user: emu.users.bob, interactionId, values: { nope: 'x' } })).toThrow(/required|no inputs/);

    const submitted = nextInteraction(client, (i) => i.isModalSubmit());
    const submit = emu.submitModal({ user: emu.users.bob, interactionId, values: { name: 'Banana' } });
    const modal = await submitted;
    expect([modal.id, modal.customId, modal.fields.getTextInputValue('name')]).toEqual([submit.interactionId, 'rename-modal', 'Banana']);
    expect(modal.isFromMessage() && modal.message.id).toBe(sent.id);
    const showAgain = client.rest.post(Routes.interactionCallback(modal.id, modal.token), { body: { type: 9, data: renameModal }, auth: false });
    expect((await apiError(showAgain)).code).toBe(50035); // a modal cannot answer a modal
    const fresh = nextInteraction(client, (i) => i.isModalSubmit());
    emu.submitModal({ user: emu.users.bob, interactionId, values: { name: 'Apple' } });
    const again = await fresh;
    if (!again.isFromMessage()) throw new Error('expected a modal from a message');
    await again.update({ content: 'renamed to Apple', components: [] });
    expect(emu.messages(emu.channelId).find((m) => m.id === sent.id)?.content).toBe('renamed to Apple');
  });

  it('opens a Label-shaped modal from a slash command; refuses a modal after deferUpdate and invalid modals', async () => {
    const emu = await start();
    const client = await connect(emu);
    const received = nextInteraction(client, (i) => i.isChatInputCommand());
    const { interactionId } = emu.sendSlashCommand({ user: emu.users.alice, name: 'describe' });
    const command = await received;
    const tooLongTitle = { ...renameModal, title: 'x'.repeat(46) };
    const bad = client.rest.post(Routes.interactionCallback(command.id, command.token), { body: { type: 9, data: tooLongTitle }, auth: false });
    expect((await apiError(bad)).code).toBe(50035);
    await command.showModal(
      new ModalBuilder()
        .setCustomId('describe-modal')
        .setTitle('Describe it')
        .addLabelComponents(
          new LabelBuilder().setLabel('Prompt').setTextInputComponent(new TextInputBuilder().setCustomId('prompt').setStyle(TextInputStyle.Paragraph)),
        ),
    );
    const submitted = nextInteraction(client, (i) => i.isModalSubmit());
    const submit = emu.submitModal({ user: emu.users.alice, interactionId, values: { prompt: 'a yellow banana' } });
    const modal = await submitted;
    expect(modal.fields.getTextInputValue('prompt')).toBe('a yellow banana');
    expect(modal.message).toBeNull();
    expect(emu.interaction(submit.interactionId).payload.data).toMatchObject({
      custom_id: 'describe-modal',
      components: [{ type: 18, component: { type: 4, custom_id: 'prompt', value: 'a yellow banana' } }],
    });
    await modal.reply({ content: 'drawing' });
    const reply = await emu.waitForMessage((m) => m.content === 'drawing');
    expect(reply.interaction_metadata).toMatchObject({ type: 5, triggering_interaction_metadata: { id: interactionId, type: 2 } });

    const sent = await postWithButtons(emu, client, 'edit');
    const clicked = nextInteraction(client, (i) => i.isButton());
    emu.clickButton({ user: emu.users.alice, message: sent, customId: 'edit' });
    const button = await clicked;
    await button.deferUpdate();
    // discord.js refuses locally after a defer, so ask the API directly: Discord answers 40060.
    const late = client.rest.post(Routes.interactionCallback(button.id, button.token), { body: { type: 9, data: renameModal }, auth: false });
    const error = await apiError(late);
    expect([error.status, error.code]).toEqual([400, 40060]);
    expect(emu.interaction(button.id).modal).toBeUndefined();
  });

  it('delivers a message context menu command with its target message resolved', async () => {
    const emu = await start();
    const client = await connect(emu);
    const target = emu.sendMessage({ user: emu.users.bob, channelId: emu.otherChannelId, content: 'a banana on the moon' });
    const received = nextInteraction(client, (i) => i.isMessageContextMenuCommand());
    const { interactionId } = emu.sendMessageCommand({ user: emu.users.alice, name: 'Edit image', message: target });
    const command = await received;
    expect([command.id, command.commandName, command.commandType]).toEqual([interactionId, 'Edit image', ApplicationCommandType.Message]);
    expect([command.channelId, command.targetId, command.targetMessage.id]).toEqual([emu.otherChannelId, target.id, target.id]);
    expect(command.targetMessage.content).toBe('a banana on the moon');
    expect(command.targetMessage.author.id).toBe(emu.users.bob.id);
    await command.reply({ content: 'on it', flags: MessageFlags.Ephemeral });
    const record = await emu.waitForInteractionResponse(interactionId);
    expect([record.ackType, record.ackFlags]).toEqual([4, 64]);
    const reply = emu.messages(emu.otherChannelId).find((m) => m.id === record.originalMessageId);
    expect(reply).toMatchObject({ type: 23, flags: 64, interaction_metadata: { target_message_id: target.id } });
  });
});
