import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import i18n, { type Resource } from 'i18next';
import { initReactI18next } from 'react-i18next';

export const LANGUAGES = ['en-US', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];
export const LANGUAGE_STORAGE_KEY = 'turnout.language';
const DAYJS_LOCALES: Record<Language, string> = { 'en-US': 'en', 'zh-CN': 'zh-cn' };

/**
 * Every catalog: `src/app/locales/<language>.json` is the `common` namespace and each feature's
 * `src/features/<feature>/locales/<language>.json` is the namespace named after the feature.
 */
const catalogs = import.meta.glob<Record<string, unknown>>('../**/locales/*.json', {
  eager: true,
  import: 'default',
});

export function namespaceOf(path: string): string {
  const parts = path.split('/');
  const owner = parts[parts.length - 3] ?? '';
  return owner === 'app' ? 'common' : owner;
}

function resources(): Resource {
  const found: Resource = {};
  for (const [path, catalog] of Object.entries(catalogs)) {
    const language = (path.split('/').pop() ?? '').replace(/\.json$/, '');
    found[language] = { ...found[language], [namespaceOf(path)]: catalog };
  }
  return found;
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The saved choice, else the browser's language when it is Chinese, else English. */
export function initialLanguage(): Language {
  const saved = window.localStorage.getItem(LANGUAGE_STORAGE_KEY);
  if (isLanguage(saved)) return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en-US';
}

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : 'en-US';
}

function applyLanguage(language: string): void {
  if (!isLanguage(language)) return;
  document.documentElement.lang = language;
  dayjs.locale(DAYJS_LOCALES[language]);
}

/** Switches the console's language and remembers it for the next visit. */
export async function chooseLanguage(language: Language): Promise<void> {
  window.localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  await i18n.changeLanguage(language);
}

export function setUpI18n(): typeof i18n {
  if (!i18n.isInitialized) {
    const language = initialLanguage();
    void i18n.use(initReactI18next).init({
      resources: resources(),
      lng: language,
      fallbackLng: false,
      supportedLngs: LANGUAGES,
      defaultNS: 'common',
      interpolation: { escapeValue: false }, // React escapes
      load: 'currentOnly',
      initAsync: false,
    });
    applyLanguage(language);
    i18n.on('languageChanged', applyLanguage);
  }
  return i18n;
}

export default i18n;
