import type { BuyerCommand } from "../buyer/buyer.decider.ts";
import type { BuyerEvent, BuyerProfile } from "../buyer/buyer.events.ts";

// The buyer stream as the tests write it: user-1, with salted hashes of a PIN and an OTP secret.

export const buyerProfile: BuyerProfile = {
  userId: "user-1",
  phone: "+84-912345678",
  pinHash: "scrypt$salt-1$pin",
  otpHash: "scrypt$salt-1$otp",
};

export const registerBuyer = (profile: BuyerProfile = buyerProfile): BuyerCommand => ({
  type: "Register",
  profile,
});

export const buyerRegistered = (profile: BuyerProfile = buyerProfile): BuyerEvent => ({
  type: "BuyerRegistered",
  data: profile,
});
