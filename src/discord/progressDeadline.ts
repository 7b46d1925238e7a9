import type { BaseMessageOptions, RepliableInteraction } from 'discord.js';
import type { RenderedMessage } from './renderOutcome.js';
import { replacingTextPayload, toMessagePayload } from './toMessagePayload.js';

/**
 * Interaction tokens work for 15 minutes, and we stop relying on them at
 * 14.5 (tokenStillValid). Sketches stop a minute before that, so the one on
 * screen can still be taken down while the token edits the reply.
 */
const SKETCH_CUTOFF_MS = 13.5 * 60_000;

export interface SketchDeadline {
  /** Shows a progress message in the reply (a sketch only before the cutoff); the edit is the caller's. */
  show(message: RenderedMessage, edit: (payload: BaseMessageOptions) => Promise<unknown>): Promise<void>;
  /** The turn's answer or notice takes over the reply: nothing is taken down after this. Resolves once no edit is under way. */
  finish(): Promise<void>;
}

/**
 * Keeps a sketch from outliving the reply's token: a result that comes after
 * the token expired goes elsewhere (the channel, the thread), and a sketch
 * left in the reply would look like a result. At the cutoff the sketch on
 * screen is replaced by `notice`; later sketches are not shown.
 */
export function sketchDeadline(interaction: Pick<RepliableInteraction, 'createdTimestamp'>, notice: string): SketchDeadline {
  let showing: ((payload: BaseMessageOptions) => Promise<unknown>) | undefined;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  // Edits of the reply one at a time: the take-down never lands before a sketch still uploading.
  let last: Promise<unknown> = Promise.resolve();
  const untilCutoff = () => interaction.createdTimestamp + SKETCH_CUTOFF_MS - Date.now();

  const takeDown = () => {
    timer = undefined;
    last = last.then(async () => {
      if (finished || !showing) return;
      const edit = showing;
      showing = undefined;
      await edit(replacingTextPayload(notice)).catch(() => undefined);
    });
  };

  return {
    async show(message, edit) {
      const sketch = message.files.length > 0;
      if (finished || (sketch && untilCutoff() <= 0)) return;
      const shown = last.then(() => (finished ? undefined : edit(toMessagePayload(message))));
      last = shown.catch(() => undefined);
      await shown;
      showing = sketch ? edit : undefined;
      if (sketch && !timer) timer = setTimeout(takeDown, Math.max(0, untilCutoff())).unref();
    },
    async finish() {
      finished = true;
      clearTimeout(timer);
      await last;
    },
  };
}
