import { ComponentType, TextInputStyle, type APIModalInteractionResponseCallbackData } from 'discord.js';
import { encodeCustomId } from '../discord/customIds.js';

/** The one text input both modals use; its id is how the submitted value is read back. */
export const INSTRUCTION_INPUT = 'instruction';

function instructionModal(customId: string, title: string, placeholder: string): APIModalInteractionResponseCallbackData {
  return {
    custom_id: customId,
    title,
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.TextInput,
            custom_id: INSTRUCTION_INPUT,
            label: 'What should Gemini do?',
            style: TextInputStyle.Paragraph,
            required: true,
            max_length: 4000,
            placeholder,
          },
        ],
      },
    ],
  };
}

/** Opened by the Edit button; a modal can only be the first answer to an interaction, so it is shown before any work. */
export function editModal(messageId: string): APIModalInteractionResponseCallbackData {
  return instructionModal(encodeCustomId({ kind: 'edit-modal', messageId }), 'Edit this image', 'Make the fox blue');
}

/** Opened by "Edit with Gemini" on any message with images; `signature` is composeClaimSignature's, for the member it is shown to. */
export function composeModal(channelId: string, messageId: string, signature: string): APIModalInteractionResponseCallbackData {
  return instructionModal(encodeCustomId({ kind: 'compose-modal', channelId, messageId, signature }), 'Edit with Gemini', 'Turn this photo into a watercolor');
}
