import { describe, expect, it } from "vitest";
import { eligibilityRequestSchema } from "../../contracts/kredmint/eligibility.ts";
import { parseJsonPreservingNumbers } from "../../contracts/money.ts";
import { prefillOf } from "./prefill.ts";

const contextOf = (json: string) =>
  eligibilityRequestSchema.parse(parseJsonPreservingNumbers(json)).userContext;

describe("prefill from userContext", () => {
  it("the seed's sample context gives only what it fills in", () => {
    const context = contextOf(`{"source":"BNPL","username":"9887206895","page":"profile","userContext":{
      "fullName":"","mobile":"","email":"","gender":"MALE","gst":"","pancard":"","businessName":"",
      "aadharNumber":"","gmv":{"minInLac":0,"maxInLac":0},"latLong":{"latitude":0.0,"longitude":0.0},
      "anchorVintageInDays":368,"address":{"addressLine1":"","addressLine2":"","addressLine3":"","state":"",
      "city":"","pincode":""},"companyOwned":"true"}}`);
    expect(prefillOf(context)).toEqual({ gender: "MALE", anchorVintageInDays: "368", companyOwned: "true" });
  });
  it("nested fields are dotted and numbers keep their digits", () => {
    const context = contextOf(`{"source":"MOS","username":"9887206895","page":"profile","userContext":{
      "fullName":"Devratna Arya","gmv":{"minInLac":1.50,"maxInLac":3},"address":{"city":"Delhi"},
      "latLong":{"latitude":28.613939,"longitude":77.209023},"companyOwned":false}}`);
    expect(prefillOf(context)).toEqual({
      fullName: "Devratna Arya",
      "gmv.minInLac": "1.50",
      "gmv.maxInLac": "3",
      "address.city": "Delhi",
      "latLong.latitude": "28.613939",
      "latLong.longitude": "77.209023",
      companyOwned: "false",
    });
  });
  it("no context, no prefill", () => {
    expect(prefillOf(undefined)).toEqual({});
  });
});
