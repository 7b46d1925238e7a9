import type { GroundingSource } from '../gemini/generationOutcome.js';
import type { FreshStart } from '../turn/turnPlan.js';
import type { TurnOutcome } from '../turn/turnOutcome.js';
import type { AnswerNotes } from '../turn/turnRequest.js';
import { trimContent } from './renderOutcome.js';

/** The small print under an answer: how it was made, its sources, who asked. */
export function answerNotes(outcome: TurnOutcome, notes: AnswerNotes): string[] {
  const answered = outcome.kind === 'images' || outcome.kind === 'no-image';
  const sources = 'sources' in outcome ? outcome.sources : [];
  return [
    ...(notes.freshStart ? [describeFreshStart(notes.freshStart)] : []),
    ...(sources.length > 0 ? [describeSources(sources)] : []),
    ...(answered ? [byline(notes.authorId, notes.prompt)] : []),
    ...(notes.otherApiExchanges > 0 ? [describeApiSwitch(notes.otherApiExchanges)] : []),
    ...(notes.lostExchanges > 0 ? [describeLostImages(notes.lostExchanges)] : []),
    ...(notes.droppedExchanges > 0 ? [`This thread is long: I left out its ${notes.droppedExchanges} oldest turn(s) to stay within Gemini's request limit.`] : []),
  ];
}

/** Turns made through the other Gemini API (the operator switched GEMINI_API) cannot be sent through this one. */
function describeApiSwitch(count: number): string {
  return `This bot switched to another Gemini API since this thread began, so I left out its ${count} oldest turn(s): turns from before the switch can't be sent again.`;
}

/** Turns up to the last whose image the image store no longer has cannot be sent again: a replay holds each turn whole. */
function describeLostImages(count: number): string {
  return `An image of this thread is no longer in my storage, so I left out its ${count} oldest turn(s), up to the one that had it, and went on from the turns after.`;
}

function describeFreshStart(freshStart: FreshStart): string {
  const unread = 'I could not read the earlier history of this thread';
  switch (freshStart) {
    case 'replied-image':
      return `${unread}, so I went on from the image you replied to.`;
    case 'latest-image':
      return `${unread}, so I went on from the latest image I posted here.`;
    case 'nothing':
      return `${unread}, and found no image of mine here to go on from, so I started afresh from your message.`;
  }
}

/** Grounding sources as links; <…> keeps Discord from unfurling each one into an embed. */
function describeSources(sources: GroundingSource[]): string {
  const links = sources.slice(0, 5).map((source) => `[${source.title.replace(/[[\]]/g, '').slice(0, 60)}](<${source.uri}>)`);
  return `Sources: ${links.join(' · ')}`;
}

/** Who asked and for what, under every result; <@id> shows the name and pings nobody (allowed_mentions is empty). */
function byline(authorId: string, prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat ? `Asked by <@${authorId}>: “${trimContent(flat, 120)}”` : `Asked by <@${authorId}>`;
}
