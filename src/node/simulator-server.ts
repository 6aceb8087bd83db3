// The simulator as a small HTTP server on loopback. It speaks two shapes:
// - Twilio's Messages REST API (form-encoded, basic auth, signed status callbacks), so the
//   Twilio adapter is exercised over real HTTP;
// - its own JSON API, de-duplicating by our message id, for the simulator provider in remote
//   mode: it outlives a crashed Tidings, which is what the kill -9 test needs.

import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import { type Decision, decide, type SimulatorConfig, SimulatorState } from "../delivery/simulator";
import { twilioSignature } from "../delivery/twilio";
import { systemClock } from "../lib/clock";
import { hmacBase64 } from "../lib/secretbox";
import { fnv1a } from "../templates/library";

export type SimulatorServerOptions = {
  config?: SimulatorConfig;
  accountSid?: string;
  authToken?: string;
  /** Signs JSON-API callbacks (the simulator channel's secret). */
  secret?: string;
  /** Numbers that answer like a customer who texted STOP to the carrier (Twilio 21610). */
  optedOut?: string[];
  port?: number;
};

export type SimulatorServer = {
  url: string;
  state: SimulatorState;
  /** Every Twilio-shape request, in order (to assert on what the adapter sent). */
  twilioRequests: Record<string, string>[];
  callbacksSent: number;
  close(): Promise<void>;
};

const TWILIO_ERRORS: Record<string, { status: number; code: number; message: string }> = {
  invalid_number: { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." },
  rejected: { status: 400, code: 30007, message: "Message filtered by the carrier." },
  throttled: { status: 429, code: 20429, message: "Too Many Requests" },
  unavailable: { status: 503, code: 20500, message: "Internal Server Error" },
};

export async function startSimulatorServer(opts: SimulatorServerOptions = {}): Promise<SimulatorServer> {
  const config = opts.config ?? {};
  const accountSid = opts.accountSid ?? "ACsimulator000000000000000000000000";
  const authToken = opts.authToken ?? "simulator-auth-token-0000000000";
  const state = new SimulatorState(config, systemClock);
  const optedOut = new Set(opts.optedOut ?? []);
  const pending = new Set<Promise<unknown>>();
  const server: SimulatorServer = {
    url: "",
    state,
    twilioRequests: [],
    callbacksSent: 0,
    close: async () => {},
  };
  let twilioCount = 0;

  const later = (ms: number, fn: () => Promise<unknown>) => {
    const p = new Promise((r) => setTimeout(r, ms)).then(fn).catch(() => {
      // A callback target that is down loses the callback, as with a real provider.
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const postTwilioCallback = async (url: string, params: Record<string, string>) => {
    await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": await twilioSignature(authToken, url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    server.callbacksSent++;
  };

  const app = new Hono();
  app.post("/2010-04-01/Accounts/:sid/Messages.json", async (c) => {
    const expected = `Basic ${btoa(`${accountSid}:${authToken}`)}`;
    if (c.req.param("sid") !== accountSid || c.req.header("authorization") !== expected) {
      return c.json({ code: 20003, message: "Authenticate", status: 401 }, 401);
    }
    const form = Object.fromEntries(new URLSearchParams(await c.req.text()));
    server.twilioRequests.push(form);
    const to = form.To ?? "";
    const sid = `SM${fnv1a(`${accountSid}:${++twilioCount}`)}${fnv1a(`${twilioCount}:${to}`)}${"0".repeat(16)}`;
    if (optedOut.has(to)) {
      return c.json({ code: 21610, message: "Attempt to send to unsubscribed recipient", status: 400 }, 400);
    }
    const d: Decision = decide(config, sid, to, 1);
    if (!d.ok) {
      const e = TWILIO_ERRORS[d.error.code] ?? (TWILIO_ERRORS.unavailable as (typeof TWILIO_ERRORS)[string]);
      return c.json({ code: e.code, message: e.message, status: e.status }, e.status as 400);
    }
    const callback = form.StatusCallback;
    if (callback) {
      later(0, () => postTwilioCallback(callback, { MessageSid: sid, MessageStatus: "sent", AccountSid: accountSid }));
      later(config.receipt_delay_ms ?? 20, () =>
        postTwilioCallback(
          callback,
          d.undelivered
            ? { MessageSid: sid, MessageStatus: "undelivered", ErrorCode: "30005", AccountSid: accountSid }
            : { MessageSid: sid, MessageStatus: "delivered", AccountSid: accountSid },
        ),
      );
    }
    return c.json(
      {
        sid,
        status: "queued",
        to,
        from: form.From ?? form.MessagingServiceSid,
        body: form.Body,
        account_sid: accountSid,
      },
      201,
    );
  });

  app.post("/sim/messages", async (c) => {
    const body = (await c.req.json()) as { ref: string; to: string; text: string; callback?: string };
    const result = state.submit(body);
    if (!result.ok) {
      const status = result.error.kind === "throttled" ? 429 : result.error.kind === "permanent" ? 400 : 503;
      return c.json({ error: result.error }, status);
    }
    if (body.callback) {
      const callback = body.callback;
      later(config.receipt_delay_ms ?? 20, async () => {
        const updates = state.due();
        if (updates.length === 0) return;
        const payload = JSON.stringify({ updates });
        await fetch(callback, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-simulator-signature": hmacBase64("SHA-256", opts.secret ?? "", payload),
          },
          body: payload,
        });
        server.callbacksSent++;
      });
    }
    return c.json({ provider_ref: result.providerRef });
  });

  app.get("/sim/stats", (c) =>
    c.json({ accepted: state.accepted.size, duplicates: state.duplicates, refs: [...state.accepted.keys()] }),
  );

  const http: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : 0;
  server.url = `http://127.0.0.1:${port}`;
  server.close = async () => {
    await Promise.allSettled([...pending]);
    await new Promise<void>((resolve) => {
      if ("closeAllConnections" in http) http.closeAllConnections();
      http.close(() => resolve());
    });
  };
  return server;
}
