// Bounds every API shares. A product's own field bounds live beside its contracts (checkout/common.ts,
// v1/bounds.ts); this is what the HTTP shell enforces before any route is chosen.

/**
 * The longest path parameter any route accepts (a /v1 account name). The router refuses a longer one before
 * routing, so each route's own schema bound (never above this) decides everything shorter.
 */
export const PATH_PARAM_MAX_CHARS = 300;
