import { Writable } from "node:stream";
import pino, { type Logger } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OtpMessage, OtpSender } from "../../services/platform/otp/port.ts";

/** One behaviour for every OTP sender (sandbox, http): codes are digits, sent, and never logged. */
export interface OtpSenderFixture {
  open(logger: Logger): Promise<OtpSender>;
  /** The messages the adapter delivered (none for the sandbox, which sends nowhere). */
  delivered(): OtpMessage[];
  dispose(): Promise<void>;
}

export function testOtpSender(adapter: string, makeFixture: () => Promise<OtpSenderFixture>): void {
  describe(`OTP sender conformance: ${adapter}`, () => {
    let fixture: OtpSenderFixture;
    let sender: OtpSender;
    const lines: string[] = [];

    beforeEach(async () => {
      lines.length = 0;
      const sink = new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      });
      fixture = await makeFixture();
      sender = await fixture.open(pino({ level: "debug" }, sink));
    });
    afterEach(async () => {
      await fixture.dispose();
    });

    it("picks a code of digits for each product", () => {
      for (const product of ["kredivo", "kredmint"] as const)
        expect(sender.pickCode(product)).toMatch(/^[0-9]{4,8}$/);
    });

    it("sends a code, and no log line holds it", async () => {
      const code = sender.pickCode("kredivo");
      const message = {
        product: "kredivo" as const,
        phone: "+84905550101",
        code,
        expiresAt: new Date().toISOString(),
      };
      await sender.send(message);
      for (const sent of fixture.delivered()) expect(sent).toEqual(message);
      for (const line of lines) expect(JSON.parse(line)).not.toMatchObject({ code });
      expect(lines.join("\n")).not.toContain(`"${code}"`);
    });
  });
}
