import { GlobalOutlined } from '@ant-design/icons';
import { Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, chooseLanguage, currentLanguage, type Language } from '../../i18n/i18n';

const LANGUAGE_NAMES: Record<Language, string> = { 'en-US': 'English', 'zh-CN': '简体中文' };

/** The header's language switch; the choice is saved and restored on the next visit. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <Select<Language>
      aria-label={t('common:language.label')}
      value={currentLanguage()}
      key={i18n.language}
      onChange={(language) => void chooseLanguage(language)}
      suffixIcon={<GlobalOutlined />}
      style={{ width: 130 }}
      options={LANGUAGES.map((language) => ({ value: language, label: LANGUAGE_NAMES[language] }))}
    />
  );
}
