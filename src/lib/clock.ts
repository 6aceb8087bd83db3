/** Time is injected (rule 7, docs/architecture.md): domain code asks the clock, never Date.now(). */
export interface Clock {
  now(): Date;
  /** Waits: a timer on a real clock; a manual clock just moves forward. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A clock for tests and simulations that only moves when told to. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date | string | number) {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(at: Date | string | number): void {
    this.t = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
  async sleep(ms: number): Promise<void> {
    this.t += Math.max(0, ms);
  }
}
