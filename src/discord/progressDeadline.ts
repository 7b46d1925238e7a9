import type { BaseMessageOptions } from 'discord.js';
import type { InteractionResponse } from './interactionResponse.js';
import type { RenderedMessage } from './renderOutcome.js';
import { replacingTextPayload, toMessagePayload } from './toMessagePayload.js';

/**
 * Interaction tokens work for 15 minutes, and we stop relying on them at
 * 14.5 (tokenStillValid). Progress stops a minute before that, so what is on
 * screen can still be replaced by where the result will go while the token
 * edits the reply.
 */
const PROGRESS_CUTOFF_MS = 13.5 * 60_000;

interface ProgressDeadline {
  /** Shows a progress message in the reply (before the cutoff; after it, the notice once). */
  show(message: RenderedMessage): Promise<void>;
  /** The turn's answer or notice takes over the reply: nothing is shown after this. Resolves once no edit is under way. */
  finish(): Promise<void>;
}

/**
 * Keeps the reply's "thinking…" or progress from outliving its token: a
 * result that comes after the token expired goes elsewhere (the channel, the
 * thread), and a reply left saying "thinking…", "Queued: 1 ahead of you" or
 * showing a sketch would wait there forever, or look like the result. At the
 * cutoff the reply, whatever it shows, is replaced by `notice`, which says
 * where the result will go, and stays until the answer takes over the reply
 * while the token still works; progress that comes later is not shown. A
 * reply already answered another way (an error explained by
 * InteractionResponse.explain) is left alone.
 */
export function progressDeadline(
  response: Pick<InteractionResponse, 'interaction' | 'acknowledged' | 'isAnswered'>,
  notice: string,
  editReply: (payload: BaseMessageOptions) => Promise<unknown>,
): ProgressDeadline {
  let noticeShown = false;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  // Edits of the reply one at a time: the notice never lands before a sketch still uploading, nor after the answer.
  let last: Promise<unknown> = Promise.resolve();
  const untilCutoff = () => response.interaction.createdTimestamp + PROGRESS_CUTOFF_MS - Date.now();
  const inTurn = (payload: BaseMessageOptions) => {
    const edited = last.then(() => (finished || response.isAnswered ? undefined : editReply(payload)));
    last = edited.catch(() => undefined);
    return edited;
  };
  const showNotice = async () => {
    noticeShown = true;
    await inTurn(replacingTextPayload(notice)).catch(() => undefined);
  };
  // From the deferral on: a turn waiting in its thread's line shows nothing but "thinking…", and that too must go.
  response.acknowledged.then(
    () => {
      if (finished) return;
      timer = setTimeout(() => {
        if (!finished && !noticeShown) void showNotice();
      }, Math.max(0, untilCutoff())).unref();
    },
    () => undefined,
  );

  return {
    async show(message) {
      if (finished || noticeShown) return;
      if (untilCutoff() <= 0) return showNotice();
      await inTurn(toMessagePayload(message));
    },
    async finish() {
      finished = true;
      clearTimeout(timer);
      await last;
    },
  };
}
