import { MessageFlags, type RepliableInteraction } from 'discord.js';
import { replacingTextPayload, textPayload } from './toMessagePayload.js';

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
  private answered = false;

  constructor(readonly interaction: RepliableInteraction) {}

  /** The deferral started by defer(), for a delivery to await before it edits the reply. */
  get acknowledged(): Promise<void> {
    if (!this.deferral) throw new Error('InteractionResponse: the reply was not deferred');
    return this.deferral;
  }

  /** The member now has their answer (a result, or a notice ending the request): a later error must not replace it. */
  markAnswered(): void {
    this.answered = true;
  }

  /** Whether the member has their answer, or an explanation that ended the request: nothing may replace it. */
  get isAnswered(): boolean {
    return this.answered;
  }

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
   * Tells the member what went wrong, wherever the interaction stands: a
   * deferred reply still waiting for its answer (or showing progress) is
   * edited; with nothing sent yet, a private reply; after the answer (or a
   * first reply), a private follow-up, so a posted image keeps its words.
   * Never throws: the caller has nothing left to try, and logged the cause.
   * False when Discord took none of it (an expired token, an outage).
   */
  async explain(text: string): Promise<boolean> {
    const interaction = this.interaction;
    // A deferral still on its way must land first: the reply to edit only exists once Discord has it.
    await this.deferral?.catch(() => undefined);
    try {
      // The reply may show a sketch and its caption: the sentence replaces all of it.
      if (interaction.deferred && !this.answered) {
        await interaction.editReply(replacingTextPayload(text));
        // The explanation ends the request: progress or a deadline notice must not replace it.
        this.answered = true;
      } else if (!interaction.deferred && !interaction.replied) await interaction.reply({ ...textPayload(text), flags: MessageFlags.Ephemeral });
      else await interaction.followUp({ ...textPayload(text), flags: MessageFlags.Ephemeral });
      return true;
    } catch {
      return false;
    }
  }
}
