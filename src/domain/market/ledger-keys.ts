// The money ledger's accounts: each market account's cash (what it can spend) and held funds (what
// its resting buys hold), the operator's fees, and the credit the operator granted. Every entry
// moves micro-dollars from one key to another, so the balances always sum to zero.

export const ledgerKeys = {
  cash: (accountId: string) => `cash:${accountId}`,
  held: (accountId: string) => `held:${accountId}`,
  fees: 'fees',
  granted: 'granted',
} as const;
