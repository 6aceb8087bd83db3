// The console's settings routes: the workspace, plan, staff and channel forms, and a cloud
// channel's templates (bound to the provider's approved ones, with their approval).
import type { Context, Hono } from "hono";
import type { HtmlEscapedString } from "hono/utils/html";
import type { ConsoleApi } from "./api";
import type { Lang, Words } from "./i18n";
import { notFound } from "./layout";
import { bindTemplate, ChannelTemplatesPage, saveCaps } from "./pages/channel-templates";
import { ControlGroupPage } from "./pages/control-group";
import { SettingsPage, settingsAction } from "./pages/settings";
import { addWebhook, HOOKS, WebhookDeliveriesPage, WebhooksPage, webhookAction } from "./pages/webhooks";
import type { ConsoleEnv } from "./request";

type Page = { lang: Lang; w: Words; who: { scope: string; csrf: string }; api: ConsoleApi };
type Helpers = {
  page: (c: Context<ConsoleEnv>) => Page;
  formPost: (
    c: Context<ConsoleEnv>,
    act: (
      p: Page,
      form: Record<string, string>,
    ) => Promise<{ notice: string; to: string } | { page: HtmlEscapedString }>,
    again: (p: Page, form: Record<string, string>, problem: string) => Promise<HtmlEscapedString | null>,
  ) => Promise<Response>;
  action: (
    c: Context<ConsoleEnv>,
    home: string,
    act: (p: Page, form: Record<string, string>) => Promise<string>,
  ) => Promise<Response>;
};

export function settingsRoutes(app: Hono<ConsoleEnv>, { page, formPost, action }: Helpers) {
  app.get("/console/control-group", async (c) => c.html(await ControlGroupPage({ ...page(c), query: c.req.query() })));
  app.get("/console/settings", async (c) =>
    c.html(await SettingsPage({ ...page(c), notice: c.get("notice"), origin: new URL(c.req.url).origin })),
  );
  // The workspace, plan, new staff member and new channel forms come back as typed when refused
  // (a time zone that does not exist, a phone already used), never with a password or secret.
  const settingsForm = (what: string) => (c: Context<ConsoleEnv>) =>
    formPost(
      c,
      async (p, form) => ({ notice: await settingsAction(p, what, form), to: "/console/settings" }),
      (p, form, problem) => {
        const { password: _p, secret: _s, ...values } = form;
        const origin = new URL(c.req.url).origin;
        return SettingsPage({ ...p, notice: `!${problem}`, origin, typed: { form: what, values } });
      },
    );
  for (const what of ["workspace", "plan", "staff", "channel"])
    app.post(`/console/settings/${what}`, settingsForm(what));
  webhookRoutes(app, { page, formPost, action });
  app.post("/console/settings/:what", (c) =>
    action(c, "/console/settings", (p, form) => settingsAction(p, c.req.param("what"), form)),
  );
  // A cloud channel's templates: bind one (the form as typed on a refusal), ask for approvals, unbind.
  const templatesOf = (c: Context<ConsoleEnv>) =>
    `/console/settings/channels/${encodeURIComponent(c.req.param("id") ?? "")}/templates`;
  app.get("/console/settings/channels/:id/templates", async (c) => {
    const p = page(c);
    const body = await ChannelTemplatesPage({ ...p, id: c.req.param("id"), notice: c.get("notice") });
    return body === null ? c.html(notFound(p), 404) : c.html(body);
  });
  app.post("/console/settings/channels/:id/templates", (c) =>
    formPost(
      c,
      async (p, form) => ({ notice: await bindTemplate(p, c.req.param("id"), form), to: templatesOf(c) }),
      (p, typed, problem) => ChannelTemplatesPage({ ...p, id: c.req.param("id"), notice: `!${problem}`, typed }),
    ),
  );
  app.post("/console/settings/channels/:id/templates/check", (c) =>
    action(c, templatesOf(c), async (p) => {
      await p.api.post(`/v1/channels/${encodeURIComponent(c.req.param("id"))}/templates/check`, {});
      return p.w.saved;
    }),
  );
  app.post("/console/settings/channels/:id/templates/caps", (c) =>
    action(c, templatesOf(c), (p, form) => saveCaps(p, c.req.param("id"), form)),
  );
  app.post("/console/settings/channels/:id/templates/delete", (c) =>
    action(c, templatesOf(c), async (p, form) => {
      const [key = "", locale = ""] = (form.id ?? "").split("|");
      const path = `${encodeURIComponent(key)}/${encodeURIComponent(locale)}`;
      await p.api.delete(`/v1/channels/${encodeURIComponent(c.req.param("id"))}/templates/${path}`);
      return p.w.removed;
    }),
  );
}

/** Webhooks: the list and its add form (the secret shown on the answer), actions, each address's deliveries. */
function webhookRoutes(app: Hono<ConsoleEnv>, { page, formPost, action }: Helpers) {
  app.get(HOOKS, async (c) => c.html(await WebhooksPage({ ...page(c), notice: c.get("notice") })));
  app.post(HOOKS, (c) =>
    formPost(
      c,
      async (p, form) => {
        // The page with the secret answers the form: reloading it sends the form again, which
        // must not add the address twice (its events would arrive twice, half failing signature).
        if (!firstUse(form.once ?? "")) return { notice: p.w.hookAddedAlready, to: HOOKS };
        return { page: await WebhooksPage({ ...p, created: await addWebhook(p, form) }) };
      },
      (p, typed, problem) => WebhooksPage({ ...p, notice: `!${problem}`, typed }),
    ),
  );
  for (const what of ["test", "on", "off", "delete", "redeliver"])
    app.post(`${HOOKS}/${what}`, (c) => action(c, HOOKS, (p, form) => webhookAction(p, what, form)));
  app.get(`${HOOKS}/:id`, async (c) => {
    const p = page(c);
    const body = await WebhookDeliveriesPage({ ...p, id: c.req.param("id"), notice: c.get("notice") });
    return body === null ? c.html(notFound(p), 404) : c.html(body);
  });
}

/** The add form's one-time values already used, the latest thousand (a reload comes at once). */
const usedOnce = new Set<string>();
function firstUse(once: string): boolean {
  if (!once || usedOnce.has(once)) return !once;
  if (usedOnce.size >= 1000) usedOnce.delete(usedOnce.values().next().value as string);
  usedOnce.add(once);
  return true;
}
