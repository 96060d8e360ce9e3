import { currentLanguage } from '../../../i18n/i18n';
import { formatNumber } from '../../../lib/format';

/** A share in [0, 1] as a percentage in the console's language; a dash when unknown. */
export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? '—' : `${formatNumber(value * 100, digits)} %`;
}

/** A score, ECE or Brier figure with three decimals; a dash when unknown. */
export function score(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : formatNumber(value, 3);
}

/** An amount in its ISO 4217 currency, as the console's language writes money ($0.0834, US$0.0834). */
export function money(value: number, currency: string): string {
  return new Intl.NumberFormat(currentLanguage(), { style: 'currency', currency, maximumFractionDigits: 4 }).format(value);
}
