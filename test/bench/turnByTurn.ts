/**
 * A measurement taken one turn at a time, so that several bots can take
 * turns with each other (runSideBySide): a change in the machine's load then
 * falls on all of them alike, turn by turn.
 */
export interface TurnByTurn<T> {
  turns: number;
  /** Runs turn `index` (0, 1, … in order) to its end. */
  runTurn(index: number): Promise<void>;
  result(): T;
}

/** Runs the measurements' turns in lockstep: turn 0 of each, then turn 1 of each, and so on. */
export async function inLockstep<T>(measurements: ReadonlyArray<TurnByTurn<T>>): Promise<T[]> {
  const turns = Math.max(0, ...measurements.map((measurement) => measurement.turns));
  for (let index = 0; index < turns; index += 1) {
    for (const measurement of measurements) if (index < measurement.turns) await measurement.runTurn(index);
  }
  return measurements.map((measurement) => measurement.result());
}
