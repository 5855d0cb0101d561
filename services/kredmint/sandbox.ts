import type { KredmintService } from "./kredmint-service.ts";

export interface SandboxPartnerSettings {
  readonly partnerId: string;
  readonly secret: string;
  readonly clientToken: string;
  readonly webhookUrl: string | undefined;
  readonly webhookAuth: string | undefined;
}

/** The seed's sources (its samples send MOS, BNPL and BIZOM). */
export const SANDBOX_SOURCES = ["MOS", "BNPL", "BIZOM"] as const;

/**
 * Seeds the sandbox partner at every start through the same command an operator's `POST /v1/partners` runs:
 * the same registration again is a no-op, a changed SANDBOX_PARTNER_SECRET or _CLIENT_TOKEN rotates it.
 */
export async function seedSandboxPartner(kredmint: KredmintService, settings: SandboxPartnerSettings) {
  await kredmint.partners.register(
    {
      partnerId: settings.partnerId,
      name: "Sandbox Partner",
      secret: settings.secret,
      clientToken: settings.clientToken,
      allowedSources: [...SANDBOX_SOURCES],
      webhookUrl: settings.webhookUrl,
      webhookAuth: settings.webhookAuth,
    },
    { actor: "system:sandbox-seed", correlationId: "sandbox-seed", causationId: "sandbox-seed" },
  );
}
