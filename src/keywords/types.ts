// Shapes stored as JSON on keywords, campaigns and messages. Plain types, so the schema can
// name them without importing any service code.

export type KeywordMatch = "whole" | "first_word" | "prefix";

/** What may follow a keyword: `激活 1234` has a 4-digit argument. */
export type KeywordArgument =
  | { type: "digits"; min_length: number; max_length: number; required: boolean }
  | { type: "text"; max_length: number; required: boolean }
  | { type: "choice"; options: string[]; required: boolean };

/** A reply: a template key (in the customer's locale) or a literal text. */
export type Reply = { template?: string; text?: string; variables?: Record<string, unknown> };

/** The reply a message asks for. `question` names the answer in responses and stats. */
export type Expectation = {
  question: string;
  valid_for_hours: number;
  /** Sent back when an answer is recorded. */
  thanks?: Reply;
} & ({ type: "score"; min: number; max: number } | { type: "yes_no" } | { type: "choice"; options: string[] });

export type KeywordAction =
  | ({ type: "reply" } & Reply)
  | { type: "add_to_group"; group: string }
  | { type: "remove_from_group"; group: string }
  /** `value` "$argument" stores what followed the keyword. */
  | { type: "set_attribute"; key: string; value: string | number | boolean | null }
  | { type: "record_response"; question: string }
  | { type: "record_event"; event: string; properties?: Record<string, string | number | boolean | null> }
  | { type: "start_survey"; template: string; expects: Expectation }
  /** Built in: the argument must be the last 4 digits of the customer's card. */
  | { type: "activate_card" };
