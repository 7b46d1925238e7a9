import type { AttachmentProblem, Refusal } from '../refusals/refusal.js';
import { formatUsd } from '../usage/formatUsd.js';

/** A sentence must stay readable: beyond this many channels the rest are counted, not listed. */
const CHANNELS_NAMED = 10;

/**
 * Each refusal in the one sentence a member reads for it: what happened and
 * what to do, pinging nobody (channel links never ping; roles are named).
 */
export function describeRefusal(refusal: Refusal): string {
  switch (refusal.kind) {
    case 'channel-not-allowed':
      return `On this server I only work in ${listChannels(refusal.channelIds)}.`;
    case 'role-required':
      return refusal.roleName
        ? `On this server only members with the ${refusal.roleName} role can use me.`
        : 'On this server only members with a role chosen by the admins can use me (it may have been deleted; an admin can change it with /settings role).';
    case 'settings-damaged':
      return "I could not read this server's settings, so I am not making images until an admin sets them again with /settings (they can check what is left with /settings show).";
    case 'missing-permissions':
      return `I can't do that here yet: a server admin must give me ${refusal.permissions.length === 1 ? 'the permission' : 'these permissions'} ${refusal.permissions.join(', ')} in this channel.`;
    case 'limit-reached': {
      // <t:…:R> shows the reset in each reader's own time zone, as "in 5 hours".
      const resets = `<t:${Math.floor(refusal.resetsAt.getTime() / 1000)}:R>`;
      return refusal.limit === 'daily-images'
        ? `You have used your ${refusal.allowed} image${refusal.allowed === 1 ? '' : 's'} for today on this server. The limit resets ${resets}.`
        : `This server has used its monthly image budget (${formatUsd(refusal.used)} of ${formatUsd(refusal.allowed)}). It resets ${resets}.`;
    }
    case 'user-limit':
      return `You already have ${refusal.limit} image${refusal.limit === 1 ? '' : 's'} in progress. Wait for ${refusal.limit === 1 ? 'it' : 'one'} to finish, then ask again.`;
    case 'queue-full':
      return 'I am at capacity right now: too many images are waiting. Please try again in a few minutes.';
    case 'stale-button':
      return 'This button belongs to an older version of me and no longer works. Start again with /imagine.';
    case 'stale-form':
      return 'This form belongs to an older version of me and no longer works. Open it again from the image.';
    case 'form-not-here':
      return 'That form does not belong to this place, so I did nothing. Open it again from the image you want to change.';
    case 'unknown-command':
      return 'I do not know that command any more.';
    case 'servers-only':
      return 'I only work in servers.';
    case 'options-unreadable':
      return `I could not read this /${refusal.command}: ${refusal.problems.join('; ')}. Your Discord may show an older version of the command; reload Discord (Ctrl+R) and try again.`;
    case 'restarting':
      return 'The bot is restarting. Please try again in a minute.';
    case 'not-a-conversation':
      return 'This image is no longer part of a conversation I can continue. Start a new one with /imagine.';
    case 'thread-gone':
      return "I can't find this image's thread any more. Start a new one with /imagine.";
    case 'other-server':
      return 'This conversation belongs to another server, so I cannot continue it here.';
    case 'turn-gone':
      return 'That image is no longer part of this conversation, so I cannot do that again.';
    case 'model-withdrawn':
      return `This conversation was made with ${refusal.model}, which this bot no longer offers, so it cannot go on. Start a new one with /imagine.`;
    case 'history-unreadable':
      return "I could not read the saved history of this thread, so I cannot continue it. Start a new image with /imagine; an admin can find the details in the bot's log.";
    case 'too-many-attachments':
      return `That is ${refusal.count} images; Gemini takes at most ${refusal.limit} per request. Send fewer.`;
    case 'attachments-rejected':
      return ['I could not use these attachments, so I did not ask Gemini:', ...refusal.rejected.map((item) => `- ${item.name}: ${describeAttachmentProblem(item.problem)}`)].join('\n');
    case 'history-too-large':
      return 'This request is too large for Gemini even on its own. Use fewer or smaller reference images.';
    case 'image-option-unsupported':
      return describeUnsupportedOption(refusal);
    case 'nothing-to-draw':
      return 'Tell me what to draw, for example: `@me a watercolor fox`, or attach images to compose from.';
    case 'empty-instruction':
      return 'Tell me what to change: the instruction was empty.';
    case 'no-images-to-edit':
      return 'That message has no images to edit. Pick one with image attachments.';
    case 'message-gone':
      return 'That message and its images are gone, so there is nothing to edit.';
    case 'not-yours-to-delete':
      return 'Only the person who asked for this image, or a member with Manage Messages, can delete it.';
    case 'cannot-branch-here':
      return 'I cannot branch this conversation here.';
    case 'admins-only':
      return 'Only members with the Manage Server permission can change my settings.';
  }
}

function describeAttachmentProblem(problem: AttachmentProblem): string {
  switch (problem) {
    case 'origin-not-allowed':
      return 'it is not hosted on Discord, and I only download from Discord';
    case 'too-large':
      return 'it is too large';
    case 'empty':
      return 'the file is empty';
    case 'truncated':
      return 'the download was cut short; try uploading it again';
    case 'not-an-image':
      return 'it is not a PNG, JPEG, WebP or HEIC image';
    case 'unreachable':
      return 'I could not download it';
    case 'timeout':
      return 'downloading it took too long';
  }
}

function describeUnsupportedOption(refusal: Extract<Refusal, { kind: 'image-option-unsupported' }>): string {
  const what = refusal.option === 'aspect-ratio' ? 'the aspect ratio' : 'the size';
  // The value is the member's own text: in inline code it shows as typed, with no formatting or mention.
  const asked = `${what} \`${refusal.value.replaceAll('`', '')}\``;
  const choose = `Choose ${listWithOr(refusal.accepted)}`;
  if (!refusal.modelKnown) return describeOptionOfUnknownModel(refusal, asked, choose);
  switch (refusal.whose) {
    case 'new-image':
      return `${refusal.model} does not make images at ${asked}. ${choose}.`;
    case 'conversation':
      return `This conversation uses ${refusal.model}, which does not make images at ${asked}. ${choose}, or start a new image with /imagine.`;
    case 'server':
      return `This server's model, ${refusal.model}, does not make images at ${asked}. ${choose}, or change the model first with /settings model.`;
  }
}

/**
 * A model the table does not know may well make the option: say that we do
 * not know, why only the cautious range is offered, and how it is widened.
 */
function describeOptionOfUnknownModel(refusal: Extract<Refusal, { kind: 'image-option-unsupported' }>, asked: string, choose: string): string {
  const cautious = 'it is not in my table of models, so I offer only what every Gemini image model makes';
  const widen = 'Whoever runs this bot can declare what it makes in GEMINI_MODEL_OPTIONS.';
  switch (refusal.whose) {
    case 'new-image':
      return `I don't know whether ${refusal.model} makes images at ${asked}: ${cautious}. ${choose}. ${widen}`;
    case 'conversation':
      return `This conversation uses ${refusal.model}, and I don't know whether it makes images at ${asked}: ${cautious}. ${choose}, or start a new image with /imagine. ${widen}`;
    case 'server':
      return `I don't know whether this server's model, ${refusal.model}, makes images at ${asked}: ${cautious}. ${choose}, or change the model first with /settings model. ${widen}`;
  }
}

function listWithOr(values: readonly string[]): string {
  return values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values.at(-1)}` : (values[0] ?? '');
}

function listChannels(channelIds: readonly string[]): string {
  const named = channelIds.slice(0, CHANNELS_NAMED).map((id) => `<#${id}>`);
  const more = channelIds.length - named.length;
  if (more > 0) return `${named.join(', ')} and ${more} other channel(s)`;
  if (named.length === 1) return named.join('');
  return `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
}
