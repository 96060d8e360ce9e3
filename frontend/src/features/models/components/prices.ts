import { currentLanguage } from '../../../i18n/i18n';
import { formatNumber } from '../../../lib/format';

/** A price per 1,000 tokens in the console's language: $0.0004, US$0.0004, ¥0.002… */
export function formatPrice(value: number, currency: string): string {
  try {
    return new Intl.NumberFormat(currentLanguage(), {
      style: 'currency',
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 6,
    }).format(value);
  } catch {
    // A code Intl does not know (entries keep whatever three letters were given).
    return `${formatNumber(value, 6)} ${currency}`;
  }
}
