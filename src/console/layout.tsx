import type { Child } from "hono/jsx";
import type { Lang, Words } from "./i18n";

export type Page =
  | "home"
  | "customers"
  | "groups"
  | "templates"
  | "campaigns"
  | "activation"
  | "inbox"
  | "keywords"
  | "settings"
  | "login";

/** The menu entry of the section a console path is in (its first part after /console). */
export function sectionOf(path: string): { page: Page; href: string; key: keyof Words } {
  const section = path.split("/")[2] ?? "";
  return NAV.find((n) => n.page === section) ?? (NAV[0] as (typeof NAV)[number]);
}

const NAV: { page: Page; href: string; key: keyof Words }[] = [
  { page: "home", href: "/console", key: "home" },
  { page: "customers", href: "/console/customers", key: "customers" },
  { page: "groups", href: "/console/groups", key: "groups" },
  { page: "templates", href: "/console/templates", key: "templates" },
  { page: "campaigns", href: "/console/campaigns", key: "campaigns" },
  { page: "activation", href: "/console/activation", key: "activation" },
  { page: "inbox", href: "/console/inbox", key: "inbox" },
  { page: "keywords", href: "/console/keywords", key: "keywords" },
  { page: "settings", href: "/console/settings", key: "settings" },
];

// A session's scope, in the staff role words people know it by.
const ROLE_OF_SCOPE: Record<string, keyof Words> = { admin: "role_admin", write: "role_operator", read: "role_viewer" };

/** The frame of every console page: header with navigation, the signed-in role, language switch. */
export function Layout(props: {
  lang: Lang;
  w: Words;
  title: string;
  page: Page;
  who?: { scope: string; csrf: string };
  children: Child;
}) {
  const { w, lang } = props;
  const other = lang === "en" ? "zh-CN" : "en";
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${w.appName}`}</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        <link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml" />
      </head>
      <body>
        <header>
          <a class="brand" href="/console">
            {w.appName}
          </a>
          {props.who && (
            <nav aria-label="Main">
              <ul>
                {NAV.map((n) => (
                  <li>
                    <a href={n.href} aria-current={n.page === props.page ? "page" : undefined}>
                      {w[n.key]}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          <div class="who">
            <a href={`/console/lang?to=${other}`} lang={other}>
              {w.language}
            </a>
            {props.who && (
              <>
                <span>
                  {w.role}: {w[ROLE_OF_SCOPE[props.who.scope] ?? "role_viewer"]}
                </span>
                <form method="post" action="/console/logout">
                  <input type="hidden" name="_csrf" value={props.who.csrf} />
                  <button type="submit" class="link">
                    {w.signOut}
                  </button>
                </form>
              </>
            )}
          </div>
        </header>
        <main>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** What went wrong, announced to screen readers; nothing when there is nothing to say. */
export function Problem(props: { text?: string | undefined }) {
  return props.text ? (
    <p class="error" role="alert">
      {props.text}
    </p>
  ) : null;
}

/** What an action did ("Saved."), or, marked with a leading "!", what the API refused. */
export function Notice(props: { text?: string | undefined }) {
  if (!props.text) return null;
  const bad = props.text.startsWith("!");
  return (
    <p role={bad ? "alert" : "status"} class={bad ? "error" : ""}>
      {props.text.replace(/^!/, "")}
    </p>
  );
}

/** A page for a thing that is not there (or not this workspace's), with the way home. */
export function notFound(p: { lang: Lang; w: Words; who: { scope: string; csrf: string } }) {
  return (
    <Layout lang={p.lang} w={p.w} title={p.w.notFound} page="home" who={p.who}>
      <p>
        <a href="/console">{p.w.home}</a>
      </p>
    </Layout>
  );
}
