/**
 * A token bucket counting segments. The burst is a tenth of a second's worth (at least one
 * message), so a long run holds the configured rate closely instead of starting with a
 * second's worth of extra sends. A message bigger than the burst may take the bucket below
 * zero; the next one waits for the debt.
 */
export class TokenBucket {
  private tokens: number;
  private readonly burst: number;

  constructor(
    private readonly perSecond: number,
    private last: number,
  ) {
    this.burst = Math.max(1, perSecond / 10);
    this.tokens = this.burst;
  }

  /** Takes n tokens if they are there (returns 0), else the milliseconds to wait for them. */
  take(n: number, now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    const needed = Math.min(n, this.burst);
    if (this.tokens >= needed) {
      this.tokens -= n;
      return 0;
    }
    return Math.ceil(((needed - this.tokens) * 1000) / this.perSecond);
  }
}
