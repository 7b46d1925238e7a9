import { MessageFlags, type RepliableInteraction } from 'discord.js';
import { textPayload } from './toMessagePayload.js';

/**
 * The first answer to one interaction, kept track of so that every
 * acknowledged interaction gets its answer. discord.js marks an interaction
 * deferred only once Discord has confirmed the deferral; a handler that
 * throws while its deferral is still on the way would otherwise be answered
 * with a second initial response, which Discord refuses (40060 "already
 * acknowledged"), and the member would look at "thinking…" forever.
 */
export class InteractionResponse {
  private deferral: Promise<void> | undefined;

  constructor(readonly interaction: RepliableInteraction) {}

  /**
   * Defers the reply (Discord shows "thinking…"; the token then works for 15
   * minutes). Returns at once with the deferral under way, so a turn can take
   * its place in line before Discord confirms; await the promise before
   * editing the reply.
   */
  defer(visibility: 'public' | 'private'): Promise<void> {
    this.deferral ??= this.interaction
      .deferReply(visibility === 'private' ? { flags: MessageFlags.Ephemeral } : {})
      .then(() => undefined);
    // Awaited by whoever edits the reply; this branch only keeps an early failure from counting as unhandled.
    this.deferral.catch(() => undefined);
    return this.deferral;
  }

  /**
   * Tells the member what went wrong, wherever the interaction stands: the
   * deferred reply is edited, a first answer is a private reply, and after
   * a reply (or a modal) a private follow-up. Never throws: the caller has
   * nothing left to try, and has already logged the cause.
   */
  async explain(text: string): Promise<'edited' | 'replied' | 'followed-up' | 'unanswerable'> {
    const interaction = this.interaction;
    // A deferral still on its way must land first: the reply to edit only exists once Discord has it.
    await this.deferral?.catch(() => undefined);
    try {
      if (interaction.deferred) {
        await interaction.editReply(textPayload(text));
        return 'edited';
      }
      if (!interaction.replied) {
        await interaction.reply({ ...textPayload(text), flags: MessageFlags.Ephemeral });
        return 'replied';
      }
      await interaction.followUp({ ...textPayload(text), flags: MessageFlags.Ephemeral });
      return 'followed-up';
    } catch {
      // The token expired, or Discord is down: the error itself is logged by the caller.
      return 'unanswerable';
    }
  }
}
