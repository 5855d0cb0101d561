import { expect, it } from "vitest";
import { httpOtpSender } from "../../services/platform/otp/http-otp-sender.ts";
import type { OtpMessage } from "../../services/platform/otp/port.ts";
import { SANDBOX_OTP, sandboxOtpSender } from "../../services/platform/otp/sandbox-otp-sender.ts";
import { Receiver } from "../notifier/harness.ts";
import { testOtpSender } from "./otp-sender.suite.ts";

testOtpSender("sandbox", async () => ({
  open: async () => sandboxOtpSender(),
  delivered: () => [],
  dispose: async () => {},
}));

// The gateway fails once: the adapter's retry delivers the same message.
testOtpSender("http", async () => {
  const receiver = await new Receiver().replies({ status: 503 }, { status: 200 }).listen();
  return {
    open: async (logger) =>
      httpOtpSender({ url: receiver.url, attempts: 3, backoffMs: 10, timeoutMs: 2000, logger }),
    delivered: () => receiver.received.filter((_, i) => i > 0).map((r) => JSON.parse(r.body) as OtpMessage),
    dispose: () => receiver.close(),
  };
});

it("the sandbox's codes are the seeds': 4567 for the Checkout API, 1234 for the Partner API", () => {
  expect(sandboxOtpSender().pickCode("kredivo")).toBe(SANDBOX_OTP.kredivo);
  expect(SANDBOX_OTP).toEqual({ kredivo: "4567", kredmint: "1234" });
});
