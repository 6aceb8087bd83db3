import type { Deps } from "../deps";
import type { Scope } from "./auth";

export type AuthInfo = { tenantId: string; keyId: string; scope: Scope };

export type AppEnv = {
  Variables: {
    deps: Deps;
    auth: AuthInfo;
    requestId: string;
  };
};
