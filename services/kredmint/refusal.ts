import type { KredmintErrorStatus } from "../../contracts/kredmint/envelope.ts";

/** A Partner API request refused by a use case: its HTTP status and `<field>: <what is wrong and how to fix it>`. */
export class KredmintRefusal extends Error {
  override name = "KredmintRefusal";
  readonly status: KredmintErrorStatus;
  constructor(status: KredmintErrorStatus, field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.status = status;
  }
}
