// The money ledger's accounts: each market account's cash (what it can spend) and held funds (what
// its resting buys hold), the operator's fees (one ledger account per instance SKU, so that trades
// of different SKUs lock no common row; `fees` alone is where fees went before), and the credit
// the operator granted. Every entry moves micro-dollars from one key to another, so the balances
// always sum to zero.

export const ledgerKeys = {
  cash: (accountId: string) => `cash:${accountId}`,
  held: (accountId: string) => `held:${accountId}`,
  fees: (instanceSkuId: string) => `fees:${instanceSkuId}`,
  granted: 'granted',
} as const;
