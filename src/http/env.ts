import type { AuthInfo } from "../auth/scope";
import type { Deps } from "../deps";

/** Who is calling: an integration with an API key, or a person in the web console (its session). */
export type Caller = AuthInfo & { via: "api" | "console" };

export type AppEnv = {
  Variables: {
    deps: Deps;
    auth: Caller;
    requestId: string;
  };
};
