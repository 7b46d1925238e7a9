/**
 * MAX_REQUESTS_PER_USER: how many requests one member may have admitted at
 * once (waiting for a Gemini slot or running). Gemini's quota is shared by
 * every server, so one member's burst must not take every place in line.
 * GeminiSlots asks it at admission and gives the place back when the
 * request leaves.
 */
export class MemberLimit {
  private readonly admitted = new Map<string, number>();

  constructor(private readonly perMember: number) {}

  /** True when this member already has as many requests admitted as allowed. */
  reached(userId: string): boolean {
    return (this.admitted.get(userId) ?? 0) >= this.perMember;
  }

  /** Counts one more admitted request of this member. */
  add(userId: string): void {
    this.admitted.set(userId, (this.admitted.get(userId) ?? 0) + 1);
  }

  /** Counts one fewer; a member with none left is forgotten. */
  remove(userId: string): void {
    const left = (this.admitted.get(userId) ?? 1) - 1;
    if (left > 0) this.admitted.set(userId, left);
    else this.admitted.delete(userId);
  }
}
