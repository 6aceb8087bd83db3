// The web console: server-rendered pages over the same /v1 API that integrations use. Each page
// calls the API in-process with the session's token, so validation, scopes and tenant isolation
// are the API's own; the console adds no second path to the data.

import type { Context } from "hono";
import { Hono } from "hono";
import { deleteCookie, getCookie, getSignedCookie, setCookie, setSignedCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import type { HtmlEscapedString } from "hono/utils/html";
import type { ImportReport } from "../customers/import";
import { limitBody } from "../http/body-limit";
import { ApiError, type ApiFetch, consoleApi, refusal } from "./api";
import { fill, pickLang, words } from "./i18n";
import { Layout, notFound, Problem, sectionOf } from "./layout";
import { ActivationPage } from "./pages/activation";
import { type CampaignView, formCanShow } from "./pages/campaign-edit";
import { campaignBody } from "./pages/campaign-form";
import { CampaignPage, CampaignsPage, StatsFragment } from "./pages/campaigns";
import { addCustomer } from "./pages/customer-add";
import { saveCustomer } from "./pages/customer-edit";
import { bulkAction, CustomerPage, CustomersPage } from "./pages/customers";
import { builderFields, CountSection, GroupsPage, groupAction } from "./pages/groups";
import { HomePage } from "./pages/home";
import { ImportPage } from "./pages/import";
import { InboxPage } from "./pages/inbox";
import { KeywordsPage, keywordAction } from "./pages/keywords";
import { LoginPage } from "./pages/login";
import { filterOf } from "./pages/segment-builder";
import { EditorPage, NeedsName, PreviewSection, saveTemplate, TemplatesPage } from "./pages/templates";
import { refusalText } from "./refusal";
import { type ConsoleEnv, cookieOptions, cookieSecret, formOf, pathOf, safeNext } from "./request";
import { exportConsoleRoutes } from "./routes-exports";
import { settingsRoutes } from "./routes-settings";
import { sessionFor, signInWithKey, signInWithPassword, signOut } from "./sessions";
import { CONSOLE_CSS, FAVICON_SVG } from "./style";

const COOKIE = "tidings_session";
const LANG_COOKIE = "tidings_lang";
// What the last action did, shown once on the page it returns to. A cookie, not the URL: a
// link from elsewhere must not be able to put words in the console's own alert area.
const NOTICE_COOKIE = "tidings_notice";
const FORM_BYTES = 64 * 1024;
// Larger files go through POST /v1/customers/import or the CLI, which stream them.
const IMPORT_BYTES = 20 * 1024 * 1024;

const noticeCookie = { path: "/console", httpOnly: true, sameSite: "Lax", maxAge: 60 } as const;

export function consoleRoutes(api: ApiFetch) {
  const app = new Hono<ConsoleEnv>();

  app.get("/console/assets/console.css", (c) =>
    c.body(CONSOLE_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=3600" }),
  );

  app.get("/console/assets/favicon.svg", (c) =>
    c.body(FAVICON_SVG, 200, { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400" }),
  );

  // Forms post only from the console's own pages (the browser's Origin), and small ones.
  app.use("/console/*", csrf());
  // A spreadsheet upload may be large; every other form is small.
  // (limitBody, as the API: a page's GET skips it instead of building a stream to count.)
  const formLimit = limitBody(FORM_BYTES);
  const importLimit = limitBody(IMPORT_BYTES);
  app.use("/console/*", (c, next) => (c.req.path === "/console/customers/import" ? importLimit : formLimit)(c, next));
  app.use("/console/*", async (c, next) => {
    const lang = pickLang(getCookie(c, LANG_COOKIE), c.req.header("accept-language"));
    c.set("lang", lang);
    c.set("w", words(lang));
    await next();
  });

  app.get("/console/lang", (c) => {
    const to = c.req.query("to") === "zh-CN" ? "zh-CN" : "en";
    setCookie(c, LANG_COOKIE, to, { path: "/console", sameSite: "Lax", maxAge: 365 * 86400 });
    // Back to the page the switch was on (its path only, and only a console page).
    return c.redirect(safeNext(pathOf(c.req.header("referer"))), 303);
  });

  app.get("/console/login", (c) =>
    c.html(<LoginPage lang={c.get("lang")} w={c.get("w")} next={safeNext(c.req.query("next"))} />),
  );

  const signedIn = async (c: Context<ConsoleEnv>, token: string | null, next: string, error: string) => {
    if (!token) {
      return c.html(<LoginPage lang={c.get("lang")} w={c.get("w")} next={next} error={error} />, 401);
    }
    await setSignedCookie(c, COOKIE, token, await cookieSecret(c.get("deps").secretKey), cookieOptions(c));
    return c.redirect(next, 303);
  };

  app.post("/console/login/key", async (c) => {
    const form = await formOf(c);
    const token = await signInWithKey(c.get("deps"), form.key ?? "");
    return signedIn(c, token, safeNext(form.next), c.get("w").badKey);
  });

  app.post("/console/login/password", async (c) => {
    const form = await formOf(c);
    const w = c.get("w");
    const next = safeNext(form.next);
    const result = await signInWithPassword(c.get("deps"), {
      workspace: form.workspace ?? "",
      email: form.email ?? "",
      password: form.password ?? "",
    });
    if ("token" in result) return signedIn(c, result.token, next, "");
    if (result.refused === "wrong") return signedIn(c, null, next, w.badPassword);
    c.header("retry-after", String(result.minutes * 60));
    return c.html(
      <LoginPage lang={c.get("lang")} w={w} next={next} error={fill(w.tooManyTries, { n: result.minutes })} />,
      429,
    );
  });

  // Every other console page needs a live session; a form also needs the session's CSRF token.
  app.use("/console/*", async (c, next) => {
    const token = await getSignedCookie(c, await cookieSecret(c.get("deps").secretKey), COOKIE);
    const session = token ? await sessionFor(c.get("deps"), token) : null;
    if (!session) {
      const url = new URL(c.req.url);
      return c.redirect(`/console/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    if (c.req.method === "POST") {
      const form = await formOf(c);
      if (form._csrf !== session.csrf) return c.text(c.get("w").badForm, 403);
    }
    c.set("session", session);
    const notice = getCookie(c, NOTICE_COOKIE);
    if (notice && c.req.method === "GET" && !c.req.query("fragment")) {
      c.set("notice", notice);
      deleteCookie(c, NOTICE_COOKIE, { path: "/console" });
    }
    await next();
  });

  app.post("/console/logout", async (c) => {
    await signOut(c.get("deps"), c.get("session").token);
    deleteCookie(c, COOKIE, { path: "/console" });
    return c.redirect("/console/login", 303);
  });

  const page = (c: Context<ConsoleEnv>) => ({
    lang: c.get("lang"),
    w: c.get("w"),
    who: { scope: c.get("session").scope, csrf: c.get("session").csrf },
    api: consoleApi(api, c.get("session").token),
  });

  type Page = ReturnType<typeof page>;
  /** A refusal from the API (a 4xx) in the page's words, with its status; anything else is thrown on. */
  const refused = (p: Page, e: unknown) => {
    const r = refusal(e);
    return { status: r.status as 422, text: refusalText(r, p.w, p.lang) };
  };
  // A form that either works (its notice is shown on the page it leads to) or comes back as
  // typed, with why, at the refusal's status: a person never types a form twice. An action's
  // own refusal is a notice starting with "!".
  const formPost = async (
    c: Context<ConsoleEnv>,
    act: (
      p: Page,
      form: Record<string, string>,
    ) => Promise<{ notice: string; to: string } | { page: HtmlEscapedString }>,
    again: (p: Page, form: Record<string, string>, problem: string) => Promise<HtmlEscapedString | null>,
  ) => {
    const p = page(c);
    const form = await formOf(c);
    let problem: { status: 422; text: string };
    try {
      const done = await act(p, form);
      // A page shown once, not after a redirect (a new webhook's secret): never kept by a cache.
      if ("page" in done) return c.html(done.page, 200, { "Cache-Control": "no-store" });
      if (!done.notice.startsWith("!")) {
        setCookie(c, NOTICE_COOKIE, done.notice.slice(0, 1000), noticeCookie);
        return c.redirect(done.to, 303);
      }
      problem = { status: 422, text: done.notice.slice(1) };
    } catch (e) {
      problem = refused(p, e);
    }
    const body = await again(p, form, problem.text);
    return body === null ? c.html(notFound(p), 404) : c.html(body, problem.status);
  };

  app.get("/console", async (c) => c.html(await HomePage(page(c))));
  app.get("/console/customers", async (c) =>
    c.html(await CustomersPage({ ...page(c), query: c.req.query(), notice: c.get("notice") })),
  );
  // One customer from the list's form: their profile on success, the form as typed on a refusal.
  app.post("/console/customers/new", (c) =>
    formPost(
      c,
      async (p, form) => ({
        notice: p.w.customerAdded,
        to: `/console/customers/${encodeURIComponent(await addCustomer(p, form))}`,
      }),
      (p, form, error) => CustomersPage({ ...p, query: {}, adding: { form, error } }),
    ),
  );
  app.post("/console/customers/bulk", async (c) => {
    const all = await c.req.parseBody({ all: true });
    const ids = ([] as unknown[]).concat(all.ids ?? []).filter((x): x is string => typeof x === "string");
    return action(c, "/console/customers", (p, form) =>
      bulkAction(p, { ids, group: form.group ?? "", tag: form.tag ?? "", do: form.do ?? "add" }),
    );
  });
  app.get("/console/templates", async (c) => c.html(await TemplatesPage(page(c))));
  app.get("/console/templates/edit", async (c) => {
    const input = c.req.query();
    if (input.fragment) return c.html(await PreviewSection({ ...page(c), input }));
    return c.html(await EditorPage({ ...page(c), input }));
  });
  // The editor posts (it carries the CSRF token): a preview renders the page again, a save
  // stores the text and says so, or shows the API's reason (a template error by line and column).
  app.post("/console/templates/edit", async (c) => {
    const p = page(c);
    const input = await formOf(c);
    if (input.do !== "save") return c.html(await EditorPage({ ...p, input }));
    try {
      const notice = await saveTemplate(p, input);
      return c.html(await EditorPage({ ...p, input, notice }));
    } catch (e) {
      if (e instanceof NeedsName) return c.html(await EditorPage({ ...p, input, notice: `!${e.message}` }), 422);
      const r = refused(p, e);
      return c.html(await EditorPage({ ...p, input, notice: `!${r.text}` }), r.status);
    }
  });
  // Actions answer with a redirect back to their page (so a reload does not post again),
  // carrying what happened; an API refusal (a viewer's 403, a bad value) is shown the same way.
  const action = async (
    c: Context<ConsoleEnv>,
    home: string,
    act: (p: ReturnType<typeof page>, form: Record<string, string>) => Promise<string>,
  ) => {
    const p = page(c);
    const form = await formOf(c);
    const back = safeNext(form.back ?? home);
    let notice: string;
    try {
      notice = await act(p, form);
    } catch (e) {
      notice = `!${refused(p, e).text}`;
    }
    setCookie(c, NOTICE_COOKIE, notice.slice(0, 1000), noticeCookie);
    return c.redirect(back, 303);
  };
  const inboxAction = (c: Context<ConsoleEnv>, act: Parameters<typeof action>[2]) => action(c, "/console/inbox", act);
  app.get("/console/inbox", async (c) =>
    c.html(
      await InboxPage({
        ...page(c),
        query: c.req.query(),
        now: c.get("deps").clock.now().getTime(),
        notice: c.get("notice"),
      }),
    ),
  );
  app.post("/console/inbox/reply", (c) =>
    inboxAction(c, async (p, form) => {
      await p.api.post("/v1/inbox/reply", { category: form.category, reply: { text: form.text } });
      return p.w.replySent;
    }),
  );
  app.post("/console/inbox/:id/reply", (c) =>
    inboxAction(c, async (p, form) => {
      await p.api.post(`/v1/inbox/${encodeURIComponent(c.req.param("id"))}/reply`, { reply: { text: form.text } });
      return p.w.replySent;
    }),
  );
  app.post("/console/inbox/:id", (c) =>
    inboxAction(c, async (p, form) => {
      const patch =
        form.action === "done"
          ? { status: "done" }
          : form.action === "reopen"
            ? { status: "open" }
            : { assignee_id: form.assignee_id || null };
      await p.api.patch(`/v1/inbox/${encodeURIComponent(c.req.param("id"))}`, patch);
      return p.w.saved;
    }),
  );
  app.get("/console/groups", async (c) => {
    const input = c.req.query();
    if (input.fragment) return c.html(await CountSection({ ...page(c), input }));
    return c.html(await GroupsPage({ ...page(c), input, notice: c.get("notice") }));
  });
  app.post("/console/groups/:what{create|delete}", (c) =>
    action(c, "/console/groups", (p, form) => groupAction(p, c.req.param("what"), form)),
  );
  app.post("/console/groups", (c) =>
    formPost(
      c,
      async (p, input) => {
        const filter = filterOf(input, await builderFields(p.api, p.w));
        if (input.edit) {
          await p.api.patch(`/v1/groups/${encodeURIComponent(input.edit)}`, { name: input.name ?? "", filter });
        } else {
          await p.api.post("/v1/groups", { name: input.name ?? "", kind: "segment", filter });
        }
        return { notice: p.w.saved, to: "/console/groups" };
      },
      (p, input, error) => GroupsPage({ ...p, input, error }),
    ),
  );
  app.get("/console/campaigns", async (c) =>
    c.html(
      await CampaignsPage({
        ...page(c),
        kind: c.req.query("kind"),
        edit: c.req.query("edit"),
        notice: c.get("notice"),
      }),
    ),
  );
  // A new draft, or (with `edit`) a draft's whole definition replaced; the form as typed on a refusal.
  app.post("/console/campaigns", async (c) => {
    const p = page(c);
    const form = await formOf(c);
    try {
      const tenant = await p.api.get<{ time_zone: string; locale: string }>("/v1/tenant");
      const body = campaignBody(form, tenant.time_zone, tenant.locale);
      if (form.edit) {
        // Only a draft the form shows whole: anything else would lose what the form cannot show.
        const stored = await p.api.get<CampaignView>(
          `/v1/campaigns/${encodeURIComponent(form.edit)}?audience_count=false`,
        );
        const groupIds = (await p.api.get<{ data: { id: string }[] }>("/v1/groups")).data.map((g) => g.id);
        if (!formCanShow(stored, groupIds, tenant.time_zone)) {
          return c.html(await CampaignsPage({ ...p, error: p.w.editViaApi, form }), 409);
        }
      }
      const saved = form.edit
        ? await p.api.put<{ id: string }>(`/v1/campaigns/${encodeURIComponent(form.edit)}`, body)
        : await p.api.post<{ id: string }>("/v1/campaigns", body);
      return c.redirect(`/console/campaigns/${saved.id}`, 303);
    } catch (e) {
      const r = refused(p, e);
      return c.html(await CampaignsPage({ ...p, error: r.text, form }), r.status);
    }
  });
  app.post("/console/campaigns/:id/schedule", (c) => {
    const id = encodeURIComponent(c.req.param("id"));
    return action(c, `/console/campaigns/${id}`, async (p, form) => {
      const n = Number(form.confirm_audience);
      await p.api.post(`/v1/campaigns/${id}/schedule`, Number.isInteger(n) && n > 0 ? { confirm_audience: n } : {});
      return p.w.scheduled;
    });
  });
  app.post("/console/campaigns/:id/duplicate", async (c) => {
    const p = page(c);
    const copy = await p.api.post<{ id: string }>(
      `/v1/campaigns/${encodeURIComponent(c.req.param("id"))}/duplicate`,
      {},
    );
    setCookie(c, NOTICE_COOKIE, p.w.duplicated, noticeCookie);
    return c.redirect(`/console/campaigns/${copy.id}`, 303);
  });
  app.post("/console/campaigns/:id/delete", (c) =>
    action(c, "/console/campaigns", async (p) => {
      await p.api.delete(`/v1/campaigns/${encodeURIComponent(c.req.param("id"))}`);
      return p.w.draftDeleted;
    }),
  );
  app.post("/console/campaigns/:id/:move{pause|resume|cancel}", (c) => {
    const id = encodeURIComponent(c.req.param("id"));
    const move = c.req.param("move");
    return action(c, `/console/campaigns/${id}`, async (p) => {
      await p.api.post(`/v1/campaigns/${id}/${move}`, {});
      return p.w[`moved_${move as "pause" | "resume" | "cancel"}`];
    });
  });
  app.get("/console/campaigns/:id", async (c) => {
    const p = page(c);
    if (c.req.query("fragment") === "stats") {
      const part = await StatsFragment({ ...p, id: c.req.param("id") });
      return part === null ? c.html(notFound(p), 404) : c.html(part);
    }
    const body = await CampaignPage({ ...p, id: c.req.param("id"), notice: c.get("notice") });
    return body === null ? c.html(notFound(p), 404) : c.html(body);
  });
  settingsRoutes(app, { page, formPost, action });
  exportConsoleRoutes(app, { page });
  app.get("/console/keywords", async (c) => c.html(await KeywordsPage({ ...page(c), notice: c.get("notice") })));
  // A new keyword the API refuses (a clash, a bad word) comes back as typed, with why.
  app.post("/console/keywords/create", (c) =>
    formPost(
      c,
      async (p, form) => ({ notice: await keywordAction(p, "create", form), to: "/console/keywords" }),
      (p, typed, problem) => KeywordsPage({ ...p, notice: `!${problem}`, typed }),
    ),
  );
  app.post("/console/keywords/:what", (c) =>
    action(c, "/console/keywords", (p, form) => keywordAction(p, c.req.param("what"), form)),
  );
  app.get("/console/activation", async (c) =>
    c.html(await ActivationPage({ ...page(c), query: c.req.query(), now: c.get("deps").clock.now().getTime() })),
  );
  app.get("/console/customers/import", (c) => c.html(<ImportPage {...page(c)} />));
  app.post("/console/customers/import", async (c) => {
    const p = page(c);
    const file = (await c.req.parseBody()).file;
    if (!(file instanceof File) || file.size === 0) return c.html(<ImportPage {...p} problem={p.w.csvFile} />, 422);
    try {
      const report = await p.api.upload<ImportReport>("/v1/customers/import", "text/csv", await file.arrayBuffer());
      return c.html(<ImportPage {...p} report={report} />);
    } catch (e) {
      const r = refused(p, e);
      return c.html(<ImportPage {...p} problem={r.text} />, r.status);
    }
  });
  app.post("/console/customers/:id/simulate", (c) => {
    const id = c.req.param("id");
    return action(c, `/console/customers/${encodeURIComponent(id)}`, async (p, form) => {
      await p.api.post("/v1/inbound/simulate", { customer_id: id, channel_id: form.channel_id, text: form.text ?? "" });
      return fill(p.w.simulated, { text: (form.text ?? "").slice(0, 100) });
    });
  });
  // A refused edit comes back as typed, open, with the API's reason (not the stored values).
  app.post("/console/customers/:id", (c) => {
    const id = c.req.param("id");
    return formPost(
      c,
      async (p, form) => ({
        notice: await saveCustomer(p, id, form),
        to: `/console/customers/${encodeURIComponent(id)}`,
      }),
      (p, typed, problem) => CustomerPage({ ...p, id, notice: `!${problem}`, typed }),
    );
  });
  app.get("/console/customers/:id", async (c) => {
    const p = page(c);
    const body = await CustomerPage({ ...p, id: c.req.param("id"), notice: c.get("notice") });
    return body === null ? c.html(notFound(p), 404) : c.html(body);
  });

  // A page whose API call was refused (a filter value the API does not take, an id that cannot
  // exist) shows the API's reason with its status; anything else is the app's to answer.
  app.onError((e, c) => {
    if (!(e instanceof ApiError) || e.status >= 500) throw e;
    const session = c.get("session");
    const p = { lang: c.get("lang"), w: c.get("w"), who: { scope: session.scope, csrf: session.csrf } };
    const r = refusal(e);
    const section = sectionOf(c.req.path);
    return c.html(
      <Layout
        lang={p.lang}
        w={p.w}
        title={r.status === 404 ? p.w.notFound : p.w.pageRefused}
        page={section.page}
        who={p.who}
      >
        <Problem text={refusalText(r, p.w, p.lang)} />
        <p>
          <a href={section.href}>{p.w[section.key]}</a>
        </p>
      </Layout>,
      r.status as 400,
    );
  });

  return app;
}
