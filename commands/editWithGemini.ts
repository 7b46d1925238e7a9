import {
  ApplicationCommandType,
  type RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord.js';
import { imageAttachmentsOf } from '../src/discord/imageAttachments.js';
import { composeClaimSignature } from '../src/components/interactionAuthority.js';
import { composeModal } from '../src/components/modals.js';
import { checkPermissions } from '../src/discord/requiredPermissions.js';
import { SERVER_ONLY, type MessageCommand } from '../src/discord/slashCommand.js';
import { describeRefusal } from '../src/discord/describeRefusal.js';
import { replyPrivately } from '../src/discord/toMessagePayload.js';

const data = {
  name: 'Edit with Gemini',
  type: ApplicationCommandType.Message,
  ...SERVER_ONLY,
} as const satisfies RESTPostAPIContextMenuApplicationCommandsJSONBody;

/**
 * Apps → Edit with Gemini on any message with images: asks for the
 * instruction, then starts a conversation from them. The router has had a
 * bounded look at the member's access ('opens-form') and checks it again when
 * the form comes back (handleModalSubmit then reads the message through its channel).
 */
export const editWithGeminiCommand: MessageCommand = {
  kind: 'message',
  data,
  access: 'opens-form',
  async execute(interaction, bot) {
    const target = interaction.targetMessage;
    // From the cache only (no fetch before the form): with the Guilds intent every channel of a server is cached
    // except a thread archived before a restart, so a channel missing from the cache is a thread.
    const inThread = interaction.channel?.isThread() ?? true;
    const problem = checkPermissions(interaction.appPermissions, { inThread, startsConversation: !inThread, viaInteraction: true });
    if (problem) {
      await replyPrivately(interaction, describeRefusal(problem.refusal));
      return;
    }
    if (imageAttachmentsOf(target).length === 0) {
      await replyPrivately(interaction, describeRefusal({ kind: 'no-images-to-edit' }));
      return;
    }
    // A modal must be the first answer to the interaction: nothing slow before it.
    const signature = composeClaimSignature(bot.formSigningKey, { guildId: interaction.guildId ?? '', channelId: interaction.channelId, messageId: target.id, userId: interaction.user.id });
    await interaction.showModal(composeModal(interaction.channelId, target.id, signature));
  },
};
