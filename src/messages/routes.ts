import type { Context } from "hono";
import { ctxOf } from "../http/auth";
import type { AppEnv } from "../http/env";
import { apiRoute, createRouter, jsonBody, jsonContent, z } from "../http/openapi";
import { ValidationError } from "../lib/errors";
import { libraryOf } from "../templates/library";
import { MessageCreateSchema, MessageListQuery, MessageSchema } from "./schemas";
import { createMessage, getMessage, listMessages, type MessageEnv } from "./service";

const tags = ["Messages"];
const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

function env(c: Context<AppEnv>): MessageEnv {
  const deps = c.get("deps");
  return { ...ctxOf(c), library: libraryOf(deps), onDue: deps.onMessageDue };
}

export const messageRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/messages",
      tags,
      summary: "Send one message to one customer",
      description:
        "Written to the outbox at once and sent by the dispatcher, which checks consent, quiet hours, validity and the quota again just before sending. With an `Idempotency-Key` header, the same key and body returns the same message (200); the same key with another body is a 409.",
      scope: "write",
      request: {
        body: jsonBody(MessageCreateSchema),
        headers: z.object({
          "idempotency-key": z
            .string()
            .max(200)
            .optional()
            .openapi({ description: "Makes retries safe: one message per key" }),
        }),
      },
      responses: {
        201: jsonContent(MessageSchema, "The new message"),
        200: jsonContent(MessageSchema, "The message this Idempotency-Key already made"),
      },
    }),
    async (c) => {
      const key = c.req.header("idempotency-key");
      if (key !== undefined && (key.length === 0 || key.length > 200)) {
        throw ValidationError.field("Idempotency-Key", "must be 1-200 characters");
      }
      const { message, replayed } = await createMessage(env(c), c.req.valid("json"), key);
      return replayed ? c.json(message, 200) : c.json(message, 201);
    },
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/messages",
      tags,
      summary: "List messages, newest first",
      scope: "read",
      request: { query: MessageListQuery },
      responses: {
        200: jsonContent(
          z.object({ data: z.array(MessageSchema), next_cursor: z.string().nullable() }),
          "A page of messages",
        ),
      },
    }),
    async (c) => c.json(await listMessages(ctxOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/messages/{id}",
      tags,
      summary: "A message with its full status history",
      scope: "read",
      request: { params: IdParam },
      responses: { 200: jsonContent(MessageSchema, "The message and every status change and decision") },
    }),
    async (c) => c.json(await getMessage(ctxOf(c), c.req.valid("param").id), 200),
  );
