import type { BuyerCommand } from "../buyer/buyer.decider.ts";
import type { BuyerEvent, BuyerProfile } from "../buyer/buyer.events.ts";

// The buyer stream as the tests write it: user-1, with a PIN and an OTP by their secret-store references.

export const buyerProfile: BuyerProfile = {
  userId: "user-1",
  phone: "+84-912345678",
  pinRef: "bs_pin-1",
  otpRef: "bs_otp-1",
};

export const registerBuyer = (profile: BuyerProfile = buyerProfile): BuyerCommand => ({
  type: "Register",
  profile,
});

export const buyerRegistered = (profile: BuyerProfile = buyerProfile): BuyerEvent => ({
  type: "BuyerRegistered",
  data: profile,
});
