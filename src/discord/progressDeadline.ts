import type { BaseMessageOptions, RepliableInteraction } from 'discord.js';
import type { RenderedMessage } from './renderOutcome.js';
import { replacingTextPayload, toMessagePayload } from './toMessagePayload.js';

/**
 * Interaction tokens work for 15 minutes, and we stop relying on them at
 * 14.5 (tokenStillValid). Progress stops a minute before that, so what is on
 * screen can still be replaced by where the result will go while the token
 * edits the reply.
 */
const PROGRESS_CUTOFF_MS = 13.5 * 60_000;

export interface ProgressDeadline {
  /** Shows a progress message in the reply (before the cutoff; after it, the notice once); the edit is the caller's. */
  show(message: RenderedMessage, edit: (payload: BaseMessageOptions) => Promise<unknown>): Promise<void>;
  /** The turn's answer or notice takes over the reply: nothing is taken down after this. Resolves once no edit is under way. */
  finish(): Promise<void>;
}

/**
 * Keeps the reply's progress from outliving its token: a result that comes
 * after the token expired goes elsewhere (the channel, the thread), and a
 * reply left saying "Queued: 1 ahead of you" or showing a sketch would wait
 * there forever, or look like the result. At the cutoff whatever progress is
 * on screen is replaced by `notice`, which says where the result will go,
 * and stays until the answer takes over the reply while the token still
 * works; a request whose first progress comes later shows the notice then.
 * A turn that shows no progress (Gemini answering at once) needs none.
 */
export function progressDeadline(interaction: Pick<RepliableInteraction, 'createdTimestamp'>, notice: string): ProgressDeadline {
  /** The reply's edit while a progress message is on screen. */
  let showing: ((payload: BaseMessageOptions) => Promise<unknown>) | undefined;
  let noticeShown = false;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  // Edits of the reply one at a time: the notice never lands before a sketch still uploading, nor after the answer.
  let last: Promise<unknown> = Promise.resolve();
  const untilCutoff = () => interaction.createdTimestamp + PROGRESS_CUTOFF_MS - Date.now();
  const inTurn = (edit: (payload: BaseMessageOptions) => Promise<unknown>, payload: BaseMessageOptions) => {
    const edited = last.then(() => (finished ? undefined : edit(payload)));
    last = edited.catch(() => undefined);
    return edited;
  };
  const showNotice = async (edit: (payload: BaseMessageOptions) => Promise<unknown>) => {
    noticeShown = true;
    showing = undefined;
    await inTurn(edit, replacingTextPayload(notice)).catch(() => undefined);
  };

  return {
    async show(message, edit) {
      if (finished || noticeShown) return;
      if (untilCutoff() <= 0) return showNotice(edit);
      await inTurn(edit, toMessagePayload(message));
      showing = edit;
      timer ??= setTimeout(() => {
        if (!finished && !noticeShown && showing) void showNotice(showing);
      }, Math.max(0, untilCutoff())).unref();
    },
    async finish() {
      finished = true;
      clearTimeout(timer);
      await last;
    },
  };
}
