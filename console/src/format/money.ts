// Money as people read it: dollars with cents. The API gives balances in integer cents and prices
// as decimal dollar strings ("15.600000" per node-hour); both are turned into text without
// passing through floating point.

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 123456 → "$1,234.56"; -250 → "−$2.50". */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '−' : '';
  const magnitude = Math.abs(cents);
  const dollars = Math.floor(magnitude / 100);
  return `${sign}$${groupThousands(String(dollars))}.${String(magnitude % 100).padStart(2, '0')}`;
}

/** "15.600000" → "$15.60"; "2.500060" → "$2.50006": cents always, more digits only when they count. */
export function formatDollars(decimal: string): string {
  const [whole = '0', fraction = ''] = decimal.split('.');
  const significant = fraction.replace(/0+$/, '');
  return `$${groupThousands(whole)}.${significant.padEnd(2, '0')}`;
}

/** A price per node-hour: "$15.60/node-hour". */
export function formatRate(decimal: string): string {
  return `${formatDollars(decimal)}/node-hour`;
}

/** A dollar string as a number, for placing it on a chart's axis (never for arithmetic on money). */
export function dollarsForChart(decimal: string): number {
  return Number(decimal);
}
