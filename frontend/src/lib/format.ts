import { currentLanguage } from '../i18n/i18n';

/** A number in the console's language (1,234.5 / 1,234.5; grouping per locale). */
export function formatNumber(value: number, digits = 0): string {
  return new Intl.NumberFormat(currentLanguage(), { maximumFractionDigits: digits }).format(value);
}

/** A moment in the console's language and the browser's time zone. */
export function formatDateTime(value: string | number | Date): string {
  return new Intl.DateTimeFormat(currentLanguage(), {
    dateStyle: 'medium',
    timeStyle: 'medium',
  }).format(new Date(value));
}

export function formatTime(value: string | number | Date): string {
  return new Intl.DateTimeFormat(currentLanguage(), { timeStyle: 'medium' }).format(new Date(value));
}
