import type { Deps } from "../deps";
import type { Scope } from "./auth";

export type AuthInfo = { tenantId: string; keyId: string; scope: Scope };

/** Who is calling: an integration with an API key, or a person in the web console (its session). */
export type Caller = AuthInfo & { via: "api" | "console" };

export type AppEnv = {
  Variables: {
    deps: Deps;
    auth: Caller;
    requestId: string;
  };
};
