import { describe, expect, it } from 'vitest';
import { GeminiSlots, type Ticket } from '../../src/limits/geminiSlots.js';

function admitted(queue: GeminiSlots, user: string): Ticket {
  const admission = queue.admit(user);
  if (!admission.ok) throw new Error(`refused: ${admission.reason}`);
  return admission.ticket;
}

describe('the Gemini slots', () => {
  it('runs at most `concurrency` calls and lets the others wait in order, telling each its position', async () => {
    const queue = new GeminiSlots({ concurrency: 1, perUser: 5, queueLimit: 10 });
    const first = admitted(queue, 'a');
    const second = admitted(queue, 'b');
    const third = admitted(queue, 'c');
    await expect(first.waitForSlot()).resolves.toBe(true);

    const secondPositions: number[] = [];
    const thirdPositions: number[] = [];
    const secondGranted = second.waitForSlot((ahead) => secondPositions.push(ahead));
    const thirdGranted = third.waitForSlot((ahead) => thirdPositions.push(ahead));
    expect(queue.depth).toBe(2);
    expect(secondPositions).toEqual([0]);
    expect(thirdPositions).toEqual([1]);

    first.release();
    await expect(secondGranted).resolves.toBe(true);
    expect(thirdPositions).toEqual([1, 0]);
    expect(queue.inFlight).toBe(1);

    second.releaseSlot(); // done with Gemini, still uploading to Discord
    await expect(thirdGranted).resolves.toBe(true);
    second.release();
    third.release();
    expect(queue.inFlight).toBe(0);
  });

  it('caps the requests one user has in flight, and frees the place when one finishes', () => {
    const queue = new GeminiSlots({ concurrency: 4, perUser: 2, queueLimit: 10 });
    const one = admitted(queue, 'alice');
    admitted(queue, 'alice');
    expect(queue.admit('alice')).toEqual({ ok: false, reason: 'user-limit' });
    expect(queue.admit('bob').ok).toBe(true);
    one.release();
    one.release(); // twice is harmless
    expect(queue.admit('alice').ok).toBe(true);
    expect(queue.admit('alice')).toEqual({ ok: false, reason: 'user-limit' });
  });

  it('says "full" instead of queueing without bound', () => {
    const queue = new GeminiSlots({ concurrency: 1, perUser: 10, queueLimit: 2 });
    for (let index = 0; index < 3; index += 1) admitted(queue, `user${index}`);
    expect(queue.admit('late')).toEqual({ ok: false, reason: 'queue-full' });
  });

  it('stops waiting when shutdown aborts, and the next in line moves up', async () => {
    const queue = new GeminiSlots({ concurrency: 1, perUser: 5, queueLimit: 5 });
    const running = admitted(queue, 'a');
    await running.waitForSlot();
    const leaving = admitted(queue, 'b');
    const staying = admitted(queue, 'c');
    const controller = new AbortController();
    const left = leaving.waitForSlot(undefined, controller.signal);
    const positions: number[] = [];
    const stayed = staying.waitForSlot((ahead) => positions.push(ahead));
    controller.abort();
    await expect(left).resolves.toBe(false);
    expect(positions).toEqual([1, 0]);
    running.release();
    await expect(stayed).resolves.toBe(true);
  });

  it('ends the wait of a ticket released while it waits, instead of leaving it hanging', async () => {
    const queue = new GeminiSlots({ concurrency: 1, perUser: 5, queueLimit: 5 });
    const running = admitted(queue, 'a');
    await running.waitForSlot();
    const waiting = admitted(queue, 'b');
    const wait = waiting.waitForSlot();
    waiting.release();
    await expect(wait).resolves.toBe(false);
    running.release();
    expect([queue.depth, queue.inFlight]).toEqual([0, 0]);
  });
});
