import type { GenerationOutcome } from '../gemini/generationOutcome.js';
import { answerImages, type ModelAnswer } from '../gemini/modelAnswer.js';
import { checkGeneratedImage, declaresItsOwnType, type CheckedImage, type ImageProblem } from '../images/checkGeneratedImage.js';
import type { NoImageOutcome, TurnOutcome } from './turnOutcome.js';

/**
 * Gemini's images, checked before they are shown or kept. No readable
 * image makes the turn an `image-unreadable` failure; some readable ones
 * are shown and the rest counted. Either way an answer holding an image
 * part that is not what it says (final or interim) is not kept: the
 * history replays the model's content exactly, and Gemini refuses a
 * replayed image it cannot read, so keeping it would break every later
 * turn of the thread. One image at a time: each can be megabytes.
 */
export async function checkAnswerImages(outcome: Extract<GenerationOutcome, { kind: 'images' }>): Promise<TurnOutcome> {
  const images: CheckedImage[] = [];
  const unreadable: ImageProblem[] = [];
  for (const image of outcome.images) {
    const check = await checkGeneratedImage(image);
    if (check.ok) images.push(check.image);
    else unreadable.push(check.problem);
  }
  if (images.length === 0) return { kind: 'image-unreadable', images: outcome.images.length, problems: unreadable, usage: outcome.usage };
  const mislabelled = images.find((image) => !declaresItsOwnType(image));
  const notReplayable =
    unreadable.length > 0
      ? `${unreadable.length} image(s) could not be read (${unreadable.join(', ')})`
      : mislabelled
        ? `an image declared ${mislabelled.declaredMimeType} but is ${mislabelled.mimeType}`
        : await checkInterimImages(outcome.modelContent, true);
  return { ...outcome, images, unreadable, notReplayable };
}

/**
 * An answer without a final image can still hold interim "thought" images,
 * and it is kept for the next turn's replay like any other: the same check,
 * so a damaged draft cannot break the thread through a text answer.
 */
export async function checkNoImageAnswer(outcome: Extract<GenerationOutcome, { kind: 'no-image' }>): Promise<NoImageOutcome> {
  return { ...outcome, notReplayable: outcome.modelContent ? await checkInterimImages(outcome.modelContent) : undefined };
}

/**
 * Every other inline part of the content must be an image that decodes too:
 * the interim "thought" images are never shown, but they are replayed with
 * the rest, and so would a final part with inline data that is not an image
 * Gemini returns (no type, no data), which the parse could not show.
 * `finalsChecked`: the final images were checked already (an image answer).
 */
async function checkInterimImages(answer: ModelAnswer, finalsChecked = false): Promise<string | undefined> {
  for (const inline of answerImages(answer)) {
    const interim = inline.interim;
    const shownFinal = !interim && Boolean(inline.data) && inline.mimeType?.startsWith('image/') === true;
    if (shownFinal && finalsChecked) continue;
    if (!interim && !shownFinal) return `a part holds inline data that is no image (${inline.mimeType ?? 'no type'})`;
    const check = await checkGeneratedImage({ mimeType: inline.mimeType ?? '', base64: inline.data });
    const what = interim ? 'an interim image' : 'an image';
    if (!check.ok) return `${what} could not be read (${check.problem})`;
    if (!declaresItsOwnType(check.image)) return `${what} declared ${inline.mimeType} but is ${check.image.mimeType}`;
  }
  return undefined;
}
