import type { ChannelRow } from "../../src/db/schema";
import { SmppProvider } from "../../src/node/smpp";
import type { Result } from ".";
import { startServer } from "./common";
import { dispatchSimulator } from "./dispatch";

const SENDS = Number(process.env.BENCH_SMPP_N ?? 50_000);
/** Callers waiting at once: more than the window, so the window is what limits. */
const CALLERS = 100;
const WINDOW = 10;

/**
 * submit_sm throughput of the SMPP adapter through a loopback SMSC (another process) with a
 * window of 10, beside the simulator's dispatch rate measured in the same run. A carrier bind
 * takes 100-150 a second: Tidings must never be what limits a link.
 */
export async function smppSubmit(): Promise<Result> {
  const smsc = await startServer("smsc");
  const provider = new SmppProvider(
    {
      id: "chn_bench",
      tenantId: "ten_bench",
      config: { host: "127.0.0.1", port: smsc.port, system_id: "bench", source_addr: "1069", window: WINDOW },
    } as unknown as ChannelRow,
    { password: "bench" },
  );
  try {
    const send = (n: number) =>
      provider.send({
        ref: `m${n}`,
        to: `+86138${String(n).padStart(8, "0")}`,
        from: "1069",
        text: `Your card ending ${String(n % 10_000).padStart(4, "0")} has arrived. Reply 1 to activate.`,
        encoding: "GSM-7",
        segments: 1,
      });
    // Bind and warm up.
    await Promise.all(Array.from({ length: 200 }, (_, i) => send(i)));
    let next = 0;
    let failed = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (next < SENDS) {
          const r = await send(next++);
          if (!r.ok) failed++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    if (failed > 0) throw new Error(`${failed} of ${SENDS} submits failed`);
    return {
      value: Math.round(SENDS / seconds),
      unit: "submit_sm/s",
      target: 2000,
      better: "higher",
      window: WINDOW,
      seconds: Number(seconds.toFixed(2)),
      simulator_dispatch_messages_per_s: await dispatchSimulator(20_000),
    };
  } finally {
    await provider.close();
    smsc.child.kill();
  }
}
