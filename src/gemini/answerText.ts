/** One visible piece of an answer, in the order Gemini sent it: some text, or an image. */
export type AnswerPiece = { text: string } | 'image';

/**
 * The answer's words, as either API's parser reads them. Adjacent pieces of
 * text are joined as Google's SDK joins them (response.text): a streamed
 * answer splits its text anywhere, mid-word too. Text on either side of an
 * image is two texts: a line break keeps their sentences apart.
 */
export function answerText(pieces: Iterable<AnswerPiece>): string {
  const runs: string[] = [''];
  for (const piece of pieces) {
    if (piece === 'image') {
      if (runs.at(-1) !== '') runs.push('');
    } else {
      runs[runs.length - 1] += piece.text;
    }
  }
  return runs
    .map((run) => run.trim())
    .filter((run) => run !== '')
    .join('\n');
}
