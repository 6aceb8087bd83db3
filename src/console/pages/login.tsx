import { Field } from "../fields";
import type { Lang, Words } from "../i18n";
import { Layout, Problem } from "../layout";

export function LoginPage(props: { lang: Lang; w: Words; next: string; error?: string }) {
  const { w } = props;
  return (
    <Layout lang={props.lang} w={w} title={w.signInTitle} page="login">
      <Problem text={props.error} />
      <div class="login">
        <form method="post" action="/console/login/key" aria-labelledby="with-key">
          <h2 id="with-key">{w.withKey}</h2>
          <input type="hidden" name="next" value={props.next} />
          <div>
            <label for="key">{w.apiKey}</label>
            <input id="key" name="key" type="password" autocomplete="off" required aria-describedby="key-hint" />
            <small id="key-hint" class="muted">
              {w.apiKeyHint}
            </small>
          </div>
          <button type="submit">{w.signIn}</button>
        </form>
        <form method="post" action="/console/login/password" aria-labelledby="with-password">
          <h2 id="with-password">{w.withPassword}</h2>
          <input type="hidden" name="next" value={props.next} />
          <div>
            <label for="workspace">{w.workspace}</label>
            <input id="workspace" name="workspace" required autocomplete="organization" aria-describedby="ws-hint" />
            <small id="ws-hint" class="muted">
              {w.workspaceHint}
            </small>
          </div>
          <Field id="email" label={w.email}>
            <input id="email" name="email" type="email" required autocomplete="username" />
          </Field>
          <Field id="password" label={w.password}>
            <input id="password" name="password" type="password" required autocomplete="current-password" />
          </Field>
          <button type="submit">{w.signIn}</button>
        </form>
      </div>
    </Layout>
  );
}
